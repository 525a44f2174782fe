"""End to end: the dashboard served on localhost, driven in headless Chromium (Debian's) with Playwright."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from dashboard.pages import PAGES as PAGE_LIST
from dashboard.local_server import (CHROMIUM, CHROMIUM_ARGS, choose_option, dashboard_server, fill_text,
                                    tall_screenshot, wait_for_idle)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)

OUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
# page path → what must be drawn there once the page has run (from the one page list)
PAGES = {p.url: p.ready for p in PAGE_LIST}


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    OUT.mkdir(parents=True, exist_ok=True)
    store = tmp_path_factory.mktemp("class-store") / "classroom.sqlite"     # class sessions stay in the test
    with dashboard_server(env={"ATTENTION_ATLAS_CLASS_DB": f"sqlite:///{store}"}) as url, \
            playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield url, page, errors
        browser.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws(browser_page, path):
    url, page, errors = browser_page
    page.goto(f"{url}/{path}")
    wait_for_idle(page, timeout_ms=180_000)
    page.wait_for_selector(PAGES[path], timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(OUT / f"{path or 'home'}.png"), full_page=True)
    assert not page.locator("[data-testid='stAppDeployButton']").is_visible()   # client.toolbarMode = "minimal"
    # no button's label cut off ("JS…", "HT…") or spilling out of its button at 1400 px (checked to flag a
    # squeezed "JSON" button)
    cut = page.evaluate("""() => [...document.querySelectorAll('button')].filter(b => b.offsetParent !== null)
        .filter(b => { const t = b.querySelector('p') || b, r = t.getBoundingClientRect(), o = b.getBoundingClientRect();
                       return t.scrollWidth > t.clientWidth + 1 || r.left < o.left - 1 || r.right > o.right + 1; })
        .map(b => b.innerText)""")
    assert cut == [], cut
    assert not errors, errors


def _png(color) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (320, 240), "white")
    img.paste(Image.new("RGB", (100, 100), color), (30, 40))
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_caption_upload_draws_attention_and_rejects_a_fake_image(browser_page, tmp_path):
    url, page, _ = browser_page
    page.goto(f"{url}/caption")
    wait_for_idle(page, timeout_ms=180_000)
    real = tmp_path / "square.png"
    real.write_bytes(_png("black"))
    page.locator("input[type=file]").first.set_input_files(str(real))
    wait_for_idle(page, timeout_ms=120_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    assert page.locator(".js-plotly-plot .heatmaplayer, .js-plotly-plot .imagelayer").count() > 0
    page.screenshot(path=str(OUT / "caption-upload.png"), full_page=True)
    fake = tmp_path / "notes.png"
    fake.write_text("this is not an image")
    page.locator("input[type=file]").first.set_input_files(str(fake))
    wait_for_idle(page, timeout_ms=60_000)
    page.wait_for_selector("text=not a readable image", timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(OUT / "caption-bad-upload.png"), full_page=True)


def test_vision_upload_a_photo_click_a_patch_and_reject_a_fake(browser_page, vit_cache, tmp_path):
    url, page, errors = browser_page
    page.goto(f"{url}/vision")
    wait_for_idle(page, timeout_ms=180_000)
    photo = Path(__file__).resolve().parents[2] / "attention_core" / "samples" / "photo-astronaut.jpg"
    page.locator("input[type=file]").first.set_input_files(str(photo))
    wait_for_idle(page, timeout_ms=120_000)
    page.wait_for_selector("text=photo-astronaut", timeout=60_000)
    assert page.locator(".js-plotly-plot .imagelayer").count() >= 2          # DINOv2 overlay + ImageNet evidence
    assert page.locator(".js-plotly-plot .heatmaplayer").count() >= 2
    page.screenshot(path=str(OUT / "vision-upload.png"), full_page=True)
    page.get_by_text("patch to patch", exact=True).click()
    wait_for_idle(page, timeout_ms=120_000)
    inputs = page.locator("[data-testid='stNumberInput'] input")
    before = [inputs.nth(i).input_value() for i in range(2)]
    area = page.locator(".js-plotly-plot").first.locator(".nsewdrag").first.bounding_box()
    x, y = area["x"] + area["width"] * 0.5 + 40, area["y"] + area["height"] * 0.25   # right of centre, high
    page.mouse.move(x - 4, y - 4)
    page.mouse.move(x, y)                       # Plotly picks the clicked point from the hover
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    wait_for_idle(page, timeout_ms=120_000)
    after = [inputs.nth(i).input_value() for i in range(2)]
    assert after != before and int(after[0]) < int(before[0])
    page.wait_for_selector(f"text=patch r{after[0]}c{after[1]}", timeout=30_000)
    page.screenshot(path=str(OUT / "vision-patch-click.png"), full_page=True)
    fake = tmp_path / "holiday.jpg"
    fake.write_text("not a photo")
    page.locator("input[type=file]").first.set_input_files(str(fake))
    wait_for_idle(page, timeout_ms=60_000)
    page.wait_for_selector("text=not a readable image", timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert not errors, errors


def test_translate_heatmap_hover_layer_and_empty_text(browser_page):
    url, page, _ = browser_page
    page.goto(f"{url}/translate")
    wait_for_idle(page, timeout_ms=180_000)
    assert page.locator(".js-plotly-plot").count() >= 2
    assert page.locator(".js-plotly-plot .heatmaplayer").count() >= 1
    area = page.locator("textarea").first
    area.fill("")
    area.press("Control+Enter")
    wait_for_idle(page)
    page.wait_for_selector("text=the text is empty", timeout=30_000)
    page.screenshot(path=str(OUT / "translate-empty.png"), full_page=True)


def test_two_sessions_at_once_share_the_models_and_keep_their_own_inputs(browser_page):
    url, page, _ = browser_page
    other_context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    other = other_context.new_page()
    try:
        texts = {page: "And God said, Let there be light.", other: "The king sent his servants to the city."}
        for p in texts:
            p.goto(f"{url}/translate")
        for p in texts:
            wait_for_idle(p, timeout_ms=180_000)
        for p, text in texts.items():   # both sessions rerun at the same time on the shared, cached models
            area = p.locator("textarea").first
            area.fill(text)
            area.press("Control+Enter")
        outputs = {}
        for p, text in texts.items():
            wait_for_idle(p, timeout_ms=180_000)
            assert p.locator("textarea").first.input_value() == text
            assert p.locator('[data-testid="stException"]').count() == 0
            assert p.locator(".js-plotly-plot .heatmaplayer").count() >= 7
            outputs[p] = p.get_by_text(re.compile(r"^→ ")).first.inner_text()   # the first translation
        assert outputs[page] != outputs[other]
        other.screenshot(path=str(OUT / "translate-second-session.png"))
    finally:
        other_context.close()


def test_presentation_mode_enlarges_text_and_keeps_headings_larger(browser_page):
    url, page, _ = browser_page
    page.goto(f"{url}/classroom")
    wait_for_idle(page, timeout_ms=180_000)

    def sizes() -> tuple[float, float, float]:
        size = "e => parseFloat(getComputedStyle(e).fontSize)"
        return (page.locator("h1 span").first.evaluate(size),
                page.locator('[data-testid="stMarkdownContainer"] p').first.evaluate(size),
                page.locator(".js-plotly-plot .xtick text").first.evaluate(size))   # Streamlit's chart theme

    title_before, body_before, ticks_before = sizes()
    copy = page.locator(".atlas-large-copy-wrap")        # the example's editors (canvas grids), copied large
    assert copy.count() == 1 and not copy.is_visible()
    page.get_by_text("Presentation mode (large fonts)", exact=True).click()
    wait_for_idle(page)
    page.wait_for_timeout(300)
    title_after, body_after, ticks_after = sizes()
    assert body_after > body_before * 1.1 and ticks_after > ticks_before * 1.2
    assert title_after > 1.8 * body_after
    assert copy.is_visible() and page.locator("[data-testid='stDataFrame']").first.is_visible()  # still editable
    assert copy.locator("td").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") > 1.2 * body_before
    assert copy.locator("tbody th").all_inner_texts() == "the cat sat on the mat query".split()
    names = page.locator("[data-testid='stSidebarNav'] span", has_text="Vision transformer").first  # not cut off
    assert names.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.get_by_text("Presentation mode (large fonts)", exact=True).click()   # leave the shared page as found
    wait_for_idle(page)


def test_presentation_mode_keeps_metric_values_the_largest_text(browser_page):
    """The body rule shrank the Hops page's metric values (prediction, probability) below their normal size."""
    url, page, _ = browser_page
    page.goto(f"{url}/hops")
    wait_for_idle(page, timeout_ms=180_000)
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    value = page.locator("[data-testid='stMetricValue']").first
    before = value.evaluate(size)
    page.get_by_text("Presentation mode (large fonts)", exact=True).click()
    wait_for_idle(page)
    page.wait_for_timeout(300)
    after = page.locator("[data-testid='stMetricValue']").first.evaluate(size)
    body = page.locator('[data-testid="stMarkdownContainer"] p').first.evaluate(size)
    assert after > before and after > 2 * body
    page.get_by_text("Presentation mode (large fonts)", exact=True).click()   # leave the shared page as found
    wait_for_idle(page)


