"""Budgets (attention_core.budget): parsing the deployment's choice, costs, draw sizes, Compute caps."""
import pytest

from attention_core.budget import (CLASSROOM, DEFAULT, ENV, attribution_cost, budget, cap_examples, draw_sides,
                                   parse_budget)


def test_the_environment_chooses_the_budget(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert budget() == DEFAULT
    monkeypatch.setenv(ENV, "classroom")
    assert budget() == CLASSROOM
    monkeypatch.setenv(ENV, "classroom, seconds=20,draw_cells=100")
    b = budget()
    assert b.seconds == 20.0 and b.draw_cells == 100 and b.auto_cells == CLASSROOM.auto_cells


@pytest.mark.parametrize("spec, says", [("lecture", "unknown budget 'lecture'"), ("seconds=soon", "must be a number"),
                                        ("bogus=1", "unknown budget field 'bogus'"), ("seconds=-1", "must be positive")])
def test_a_bad_budget_is_one_line(spec, says):
    with pytest.raises(ValueError, match=says) as err:
        parse_budget(spec)
    assert "\n" not in str(err.value)


def test_classroom_is_stricter_than_default_everywhere():
    assert all(getattr(CLASSROOM, f) <= getattr(DEFAULT, f) for f in DEFAULT.__dataclass_fields__)


def test_attribution_cost_grows_with_the_map_and_says_why_it_waits():
    verse = attribution_cost(60, [(20, 25)], ["integrated-gradients", "leave-one-out"])
    word = attribution_cost(2_000, [(101, 120)], ["integrated-gradients", "leave-one-out"])
    assert verse.over(DEFAULT) is None and verse.model_runs < word.model_runs
    assert "are 12,120" in word.over(DEFAULT) and "model runs over 12,120 map cells" in word.describe()
    assert "characters" in attribution_cost(20_000, [(1, 30)], ["leave-one-out"]).over(DEFAULT)


@pytest.mark.parametrize("shape, sides", [((1000, 1000), (200, 200)), ((1, 1_000_000), (1, 2000)),
                                          ((101, 120), (101, 120)), ((5000, 3), (2000, 3))])
def test_draw_sides_fit_the_cells_and_keep_the_shape(shape, sides):
    assert draw_sides(*shape, 40_000) == sides


def test_compute_caps_examples_by_count_and_total_size():
    limits = parse_budget("compute_examples=3,compute_chars=100")
    assert cap_examples([10, 10, 10, 10], limits) == 3
    assert cap_examples([60, 30, 20], limits) == 2
    assert cap_examples([500], limits) == 0
