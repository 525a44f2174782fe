"""AppTests of the pages that run the shipped models: widgets change the output, bad input gives a message."""
import io

from PIL import Image

from attention_core.models import load_model

from .conftest import charts, page_html, widget


def _png(size=(200, 150), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, 255).save(buf, format="PNG")
    return buf.getvalue()


def _text(at):
    return at.text_area[0]


def test_translate_side_by_side_lines_and_bad_input(open_page):
    at = open_page("app_pages/translate.py")
    figs = charts(at)
    assert len(figs) == 7 and all(f["data"][0]["type"] == "heatmap" for f in figs)
    assert len({f["data"][0]["zmax"] for f in figs}) == 1                      # one shared scale
    local = [f for f in figs if any(t.get("name") == "p_t" for t in f["data"])]
    assert len(local) == 3                                                     # local-m, local-p, top-k
    outputs = [m.value for m in at.markdown if m.value.startswith("**→**")]
    _text(at).set_value("The Lord is my shepherd.")
    at.run()
    assert [m.value for m in at.markdown if m.value.startswith("**→**")] != outputs
    widget(at, "toggle", "Alignment lines").set_value(True)
    at.run()
    assert all(f["data"][0]["type"] == "scatter" for f in charts(at))
    _text(at).set_value("   ")
    at.run()
    assert any("empty" in e.value for e in at.error) and not at.exception
    _text(at).set_value("Ünïcödé 😀 日本語 مرحبا " * 300)
    at.run()
    assert not at.exception and any("cut" in i.value for i in at.info)


def test_a_notice_every_translator_gives_is_shown_once(open_page):
    """Seven Bible models, one news sentence: the family's "words never seen in training" notice once, above the
    panels; each model's own confidence notice stays under its translation."""
    at = open_page("app_pages/translate.py")
    widget(at, "radio", "Task").set_value("bible-en-fr")
    at.run()
    _text(at).set_value("Shares of the chipmaker fell sharply after the earnings report.")
    at.run()
    unseen = [i.value.replace("\\", "") for i in at.info if "never occur" in i.value]   # Markdown-escaped
    assert len(unseen) == 1 and unseen[0].startswith("Every mechanism: 2 of 10 words"), unseen
    assert not at.exception and len(charts(at)) == 7


def test_translate_dates_family_and_beam(open_page):
    at = open_page("app_pages/translate.py")
    widget(at, "radio", "Task").set_value("dates-en-fr")
    at.run()
    widget(at, "radio", "Decoding").set_value(4)
    at.run()
    assert not at.exception and len(charts(at)) == 7


def test_caption_sample_upload_and_bad_files(open_page):
    at = open_page("app_pages/caption.py")
    assert len(charts(at)) >= 3                      # soft, hard, ImageNet evidence
    widget(at, "radio", "Show").set_value("all words (small multiples)")
    at.run()
    strip = charts(at)[0]
    assert sum(1 for t in strip["data"] if t["type"] == "heatmap") > 3
    drawn = Image.new("RGB", (200, 150))
    drawn.paste((220, 220, 220), (40, 30, 90, 100))                    # one bright block on black
    buf = io.BytesIO()
    drawn.save(buf, format="PNG")
    at.file_uploader[0].set_value(("drawn.png", buf.getvalue(), "image/png"))
    at.run()
    assert not at.exception and len(charts(at)) >= 3
    # blank (the plain white PNG): no caption, a note, no crash
    at.file_uploader[0].set_value(("blank.png", _png(), "image/png"))
    at.run()
    assert not at.exception and any("nothing named" in m.value for m in at.markdown)
    assert any("Nothing to caption" in w.value for w in [*at.info, *at.warning])
    at.file_uploader[0].set_value(("notes.png", b"definitely not an image", "image/png"))
    at.run()
    assert any("not a readable image" in e.value for e in at.error) and not at.exception
    at.file_uploader[0].set_value(("bomb.png", _png((9000, 6000), "1"), "image/png"))
    at.run()
    assert any("too large" in e.value for e in at.error) and not at.exception


def test_document_label_bars_highlight_and_bad_upload(open_page):
    at = open_page("app_pages/document.py")
    assert at.metric[0].value in {"business", "entertainment", "politics", "sport", "tech"}
    html = page_html(at)[0].proto.body
    widget(at, "radio", "Word shading").set_value("raw")
    at.run()
    assert page_html(at)[0].proto.body != html
    hostile = "<script>alert('x')</script> The striker scored twice as United won the cup final."
    _text(at).set_value(hostile)
    at.run()
    body = page_html(at)[0].proto.body
    assert "<script" not in body and "&lt;" in body                  # the tokens "<", "script", ">" escaped
    # the page shows the model's own decision (markup tokens pull HAN away from "sport" here)
    assert at.metric[0].value == load_model("document/han").explain(hostile).output.label
    at.file_uploader[0].set_value(("doc.txt", "\xff\xfe\x00bad".encode("latin-1"), "text/plain"))
    at.run()
    assert any("not UTF-8" in e.value for e in at.error) and not at.exception


def test_hops_two_models_with_penalty(open_page):
    at = open_page("app_pages/hops.py")
    assert len(charts(at)) == 4                      # hop rows + overlap, for each model
    penalties = [m.value for m in at.metric if m.label.startswith("Penalty")]
    _text(at).set_value("Dull, lifeless and far too long.")
    at.run()
    assert [m.value for m in at.metric if m.label.startswith("Penalty")] != penalties


def test_transformers_views(open_page):
    at = open_page("app_pages/transformers.py")
    overview = charts(at)[0]                                  # default: per-head statistics, 8 panels
    assert sum(1 for t in overview["data"] if t["type"] == "heatmap") == 8
    widget(at, "radio", "View").set_value("one layer: all heads")
    at.run()
    assert sum(1 for t in charts(at)[0]["data"] if t["type"] == "heatmap") == 12
    widget(at, "radio", "View").set_value("model view: layers × heads")
    at.run()
    assert sum(1 for t in charts(at)[0]["data"] if t["type"] == "heatmap") == 72
    widget(at, "radio", "View").set_value("rollout across layers")
    at.run()
    assert not at.exception and len(charts(at)) == 1


# a verse with names the Bible models saw at most a few times (luong-concat's rule supplies at least one of them)
RARE_WORDS_VERSE = "Jehoiakim slept with his fathers, and Jehoiachin his son reigned in his place."


def test_translate_names_the_words_a_rare_word_lexicon_wrote(open_page):
    """A model whose config declares the rare-word rule: its panel says which words the lexicon wrote, each as the
    explanation records it (the notice is Markdown-escaped like every other)."""
    expected = load_model("bible-en-fr/luong-concat").explain(RARE_WORDS_VERSE).maps[0].meta["lexicon_words"]
    assert expected
    at = open_page("app_pages/translate.py")
    widget(at, "radio", "Task").set_value("bible-en-fr")
    at.run()
    widget(at, "multiselect", "Mechanisms").set_value(["bible-en-fr/luong-concat"])
    _text(at).set_value(RARE_WORDS_VERSE)
    at.run()
    notes = [i.value.replace("\\", "") for i in at.info if "Supplied by a word lexicon" in i.value]
    assert len(notes) == 1 and all(f"{en} → {fr}" in notes[0] for en, fr in expected), notes
    assert not at.exception
