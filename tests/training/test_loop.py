"""The shared training loop: early stopping with patience, best weights restored, repeatable on CPU."""
import random

import pytest
import torch

from training.loop import LoopConfig, fit, frozen_parameters, seed_everything


def _problem(seed: int):
    seed_everything(seed)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5])
    model = torch.nn.Linear(3, 1)

    def batches(rng: random.Random):
        order = list(range(64))
        rng.shuffle(order)
        return [order[i:i + 16] for i in range(0, 64, 16)]

    def loss_fn(m, idx):
        return torch.nn.functional.mse_loss(m(x[idx])[:, 0], y[idx])

    return model, batches, loss_fn


def test_stops_after_patience_and_restores_the_best_epoch(tmp_path):
    model, batches, loss_fn = _problem(0)
    scores = iter([0.5, 0.9, 0.7, 0.6, 0.8, 0.95])       # best at epoch 2, then 3 epochs without a new best
    seen = {}

    def evaluate(m):
        score = next(scores)
        seen[score] = {k: v.clone() for k, v in m.state_dict().items()}
        return score

    result = fit(model, batches, loss_fn, evaluate, LoopConfig(epochs=10, patience=3, max_minutes=5),
                 history_path=tmp_path / "h.json")
    assert result.best_epoch == 2 and result.stop_reason == "patience" and result.epochs_run == 5
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, seen[0.9][k])
    assert (tmp_path / "h.json").exists() and [h["epoch"] for h in result.history] == [1, 2, 3, 4, 5]


def test_min_mode_and_warm_start_keeps_the_start_when_nothing_improves():
    model, batches, loss_fn = _problem(0)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    scores = iter([0.1, 0.3, 0.4])                         # epoch 0 (the start) is best for a "min" metric
    result = fit(model, batches, loss_fn, lambda m: next(scores),
                 LoopConfig(epochs=5, patience=2, mode="min", eval_before=True))
    assert result.best_epoch == 0 and result.epochs_run == 2
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, start[k])


def test_two_runs_with_the_same_seed_give_the_same_weights():
    finals = []
    for _ in range(2):
        model, batches, loss_fn = _problem(3)
        fit(model, batches, loss_fn, lambda m: -float(loss_fn(m, list(range(64)))),
            LoopConfig(epochs=3, patience=5, seed=3))
        finals.append(model.weight.detach().clone())
    torch.testing.assert_close(finals[0], finals[1], rtol=0, atol=0)


def test_frozen_parameters_stay_put_for_the_first_epochs_then_train():
    model, batches, loss_fn = _problem(0)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    seen = []

    def evaluate(m):
        seen.append({k: v.clone() for k, v in m.state_dict().items()})
        return float(len(seen))   # every epoch a new best

    fit(model, batches, loss_fn, evaluate, LoopConfig(epochs=3, patience=5, freeze=("bias",), freeze_epochs=2))
    for epoch in (0, 1):   # epochs 1 and 2: the bias held, the weight trained
        torch.testing.assert_close(seen[epoch]["bias"], start["bias"])
        assert not torch.equal(seen[epoch]["weight"], start["weight"])
    assert not torch.equal(seen[2]["bias"], start["bias"])   # epoch 3: released


def test_a_freeze_pattern_that_matches_nothing_is_refused():
    model, batches, loss_fn = _problem(0)
    with pytest.raises(ValueError, match="no parameter"):
        fit(model, batches, loss_fn, lambda m: 0.0, LoopConfig(epochs=1, freeze=("attention.W_p.*",), freeze_epochs=1))
    assert frozen_parameters(model, ["b*"]) == ["bias"]
