"""ERASER and the weight interventions for the user's own input, under the attribution panel (hops page)."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.components.eraser_panel import reading

from tests.dashboard.pages.conftest import settled

APP = str(Path(__file__).resolve().parents[3] / "dashboard" / "app.py")


def test_the_hops_page_scores_the_users_input_with_eraser_and_weight_interventions():
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["hops-text"] = "Dull, lifeless and far too long, but the lead is terrific."
    at.run()
    at.switch_page("app_pages/hops.py")
    at.run()
    settled(at)                     # attribution runs in the background: AppTest has no browser to poll it
    assert not at.exception, at.exception
    frames = [df.value for df in at.dataframe]
    (eraser,) = [v for v in frames if "comprehensiveness (AOPC) ↑" in v.columns]
    assert set(eraser["removal"]) == {"delete", "[UNK] in place"}
    assert set(eraser["ranking"]) == {"attention", "integrated gradients", "leave-one-out", "random"}
    assert eraser["comprehensiveness (AOPC) ↑"].between(-1, 1).all()
    (weights,) = [v for v in frames if "flips: top weight zeroed" in v.columns]
    assert list(weights["layer"]) == ["hops"] and (weights["weights"] > 0).all()
    assert any(c.value.startswith("On this input removing the top tokens by") for c in at.caption)


def test_the_reading_names_the_most_comprehensive_ranking():
    rows = [{"removal": "delete", "ranking": r, "comprehensiveness (AOPC) ↑": v, "sufficiency (AOPC) ↓": 0.0}
            for r, v in [("attention", 0.1), ("leave-one-out", 0.4), ("random", 0.02)]]
    text = reading(rows)
    assert "**leave-one-out**" in text and "attention 0.100" in text and "random 0.020" in text