def test_presentation_mode_is_switched_in_the_browser_and_kept_after_a_reload(browser_page):
    """The switch sends the server nothing (no page run: issue 19 item 7), enlarges the charts in place with
    the large layout each came with, shows each table as HTML instead of the canvas grid, and is still on after
    a reload (the browser keeps it)."""
    url, page, errors = browser_page
    page.goto(f"{url}/transformers")
    wait_for_idle(page, timeout_ms=180_000)
    sent: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    ticks = "() => parseFloat(getComputedStyle(document.querySelector('.js-plotly-plot .xtick text')).fontSize)"
    shown = ("sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null).length")
    charts = page.locator(".js-plotly-plot")
    n_charts, before = charts.count(), page.evaluate(ticks)
    charts.evaluate_all("els => { window.__before = els; }")
    assert page.evaluate(shown, "[data-testid='stDataFrame']") >= 1
    assert page.evaluate(shown, ".atlas-large-table") == 0           # the HTML tables wait, hidden
    frames_before = len(sent)
    page.get_by_text("Presentation mode (large fonts)", exact=True).click()
    wait_for_idle(page)
    page.wait_for_timeout(500)
    assert len(sent) == frames_before                                 # nothing went to the server
    assert page.evaluate("() => window.__before.every(gd => gd.isConnected)")   # the same charts, restyled
    assert page.evaluate(ticks) > 1.2 * before and charts.count() == n_charts
    assert page.evaluate(shown, ".atlas-large-table") >= 1
    assert page.evaluate(shown, "[data-testid='stDataFrame']") == 0
    page.reload()
    wait_for_idle(page, timeout_ms=180_000)
    # the switch restores the mode when its component mounts, which on a loaded machine can come after the
    # page run has finished: wait for it (up to 30 s) rather than look once
    page.wait_for_function("() => document.documentElement.classList.contains('atlas-presenting')",
                           timeout=30_000)
    page.wait_for_function(f"() => ({ticks})() > 1.2 * {before}", timeout=30_000)
    page.get_by_text("Presentation mode (large fonts)", exact=True).click()   # leave the shared page as found
    wait_for_idle(page)
    assert page.evaluate(ticks) == before and page.evaluate(shown, ".atlas-large-table") == 0
    assert not errors, errors


