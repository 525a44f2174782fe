"""How many of the reference's rare words each Bible translator gets, beside the IBM-1 word-by-word baseline.

    python -m training.rare_words              # the clean validation verses → bible-en-fr/rare_words.json + a table

A reference word's band is how often it occurs in the training French (lower-cased words, elisions kept whole,
as :func:`training.lexical.words` splits them). A system's recall in a band is the clipped count of the band's
reference words that its output contains (each word counted at most as often as the reference has it), over the
band's reference words — the words chrF credits and BLEU mostly does not. No choice is made from these numbers.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import torch
from tokenizers import Tokenizer

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import MECHANISM_LABELS
from training.lexical import best_translations, detokenize, ibm1, word_by_word, words
from training.translation import load_saved, load_task, translate_all

BANDS = ((0, 0), (1, 4), (5, 49), (50, 499), (500, None))   # training-French counts, inclusive
IBM1_ITERATIONS = 5   # the word-level baseline's (chosen on validation BLEU, training.baselines)


def band_name(band: tuple[int, int | None]) -> str:
    """``(5, 49)`` → ``"5–49"``; ``(500, None)`` → ``"≥ 500"``; ``(0, 0)`` → ``"unseen"``."""
    low, high = band
    return "unseen" if high == 0 else (f"≥ {low}" if high is None else f"{low}–{high}")


def band_recall(hyps: list[str], refs: list[str], counts: Counter) -> dict[str, dict[str, float]]:
    """Per band: the reference words' clipped matches in ``hyps`` over their number → ``{band: {recall, words}}``."""
    found, total = Counter(), Counter()
    for hyp, ref in zip(hyps, refs):
        have, want = Counter(words(hyp, french=True)), Counter(words(ref, french=True))
        for word, n in want.items():
            seen = counts[word]
            band = next(b for b in BANDS if seen >= b[0] and (b[1] is None or seen <= b[1]))
            total[band] += n
            found[band] += min(n, have[word])
    return {band_name(b): {"recall": found[b] / total[b] if total[b] else float("nan"), "words": total[b]}
            for b in BANDS}


def measure(out_root: Path, split: str = "valid", seed: int = 1) -> dict:
    """Recall per band of IBM-1 word by word and every shipped Bible model (greedy, its config's λ) on ``split``."""
    data = load_task("bible", seed)
    items = data[split]
    refs = [e["target"] for e in items]
    counts = Counter(w for e in data["train"] for w in words(e["target"], french=True))
    table = best_translations(ibm1([(words(e["source"]), words(e["target"], french=True)) for e in data["train"]],
                                   IBM1_ITERATIONS))
    systems = {"ibm1-word-by-word": [detokenize(word_by_word(words(e["source"]), table)) for e in items]}
    family = out_root / "bible-en-fr"
    tok = Tokenizer.from_file(str(family / "tokenizer.json"))
    for mechanism in MECHANISM_LABELS:
        model = load_saved(family / mechanism, tok, mechanism)
        systems[mechanism] = translate_all(model, tok, [e["source"] for e in items], "cpu")
    return {"split": f"clean {split}", "items": len(items), "bands": [band_name(b) for b in BANDS],
            "systems": {name: band_recall(hyps, refs, counts) for name, hyps in systems.items()}}


def markdown(result: dict) -> str:
    """The result as a Markdown table: one row per system, one column per band (recall, %)."""
    first = next(iter(result["systems"].values()))
    head = " | ".join(f"{b} ({first[b]['words']} words)" for b in result["bands"])
    rows = [f"| system | {head} |", "|---" * (len(result["bands"]) + 1) + "|"]
    for name, bands in result["systems"].items():
        label = "IBM-1 word by word" if name.startswith("ibm1") else MECHANISM_LABELS[name]
        rows.append(f"| {label} | " + " | ".join(f"{100 * bands[b]['recall']:.0f} %" for b in result["bands"]) + " |")
    return "\n".join(rows)


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--split", choices=["valid", "test"], default="valid")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = measure(args.out, args.split)
    (args.out / "bible-en-fr" / "rare_words.json").write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))


if __name__ == "__main__":
    main()
