"""Which optimizer arguments a scheduler overwrites: checked by running torch with two values of each."""

from __future__ import annotations

import numpy as np
import pytest

from lr_widgets import LrWidgetsError, scheduler_specs, simulate
from lr_widgets.core.overrides import overwritten

CASES = [(name, {}) for name, spec in scheduler_specs().items() if not spec.composite] + [
    ("OneCycleLR", {"cycle_momentum": False}),
    ("CyclicLR", {"cycle_momentum": False}),
    ("SequentialLR", {}),
    ("SequentialLR", {"schedulers": [("LinearLR", {}), ("OneCycleLR", {"max_lr": 0.1})], "milestones": [10]}),
    ("ChainedScheduler", {"schedulers": [("CyclicLR", {"base_lr": 0.001, "max_lr": 0.01}), ("ExponentialLR", {})]}),
]
# the argument that holds momentum, and two values of it that differ in the momentum schedulers cycle
MOMENTUM = {"SGD": ("momentum", 0.0, 0.5), "Adam": ("betas", (0.8, 0.999), (0.9, 0.999)), "Adagrad": None}


def _runs(optimizer: str, scheduler: str, kwargs: dict, key: str, values: tuple) -> list | None:
    try:
        metric = "loss" if scheduler == "ReduceLROnPlateau" else None
        return [simulate(optimizer, {key: v}, scheduler, kwargs, steps=30, metric=metric) for v in values]
    except LrWidgetsError:  # a pair torch refuses (CyclicLR cycling the momentum Adagrad has not)
        return None


@pytest.mark.parametrize("optimizer", list(MOMENTUM))
@pytest.mark.parametrize("scheduler,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_an_argument_is_named_exactly_when_torch_ignores_it(optimizer: str, scheduler: str, kwargs: dict) -> None:
    named = overwritten(optimizer, scheduler, kwargs)
    runs = _runs(optimizer, scheduler, kwargs, "lr", (0.01, 0.02))
    if runs is None:
        pytest.skip(f"torch refuses {optimizer} + {scheduler}")
    ignored = np.array_equal(runs[0].lr, runs[1].lr)
    assert ("lr" in named) == ignored, (named, ignored)
    if MOMENTUM[optimizer] is not None:
        key, *values = MOMENTUM[optimizer]
        a, b = _runs(optimizer, scheduler, kwargs, key, tuple(values))
        assert (key in named) == np.array_equal(a.momentum, b.momentum), named
    assert all(why.endswith("has no effect") or "(a child of" in why for why, _ in named.values())
    assert all(entirely == (key != "betas") for key, (_, entirely) in named.items())
