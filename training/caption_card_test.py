"""Score the captioners on the card's 300 clean test scenes as they are declared (encoder read, grounded rule, head
bias), and write those numbers into each captioner's ``metrics.json`` (issue 20 item 3, round 7).

    python -m training.caption_card_test                 # shipped weights

The trainer (``training.captioning``) scores its checkpoint with free greedy decoding; a captioner declaring a
decoding rule in its ``config.json`` is captioned differently on the page, so the card's test numbers are rescored
here through the scorers' path (``caption_robustness.captioner_captions``). The trainer's numbers are kept under
``free_decoding_test``; ``decoding`` records the settings scored.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.data.scenes import make_scenes
from training.caption_robustness import captioner_captions, captioner_settings
from training.captioning import SPLITS, caption_scores, summarize

FIELDS = ("bleu4", "exact_match", "position_accuracy", "name_accuracy", "object_accuracy", "box_attention_share",
          "uniform_box_share", "object_words", "objects", "scenes", "invented_objects")


def declared_test(folder: Path, count: int = 300, decoders: tuple[str, ...] = ("soft", "hard")) -> dict[str, dict]:
    """Per decoder: :func:`training.captioning.summarize` of its captions of the ``count`` clean test scenes, decoded
    as its ``config.json`` declares."""
    scenes = make_scenes("test", count, SPLITS["test"][1])
    data = {"captions": [s["caption"] for s in scenes], "objects": [s["objects"] for s in scenes]}
    captions, _ = captioner_captions(folder, scenes, decoders=decoders)
    out = {}
    for d, caps in captions.items():
        hyps = [" ".join(said) for said, _ in caps]
        scores = [caption_scores(said, s["objects"], alpha) for (said, alpha), s in zip(caps, scenes)]
        out[d] = summarize(hyps, data, scores)
    return out


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folder", type=Path, default=WEIGHTS_DIR / "caption", help="weights (…/caption)")
    p.add_argument("--scenes", type=int, default=300)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for d, numbers in declared_test(a.folder, a.scenes).items():
        path = a.folder / d / "metrics.json"
        metrics = json.loads(path.read_text())
        if "free_decoding_test" not in metrics:
            metrics["free_decoding_test"] = {k: metrics[k] for k in FIELDS if k in metrics}
        settings = captioner_settings(a.folder, d)
        metrics.update(numbers, decoding={k: settings[k] for k in ("grounded", "head_bias")})
        path.write_text(json.dumps(metrics, indent=2) + "\n")
        print(d, json.dumps({k: round(v, 4) for k, v in numbers.items()}), flush=True)


if __name__ == "__main__":
    main()
