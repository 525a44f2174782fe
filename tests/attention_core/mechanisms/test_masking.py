import torch

from attention_core.mechanisms import lengths_to_mask, masked_softmax


def test_masked_entries_are_exactly_zero_and_rows_sum_to_one():
    scores = torch.randn(3, 4, 7, dtype=torch.float64)
    mask = lengths_to_mask(torch.tensor([7, 3, 1]))[:, None, :]
    w = masked_softmax(scores, mask)
    assert torch.all(w.masked_select(~mask.expand_as(w)) == 0)
    torch.testing.assert_close(w.sum(-1), torch.ones(3, 4, dtype=torch.float64))
    # the real weights equal a softmax over the real entries alone (mask applied before normalising)
    torch.testing.assert_close(w[1, 0, :3], torch.softmax(scores[1, 0, :3], -1))


def test_fully_masked_row_is_zero_not_nan():
    w = masked_softmax(torch.randn(1, 2, 3), torch.zeros(1, 1, 3, dtype=torch.bool))
    assert torch.all(w == 0)


def test_softmax_runs_over_the_key_axis_not_a_size_one_axis():
    w = masked_softmax(torch.randn(2, 1, 5), None)
    assert not torch.allclose(w, torch.ones_like(w))
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 1))
