"""Sequence-level knowledge distillation for the Bible translators (Kim & Rush 2016).

    python -m training.distillation --teacher luong-concat --out /tmp/teacher.json

A shipped teacher translates every training verse (greedy, batched, the float16 file); a student then trains on
the references mixed with the teacher's outputs (``python -m training.translation --distill FILE``): each epoch,
each training verse's target is the teacher's output with probability ``share``, else the reference. The test and
validation verses are never translated by the teacher. The student's own attention is what is trained and shown.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch
from tokenizers import Tokenizer

from attention_core.checkpoint import WEIGHTS_DIR

FAMILY = "bible-en-fr"


@torch.no_grad()
def teacher_outputs(teacher: str, weights: Path, seed: int = 1) -> dict:
    """Greedy translations of every training verse by the shipped ``teacher`` → ``{"teacher", "seconds",
    "targets": {verse id: French}}``."""
    from training.translation import load_saved, load_task, translate_all
    tok = Tokenizer.from_file(str(weights / FAMILY / "tokenizer.json"))
    folder = weights / FAMILY / teacher
    if not (folder / "model.safetensors").exists():
        raise SystemExit(f"--teacher {teacher}: no shipped weights in {folder}")
    model = load_saved(folder, tok, teacher)
    train = load_task("bible", seed)["train"]
    start = time.time()
    hyps = translate_all(model, tok, [e["source"] for e in train], "cpu", batch=128)
    return {"teacher": f"{FAMILY}/{teacher}", "decoding": "greedy", "weights": "float16",
            "seconds": round(time.time() - start, 1), "targets": {str(e["id"]): h for e, h in zip(train, hyps)}}


def usable(taught: str, reference: str) -> bool:
    """A teacher output worth training on: not empty and not a run-away (at most 2 × the reference's words + 5)."""
    return bool(taught.strip()) and len(taught.split()) <= 2 * len(reference.split()) + 5


def mixed_targets(train: list[dict], targets: dict[str, str], share: float, rng: random.Random) -> list[dict]:
    """The training verses with each target replaced by the teacher's output with probability ``share``
    (verses whose teacher output is not :func:`usable` keep their reference)."""
    if not 0.0 < share <= 1.0:
        raise SystemExit(f"the distilled share must be in (0, 1], got {share}")
    out = []
    for e in train:
        taught = targets.get(str(e["id"]), "")
        out.append({**e, "target": taught} if usable(taught, e["target"]) and rng.random() < share else e)
    return out


def load_targets(path: Path) -> dict[str, str]:
    """The teacher's outputs written by :func:`teacher_outputs` (one clear line if the file is not one)."""
    try:
        return json.loads(Path(path).read_text())["targets"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise SystemExit(f"--distill {path}: not a teacher file from training.distillation ({err})") from None


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", default="luong-concat")
    parser.add_argument("--weights", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = teacher_outputs(args.teacher, args.weights)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=0) + "\n")
    print(args.teacher, len(result["targets"]), "verses", result["seconds"], "s", flush=True)


if __name__ == "__main__":
    main()
