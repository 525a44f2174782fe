"""Write a subword family's ``source_words.json``: its training sources' words and the rule that flags an input.

    python -m training.known_words --task bible

The rule (``min_unseen`` words unseen in training, making at least ``min_share`` of the input) is chosen on the
clean validation verses only: of the rules on a small grid that flag at most 5 % of them (the confidence notice's
rate), the one that flags the most (the most sensitive), ties to the smaller thresholds.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.known_words import FILE, KnownWords, words
from training.translation import load_task

MAX_FLAGGED = 0.05
GRID = [(n, s) for n in (1, 2, 3) for s in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)]
FAMILY = {"bible": "bible-en-fr"}


def build(task: str = "bible") -> dict:
    """The file's content: sorted training-source words, the chosen rule and every grid rule's validation rate."""
    data = load_task(task, seed=1)
    known = frozenset(w for item in data["train"] for w in words(item["source"]))
    valid = [item["source"] for item in data["valid"]]
    rates = {}
    for n, share in GRID:
        rule = KnownWords(known, n, share)
        rates[(n, share)] = sum(rule.flags(text) for text in valid) / len(valid)
    allowed = [key for key, rate in rates.items() if rate <= MAX_FLAGGED]
    n, share = max(allowed, key=lambda key: (rates[key], -key[0], -key[1]))
    return {"min_unseen": n, "min_share": share, "valid_flagged": round(rates[(n, share)], 4),
            "valid_items": len(valid), "train_items": len(data["train"]),
            "grid": [{"min_unseen": k[0], "min_share": k[1], "valid_flagged": round(v, 4)} for k, v in rates.items()],
            "words": sorted(known)}


def main() -> None:
    """Write the family's file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(FAMILY), default="bible")
    parser.add_argument("--out", type=Path, help=f"default: the family's weights folder / {FILE}")
    args = parser.parse_args()
    content = build(args.task)
    out = args.out or WEIGHTS_DIR / FAMILY[args.task] / FILE
    out.write_text(json.dumps(content, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(content['words'])} words; rule: at least {content['min_unseen']} unseen words and "
          f"{content['min_share']:.0%} of the input (flags {content['valid_flagged']:.1%} of "
          f"{content['valid_items']} validation verses) → {out}")


if __name__ == "__main__":
    main()
