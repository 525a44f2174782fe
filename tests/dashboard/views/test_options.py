"""The page → view options contract (issue 19 item 3): a view receives only the options it declares."""
import pytest

from dashboard.views.alignment import alignment_lines
from dashboard.views.heatmap import heatmap
from dashboard.views.options import declared_options, options_for

TRANSLATE_OFFER = {"zmax": 0.8, "row_name": "target", "col_name": "source", "height": None}


def test_each_view_gets_only_the_offered_options_it_declares():
    assert options_for(heatmap, TRANSLATE_OFFER) == {"zmax": 0.8, "row_name": "target", "col_name": "source"}
    assert options_for(alignment_lines, TRANSLATE_OFFER) == {}      # it declares height, offered as None
    assert declared_options(alignment_lines) == {"threshold", "height"}


def test_a_new_view_that_declares_nothing_receives_nothing():
    def plain(amap):                      # a new default view: the Translate page's options must not reach it
        return amap
    assert options_for(plain, TRANSLATE_OFFER) == {}


def test_an_option_no_view_knows_is_refused():
    with pytest.raises(TypeError, match="unknown view option"):
        options_for(heatmap, {"zmax": 1.0, "colour": "red"})
