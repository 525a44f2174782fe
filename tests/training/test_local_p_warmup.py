"""Starting local-p from local-m's weights: shared tensors copied, only the position predictor fitted."""
import random

import pytest
import torch

from attention_core.models.seq2seq import Seq2Seq
from training.local_p_warmup import PREDICTOR, _diagonal_centre, copy_shared, prefit_centres
from training.translation import batches

SIZES = {"emb": 8, "hidden": 12, "width": 2, "lexicon_k": 4}


def tiny(mechanism: str, seed: int) -> Seq2Seq:
    torch.manual_seed(seed)
    return Seq2Seq(30, mechanism, **SIZES).eval()


def test_copy_shared_copies_every_tensor_but_the_predictor_and_refuses_another_architecture():
    local_m, local_p = tiny("local-m", 0), tiny("local-p", 1)
    missing = copy_shared(local_p, local_m.state_dict())
    assert sorted(missing) == sorted(PREDICTOR)
    source = local_m.state_dict()
    assert all(torch.equal(v, source[k]) for k, v in local_p.state_dict().items() if k not in PREDICTOR)
    with pytest.raises(SystemExit, match="cannot start local-p"):
        copy_shared(local_p, tiny("bahdanau", 2).state_dict())    # its decoder reads [embedding; context]


def test_diagonal_centre_is_t_times_source_over_target_length():
    keep = torch.tensor([[True, True, False], [True, True, True]])
    centre = _diagonal_centre(torch.zeros(2, 3, 6), keep, torch.tensor([4, 6]))
    torch.testing.assert_close(centre[0, :2], torch.tensor([0.0, 2.0]))
    torch.testing.assert_close(centre[1], torch.tensor([0.0, 2.0, 4.0]))


@pytest.mark.parametrize("target", ["attention", "diagonal"])
def test_prefit_moves_only_the_predictor_and_brings_the_centres_closer(target):
    rng = random.Random(0)
    data = []
    for _ in range(64):
        n = rng.randint(3, 9)
        data.append(([rng.randrange(4, 30) for _ in range(n)] + [3],
                     [rng.randrange(4, 30) for _ in range(n + rng.randint(-1, 2))] + [3]))
    local_m, local_p = tiny("local-m", 0), tiny("local-p", 1)
    copy_shared(local_p, local_m.state_dict())
    before = {k: v.clone() for k, v in local_p.state_dict().items()}
    summary = prefit_centres(local_p, local_m, batches(data, 16, random.Random(0)), target=target,
                             minutes=1, max_passes=30, lr=1e-2)
    assert summary["passes"] == 30 and summary["tokens"] > 300
    assert summary["centre_mae_after"] < 0.7 * summary["centre_mae_before"]
    after = local_p.state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items() if k not in PREDICTOR)
    assert not torch.equal(after[PREDICTOR[0]], before[PREDICTOR[0]])
