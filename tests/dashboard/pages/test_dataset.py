"""AppTests of the Dataset atlas page on the shipped exports (offline, no model runs unless asked)."""
import pytest

from .conftest import charts, settled, values, widget

PAGE = "app_pages/dataset.py"


def _matrix(data):
    """A Plotly 2-D array (its typed-array ``shape`` may come as the string "72, 72")."""
    if isinstance(data, dict) and isinstance(data.get("shape"), str):
        data = dict(data, shape=[int(s) for s in data["shape"].split(",")])
    return values(data)


def _open_export(open_page, name):
    at = open_page(PAGE)
    widget(at, "selectbox", "Export").set_value(name)
    at.run()
    assert not at.exception, at.exception
    return at


def test_every_shipped_export_opens():
    from attention_core.atlas.query import shipped_exports
    families = {info.family for info in shipped_exports().values()}
    assert {"document", "sentence", "transformer", "dates-en-fr", "bible-en-fr"} <= families


def test_han_word_tables_per_topic(open_page):
    at = _open_export(open_page, "BBC News · HAN")
    tables = [d.value for d in at.dataframe if "lift" in d.value.columns]
    assert len(tables) == 5                                       # one per BBC topic
    for table in tables:
        assert (table["occurrences"] >= 5).all() and table["lift"].is_monotonic_decreasing
        assert "the" not in set(table["word"].head(5))
    widget(at, "radio", "Group by").set_value("label")
    widget(at, "slider", "Minimum occurrences").set_value(20)
    at.run()
    assert not at.exception
    assert all((d.value["occurrences"] >= 20).all() for d in at.dataframe if "lift" in d.value.columns)


def test_minilm_head_atlas(open_page):
    at = _open_export(open_page, "Rotten Tomatoes · MiniLM heads")
    figs = charts(at)
    matrix = next(f for f in figs if f["data"][0]["type"] == "heatmap" and "JS" in str(f["data"][0]["colorbar"]))
    z = _matrix(matrix["data"][0]["z"])
    assert len(z) == 72 and len(z[0]) == 72
    assert all(abs(z[i][i]) < 1e-9 for i in range(72))
    assert len(set(matrix["data"][0]["y"])) == 72                  # every head once, clustered order
    widget(at, "selectbox", "Head").set_value("L0H2")
    at.run()
    assert not at.exception
    assert any(m.value.startswith("**L0H2**") for m in at.markdown)


def test_dates_aer_and_opening_an_example_on_the_translate_page(open_page):
    at = _open_export(open_page, "Dates, English → French (alignment known) · 7 models")
    box = next(f for f in charts(at) if f["data"][0]["type"] == "box")
    assert len(box["data"]) == 7
    text = next(t for t in at.text_area if t.label.startswith("Input")).value
    next(b for b in at.button if b.label == "Open on the Translate page").click()
    at.run()
    assert not at.exception
    assert at.session_state["translate-family"] == "dates-en-fr"
    assert any(t.value == text for t in at.text_area)              # the Translate page shows that date


def test_bible_bleu_scatter(open_page):
    at = _open_export(open_page, "Bible verses, English → French · 7 models")
    scatter = next(f for f in charts(at) if f["data"][0]["type"] == "scatter")
    assert len(scatter["data"]) == 7
    assert any("lowest-BLEU" in c.value for c in at.caption)


@pytest.mark.slow
def test_compute_an_export_in_place(open_page):
    at = open_page(PAGE)
    widget(at, "radio", "Data").set_value("Compute one here")
    at.run()
    widget(at, "selectbox", "Model").set_value("sentence/lin")
    widget(at, "selectbox", "Dataset").set_value("rt-samples")
    at.run()
    next(b for b in at.button if b.label == "Compute").click()
    settled(at)
    assert not at.exception and any("6 maps from 6 examples" in s.value for s in at.success)
    overview = at.dataframe[0].value
    assert overview["examples"].iloc[0] == 6


def test_compute_is_capped_by_size_leaves_no_work_folder_and_offers_the_parquet(open_page, monkeypatch, tmp_path):
    """Issue 22.1: 30 long examples took 12.6 min and left a /tmp/atlas-* folder on every click."""
    import tempfile

    from attention_core.budget import ENV
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv(ENV, "compute_examples=20,compute_chars=120")
    lines = "\n".join(f"review number {i} was fine and long enough" for i in range(10)).encode()   # 37–38 chars each
    at = open_page(PAGE)
    widget(at, "radio", "Data").set_value("Compute one here")
    at.run()
    assert at.number_input(key="atlas-limit").max == 20
    widget(at, "selectbox", "Model").set_value("sentence/lin")
    widget(at, "selectbox", "Dataset").set_value("upload a file")
    at.run()
    at.file_uploader[0].set_value(("reviews.txt", lines, "text/plain"))
    at.run()
    next(b for b in at.button if b.label == "Compute").click()
    settled(at)
    assert not at.exception and not at.error
    assert any("first 3 of 10 examples" in i.value and "120 characters" in i.value for i in at.info)
    assert any("3 maps from 3 examples" in s.value for s in at.success)
    assert not list(tmp_path.glob("atlas-*")), "the work folder is removed"
    download = at.get("download_button")
    assert any("Parquet" in d.proto.label for d in download)
