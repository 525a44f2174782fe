"""BPE dropout for the Bible translators' training pairs: other splits of the same text, the shipped split untouched."""
import pytest
from tokenizers import Tokenizer

from attention_core.checkpoint import WEIGHTS_DIR
from training.translation import dropout_tokenizer

TEXT = "In the beginning God created the heavens and the earth, and Jehoshaphat rejoiced greatly."


def test_dropout_splits_differ_and_decode_to_the_same_text_while_the_plain_tokenizer_is_unchanged():
    tok = Tokenizer.from_file(str(WEIGHTS_DIR / "bible-en-fr" / "tokenizer.json"))
    plain = tok.encode(TEXT).tokens
    dropped = dropout_tokenizer(tok, 0.3)
    splits = [dropped.encode(TEXT) for _ in range(8)]
    assert any(s.tokens != plain for s in splits)
    assert all(len(s.tokens) >= len(plain) for s in splits)            # dropping merges only splits further
    assert {tok.decode(s.ids) for s in splits} == {tok.decode(tok.encode(TEXT).ids)}
    assert tok.encode(TEXT).tokens == plain


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1])
def test_dropout_outside_zero_one_is_refused(p):
    tok = Tokenizer.from_file(str(WEIGHTS_DIR / "bible-en-fr" / "tokenizer.json"))
    with pytest.raises(SystemExit, match="between 0 and 1"):
        dropout_tokenizer(tok, p)
