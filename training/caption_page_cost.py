"""The captioners' page cost and sample captions under two weights folders, measured side by side (issue 20 item 3).

    python -m training.caption_page_cost --old DIR/caption --out docs/metrics_caption_round12_page.json

``Captioner.explain`` on sample scene 3, one thread, the median of ``--repeats`` calls after two warm-ups, for the
shipped captioners and those of ``--old`` (a ``…/caption`` folder, e.g. the shipped one with an earlier round's
``config.json`` files), alternating folders so both see the same load on a shared machine; and the three shipped
sample scenes as each captions them (exact = the sample's gold caption).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.inputs import load_image
from attention_core.models import base
from attention_core.models.captioning import SAMPLES_DIR, Captioner
from attention_core.models.registry import get_spec

DECODERS = ("soft", "hard")
SAMPLES = ("scene-1.png", "scene-2.png", "scene-3.png")


def captioners(folder: Path) -> dict[str, Captioner]:
    """The soft and hard captioners of a ``…/caption`` folder (loaded as the page loads them)."""
    old = base.WEIGHTS_DIR
    base.WEIGHTS_DIR = folder.parent
    try:
        return {d: Captioner(get_spec(f"caption/{d}")) for d in DECODERS}
    finally:
        base.WEIGHTS_DIR = old


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", type=Path, required=True)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    if a.old.name != "caption" or not (a.old / "vocab.json").is_file():   # its parent is read as the weights root
        p.error(f"--old must be a weights folder named caption holding vocab.json, not {a.old}")
    torch.set_num_threads(1)
    sides = {"shipped": captioners(WEIGHTS_DIR / "caption"), "old": captioners(a.old)}
    image = load_image(str(SAMPLES_DIR / "scene-3.png"))
    times: dict[str, dict[str, list[float]]] = {s: {d: [] for d in DECODERS} for s in sides}
    for d in DECODERS:
        for side in sides.values():
            side[d].explain(image)
            side[d].explain(image)
        for _ in range(a.repeats):
            for s, side in sides.items():
                start = time.perf_counter()
                side[d].explain(image)
                times[s][d].append(1000 * (time.perf_counter() - start))
    samples = {s: {d: [side[d].explain(load_image(str(SAMPLES_DIR / n))).output.text for n in SAMPLES]
                   for d in DECODERS} for s, side in sides.items()}
    result = {"what": "page cost (Captioner.explain on sample scene 3, one thread, median of "
                      f"{a.repeats} after 2 warm-ups, the two folders alternating) and the sample scenes' captions",
              "old": str(a.old),
              "page_ms": {s: {d: round(statistics.median(t), 1) for d, t in ts.items()} for s, ts in times.items()},
              "samples": samples,
              "samples_same_as_old": {d: samples["shipped"][d] == samples["old"][d] for d in DECODERS}}
    a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "what"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
