"""Digit reversal with Luong's dot attention: "3 1 4 1 5" → "5 1 4 1 3", whose correct map is known exactly.

The right alignment of every output digit is the input digit mirrored about the middle, so a trained model's
map should be the anti-diagonal — a check a student can make at a glance, and a family added by the recipe in
``docs/architecture.md`` (this module, its weights, ``training/reverser.py`` and its model-card section). It is
the same :class:`~attention_core.models.translation.Translator` as the translation families, so it appears on
the Translate page, in attribution and in Compare without a line of page code.
"""
from __future__ import annotations

from ..capabilities import Family
from ..checkpoint import WEIGHTS_DIR
from ..tasks import Task
from .base import files_problem, register
from .translation import Translator, capabilities, heldout

FAMILY = Family("reverse", label="Digit reversal (right map: the anti-diagonal)",
                wording="digit sequences reversed (3–12 digits; the correct alignment is the anti-diagonal)",
                trained_lengths=("tokens", 12, "sequences of 3–12 digits separated by spaces"),
                card="7. Digit reversal")


def _samples() -> tuple[str, ...]:
    return ("3 1 4 1 5 9 2 6",) + tuple(item["source"] for item in heldout(FAMILY.name)[:4])


register(Translator, id="reverse/luong-dot", task=Task.TRANSLATION, mechanism="luong-dot",
         capabilities=capabilities(FAMILY, "luong-dot"), samples=_samples,
         description="Luong dot attention — " + FAMILY.wording,
         check=lambda: files_problem(WEIGHTS_DIR / FAMILY.name, ("tokenizer.json",)))
