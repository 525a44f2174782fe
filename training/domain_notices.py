"""How often the shipped Bible translators warn, decoded exactly as the Translate page decodes.

    python -m training.domain_notices                       # every Bible model → docs/metrics_domain_notices.json
    python -m training.domain_notices --mechanism luong-dot # one model, merged into the same file

For each model: which of the first 100 clean test verses (in the domain) and which of :data:`NEWS` (sentences written
for this check, out of it) get the confidence notice ("less sure …"), and which get any notice at all (the
confidence notice, unseen words, the loop stop, the length bound; a lexicon word's "Supplied by …" is not a warning
and is not counted). Per-item flags are kept so a test can replay a few of them.
"""
from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import torch

from attention_core.models import load_model
from attention_core.models.seq2seq import MECHANISM_LABELS
from training.translation import load_task

OUT = Path("docs/metrics_domain_notices.json")
IN_DOMAIN = 100   # the first clean test verses
# Out of the domain: sentences in a news register, written for this check (2026-12-07), none from a corpus.
NEWS = ("The central bank raised interest rates on Sunday, 6 December 2026.",
        "Apple unveiled a new iPhone with an AI chip.",
        "Shares of the carmaker fell four percent after the earnings report.",
        "The city council approved a new bike lane on Main Street.",
        "Scientists found water ice near the south pole of the Moon.",
        "The football club signed a young striker from Brazil.",
        "Heavy snow closed the airport for six hours on Friday.",
        "The government announced a tax cut for small businesses.",
        "A new vaccine against the flu will be available next month.",
        "The streaming service lost two million subscribers this year.",
        "Parliament voted to ban plastic bags in supermarkets.",
        "Engineers tested a battery that charges an electric car in ten minutes.")
CONFIDENCE = "less sure"                       # the confidence notice (attention_core/models/translation.py)
NOT_A_WARNING = "Supplied by a word lexicon"   # the rare-word rule says what it wrote; that is not a doubt


def flags(notices: list[str]) -> dict[str, bool]:
    """One item's notices → whether the confidence notice and whether any warning came."""
    warnings = [n for n in notices if not n.startswith(NOT_A_WARNING)]
    return {"confidence": any(CONFIDENCE in n for n in warnings), "any": bool(warnings)}


def measure(mechanism: str, verses: list[str]) -> dict:
    """One shipped Bible model on the in-domain verses and :data:`NEWS` → counts and per-item flags."""
    model = load_model(f"bible-en-fr/{mechanism}")
    record = {}
    for name, texts in (("test_verses", verses), ("news", list(NEWS))):
        items = [flags(model.explain(text).notices) for text in texts]
        record[name] = {"items": len(items),
                        "confidence": sum(i["confidence"] for i in items),
                        "any": sum(i["any"] for i in items),
                        "flags": [[int(i["confidence"]), int(i["any"])] for i in items]}
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mechanism", default="all", help=f"comma-separated {list(MECHANISM_LABELS)} or 'all'")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    mechanisms = list(MECHANISM_LABELS) if args.mechanism == "all" else args.mechanism.split(",")
    verses = [e["source"] for e in load_task("bible", 1)["test"][:IN_DOMAIN]]
    result = json.loads(args.out.read_text()) if args.out.exists() else {}
    result.update({"what": __doc__.splitlines()[0], "in_domain": f"the first {IN_DOMAIN} clean test verses",
                   "news": list(NEWS)})
    models = result.setdefault("models", {})
    for mechanism in mechanisms:
        models[mechanism] = {**measure(mechanism, verses), "measured": datetime.date.today().isoformat()}
        m = models[mechanism]
        print(f"{mechanism}: test verses confidence {m['test_verses']['confidence']}/{IN_DOMAIN} "
              f"any {m['test_verses']['any']}; news confidence {m['news']['confidence']}/{len(NEWS)} "
              f"any {m['news']['any']}", flush=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
