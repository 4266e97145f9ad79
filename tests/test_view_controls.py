"""One generic control: the pure decisions, and how its parts keep in step with its value."""

from __future__ import annotations

import math

import pytest

from lr_widgets.core.specs import optimizer_spec, scheduler_spec
from lr_widgets.view.controls import UNSET, significant, slider_range, text_of, value_from_text, widget_for

LR = optimizer_spec("SGD").hyperparam("lr")
BETAS = optimizer_spec("Adam").hyperparam("betas")
T_MAX = scheduler_spec("CosineAnnealingLR").hyperparam("T_max")
MILESTONES = scheduler_spec("MultiStepLR").hyperparam("milestones")


@pytest.mark.parametrize(
    "value,expected", [(0.0012022644346174143, 0.0012), (123456.0, 123000.0), (-0.05678, -0.0568), (0.0, 0.0)]
)
def test_significant_keeps_three_digits(value: float, expected: float) -> None:
    assert significant(value) == expected
    assert math.isnan(significant(float("nan")))


def test_slider_range_holds_the_value_and_the_run() -> None:
    low, high, _ = slider_range(LR, 50.0)
    assert low <= math.log10(50.0) <= high  # exponents of 10, as FloatLogSlider takes them
    assert slider_range(T_MAX, 10, steps=5000)[1] >= 5000


def test_text_round_trips_and_nothing_is_evaluated() -> None:
    assert value_from_text("3e-2", LR) == 0.03 and value_from_text("fast", LR) == "fast"
    assert value_from_text("10, 30", MILESTONES) == "10, 30"  # checked by the core, which says what is wrong
    assert value_from_text("__import__('os')", LR) == "__import__('os')"
    assert value_from_text(text_of((0.9, 0.999)), BETAS) == (0.9, 0.999)


def test_a_dragged_slider_gives_a_number_a_person_would_type_a_typed_one_stays_exact() -> None:
    control = widget_for(LR, 0.001)
    control.slider.value = 0.0012022644346174143
    assert control.value == 0.0012 and control.text_box.value == "0.0012"
    control.text_box.value = "0.00123456"
    assert control.value == 0.00123456, "typed: exactly that"
    assert control.slider.value == 0.00123456, "the slider shows it without reporting a rounded value back"


def test_values_a_slider_cannot_hold_stay_as_given() -> None:
    steps = widget_for(T_MAX, 100)
    steps.value = 2.5  # an int slider would hold 2
    assert steps.value == 2.5 and steps.text_box.value == "2.5"
    lr = widget_for(LR, 0.001)
    lr.value = "fast"
    assert lr.value == "fast" and lr.text_box.value == "fast"
    lr.value = 5e-9  # below the slider's range: it widens, never clamps
    assert lr.value == 5e-9 and lr.slider.value == pytest.approx(5e-9)


def test_a_pair_set_at_once_is_one_change() -> None:
    betas = widget_for(BETAS, (0.9, 0.999))
    heard = []
    betas.observe(lambda change: heard.append(change["new"]), "value")
    betas.value = (0.51234, 0.9)
    assert heard == [(0.51234, 0.9)]
    betas.children[1].children[1].value = 0.95123
    assert heard[-1] == (0.51234, 0.951)


def test_following_a_proposal_and_stopping() -> None:
    t_max = widget_for(T_MAX, 100, follows=True, follow_label="= steps")
    assert t_max.proposed is UNSET and t_max.value == 100
    t_max.proposed = 300
    assert t_max.value == 300 and t_max.follows
    t_max.checkbox.value = False  # unticked: it keeps what it showed
    assert t_max.value == 300 and t_max.follows is False
    t_max.proposed = 500
    assert t_max.value == 300
    t_max.follows = True
    assert t_max.value == 500
    t_max.slider.value = 120  # by hand
    assert t_max.value == 120 and t_max.follows is False and t_max.checkbox.value is False


def test_a_value_set_from_code_is_one_change_and_leaves_the_follow_checkbox_alone() -> None:
    # a bool is shown by a checkbox: the "= steps" one is not the value's, so it must not tick itself
    t_max = widget_for(T_MAX, 100, follows=True, follow_label="= steps")
    t_max.proposed = 300
    seen: list = []
    t_max.observe(lambda change: seen.append(change["new"]), "value")
    t_max.value = True
    assert seen == [True] and t_max.value is True
    assert t_max.follows is False and t_max.checkbox.value is False