# ---- whole inputs (issue 11): a 20,000-character document and a 512-token text --------------------------
def _tall_screenshot(page, name: str, height: int = 3200) -> None:
    """A tall screenshot into the test output folder."""
    tall_screenshot(page, OUT / name, height)


def test_long_document_reads_whole_and_a_click_on_a_sentence_bar_opens_its_words(browser_page):
    from attention_core.models.sentence_split import sentences
    from benchmarks.long_inputs import NEWS
    url, page, errors = browser_page
    document = "\n\n".join([NEWS] * 7)
    page.goto(f"{url}/document")
    wait_for_idle(page, timeout_ms=180_000)
    fill_text(page, document)
    assert page.locator("[data-testid='stException']").count() == 0
    page.wait_for_selector("text=Sentence weights in reading order", timeout=30_000)
    overview = page.locator(".js-plotly-plot", has_text="Sentence weights in reading order")
    bars = overview.locator(".bars path")
    assert bars.count() == 7 * len(sentences(NEWS))
    bars.nth(2).click(force=True)
    wait_for_idle(page)
    assert page.locator("input[type=number]").first.input_value() == "3"
    page.wait_for_selector("text=sentence 3 · word level", timeout=30_000)
    _tall_screenshot(page, "document-long.png")
    assert not errors, errors


