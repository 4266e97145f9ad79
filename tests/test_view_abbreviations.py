"""ipywidgets-style abbreviations by torch's names: the decisions as pure functions, then through explore()."""

from __future__ import annotations

import ipywidgets
import numpy as np
import pytest

from lr_widgets import InvalidValueError, UnknownNameError, explore, fixed, optimizer_spec, scheduler_spec, simulate
from lr_widgets.core.specs import MISSING
from lr_widgets.view.abbreviations import abbreviation, sort_abbreviations

LR = optimizer_spec("AdamW").hyperparam("lr")
BETAS = optimizer_spec("AdamW").hyperparam("betas")
T_MAX = scheduler_spec("CosineAnnealingLR").hyperparam("T_max")
MILESTONES = scheduler_spec("MultiStepLR").hyperparam("milestones")


@pytest.mark.parametrize(
    "hp,value,kind,bounds,log,choices,start,is_fixed",
    [
        (LR, (1e-4, 1e-1), "float", (1e-4, 1e-1), True, (), 1e-3, False),  # torch's default 1e-3 is inside
        (LR, (0.01, 1.0), "float", (0.01, 1.0), True, (), 0.1, False),  # else the geometric middle
        (LR, (0.0, 1.0), "float", (0.0, 1.0), False, (), 1e-3, False),  # 0 cannot be on a log scale
        (T_MAX, (10, 50), "int", (10, 50), False, (), 30, False),
        (LR, [1e-3, 3e-4], "choice", LR.bounds, True, (1e-3, 3e-4), 1e-3, False),
        (LR, 3e-4, "float", LR.bounds, True, (), 3e-4, False),
        (LR, fixed(0.2), "float", LR.bounds, True, (), 0.2, True),
        (LR, ipywidgets.fixed(0.2), "float", LR.bounds, True, (), 0.2, True),
        (BETAS, (0.8, 0.9), "pair", BETAS.bounds, False, (), (0.8, 0.9), False),  # a pair's value, not a range
        (MILESTONES, [10, 20], "list", None, False, (), [10, 20], False),  # a list's value, not options
    ],
)
def test_what_an_abbreviation_asks(hp, value, kind, bounds, log, choices, start, is_fixed) -> None:
    asked = abbreviation(hp, value)
    assert (asked.hp.kind, asked.hp.bounds, asked.hp.log, asked.hp.choices) == (kind, bounds, log, choices)
    assert asked.start == pytest.approx(start) and asked.fixed is is_fixed


def test_a_bare_name_keeps_the_usual_start() -> None:
    assert abbreviation(LR, fixed(None)).start is None and abbreviation(LR, fixed(None)).fixed
    assert MISSING is not None


@pytest.mark.parametrize("value,words", [((1, 2, 3, 4), "give two numbers"), ((1.0, 0.1), "min <= max"), ([], "empty")])
def test_a_malformed_abbreviation_says_why(value, words) -> None:
    with pytest.raises(InvalidValueError, match=words):
        abbreviation(LR, value)


def test_names_are_sorted_to_their_class_and_ambiguous_or_unknown_ones_refused() -> None:
    sorted_ = sort_abbreviations({"lr": 1, "T_max": 5}, optimizer_spec("SGD"), scheduler_spec("CosineAnnealingLR"))
    assert sorted_ == {"optimizer": {"lr": 1}, "scheduler": {"T_max": 5}}
    with pytest.raises(UnknownNameError, match="eps is an argument of both Adam and ReduceLROnPlateau"):
        sort_abbreviations({"eps": 1e-6}, optimizer_spec("Adam"), scheduler_spec("ReduceLROnPlateau"))
    with pytest.raises(UnknownNameError, match="did you mean 'gamma'"):
        sort_abbreviations({"gama": 0.5}, optimizer_spec("SGD"), scheduler_spec("StepLR"))


def test_explore_takes_abbreviations_by_torchs_names() -> None:
    explorer = explore(
        "AdamW", "OneCycleLR", steps=80, lr=3e-4, max_lr=(1e-4, 1e-1), three_phase=fixed(True),
        anneal_strategy=["linear", "cos"], pct_start=ipywidgets.fixed(0.25),
    )  # fmt: skip
    try:
        controls = explorer.controls
        assert "scheduler.three_phase" not in controls and "scheduler.pct_start" not in controls, "fixed: no control"
        max_lr = controls["scheduler.max_lr"]
        assert (max_lr.hp.bounds, max_lr.hp.log) == ((1e-4, 1e-1), True)
        assert controls["scheduler.anneal_strategy"].hp.choices == ("linear", "cos")
        assert controls["optimizer.lr"].value == 3e-4
        asked = {"max_lr": 0.1, "three_phase": True, "anneal_strategy": "linear", "pct_start": 0.25}
        expected = simulate("AdamW", {"lr": 3e-4}, "OneCycleLR", asked, 80)
        np.testing.assert_array_equal(explorer.trace.lr, expected.lr)
        controls["scheduler.anneal_strategy"].value = "cos"
        assert explorer.trace.scheduler_kwargs["anneal_strategy"] == "cos"
        assert explorer.trace.scheduler_kwargs["three_phase"] is True, "a fixed value stays through other changes"
    finally:
        explorer.close()
    with pytest.raises(UnknownNameError, match="say which with optimizer_kwargs"):
        explore("Adam", "ReduceLROnPlateau", eps=1e-6)
