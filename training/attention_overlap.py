"""How alike two Bible translators' attention is, teacher-forced on the same reference translations.

    python -m training.attention_overlap                    # every model against luong-concat → docs/metrics_attention_overlap.json

Run 15 pre-fitted general's, local-m's and top-k's attention to concat's rows and then fine-tuned everything; this
measures how much of concat's attention they kept. Both models read the same source and the same reference prefix,
so row t of each is the attention for the same next word: per target token, whether the two rows' argmax source
tokens agree, and the total-variation distance ½ Σ_s |α_a − α_b| (0: the same row, 1: disjoint).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import EOS, MECHANISM_LABELS, Seq2Seq
from training.translation import collate, load_saved, load_task

OUT = Path("docs/metrics_attention_overlap.json")
FAMILY = "bible-en-fr"


@torch.no_grad()
def rows(model: Seq2Seq, pairs: list[tuple[list[int], list[int]]], batch: int = 32) -> list[torch.Tensor]:
    """Teacher-forced attention of ``model`` → one ``[target, source]`` tensor per pair (padding cut off)."""
    out = []
    for i in range(0, len(pairs), batch):
        chunk = pairs[i:i + batch]
        src, lengths, tin, _ = collate(chunk)
        _, weights, _ = model(src, lengths, tin)
        out += [weights[j, :len(t), :len(s)].float() for j, (s, t) in enumerate(chunk)]
    return out


def overlap(a: list[torch.Tensor], b: list[torch.Tensor]) -> dict[str, float]:
    """Two models' rows for the same pairs → argmax agreement and mean total-variation distance over target tokens."""
    same = torch.cat([(x.argmax(-1) == y.argmax(-1)).float() for x, y in zip(a, b)])
    tv = torch.cat([0.5 * (x - y).abs().sum(-1) for x, y in zip(a, b)])
    return {"argmax_agreement": round(float(same.mean()), 4), "total_variation": round(float(tv.mean()), 4),
            "target_tokens": int(same.numel())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default="luong-concat")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    tok = Tokenizer.from_file(str(WEIGHTS_DIR / FAMILY / "tokenizer.json"))
    test = load_task("bible", 1)["test"]
    pairs = [(tok.encode(e["source"]).ids + [EOS], tok.encode(e["target"]).ids + [EOS]) for e in test]
    attention = {m: rows(load_saved(WEIGHTS_DIR / FAMILY / m, tok, m), pairs) for m in MECHANISM_LABELS}
    result = {"what": __doc__.splitlines()[0], "split": f"the {len(test)} clean test verses, teacher-forced on the "
              "reference", "reference": args.reference,
              "models": {m: overlap(attention[m], attention[args.reference])
                         for m in MECHANISM_LABELS if m != args.reference}}
    for m, r in result["models"].items():
        print(f"{m:14s} argmax agreement with {args.reference} {r['argmax_agreement']:.3f}  "
              f"total variation {r['total_variation']:.3f}", flush=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
