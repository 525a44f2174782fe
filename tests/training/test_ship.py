"""The ship helper scores the reloaded fp16 weights and a family's card table follows from metrics.json."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from training.model_cards import family_table, update
from training.ship import ship


class Tiny(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.linear = nn.Linear(width, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    return {"accuracy": float((model(x).argmax(-1) == y).float().mean())}


def test_ship_scores_the_reloaded_half_precision_model_and_the_card_follows(tmp_path):
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = (x[:, 0] > 0).long()
    model = Tiny(3)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([[-1.0, 0, 0], [1.0, 0, 0]]) + 1e-4 * torch.randn(2, 3))
        model.linear.bias.zero_()
    # a model whose weights are not what was shipped: the score must be the reloaded model's
    scored = []
    metrics = ship(model, {"model": {"width": 3}}, tmp_path / "toy" / "a",
                   build=lambda cfg: Tiny(**cfg["model"]),
                   score=lambda m: scored.append(m) or accuracy(m, x, y),
                   baseline={"name": "majority class", "accuracy": float((y == y.mode().values).float().mean())},
                   history={"epochs": 3})
    assert scored[0] is not model and scored[0].linear.weight.dtype == torch.float32
    assert metrics["accuracy"] == 1.0 and metrics["dtype"] == "float16" and metrics["epochs"] == 3
    on_disk = json.loads((tmp_path / "toy" / "a" / "metrics.json").read_text())
    assert on_disk["card"] == {"model": "a", "accuracy": 1.0}
    ship(Tiny(3), {"model": {"width": 3}}, tmp_path / "toy" / "b", build=lambda cfg: Tiny(**cfg["model"]),
         score=lambda m: accuracy(m, x, y), label="random init")
    table = family_table("toy", weights=tmp_path).splitlines()
    assert table[0] == "| model | accuracy |" and table[2] == "| a | 1.000 |"
    assert table[3].startswith("| random init |") and table[-1].startswith("| baseline: majority class |")
    card = tmp_path / "models.md"
    card.write_text("intro\n<!-- table:family:toy -->\nold\n<!-- /table -->\nend\n")
    update(card, weights=tmp_path)
    text = card.read_text()
    assert "old" not in text and "| a | 1.000 |" in text and text.endswith("end\n")


def test_ship_refuses_weights_that_score_nan(tmp_path):
    with pytest.raises(ValueError, match="non-finite accuracy"):
        ship(Tiny(3), {"model": {"width": 3}}, tmp_path / "x", build=lambda cfg: Tiny(**cfg["model"]),
             score=lambda m: {"accuracy": float("nan")})
