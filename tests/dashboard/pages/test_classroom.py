import numpy as np

from .conftest import charts, figure_elements, page_html, values


def _step(at, i, predict=False):
    at.session_state["lesson_predict"] = predict
    at.session_state["lesson_step"] = i
    at.run()
    assert not at.exception, at.exception


def test_every_step_renders_and_next_moves_forward(open_page):
    at = open_page("app_pages/classroom.py")
    for i in range(8):
        _step(at, i)
    _step(at, 0)
    next(b for b in at.button if b.label == "Next ▶").click()
    at.run()
    assert at.session_state["lesson_step"] == 1


def test_softmax_weights_sum_to_one_and_temperature_sharpens_them(open_page):
    at = open_page("app_pages/classroom.py")
    _step(at, 2)
    table = at.dataframe[-1].value
    assert abs(table["weight α"].sum() - 1) < 1e-3
    before = table["weight α"].max()
    at.slider(key="lesson_temp").set_value(0.2)
    at.run()
    after = at.dataframe[-1].value["weight α"].max()
    assert after > before


def test_score_function_changes_the_scores(open_page):
    at = open_page("app_pages/classroom.py")
    _step(at, 1)
    dot = list(at.dataframe[-1].value["score"])
    at.radio(key="lesson_score").set_value("scaled_dot")
    at.run()
    scaled = list(at.dataframe[-1].value["score"])
    np.testing.assert_allclose(np.array(scaled) * np.sqrt(2), dot, atol=2e-3)   # the default vectors are 2-D


def test_local_window_follows_d(open_page):
    at = open_page("app_pages/classroom.py")
    _step(at, 4)
    def nonzero_final(fig):
        final = next(t for t in fig["data"] if t.get("name") == "final weight")
        return sum(1 for v in values(final["y"]) if v > 0)
    narrow = nonzero_final(charts(at)[0])
    at.slider(key="lesson_D").set_value(4)
    at.run()
    assert nonzero_final(charts(at)[0]) > narrow          # local-m: the window widens with D


def test_hops_penalty_grows_when_hops_are_alike(open_page):
    at = open_page("app_pages/classroom.py")
    _step(at, 5)
    low = float(at.metric[0].value)
    at.slider(key="lesson_same").set_value(1.0)
    at.run()
    assert float(at.metric[0].value) > low


def test_bad_example_gives_an_error_and_the_lesson_goes_on(open_page):
    at = open_page("app_pages/classroom.py")
    at.text_input(key="lesson_words").set_value(" ".join(["word"] * 40))
    at.run()
    assert any("between 1 and 12 words" in e.value for e in at.error)
    _step(at, 2)
    assert abs(at.dataframe[-1].value["weight α"].sum() - 1) < 1e-3
    at.text_input(key="lesson_words").set_value("   ")
    at.run()
    assert any("between 1 and 12 words" in e.value for e in at.error) and not at.exception


def test_hierarchy_escapes_user_text(open_page):
    at = open_page("app_pages/classroom.py")
    _step(at, 6)
    at.text_area(key="lesson_doc").set_value("<script>alert(1)</script> hi\nsecond line")
    at.run()
    html = page_html(at)[0].proto.body
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_each_step_asks_before_it_shows_and_grades_against_the_computation(open_page):
    at = open_page("app_pages/classroom.py")
    _step(at, 2, predict=True)                               # softmax: nothing drawn before the prediction
    assert not figure_elements(at)
    assert not [d for d in at.dataframe if not (d.key or "").startswith("lesson_")]   # only the example's editors
    radio = next(r for r in at.radio if r.label == "Your prediction")
    radio.set_value("more than 0.75").run()
    next(b for b in at.button if b.label == "Check my prediction").click().run()
    assert not at.exception
    weights = at.dataframe[-1].value["weight α"]
    right = weights.max() > 0.75
    assert (any("right" in s.value for s in at.success) if right else any("computation says" in e.value
                                                                           for e in at.error))
    assert figure_elements(at)                              # revealed after the prediction
    _step(at, 6, predict=True)
    assert not page_html(at)                                  # hierarchy waits too
    next(b for b in at.button if b.label == "Show without predicting").click().run()
    assert page_html(at) and any("without a prediction" in c.value for c in at.caption)


def test_step_and_words_come_back_from_the_address(open_page):
    """A new session (a reload, or another replica after one died) opens where the link says, with a notice."""
    at = open_page("app_pages/classroom.py")
    at.text_input(key="lesson_words").set_value("a dog chased the ball")
    _step(at, 3)
    assert at.query_params["step"] == "4" and at.query_params["words"] == "a dog chased the ball"
    from streamlit.testing.v1 import AppTest

    from .conftest import APP
    again = AppTest.from_file(APP, default_timeout=120)
    again.query_params["step"] = "4"
    again.query_params["words"] = "a dog chased the ball"
    again.run()
    again.switch_page("app_pages/classroom.py")
    again.run()
    assert not again.exception
    assert again.session_state["lesson_step"] == 3
    assert again.text_input(key="lesson_words").value == "a dog chased the ball"
    assert any("came back from this page's address" in i.value for i in again.info)


def test_step_8_measures_attention_against_gradient_and_random_after_the_prediction(open_page):
    """Issue 21: after the student's prediction, ERASER's comprehensiveness and sufficiency for the snippet."""
    from .conftest import settled
    at = open_page("app_pages/classroom.py")
    _step(at, 7, predict=True)
    assert not [d for d in at.dataframe if "comprehensiveness (AOPC) ↑" in d.value.columns]   # not before
    next(b for b in at.button if b.label == "Show without predicting").click()
    settled(at)
    assert not at.exception, at.exception
    (table,) = [d.value for d in at.dataframe if "comprehensiveness (AOPC) ↑" in d.value.columns]
    assert list(table["ranking"]) == ["attention", "gradient × input", "random"]
    assert table["comprehensiveness (AOPC) ↑"].between(-1, 1).all() and table["sufficiency (AOPC) ↓"].between(-1, 1).all()
    assert any("lesson-evidence-eraser" in key for key, _ in figure_elements(at))
    assert any("most comprehensive ranking is" in c.value for c in at.caption)
