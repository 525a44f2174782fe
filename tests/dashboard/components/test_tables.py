"""Tables for people: 3 significant digits, float noise as 0, and the HTML table presentation mode shows."""
import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.components.tables import denoised, for_people


def test_numbers_get_three_significant_digits_and_noise_is_zero():
    assert [for_people(v) for v in (np.float32(0.36), 1e-20, 100.0, 1.2345e-5, 12345.6, 999.7, -0.5)] == [
        "0.360", "0", "100", "1.23e-05", "12,300", "1,000", "-0.500"]
    # a chart cell on a 0–1 colour scale: what rounds to 0 at 3 decimals is 0 (8.7e-08 in a hop overlap matrix)
    assert [for_people(v, scale=1.0) for v in (8.7e-08, 4.9e-04, 6e-04, 0.997)] == ["0", "0", "0.000600", "0.997"]
    assert for_people(float("nan")) == "–" and for_people(3) == 3 and for_people(True) is True
    frame = denoised(pd.DataFrame({"entropy": [1e-20, 0.5, np.nan], "n": [1, 2, 3]}))
    assert frame["entropy"].iloc[0] == 0.0 and np.isnan(frame["entropy"].iloc[2]) and frame["n"].tolist() == [1, 2, 3]


def _script(rows: int) -> None:
    import pandas as pd

    from dashboard.components.tables import show_table
    show_table(pd.DataFrame({"name": ["a"] * rows, "p": [0.123456] * rows}), key="t")


def test_a_table_comes_with_the_html_the_presentation_css_can_enlarge():
    """Presentation mode is switched in the browser, so the page carries both forms of a table: the data grid
    and, right after it, the same numbers as an HTML table the app's CSS shows instead while presenting."""
    at = AppTest.from_function(_script, args=(1,)).run()
    assert len(at.dataframe) == 1 and not at.table
    (html,) = at.get("html")
    assert 'class="dataframe atlas-large-table"' in html.proto.body and "<td>0.123</td>" in html.proto.body
    from dashboard.components.tables import HTML_ROWS
    long = AppTest.from_function(_script, args=(HTML_ROWS + 1,)).run()   # a long table stays a grid only
    assert len(long.dataframe) == 1 and not long.get("html")


def _hostile() -> None:
    import pandas as pd

    from dashboard.components.tables import show_table
    show_table(pd.DataFrame({"<b>name</b>": ["<img src=x onerror=alert(1)>"], "p": [0.5]}))


def test_the_presentation_table_escapes_cells_and_headers():
    (html,) = AppTest.from_function(_hostile).run().get("html")
    assert "<img" not in html.proto.body and "<b>" not in html.proto.body
    assert "&lt;img src=x onerror=alert(1)&gt;" in html.proto.body
