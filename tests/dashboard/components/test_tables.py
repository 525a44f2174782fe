"""Tables for people: 3 significant digits, float noise as 0, and an HTML table in presentation mode."""
import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.components.tables import denoised, for_people


def test_numbers_get_three_significant_digits_and_noise_is_zero():
    assert [for_people(v) for v in (np.float32(0.36), 1e-20, 100.0, 1.2345e-5, 12345.6, 999.7, -0.5)] == [
        "0.360", "0", "100", "1.23e-05", "12,300", "1,000", "-0.500"]
    assert for_people(float("nan")) == "–" and for_people(3) == 3 and for_people(True) is True
    frame = denoised(pd.DataFrame({"entropy": [1e-20, 0.5, np.nan], "n": [1, 2, 3]}))
    assert frame["entropy"].iloc[0] == 0.0 and np.isnan(frame["entropy"].iloc[2]) and frame["n"].tolist() == [1, 2, 3]


def _script(large: bool) -> None:
    import pandas as pd
    import streamlit as st

    from dashboard.components.tables import show_table
    st.session_state["large_fonts"] = large
    show_table(pd.DataFrame({"name": ["a"], "p": [0.123456]}), key="t")


def test_presentation_mode_draws_an_html_table_the_css_can_enlarge():
    normal = AppTest.from_function(_script, args=(False,)).run()
    assert len(normal.dataframe) == 1 and not normal.table
    large = AppTest.from_function(_script, args=(True,)).run()
    assert not large.dataframe and not large.table
    (html,) = large.get("html")
    assert 'class="dataframe atlas-large-table"' in html.proto.body and "<td>0.123</td>" in html.proto.body


def _hostile() -> None:
    import pandas as pd
    import streamlit as st

    from dashboard.components.tables import show_table
    st.session_state["large_fonts"] = True
    show_table(pd.DataFrame({"<b>name</b>": ["<img src=x onerror=alert(1)>"], "p": [0.5]}))


def test_the_presentation_table_escapes_cells_and_headers():
    (html,) = AppTest.from_function(_hostile).run().get("html")
    assert "<img" not in html.proto.body and "<b>" not in html.proto.body
    assert "&lt;img src=x onerror=alert(1)&gt;" in html.proto.body
