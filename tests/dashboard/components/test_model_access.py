"""Errors from a model reach the page as one line, named once."""
from attention_core.models import ExplainError
from dashboard.components.model_access import _one_line


def test_an_explainers_own_error_is_not_prefixed_twice():
    own = ExplainError("dates-en-fr/luong-dot failed: ValueError: bad input")
    assert _one_line("dates-en-fr/luong-dot", own) == str(own)
    other = _one_line("dates-en-fr/luong-dot", ValueError("missing\nsecond line"))
    assert other == "dates-en-fr/luong-dot failed: ValueError: missing" and "\n" not in other
