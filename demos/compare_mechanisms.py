"""Runnable example: one sentence through every shipped translation mechanism, compared by the record alone.

    python -m demos.compare_mechanisms "Monday, November 23, 2026"

Prints each mechanism's translation and, per generated token, the source token it attended to most, the
row's entropy and (local attention) its centre p_t — everything read from the `AttentionMap` records.
"""
from __future__ import annotations

import argparse

from attention_core.capabilities import Input, Needs, Produces
from attention_core.models import list_models, load_model
from attention_core.stats import row_entropy


def compare(text: str, family: str = "dates-en-fr") -> list[dict[str, object]]:
    """One row per (mechanism, generated token): the argmax source token, entropy and p_t."""
    rows = []
    for spec in list_models(Needs(input=Input.TEXT, produces=Produces.TRANSLATION), family):
        if not spec.is_available():
            continue
        result = load_model(spec.id).explain(text)
        amap = result.maps[0]
        entropy = row_entropy(amap)
        for i, token in enumerate(amap.queries):
            rows.append({"mechanism": spec.mechanism, "translation": str(result.output), "token": token,
                         "looks at": amap.keys[int(amap.weights[i].argmax())], "entropy": float(entropy[i]),
                         "p_t": None if amap.centers is None else amap.centers[i]})
    return rows


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="Monday, November 23, 2026")
    parser.add_argument("--family", default="dates-en-fr", help="dates-en-fr or bible-en-fr")
    args = parser.parse_args()
    current = None
    for row in compare(args.text, args.family):
        if row["mechanism"] != current:
            current = row["mechanism"]
            print(f"\n{current}: {row['translation']}")
        centre = "" if row["p_t"] is None else f"  p_t={row['p_t']:.1f}"
        print(f"  {row['token']:>12} ← {row['looks at']:<12} entropy {row['entropy']:.2f}{centre}")


if __name__ == "__main__":
    main()
