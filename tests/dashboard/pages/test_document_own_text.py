"""The Document page on a user's own hard-wrapped text: real sentences, and every label follows the text."""
import textwrap

from attention_core.models import load_model
from attention_core.models.sentence_split import sentences
from benchmarks.long_inputs import NEWS

from .conftest import charts, page_html, values

TITLE = "Tram line approved after seven-hour debate"
WRAPPED = TITLE + "\n\n" + textwrap.fill(NEWS.strip(), 72)     # a .txt as an editor saves it


def test_own_hard_wrapped_text_is_read_as_sentences_and_the_sample_picker_lets_go(open_page):
    at = open_page("app_pages/document.py")
    picker = at.selectbox(key="document-sample")
    sample = picker.value
    assert sample != "(my own text)"                              # opens on a sample
    at.text_area(key="document-text").set_value(WRAPPED)
    at.run()
    assert not at.exception
    assert at.selectbox(key="document-sample").value == "(my own text)"   # no longer names the sample
    expected = sentences(WRAPPED)
    assert len(expected) < len(WRAPPED.splitlines()) - 5                  # not one "sentence" per line
    joined = len(textwrap.wrap(NEWS.strip(), 72)) - 1
    assert any(i.value.startswith(f"{joined} line break") and "hard wrapping" in i.value for i in at.info)
    overview = next(c for c in charts(at) if c["data"][0]["type"] == "bar" and "reading order" in
                    c["layout"]["title"]["text"])
    assert len(values(overview["data"][0]["y"])) == len(expected)
    assert at.number_input(key="doc-sentence").label == f"Sentence (1–{len(expected)})"
    shown = " ".join(html.proto.body for html in page_html(at))
    headline = sample.splitlines()[0]                                    # nothing left of the sample
    assert headline not in shown and ">council<" in shown                 # words are drawn one per span
    model = load_model("document/han")
    assert at.metric[0].value == model.explain(WRAPPED).output.label
    at.selectbox(key="document-sample").set_value(sample)                # choosing the sample again restores it
    at.run()
    assert at.text_area(key="document-text").value == sample and at.selectbox(key="document-sample").value == sample
