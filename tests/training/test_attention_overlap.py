"""Two translators' attention compared row by row (training.attention_overlap)."""
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import EOS, MECHANISM_LABELS
from training.attention_overlap import FAMILY, OUT, overlap, rows
from training.translation import load_saved


def test_the_same_rows_agree_fully_and_disjoint_rows_not_at_all():
    a = [torch.tensor([[0.9, 0.1, 0.0], [0.2, 0.2, 0.6]])]
    assert overlap(a, a) == {"argmax_agreement": 1.0, "total_variation": 0.0, "target_tokens": 2}
    b = [torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])]
    got = overlap(a, b)
    assert got["argmax_agreement"] == 0.0 and got["total_variation"] == round((1.0 + 0.8) / 2, 4)


def test_rows_are_one_distribution_per_reference_token_over_the_unpadded_source():
    tok = Tokenizer.from_file(str(WEIGHTS_DIR / FAMILY / "tokenizer.json"))
    pairs = [(tok.encode(s).ids + [EOS], tok.encode(t).ids + [EOS])
             for s, t in (("And God saw the light.", "Et Dieu vit la lumière."), ("Amen.", "Amen."))]
    got = rows(load_saved(WEIGHTS_DIR / FAMILY / "luong-general", tok, "luong-general"), pairs)
    for (s, t), r in zip(pairs, got):
        assert r.shape == (len(t), len(s))
        assert torch.allclose(r.sum(-1), torch.ones(len(t)), atol=1e-3)


def test_the_card_record_covers_every_model_but_the_reference():
    record = json.loads((Path(__file__).parents[2] / OUT).read_text())
    assert set(record["models"]) == set(MECHANISM_LABELS) - {record["reference"]}
    assert all(0 <= r["argmax_agreement"] <= 1 and 0 <= r["total_variation"] <= 1 for r in record["models"].values())
