"""Sequence-level distillation's mixing of references and teacher outputs, and checkpoint averaging in the loop."""
import json
import random

import pytest
import torch

from training.distillation import load_targets, mixed_targets
from training.loop import LoopConfig, average_states, fit, seed_everything

TRAIN = [{"id": i, "source": f"s{i}", "target": f"ref{i}"} for i in range(2000)]
TAUGHT = {str(i): f"teacher{i}" for i in range(2000) if i % 10}   # every tenth verse: no teacher output
TAUGHT["7"] = "la " * 30                                           # a run-away output: never used


def test_mixing_replaces_about_the_share_and_only_with_the_same_verses_teacher_output():
    mixed = mixed_targets(TRAIN, TAUGHT, 0.5, random.Random(0))
    taught = [m for m in mixed if m["target"].startswith("teacher")]
    assert 0.40 < len(taught) / len(TAUGHT) < 0.60
    assert all(m["target"] == f"teacher{m['id']}" for m in taught)
    assert all(m["target"] == f"ref{m['id']}" for m in mixed if m["id"] % 10 == 0)   # nothing to replace with
    assert mixed[7]["target"] == "ref7"
    assert [m["source"] for m in mixed] == [e["source"] for e in TRAIN] and TRAIN[1]["target"] == "ref1"
    everything = mixed_targets(TRAIN, TAUGHT, 1.0, random.Random(0))
    assert sum(m["target"].startswith("teacher") for m in everything) == len(TAUGHT) - 1


@pytest.mark.parametrize("share", [0.0, 1.5])
def test_a_share_outside_zero_one_is_refused(share):
    with pytest.raises(SystemExit, match="share"):
        mixed_targets(TRAIN, TAUGHT, share, random.Random(0))


def test_a_file_that_is_not_a_teacher_file_gives_one_line(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps({"targets": {"1": "x"}}))
    assert load_targets(tmp_path / "t.json") == {"1": "x"}
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(SystemExit, match="not a teacher file"):
        load_targets(tmp_path / "bad.json")


def test_average_states_is_the_elementwise_mean_and_keeps_integer_buffers_from_the_last():
    a = {"w": torch.tensor([1.0, 3.0]), "idx": torch.tensor([1, 2])}
    b = {"w": torch.tensor([3.0, 5.0]), "idx": torch.tensor([7, 8])}
    out = average_states([a, b])
    torch.testing.assert_close(out["w"], torch.tensor([2.0, 4.0]))
    assert out["idx"].tolist() == [7, 8]


def test_the_loop_keeps_the_checkpoint_average_only_when_it_scores_best():
    seed_everything(0)
    x = torch.randn(32, 2)
    y = x @ torch.tensor([1.0, -1.0])
    for avg_score, kept in [(0.99, True), (0.1, False)]:
        model = torch.nn.Linear(2, 1)
        states, scores = [], iter([0.5, 0.6, 0.7, avg_score])

        def evaluate(m):
            states.append({k: v.clone() for k, v in m.state_dict().items()})
            return next(scores)

        result = fit(model, lambda rng: [list(range(32))],
                     lambda m, idx: torch.nn.functional.mse_loss(m(x[idx])[:, 0], y[idx]), evaluate,
                     LoopConfig(epochs=3, patience=5, average_last=2))
        assert result.averaged["epochs"] == [2, 3] and result.averaged["kept"] is kept
        expected = average_states(states[1:3]) if kept else states[2]
        for k, v in model.state_dict().items():
            torch.testing.assert_close(v, expected[k])
        assert result.best_metric == (avg_score if kept else 0.7) and result.as_dict()["averaged"]["kept"] is kept
