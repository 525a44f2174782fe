"""Starting a translator from another mechanism's weights (--init-from): shared tensors copied, only the new
mechanism's own attention parameters fitted (local-p from local-m; general, local-m, local-p, dot from concat)."""
import random

import pytest
import torch

from attention_core.models.seq2seq import Seq2Seq
from training.local_p_warmup import PREDICTOR, _diagonal_centre, copy_shared, prefit_all, prefit_centres
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


def pairs(count: int = 64) -> list[tuple[list[int], list[int]]]:
    """Random token-id pairs over the tiny vocabulary, source and target of similar lengths."""
    rng = random.Random(0)
    data = []
    for _ in range(count):
        n = rng.randint(3, 9)
        data.append(([rng.randrange(4, 30) for _ in range(n)] + [3],
                     [rng.randrange(4, 30) for _ in range(n + rng.randint(-1, 2))] + [3]))
    return data


@pytest.mark.parametrize("target", ["attention", "diagonal"])
def test_prefit_moves_only_the_predictor_and_brings_the_centres_closer(target):
    data = pairs()
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


@pytest.mark.parametrize("mechanism, own", [("luong-general", ["attention.score.W_a.weight"]),
                                            ("local-m", ["attention.score.W_a.weight"]),
                                            ("local-p", ["attention.W_p.weight", "attention.score.W_a.weight",
                                                         "attention.v_p.weight"]),
                                            ("luong-dot", [])])
def test_from_concat_every_shared_tensor_is_copied_bit_exactly_and_the_own_attention_is_not(mechanism, own):
    concat, target = tiny("luong-concat", 0), tiny(mechanism, 1)
    initial = {k: v.clone() for k, v in target.state_dict().items()}
    fresh = copy_shared(target, concat.state_dict())
    assert sorted(fresh) == own
    source, after = concat.state_dict(), target.state_dict()
    assert all(torch.equal(after[k], source[k]) for k in after if k not in own)     # embeddings … output, lexicon
    assert all(torch.equal(after[k], initial[k]) for k in own)                     # left as initialised
    assert not any(k.startswith("attention.") for k in set(after) - set(own))       # concat's W_q, W_k, v_a stay out


@pytest.mark.parametrize("mechanism", ["luong-general", "local-p"])
def test_prefit_from_concat_moves_only_the_own_attention_and_follows_concat_rows(mechanism):
    concat, target = tiny("luong-concat", 0), tiny(mechanism, 1)
    fresh = copy_shared(target, concat.state_dict())
    before = {k: v.clone() for k, v in target.state_dict().items()}
    summary = prefit_all(target, concat, fresh, lambda: batches(pairs(), 16, random.Random(0)), minutes=1,
                         max_passes=40)
    after = target.state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items() if k not in fresh)
    assert all(not torch.equal(after[k], before[k]) for k in fresh)
    rows = summary["rows"]
    assert rows["fitted"] == ["attention.score.W_a.weight"] and rows["passes"] == 40
    assert rows["cross_entropy_after"] < rows["cross_entropy_before"]
    assert ("centres" in summary) == (mechanism == "local-p")     # only a model with a predictor fits centres


def test_prefit_fits_nothing_for_dot_and_a_bahdanau_pair_is_refused():
    concat, dot = tiny("luong-concat", 0), tiny("luong-dot", 1)
    fresh = copy_shared(dot, concat.state_dict())
    assert fresh == [] and prefit_all(dot, concat, fresh, lambda: batches(pairs(), 16, random.Random(0))) == {}
    for target, source in (("luong-general", "bahdanau"), ("bahdanau", "luong-concat")):
        with pytest.raises(SystemExit, match=f"cannot start {target} from these weights: another architecture"):
            copy_shared(tiny(target, 1), tiny(source, 0).state_dict())


def test_the_freeze_patterns_of_run_17_name_exactly_local_p_s_position_predictor():
    from training.loop import frozen_parameters
    assert sorted(frozen_parameters(tiny("local-p", 0), ["attention.W_p.*", "attention.v_p.*"])) == sorted(PREDICTOR)
