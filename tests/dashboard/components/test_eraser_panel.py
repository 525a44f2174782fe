"""ERASER and the weight interventions for the user's own input, under the attribution panel (hops page)."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.components.eraser_panel import reading

from tests.dashboard.pages.conftest import figure_elements, settled

APP = str(Path(__file__).resolve().parents[3] / "dashboard" / "app.py")


def _with_eraser_table(at: AppTest, rankings: set[str]) -> list:
    """The page's tables, after checking its ERASER table: both removal operators, these rankings, AOPC in [-1, 1]."""
    frames = [df.value for df in at.dataframe]
    (eraser,) = [v for v in frames if "comprehensiveness (AOPC) ↑" in v.columns]
    assert set(eraser["removal"]) == {"delete", "[UNK] in place"}
    assert set(eraser["ranking"]) == rankings
    assert eraser["comprehensiveness (AOPC) ↑"].between(-1, 1).all()
    return frames


def test_the_hops_page_scores_the_users_input_with_eraser_and_weight_interventions():
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["hops-text"] = "Dull, lifeless and far too long, but the lead is terrific."
    at.run()
    at.switch_page("app_pages/hops.py")
    at.run()
    settled(at)                     # attribution runs in the background: AppTest has no browser to poll it
    assert not at.exception, at.exception
    frames = _with_eraser_table(at, {"attention", "integrated gradients", "leave-one-out", "random"})
    (weights,) = [v for v in frames if "flips: top weight zeroed" in v.columns]
    assert list(weights["layer"]) == ["hops"] and (weights["weights"] > 0).all()
    assert any(c.value.startswith("On this input removing the top tokens by") for c in at.caption)


def test_the_reading_names_the_most_comprehensive_ranking():
    rows = [{"removal": "delete", "ranking": r, "comprehensiveness (AOPC) ↑": v, "sufficiency (AOPC) ↓": 0.0}
            for r, v in [("attention", 0.1), ("leave-one-out", 0.4), ("random", 0.02)]]
    text = reading(rows)
    assert "**leave-one-out**" in text and "attention 0.100" in text and "random 0.020" in text


def test_the_translate_page_scores_the_users_sentence_per_generated_token():
    """A translator: ERASER per generated token (teacher-forced on its own output), both operators, the curves,
    and the weight interventions for a model whose attention takes the weight hook."""
    from tests.dashboard.pages.conftest import widget
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("app_pages/translate.py")
    at.run()
    widget(at, "radio", "Task").set_value("dates-en-fr")
    at.run()
    widget(at, "multiselect", "Mechanisms").set_value(["dates-en-fr/luong-dot"])
    at.text_area[0].set_value("the 3rd of March 2021")
    settled(at)
    assert not at.exception, at.exception
    frames = _with_eraser_table(at, {"attention", "gradient × input", "leave-one-out", "random"})
    assert any("eraser-curves" in key for key, _ in figure_elements(at))
    (each,) = [v for v in frames if "comprehensiveness: attention ↑" in v.columns]       # every translator shown
    assert list(each["model"]) == ["luong-dot"] and each["comprehensiveness: random"].between(-1, 1).all()
    (weights,) = [v for v in frames if "flips: top weight zeroed" in v.columns]
    n = weights["generated tokens"].iloc[0]
    assert n >= 1 and weights["flips: top weight zeroed"].iloc[0].endswith(f"of {n}")
    assert 0 <= weights["JS: top (mean)"].iloc[0] <= 1
    assert any(c.value.startswith("On this input removing the top tokens by") and "p(generated token)" in c.value
               for c in at.caption)


def test_every_translator_takes_the_weight_interventions_and_a_model_without_the_hook_says_why():
    """Bahdanau (its attention called once per step) gets its rows now; a model with no hookable layer: one line."""
    from types import SimpleNamespace

    import torch

    from dashboard.components.eraser_panel import weight_rows
    from dashboard.components.model_access import model
    rows, why = weight_rows(model("dates-en-fr/bahdanau"), "translation", "3 March 2021")
    assert why is None and len(rows) == 1
    flips, tokens = rows[0]["flips: top weight zeroed"].split(" of ")
    assert int(tokens) == rows[0]["generated tokens"] >= 3 and 0 <= int(flips) <= int(tokens)
    rows, why = weight_rows(SimpleNamespace(model=torch.nn.Linear(2, 2)), "translation", "3 March 2021")
    assert rows == [] and why.startswith("no attention layer") and "\n" not in why


def test_the_measures_stop_at_the_first_model_run_once_cancelled():
    """The work reports progress at every forward pass of the model, and a cancelled job stops there."""
    import pytest

    from dashboard.components.background import Cancelled, Job
    from dashboard.components.eraser_panel import measures_work
    from dashboard.components.model_access import model
    from attention_core.attribution.compare import compare
    explainer = model("dates-en-fr/luong-dot")
    inp = explainer.attribution_inputs("3 March 2021")
    comp = compare(inp, explainer.explain("3 March 2021").maps, ["grad×input"])
    job = Job("t", seconds=60)
    out = measures_work(explainer, "translation", "3 March 2021", ("grad×input",), comp, inp)(job)
    assert out["eraser"] and out["weights"] and 0.5 < job.fraction <= 0.99 and "model runs" in job.note
    job = Job("t", seconds=60)
    job.cancel("cancelled by you")
    with pytest.raises(Cancelled):
        measures_work(explainer, "translation", "3 March 2021", ("grad×input",), comp, inp)(job)
