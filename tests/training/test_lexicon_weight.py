"""Choosing the decode-time weight on the lexical bias on validation (training/lexicon_weight.py)."""
import torch
from tokenizers import Tokenizer

from attention_core.checkpoint import WEIGHTS_DIR
from attention_core.models.seq2seq import Seq2Seq
from training.lexicon_weight import choose, sweep

CURRENT = {"weight": 1.0, "bleu": 15.0, "chrf": 37.0}


def test_a_weight_ships_only_if_both_scores_beat_the_current_ones_and_the_best_sum_wins():
    rows = [{"weight": 1.0, **{k: CURRENT[k] for k in ("bleu", "chrf")}},
            {"weight": 1.25, "bleu": 14.9, "chrf": 39.0},    # chrF up, BLEU down: refused however large the sum
            {"weight": 1.5, "bleu": 15.1, "chrf": 37.2},
            {"weight": 2.0, "bleu": 15.4, "chrf": 37.1}]
    assert choose(rows, CURRENT)["weight"] == 2.0           # 52.5 against 52.3
    assert choose(rows[:2], CURRENT) is None                 # no weight beats both: the current one stays
    assert choose([{"weight": 1.1, "bleu": 15.0, "chrf": 38.0}], CURRENT) is None   # a tie is not a gain


def test_the_sweep_scores_every_weight_and_leaves_the_model_as_it_was():
    tok = Tokenizer.from_file(str(WEIGHTS_DIR / "bible-en-fr" / "tokenizer.json"))
    torch.manual_seed(0)
    model = Seq2Seq(tok.get_vocab_size(), "luong-dot", emb=8, hidden=8, lexicon_k=2, lexicon_weight=1.3).eval()
    vocab = tok.get_vocab_size()
    model.set_lexicon(torch.stack([torch.arange(vocab), (torch.arange(vocab) + 1) % vocab], 1).int(),
                      torch.tensor([[0.7, 0.3]]).expand(vocab, 2))
    valid = [{"source": "and god said", "target": "et dieu dit"}, {"source": "the earth", "target": "la terre"}]
    rows = sweep(model, tok, valid, grid=(0.5, 3.0))
    assert [r["weight"] for r in rows] == [0.5, 3.0] and all(0 <= r["chrf"] <= 100 for r in rows)
    assert model.lexicon_weight == 1.3
