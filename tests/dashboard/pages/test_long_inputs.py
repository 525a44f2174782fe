"""Whole inputs: a 20,000-character document through HAN and a 512-token text through MiniLM (AppTest)."""
import numpy as np

from attention_core.models.sentence_split import sentences
from benchmarks.long_inputs import NEWS

from .conftest import charts, page_html, values, widget

LONG_DOCUMENT = "\n\n".join([NEWS] * 7)          # 19,6xx characters
SENTENCES = 7 * len(sentences(NEWS))


def test_a_20000_character_document_goes_through_whole_and_stays_navigable(open_page):
    at = open_page("app_pages/document.py")
    assert len(LONG_DOCUMENT) > 19_000
    at.text_area[0].set_value(LONG_DOCUMENT)
    at.run()
    assert not at.exception and at.metric[0].value in {"business", "entertainment", "politics", "sport", "tech"}
    assert not any("cut" in i.value for i in at.info)                       # the whole text went through
    assert any("outside the training distribution" in i.value for i in at.info)
    overview = next(c for c in charts(at) if c["data"][0]["type"] == "bar" and "reading order" in
                    c["layout"]["title"]["text"])
    weights = values(overview["data"][0]["y"])
    assert len(weights) == SENTENCES and abs(sum(weights) - 1) < 1e-4          # every sentence, all of the weight
    chosen = int(np.argmax(weights)) + 1                                     # opens on the heaviest sentence
    assert at.number_input(key="doc-sentence").value == chosen
    words_before = page_html(at)[0].proto.body
    at.number_input(key="doc-sentence").set_value(3 if chosen != 3 else 4)
    at.run()
    assert not at.exception and page_html(at)[0].proto.body != words_before
    top = page_html(at)[1].proto.body                                      # the 5 heaviest sentences
    assert top.count("sentence weight") == 5
    pages = at.number_input(key="doc-page")                                  # the whole text, 40 a page
    last = -(-SENTENCES // 40)
    assert pages.max == last > 1
    pages.set_value(last)
    at.run()
    assert page_html(at)[2].proto.body.count("sentence weight") == SENTENCES - (last - 1) * 40


def test_a_512_token_text_in_every_transformer_view(open_page):
    at = open_page("app_pages/transformers.py")
    at.text_area[0].set_value(NEWS)                                          # 551 tokens
    at.run()
    assert not at.exception
    assert any("first 512 tokens" in i.value and "551" in i.value for i in at.info)
    n = len(at.selectbox(key="tf-token").options)
    assert 400 < n <= 512                                                    # merged word pieces
    widget(at, "radio", "View").set_value("one head")
    at.run()
    head = charts(at)[0]
    assert head["data"][0]["type"] == "heatmap" and "tokens" in head["layout"]["title"]["text"]
    assert len(values(head["data"][0]["z"])) <= 96                           # a window, not 494 rows
    widget(at, "radio", "The map has more tokens than fit the screen").set_value("pooled over spans")
    at.run()
    pooled = charts(at)[0]
    z = np.array(values(pooled["data"][0]["z"]))
    assert z.shape[0] <= 96 and "pooled" in pooled["layout"]["title"]["text"]
    np.testing.assert_allclose(z.sum(1), 1, atol=1e-4)                       # pooling keeps row sums
    at.selectbox(key="tf-head").set_value(7)
    at.run()
    assert "H7" in charts(at)[0]["layout"]["title"]["text"]
    widget(at, "radio", "View").set_value("token-centred")
    at.run()
    token_fig = charts(at)[0]
    assert [t["type"] for t in token_fig["data"]] == ["heatmap", "heatmap"]
    assert len(values(token_fig["data"][0]["y"])) == 72                      # every head
    widget(at, "radio", "View").set_value("head view (lines)")
    at.run()
    lines = charts(at)[0]
    title = lines["layout"]["title"]["text"]
    assert "2 strongest lines" in title and "lines drawn" in title
    widget(at, "toggle", "Isolate the token").set_value(True)
    at.run()
    assert "token #" in charts(at)[0]["layout"]["title"]["text"] and not at.exception