def test_512_token_text_overview_click_opens_a_head_and_every_view_draws(browser_page):
    from benchmarks.long_inputs import NEWS
    url, page, errors = browser_page
    page.goto(f"{url}/transformers")
    wait_for_idle(page, timeout_ms=180_000)
    fill_text(page, NEWS)
    page.wait_for_selector("text=first 512 tokens", timeout=30_000)
    _tall_screenshot(page, "transformers-512-overview.png", 2400)
    # the first panel (entropy) is a 6 × 12 grid at the origin of the panels' shared axes: click layer 2, head 3
    chart = page.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    x, y = chart.evaluate("gd => { const L = gd._fullLayout; "
                          "return [L._size.l + L.xaxis.l2p(3), L._size.t + L.yaxis.l2p(2)]; }")
    page.mouse.click(box["x"] + x, box["y"] + y)
    wait_for_idle(page)
    assert page.locator("label:has(input[type=radio]:checked)").first.inner_text() == "one head"
    page.wait_for_selector("text=MiniLM L2 H3", timeout=30_000)              # the clicked layer and head
    _tall_screenshot(page, "transformers-512-one-head.png", 2000)
    for view, shot in [("token-centred", "token"), ("head view (lines)", "lines"),
                       ("one layer: all heads", "layer"), ("model view: layers × heads", "model-view")]:
        page.get_by_text(view, exact=True).first.click()
        wait_for_idle(page, timeout_ms=120_000)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator(".js-plotly-plot").count() >= 1
        _tall_screenshot(page, f"transformers-512-{shot}.png")
    page.get_by_text("head view (lines)", exact=True).first.click()
    wait_for_idle(page)
    page.get_by_text("Isolate the token", exact=True).click()
    wait_for_idle(page)
    page.wait_for_selector("text=its 2 strongest outgoing and incoming lines", timeout=30_000)
    _tall_screenshot(page, "transformers-512-lines-one-token.png", 1600)
    assert not errors, errors



