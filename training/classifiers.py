"""Shared training loop for the document and sentence classifiers."""
from __future__ import annotations

import random
import time
from typing import Callable

import torch
from tqdm import tqdm


def train_classifier(model: torch.nn.Module, batches: Callable[[random.Random], list],
                     loss_fn: Callable, max_minutes: float, epochs: int, seed: int, lr: float = 2e-3,
                     desc: str = "train") -> dict[str, float]:
    """Adam + clipping over ``batches(rng)`` each epoch until the epoch or time budget runs out."""
    rng = random.Random(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    start, steps, running = time.time(), 0, float("nan")
    for epoch in range(epochs):
        model.train()
        for batch in tqdm(batches(rng), desc=f"{desc} epoch {epoch + 1}", mininterval=5):
            loss = loss_fn(model, batch)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            steps += 1
            running = loss.item() if steps == 1 else 0.9 * running + 0.1 * loss.item()
            if (time.time() - start) / 60 > max_minutes:
                return {"steps": steps, "epochs": epoch + 1, "train_loss": running,
                        "train_seconds": time.time() - start}
    return {"steps": steps, "epochs": epochs, "train_loss": running, "train_seconds": time.time() - start}
