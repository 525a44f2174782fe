"""The one training loop every trainer uses: seeded, epoch + wall-clock budget, validation each epoch,
early stopping with patience on a validation metric, best state kept, per-epoch history in metrics.json.
"""
from __future__ import annotations

import copy
import fnmatch
import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import torch
from tqdm import tqdm


def seed_everything(seed: int, threads: int = 1) -> None:
    """Seed python, numpy and torch; ask torch for deterministic kernels (CPU runs repeat bit for bit)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


@dataclass
class LoopConfig:
    """Budget and optimiser settings shared by every trainer."""

    epochs: int = 30
    max_minutes: float = 10.0          # wall clock for training + validation
    patience: int = 4                  # epochs without a new best before stopping
    lr: float = 2e-3
    weight_decay: float = 0.0
    clip: float = 1.0
    mode: str = "max"                  # "max": higher validation metric is better; "min": lower
    lr_decay: float = 1.0              # multiply the learning rate by this after an epoch with no new best
    seed: int = 1
    desc: str = "train"
    eval_before: bool = False          # score the starting weights as epoch 0 (warm starts keep them if best)
    average_last: int = 0              # ≥ 2: also score the mean of the last N epochs' weights, kept if best
    freeze: tuple[str, ...] = ()       # parameter-name patterns (fnmatch) held fixed for the first freeze_epochs
    freeze_epochs: int = 0


@dataclass
class LoopResult:
    """What a run did: the best epoch and metric, the stop reason and one dict per epoch."""

    best_epoch: int
    best_metric: float
    stop_reason: str
    epochs_run: int
    steps: int
    train_seconds: float
    history: list[dict[str, float]] = field(default_factory=list)
    averaged: dict[str, Any] | None = None   # the checkpoint average's epochs, score and whether it was kept

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the history included)."""
        return {"best_epoch": self.best_epoch, "best_valid": self.best_metric, "stop_reason": self.stop_reason,
                "epochs": self.epochs_run, "steps": self.steps, "train_seconds": round(self.train_seconds, 1),
                **({"averaged": self.averaged} if self.averaged else {}), "history": self.history}


def average_states(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Element-wise mean of several state dicts of one model (floating tensors; others from the last)."""
    out = {}
    for key, last in states[-1].items():
        out[key] = (torch.stack([s[key] for s in states]).mean(0).to(last.dtype)
                    if last.is_floating_point() else last.clone())
    return out


def frozen_parameters(model: torch.nn.Module, patterns: Iterable[str]) -> list[str]:
    """The names of ``model``'s parameters matching any of the fnmatch ``patterns``; a pattern that matches none is
    refused (a typo would otherwise freeze nothing)."""
    names = [name for name, _ in model.named_parameters()]
    patterns = list(patterns)
    for pattern in patterns:
        if not fnmatch.filter(names, pattern):
            raise ValueError(f"--freeze {pattern}: no parameter of the model matches")
    return [name for name in names if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)]


def _better(a: float, b: float, mode: str) -> bool:
    return a > b if mode == "max" else a < b


def fit(model: torch.nn.Module, batches: Callable[[random.Random], Iterable[Any]],
        loss_fn: Callable[[torch.nn.Module, Any], torch.Tensor],
        evaluate: Callable[[torch.nn.Module], float], cfg: LoopConfig,
        params: Iterable[torch.nn.Parameter] | None = None, history_path: Path | None = None,
        ) -> LoopResult:
    """Train ``model`` on ``batches(rng)`` each epoch with ``loss_fn(model, batch)``; keep the state with the
    best ``evaluate(model)`` (run in eval mode after every epoch) and load it back before returning.

    Stops at ``cfg.epochs``, after ``cfg.patience`` epochs without improvement, or when the wall-clock
    budget would be exceeded by another epoch (estimated from the slowest epoch so far). The parameters matching
    ``cfg.freeze`` get no update in the first ``cfg.freeze_epochs`` epochs (their gradients are dropped before the
    step, so Adam neither moves them nor counts their steps).
    """
    rng = random.Random(cfg.seed)
    opt = torch.optim.Adam(params if params is not None else
                           [p for p in model.parameters() if p.requires_grad],
                           lr=cfg.lr, weight_decay=cfg.weight_decay)
    named = dict(model.named_parameters())
    held = [named[name] for name in frozen_parameters(model, cfg.freeze)] if cfg.freeze_epochs > 0 else []
    best_state = copy.deepcopy(model.state_dict())
    best, best_epoch, stale, steps = -math.inf if cfg.mode == "max" else math.inf, 0, 0, 0
    history: list[dict[str, float]] = []
    recent: list[tuple[int, dict[str, torch.Tensor]]] = []   # the last cfg.average_last epochs' weights
    start, slowest, reason = time.time(), 0.0, "epochs"
    if cfg.eval_before:
        model.eval()
        with torch.no_grad():
            best = float(evaluate(model))
        history.append({"epoch": 0, "valid": round(best, 5)})
        print(f"[{cfg.desc}] epoch 0 valid {best:.4f}", flush=True)
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.time()
        model.train()
        total, count = 0.0, 0
        for batch in tqdm(batches(rng), desc=f"{cfg.desc} {epoch}", mininterval=10, leave=False):
            loss = loss_fn(model, batch)
            opt.zero_grad()
            loss.backward()
            if epoch <= cfg.freeze_epochs:
                for p in held:
                    p.grad = None
            if cfg.clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            opt.step()
            total, count, steps = total + loss.item(), count + 1, steps + 1
        model.eval()
        with torch.no_grad():
            metric = float(evaluate(model))
        improved = _better(metric, best, cfg.mode)
        if improved:
            best, best_epoch, stale = metric, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            stale += 1
            for group in opt.param_groups:
                group["lr"] *= cfg.lr_decay
        if cfg.average_last >= 2:
            recent = (recent + [(epoch, copy.deepcopy(model.state_dict()))])[-cfg.average_last:]
        took = time.time() - t0
        slowest = max(slowest, took)
        history.append({"epoch": epoch, "train_loss": round(total / max(count, 1), 5), "valid": round(metric, 5),
                        "lr": opt.param_groups[0]["lr"], "seconds": round(took, 1)})
        print(f"[{cfg.desc}] epoch {epoch} loss {total / max(count, 1):.4f} valid {metric:.4f}"
              f"{' *' if improved else ''} ({took:.0f}s)", flush=True)
        if history_path is not None:   # written every epoch so a running job can be watched
            history_path.write_text(json.dumps(history, indent=1) + "\n")
        if stale >= cfg.patience:
            reason = "patience"
            break
        if time.time() - start + slowest > cfg.max_minutes * 60:
            reason = "time" if epoch < cfg.epochs else "epochs"
            break
    averaged = None
    if len(recent) >= 2:
        model.load_state_dict(average_states([s for _, s in recent]))
        model.eval()
        with torch.no_grad():
            metric = float(evaluate(model))
        averaged = {"epochs": [e for e, _ in recent], "valid": round(metric, 5), "kept": _better(metric, best, cfg.mode)}
        print(f"[{cfg.desc}] average of epochs {averaged['epochs']} valid {metric:.4f}"
              f"{' *' if averaged['kept'] else ''}", flush=True)
        if averaged["kept"]:
            best, best_state = metric, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    model.eval()
    trained = sum(1 for h in history if h["epoch"] > 0)
    return LoopResult(best_epoch, best, reason, trained, steps, time.time() - start, history, averaged)
