"""Ship a trained model the one way every family does: save fp16 → reload → score what was shipped → metrics.json.

    metrics = ship(model, config, folder, build=lambda cfg: MyNet(**cfg["model"]), score=score_on_test,
                   baseline={"name": "majority class", "accuracy": 0.51}, history=result.as_dict())

The numbers in ``metrics.json`` are measured on the *reloaded* half-precision weights (what users get), never
on the float32 model still in memory. ``card`` holds the model-card row: ``python -m training.model_cards``
builds a family's table from those keys (``<!-- table:family:NAME -->`` in ``docs/models.md``), so a new
family writes no card code.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from attention_core.checkpoint import load_checkpoint, save_checkpoint


def ship(model: nn.Module, config: dict[str, Any], folder: str | Path, *,
         build: Callable[[dict[str, Any]], nn.Module], score: Callable[[nn.Module], dict[str, float]],
         baseline: dict[str, Any] | None = None, history: dict[str, Any] | None = None,
         label: str | None = None, dtype: torch.dtype = torch.float16) -> dict[str, Any]:
    """Save ``model`` (``dtype``) with ``config`` into ``folder``, rebuild it from the files, score the
    reloaded model and write ``metrics.json`` → the metrics written.

    ``score(model) → {metric: value}`` runs on the reloaded model in eval mode; ``baseline`` holds a
    baseline's ``name`` and the same metrics on the same split (a card shows both); ``history`` is the
    training loop's record.
    """
    folder = Path(folder)
    save_checkpoint(model, config, folder, dtype=dtype)
    state, saved = load_checkpoint(folder)
    shipped = build(saved)
    shipped.load_state_dict(state, strict=True)
    shipped.eval()
    with torch.no_grad():
        scores = {k: float(v) for k, v in score(shipped).items()}
    bad = [k for k, v in scores.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"the shipped weights score non-finite {', '.join(bad)}: not shipping {folder}")
    card = {"model": label or folder.name, **scores}
    metrics = {**(history or {}), **scores, "dtype": str(dtype).removeprefix("torch."),
               "baseline": dict(baseline or {}), "card": card}
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    return metrics