def test_dataset_atlas_head_scatter_click_opens_that_head(browser_page):
    """A click on a head in the atlas scatter selects that head and lists the inputs behind it."""
    url, page, errors = browser_page
    page.goto(f"{url}/dataset")
    wait_for_idle(page, timeout_ms=180_000)
    choose_option(page, "Export", "MiniLM")
    wait_for_idle(page, timeout_ms=120_000)
    page.wait_for_selector("text=Heads: click one to see the inputs behind it", timeout=60_000)
    scatter = next(p for p in page.locator(".js-plotly-plot").all() if p.locator(".scatterlayer .point").count() > 10)
    summary = page.get_by_text(re.compile(r"^L\d+H\d+: mean entropy"))
    before = summary.inner_text()
    scatter.locator(".scatterlayer .point").nth(5).click(force=True)
    wait_for_idle(page, timeout_ms=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    after = summary.inner_text()       # the clicked head's line replaces the first head's
    assert after != before, after
    _tall_screenshot(page, "dataset-head-click.png", 2400)
    assert not errors, errors


# ---- the reader's most frequent change on a page (another head, word, layer or sentence) reruns only its view ----
# The browser asks for a fragment rerun (``BackMsg.rerun_script.fragment_id`` set), not the whole page's, so the
# input, the notices and the attribution panel are neither recomputed nor sent again.
FRAGMENT_PAGES = {"transformers", "document", "caption", "vision", "translate"}


def _reruns(frames: list[bytes]) -> list:
    """The rerun requests among the frames the browser sent."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    out = []
    for payload in frames:
        msg = BackMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:
            continue
        if msg.WhichOneof("type") == "rerun_script":
            out.append(msg.rerun_script)
    return out


def test_each_declared_view_change_reruns_only_its_fragment(browser_page, vit_cache):
    from benchmarks.dashboard import CASES, _browser_action
    cases = [c for c in CASES if c.scope == "view"]
    assert {c.url for c in cases} == FRAGMENT_PAGES      # every page declaring an interaction draws it as a fragment
    url, page, errors = browser_page
    sent: list[bytes] = []
    page.on("websocket", lambda ws: ws.on(
        "framesent", lambda payload: sent.append(bytes(payload)) if isinstance(payload, (bytes, bytearray)) else None))
    for case in cases:
        page.goto(f"{url}/{case.url}")
        wait_for_idle(page, timeout_ms=180_000)
        before = len(sent)
        _browser_action(page, case, 0)()
        wait_for_idle(page)
        reruns = _reruns(sent[before:])
        assert reruns, f"{case.url}: changing {case.label!r} sent no rerun"
        assert all(r.fragment_id for r in reruns), f"{case.url}: {case.label!r} reran the whole page"
        assert page.locator("[data-testid='stException']").count() == 0, case.url
        if case.kind == "selectbox":                     # the view did change: the widget holds the new value
            box = page.locator("[data-testid='stSelectbox']", has_text=case.label).first
            shown = box.locator("input").input_value() or box.inner_text()
            assert str(case.values[0]) in shown, (case.url, shown)
    assert not errors, errors


def test_a_page_wide_change_restyles_the_charts_in_place(browser_page):
    """Translate's shared colour scale changes all seven maps: the same chart elements stay on the page and
    take the new colour range (dashboard/components/live_figure.py), rather than seven new charts drawn anew."""
    url, page, errors = browser_page
    page.goto(f"{url}/translate")
    wait_for_idle(page, timeout_ms=180_000)
    charts = page.locator(".js-plotly-plot")
    assert charts.count() >= 7
    # the seven maps come first; the attribution panel may add charts below them meanwhile
    zmax = "els => els.slice(0, 7).map(gd => gd.data[0].zmax === undefined ? null : gd.data[0].zmax)"
    before = charts.evaluate_all(zmax)
    charts.evaluate_all("els => { window.__maps = els.slice(0, 7); }")
    page.get_by_text("Shared colour scale", exact=True).click()
    wait_for_idle(page)
    kept = page.evaluate("() => window.__maps.filter(gd => gd.isConnected).length")
    after = page.evaluate("() => window.__maps.map(gd => gd.data[0].zmax === undefined ? null : gd.data[0].zmax)")
    page.get_by_text("Shared colour scale", exact=True).click()     # leave the shared page as found
    wait_for_idle(page)
    assert kept == 7                                  # the same seven chart elements, restyled
    assert after != before, (before, after)
    assert not errors, errors

# ---- every chart that takes a click (issue 20): the ones not clicked above ------------------------------
def _hover_and_click(page, x: float, y: float) -> None:
    """Hover the page point (``x``, ``y``) as a person would, then click it and wait for the rerun."""
    page.mouse.move(x - 3, y - 3)
    page.mouse.move(x, y)
    page.wait_for_timeout(200)
    page.mouse.click(x, y)
    wait_for_idle(page, timeout_ms=120_000)


def _click_cell(page, chart, trace: int, row: int, col: int) -> object:
    """Click cell (``row``, ``col``) of heatmap trace ``trace`` of a Plotly ``chart`` → that row's label."""
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    x, y, label = chart.evaluate(
        "(gd, [t, r, c]) => { const L = gd._fullLayout, d = gd._fullData[t];"
        " const xa = L[d.xaxis.replace('x', 'xaxis')], ya = L[d.yaxis.replace('y', 'yaxis')];"
        " return [xa._offset + xa.d2p(d.x[c]), ya._offset + ya.d2p(d.y[r]), d.y[r]]; }", [trace, row, col])
    _hover_and_click(page, box["x"] + x, box["y"] + y)
    return label


def _isolated_point(chart, trace: int) -> int:
    """The index of the point of ``trace`` farthest (in pixels) from every other point of the chart: where points
    overlap, a click lands on the one drawn last, which need not be the one the test means."""
    return chart.evaluate(
        "(gd, t) => { const L = gd._fullLayout;"
        " const px = gd._fullData.map(d => { const xa = L[d.xaxis.replace('x', 'xaxis')],"
        " ya = L[d.yaxis.replace('y', 'yaxis')];"
        " return Array.from(d.x || [], (x, i) => [xa.d2p(x), ya.d2p(d.y[i])]); });"   # x may be a typed array
        " let best = 0, far = -1;"
        " px[t].forEach(([x, y], i) => { let near = Infinity;"
        " px.forEach((pts, u) => pts.forEach(([a, b], j) => { if (u !== t || j !== i)"
        " near = Math.min(near, Math.hypot(a - x, b - y)); }));"
        " if (near > far) { far = near; best = i; } });"
        " return best; }", trace)


def _click_point(page, chart, trace: int, index: int) -> tuple[object, object]:
    """Click point ``index`` of trace ``trace`` of a Plotly ``chart`` (hovered first, as a person would) →
    that point's (customdata, y)."""
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    x, y, data = chart.evaluate(
        "(gd, [t, i]) => { const L = gd._fullLayout, d = gd._fullData[t];"
        " const xa = L[d.xaxis.replace('x', 'xaxis')], ya = L[d.yaxis.replace('y', 'yaxis')];"
        " return [xa._offset + xa.d2p(d.x[i]), ya._offset + ya.d2p(d.y[i]),"
        " [d.customdata ? d.customdata[i] : null, d.y[i]]]; }", [trace, index])
    _hover_and_click(page, box["x"] + x, box["y"] + y)
    return data


def test_transformers_distance_profile_click_opens_that_head(browser_page):
    """The overview's second chart (each head's attention by offset): a click on a row opens that head."""
    url, page, errors = browser_page
    page.goto(f"{url}/transformers")
    wait_for_idle(page, timeout_ms=180_000)
    page.wait_for_selector("text=Where each head looks", timeout=60_000)
    profile = page.locator(".js-plotly-plot", has_text="Where each head looks").first
    # the heatmap itself takes the click: its per-cell click markers are folded into it in the browser
    assert profile.evaluate("gd => gd._fullData.length") == 1
    row = _click_cell(page, profile, 0, 17, 2)     # the 18th head, offset column 3
    layer, head = row.split()
    assert page.locator("label:has(input[type=radio]:checked)").first.inner_text() == "one head"
    page.wait_for_selector(f"text=MiniLM {layer} {head}", timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors


def test_dataset_atlas_bleu_scatter_click_lists_that_translation(browser_page):
    """The Bible export's BLEU × entropy scatter: a click on a point lists that verse and opens it."""
    url, page, errors = browser_page
    page.goto(f"{url}/dataset?export=bible-en-fr")
    wait_for_idle(page, timeout_ms=180_000)
    page.wait_for_selector("text=Translation quality vs attention entropy", timeout=60_000)
    assert page.get_by_text("No selection: the 15 lowest-BLEU translations are listed.").count() == 1
    scatter = page.locator(".js-plotly-plot", has_text="Sentence BLEU vs attention entropy").first
    scatter.scroll_into_view_if_needed()
    (model, index), _ = _click_point(page, scatter, 0, _isolated_point(scatter, 0))
    assert page.get_by_text("No selection: the 15 lowest-BLEU translations are listed.").count() == 0
    chosen = page.locator("[data-testid='stSelectbox']", has_text="Example").last   # the listed verse, opened
    shown = chosen.evaluate("e => e.textContent + ' | ' + [...e.querySelectorAll('input')].map(i => i.value).join()")
    assert f"{model.split('/')[-1]} · example {index}" in shown, shown
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors


def test_class_image_question_click_on_a_region_picks_its_number(browser_page):
    """A student's image question (the vision lesson): a click on a numbered region of the photo picks that
    number in the prediction radio."""
    url, page, errors = browser_page
    teacher_context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    student_context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        teacher, student = teacher_context.new_page(), student_context.new_page()
        for p, mode in ((teacher, "Teach a class"), (student, "Join a class")):
            p.goto(f"{url}/classroom")
            wait_for_idle(p, timeout_ms=180_000)
            p.locator("[data-testid='stButtonGroup'] button", has_text=mode).first.click()
            wait_for_idle(p)
        choose_option(teacher, "Lesson", "vision transformer")
        wait_for_idle(teacher)
        teacher.get_by_role("button", name="Start a class session").click()
        wait_for_idle(teacher, timeout_ms=120_000)
        code = teacher.locator("[data-testid='stMetric']", has_text="Students join with the code").first \
            .locator("[data-testid='stMetricValue']").inner_text().strip()
        student.get_by_label("Class code").fill(code)
        student.get_by_label("Your name").fill("Dana")
        student.get_by_role("button", name="Join the class").click()
        wait_for_idle(student, timeout_ms=180_000)
        student.wait_for_selector("text=Click a region on the image", timeout=120_000)
        grid = student.locator(".js-plotly-plot").first
        number, _ = _click_point(student, grid, 1, 6)
        checked = student.locator("[data-testid='stRadio']", has_text="Your prediction") \
            .locator("label:has(input[type=radio]:checked)")
        assert checked.inner_text().strip() == str(number) == "7"
        tall_screenshot(student, OUT / "class-region-click.png", height=1600)
        assert student.locator("[data-testid='stException']").count() == 0 and not errors, errors
    finally:
        teacher_context.close()
        student_context.close()
