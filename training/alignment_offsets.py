"""Where argmax attention lands relative to the gold source word, per shipped dates model.

    python -m training.alignment_offsets

For every gold-linked target token of the held-out dates (teacher-forced on the gold target), the offset
of the attention row's argmax from the nearest gold source token: 0 = on the word, +1 = one token to its
right, and so on (|offset| ≥ 3 pooled). Prints a Markdown table; the model card quotes it.
"""
from __future__ import annotations

import collections

import torch

from attention_core.models.seq2seq import EOS, MECHANISM_LABELS
from attention_core.models import get_spec
from attention_core.models.translation import Translator
from training.translation import collate, load_task

MECHANISMS = ["bahdanau", "luong-dot", "luong-general", "luong-concat", "local-m", "local-p", "local-p-topk"]
SPAN = 3


@torch.no_grad()
def offsets(mechanism: str, examples: list[dict]) -> collections.Counter:
    """Counts of (argmax − nearest gold source index), clipped to ±SPAN, over gold-linked target tokens."""
    tr = Translator(get_spec(f"dates-en-fr/{mechanism}"), device="cpu")
    counts: collections.Counter = collections.Counter()
    for ex in examples:
        src_ids = tr.tok.encode(ex["source"]).ids + [EOS]
        tgt_ids = tr.tok.encode(ex["target"]).ids + [EOS]
        src, lengths, tin, _ = collate([(src_ids, tgt_ids)])
        _, weights, _ = tr.model(src, lengths, tin)   # [1, target, source]
        gold: dict[int, set[int]] = collections.defaultdict(set)
        for ti, si in ex["links"]:
            gold[ti].add(si)
        for ti, sources in gold.items():
            hit = int(weights[0, ti].argmax())
            nearest = min((hit - si for si in sources), key=abs)
            counts[max(-SPAN, min(SPAN, nearest))] += 1
    return counts


def main() -> None:
    """Print the offset distribution of every dates model as a Markdown table."""
    examples = load_task("dates", seed=1)["test"]
    cols = list(range(-SPAN, SPAN + 1))
    head = [f"≤ −{SPAN}" if c == -SPAN else f"≥ +{SPAN}" if c == SPAN else f"{c:+d}" for c in cols]
    print("| mechanism | " + " | ".join(head) + " |")
    print("|---|" + "---|" * len(cols))
    for mech in MECHANISMS:
        counts = offsets(mech, examples)
        total = sum(counts.values())
        print(f"| {MECHANISM_LABELS[mech]} | " + " | ".join(f"{counts[c] / total:.2f}" for c in cols) + " |")


if __name__ == "__main__":
    main()
