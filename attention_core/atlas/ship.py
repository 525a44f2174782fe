"""Regenerate the small exports shipped with the package (the Dataset page opens them offline).

    python -m attention_core.atlas.ship [--engine local|ray] [--only document/han ...]

Run after retraining any model: it rewrites ``attention_core/atlas/exports/<model id with -- for />/``.
"""
from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass

from .export import export
from .query import SHIPPED_DIR

MECHANISMS = ("bahdanau", "luong-dot", "luong-general", "luong-concat", "local-m", "local-p", "local-p-topk")


@dataclass(frozen=True)
class Shipped:
    """One shipped export: a model over the first ``limit`` examples of a named dataset."""

    model: str
    dataset: str
    limit: int
    keep_weights: int | None = None   # full weights for the first N examples only (statistics for all)


SHIPPED: tuple[Shipped, ...] = (
    Shipped("document/han", "bbc-test", 100),
    Shipped("sentence/lin", "rt-test", 200),
    Shipped("sentence/lin-nopenalty", "rt-test", 200),
    # 72 maps per sentence: statistics and head distances for 150, full maps for the first 4 (size);
    # the page recomputes any other sentence's maps on demand
    Shipped("transformer/minilm-l6", "rt-test", 150, keep_weights=4),
    *(Shipped(f"dates-en-fr/{m}", "dates-test", 200) for m in MECHANISMS),
    *(Shipped(f"bible-en-fr/{m}", "bible-test", 100) for m in MECHANISMS),
)


def folder_name(model_id: str) -> str:
    """The export folder of a model id (``/`` → ``--``)."""
    return model_id.replace("/", "--")


def main(argv: list[str] | None = None) -> None:
    """Rewrite every shipped export (or ``--only`` some models) and print their sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["local", "ray"], default="local")
    parser.add_argument("--only", nargs="*", help="model ids to regenerate (default: all)")
    args = parser.parse_args(argv)
    total = 0
    for item in SHIPPED:
        if args.only and item.model not in args.only:
            continue
        out = SHIPPED_DIR / folder_name(item.model)
        shutil.rmtree(out, ignore_errors=True)
        info = export(item.model, item.dataset, out, limit=item.limit, engine=args.engine,
                      keep_weights=item.keep_weights, on_progress=lambda done, total: None)
        size = sum(p.stat().st_size for p in out.iterdir())
        total += size
        print(f"{item.model:<28} {info.examples:>4} examples {info.maps:>6} maps {size / 1e6:6.2f} MB  {info.seconds:.0f} s")
    print(f"total {total / 1e6:.2f} MB in {SHIPPED_DIR}")


if __name__ == "__main__":
    main()
