"""The attribution panel beside the Self-attention hops page's maps (one AppTest; the panel is shared)."""
import re

from streamlit.testing.v1 import AppTest

from .conftest import APP, charts, settled, widget


def _panel_figures(at):
    return [f for f in charts(at, panel=True) if any(t.get("zmin", 0) < 0 for t in f["data"] if t["type"] == "heatmap")]


def test_hops_page_draws_attribution_beside_attention():
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["hops-text"] = "Dull, lifeless and far too long, but the lead is terrific."
    at.run()
    at.switch_page("app_pages/hops.py")
    settled(at)
    assert not at.exception, at.exception
    assert any(s.value == "Is this attention an explanation?" for s in at.subheader)
    (fig,) = _panel_figures(at)
    heat = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(heat) == 3                                   # mean of hops, integrated gradients, leave-one-out
    attention, *attributions = heat
    assert attention["zmin"] == 0 and all(t["zmin"] == -t["zmax"] == -attention["zmax"] for t in attributions)
    readings = [m.value for m in at.markdown if "Kendall τ" in m.value]
    assert len(readings) == 2 and "top 3 tokens" in readings[0]
    erasure = next(f for f in charts(at, panel=True) if "after removing" in f["layout"]["title"]["text"])
    assert "3 tokens" in erasure["layout"]["title"]["text"]
    widget(at, "slider", "k (top-k, erasure)").set_value(1)
    settled(at)
    assert not at.exception
    erasure = next(f for f in charts(at, panel=True) if "after removing" in f["layout"]["title"]["text"])
    assert "1 token" in erasure["layout"]["title"]["text"]
    widget(at, "selectbox", "Model to explain").set_value("sentence/lin-nopenalty")
    settled(at)
    assert not at.exception and len(_panel_figures(at)) == 1


def test_a_huge_translation_waits_for_the_user_before_attribution(open_page):
    """One 2,000-character 'word' through the Bible translators: 101 × 120 maps — attribution (47–75 s and 2 GB
    when it ran on its own) now waits for a click, saying why; a normal verse still runs at once."""
    import time
    at = open_page("app_pages/translate.py")
    widget(at, "radio", "Task").set_value("bible-en-fr")
    at.run()
    at.text_area[0].set_value("x" * 2_000)
    t0 = time.perf_counter()
    at.run()
    assert not at.exception
    assert any("computed on request for maps over 4,000 cells" in c.value for c in at.caption)
    assert not charts(at, panel=True) and time.perf_counter() - t0 < 60
    at.text_area[0].set_value("In the beginning God created the heavens and the earth.")
    settled(at)
    assert not at.exception and charts(at, panel=True)


def test_transformers_attribution_says_it_reads_fewer_word_pieces_than_the_page_draws(open_page):
    """MiniLM's head reads 128 word pieces; the page draws up to 512 — attribution said nothing of the cut."""
    from benchmarks.long_inputs import text_of_tokens
    at = open_page("app_pages/transformers.py")
    at.text_area[0].set_value(text_of_tokens(300))
    settled(at)
    assert not at.exception
    shown = [re.sub(r"\\(.)", r"\1", i.value) for i in at.info]        # as the reader sees the escaped notes
    assert any("Attribution reads the first 128 of the text's 300 word pieces" in line for line in shown)
    at.text_area[0].set_value("A short review, warmly written.")
    settled(at)
    assert not any("Attribution reads the first" in i.value for i in at.info)
