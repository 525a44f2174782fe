"""The generic page draws any model's maps from the records alone."""
import pytest

from .conftest import charts


@pytest.mark.parametrize("model_id, expected", [
    ("caption/soft", "image"),                 # grid → overlay on the image
    ("document/han", "bar"),                   # levels → coloured text + sentence weights
    ("transformer/minilm-l6", "heatmap"),      # layer × head → overview + one head
    ("dates-en-fr/local-p", "heatmap"),        # one map → heatmap with its window
])
def test_any_model_is_drawn_by_what_its_records_hold(open_page, model_id, expected):
    at = open_page("app_pages/explore.py")
    box = at.selectbox[0]
    box.set_value(next(o for o in box.options if o.startswith(model_id))).run()
    assert not at.exception and not at.error
    types = {trace["type"] for fig in charts(at) for trace in fig["data"]}
    assert expected in types
    if model_id.startswith("transformer"):
        assert len(charts(at)) == 2            # the layers × heads overview and the chosen head


def test_dinov2_opens_on_an_informative_head_not_layer_0(open_page, vit_cache):
    import re
    at = open_page("app_pages/explore.py")
    box = at.selectbox[0]
    box.set_value(next(o for o in box.options if o.startswith("vision/dinov2-s"))).run()
    assert not at.exception and not at.error
    maps = next(w for w in at.multiselect if w.label == "Maps")
    chosen = maps.format_func(maps.value[0]) if maps.format_func else str(maps.value[0])
    layer = int(re.search(r"L(\d+) H\d+", chosen).group(1))
    assert layer >= 6, chosen
