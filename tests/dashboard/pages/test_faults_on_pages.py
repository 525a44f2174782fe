"""Faults stay local on the pages: a damaged model folder disables that model, named with its reason; the
other models on the page still draw."""
import shutil
from pathlib import Path

import pytest
import streamlit as st

from attention_core.models import base, registry, translation

from .conftest import charts, widget

ROOT = Path(__file__).resolve().parents[3]


def _truncated_copy(tmp_path, monkeypatch, family: str, model: str, modules: tuple) -> None:
    """Read a copy of ``family``'s weights, with ``model``'s file truncated, instead of the shipped ones."""
    root = tmp_path / "weights"
    shutil.copytree(ROOT / "attention_core" / "weights" / family, root / family)
    weights = root / family / model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    for module in modules:
        monkeypatch.setattr(module, "WEIGHTS_DIR", root)
    monkeypatch.setattr(registry, "_LOADED", {})
    # the server-wide caches hold models, results and availability from earlier tests
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def damaged_dates(tmp_path, monkeypatch):
    """A copy of the dates family with local-m's weights truncated, read instead of the shipped one."""
    translation.tokenizer.cache_clear()
    _truncated_copy(tmp_path, monkeypatch, "dates-en-fr", "local-m", (base, translation))
    yield
    st.cache_resource.clear()
    st.cache_data.clear()
    translation.tokenizer.cache_clear()


def test_a_damaged_model_is_named_on_its_page_and_the_others_draw(open_page, damaged_dates):
    at = open_page("app_pages/translate.py")
    widget(at, "radio", "Task").set_value("dates-en-fr")
    at.run()
    assert not at.exception and not at.error
    notice = next(i.value for i in at.info if i.value.startswith("Not available on this machine"))
    notice = notice.replace("\\", "")                          # Markdown escapes off
    assert "local-m" in notice and "truncated" in notice
    assert len(charts(at)) == 6                                   # the six sound mechanisms
    assert "local-m" not in widget(at, "multiselect", "Mechanisms").options


@pytest.fixture
def damaged_han(tmp_path, monkeypatch):
    """A copy of the document family with HAN's weights truncated, read instead of the shipped one."""
    from attention_core.models import document
    _truncated_copy(tmp_path, monkeypatch, "document", "han", (base, document))
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def test_a_damaged_han_says_why_on_the_document_page(open_page, damaged_han):
    at = open_page("app_pages/document.py")
    assert not at.exception
    notice = next(i.value for i in at.info if i.value.startswith("Not available on this machine"))
    assert "document/han" in notice.replace("\\", "") and "truncated" in notice
    assert any("can be loaded here (see above)" in w.value for w in at.warning)
    assert not charts(at)
