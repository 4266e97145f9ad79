"""torch's whole domain: what torch runs, lr_widgets runs with torch's numbers; one run-length rule;
live objects recorded without being touched; torch's private names behind one accessor."""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as S
from torch.optim.swa_utils import SWALR
from torch_reference import Case, classic_loop

from lr_widgets import Config, IncompatibleError, InvalidValueError, record, simulate
from lr_widgets.core import private as private_names
from lr_widgets.core.adopt import adopt

# (id, optimizer, optimizer kwargs, group lrs, scheduler, kwargs, the same with torch, steps, words of a note or None)
RUNS: list[tuple[str, str, dict, tuple, str, dict, Callable[[Any], Any], int, str | None]] = [
    (
        "CyclicLR momentum above 1 (torch's own test)",
        "SGD",
        {},
        (0.05, 0.5),
        "CyclicLR",
        {"base_lr": 1, "max_lr": 5, "step_size_up": 4, "base_momentum": 1, "max_momentum": 5},
        lambda o: S.CyclicLR(o, base_lr=1, max_lr=5, step_size_up=4, base_momentum=1, max_momentum=5),
        11,
        "max_momentum = 5 is not in [0, 1] as torch documents; torch runs it",
    ),
    (
        "OneCycleLR max_momentum 2",
        "SGD",
        {"momentum": 0.9},
        (0.01, 0.02),
        "OneCycleLR",
        {"max_lr": 0.1, "total_steps": 40, "max_momentum": 2},
        lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=40, max_momentum=2),
        40,
        "max_momentum = 2",
    ),
    (
        "CyclicLR one momentum per group",
        "SGD",
        {"momentum": 0.9},
        (0.01, 0.02),
        "CyclicLR",
        {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5, "base_momentum": [0.8, 0.7], "max_momentum": [0.9, 0.95]},
        lambda o: S.CyclicLR(o, 0.001, 0.01, step_size_up=5, base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95]),
        30,
        None,
    ),
    (
        "CyclicLR base_lr 0",
        "SGD",
        {"momentum": 0.9},
        (0.01, 0.02),
        "CyclicLR",
        {"base_lr": 0, "max_lr": 1, "step_size_up": 100},
        lambda o: S.CyclicLR(o, base_lr=0, max_lr=1, step_size_up=100),
        20,
        None,
    ),
    (
        "MultiStepLR repeated milestone",
        "SGD",
        {},
        (0.1, 0.2),
        "MultiStepLR",
        {"milestones": [30, 30]},
        lambda o: S.MultiStepLR(o, milestones=[30, 30]),
        50,
        "at 30 torch multiplies by gamma once per repeat",
    ),
    (
        "MultiStepLR milestones out of order",
        "SGD",
        {},
        (0.1, 0.2),
        "MultiStepLR",
        {"milestones": [30, 10]},
        lambda o: S.MultiStepLR(o, milestones=[30, 10]),
        50,
        "milestones [30, 10] are not increasing",
    ),
    (
        "SequentialLR milestones out of order",
        "SGD",
        {},
        (0.1, 0.2),
        "SequentialLR",
        {
            "schedulers": [
                ("ConstantLR", {"factor": 0.5}),
                ("ExponentialLR", {"gamma": 0.9}),
                ("StepLR", {"step_size": 4}),
            ],
            "milestones": [20, 10],
        },
        lambda o: S.SequentialLR(
            o, [S.ConstantLR(o, factor=0.5), S.ExponentialLR(o, gamma=0.9), S.StepLR(o, 4)], milestones=[20, 10]
        ),
        40,
        "milestones [20, 10] are not increasing",
    ),
    (
        "SGD momentum 1.5",
        "SGD",
        {"momentum": 1.5},
        (0.1, 0.2),
        "StepLR",
        {"step_size": 3},
        lambda o: S.StepLR(o, 3),
        10,
        "momentum = 1.5",
    ),
    ("lr 0", "SGD", {"lr": 0}, (0.0, 0.0), "StepLR", {"step_size": 3}, lambda o: S.StepLR(o, 3), 10, None),
    (
        "Adam eps 0",
        "Adam",
        {"eps": 0},
        (0.1, 0.2),
        "ExponentialLR",
        {"gamma": 0.9},
        lambda o: S.ExponentialLR(o, 0.9),
        10,
        None,
    ),
    (
        "ExponentialLR gamma 0",
        "SGD",
        {},
        (0.1, 0.2),
        "ExponentialLR",
        {"gamma": 0.0},
        lambda o: S.ExponentialLR(o, 0.0),
        10,
        "gamma = 0 is not greater than 0",
    ),
    (
        "ExponentialLR gamma negative",
        "SGD",
        {},
        (0.1, 0.2),
        "ExponentialLR",
        {"gamma": -0.5},
        lambda o: S.ExponentialLR(o, -0.5),
        10,
        "gamma = -0.5",
    ),
    (
        "a param group's lr below 0 (SGD checks only its default)",
        "SGD",
        {},
        (0.1, -1.0),
        "StepLR",
        {"step_size": 3},
        lambda o: S.StepLR(o, 3),
        10,
        "lr = -1 is not at least 0",
    ),
    (
        "OneCycleLR max_lr per group, one below 0",
        "SGD",
        {"momentum": 0.9},
        (0.1, 0.2),
        "OneCycleLR",
        {"max_lr": [0.1, -1], "total_steps": 30},
        lambda o: S.OneCycleLR(o, max_lr=[0.1, -1], total_steps=30),
        30,
        "each of max_lr = -1",
    ),
    (
        "CyclicLR max_lr below base_lr",
        "SGD",
        {"momentum": 0.9},
        (0.1, 0.2),
        "CyclicLR",
        {"base_lr": 0.01, "max_lr": 0.001, "step_size_up": 5},
        lambda o: S.CyclicLR(o, 0.01, 0.001, step_size_up=5),
        20,
        "cycles down from base_lr",
    ),
    (
        "SWALR",
        "SGD",
        {},
        (0.1, 0.2),
        "SWALR",
        {"swa_lr": 0.05, "anneal_epochs": 5},
        lambda o: SWALR(o, swa_lr=0.05, anneal_epochs=5),
        20,
        None,
    ),
    (
        "SWALR linear, one swa_lr per group",
        "SGD",
        {},
        (0.1, 0.2),
        "SWALR",
        {"swa_lr": [0.01, 0.02], "anneal_epochs": 4, "anneal_strategy": "linear"},
        lambda o: SWALR(o, swa_lr=[0.01, 0.02], anneal_epochs=4, anneal_strategy="linear"),
        20,
        None,
    ),
]


@pytest.mark.parametrize("case", RUNS, ids=[r[0] for r in RUNS])
def test_what_torch_runs_lr_widgets_runs_with_torchs_numbers(case: tuple) -> None:
    _, optimizer, kwargs, group_lrs, scheduler, sched_kwargs, build, steps, note = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, expected_momentum = classic_loop(
            optimizer, kwargs, group_lrs, Case(scheduler, {}, build, steps=steps)
        )
    trace = simulate(optimizer, kwargs, scheduler, sched_kwargs, steps, param_groups=[{"lr": lr} for lr in group_lrs])
    np.testing.assert_allclose(trace.lr, expected, rtol=1e-12, atol=0)
    if expected_momentum is not None:
        np.testing.assert_allclose(trace.momentum, expected_momentum, rtol=1e-12, atol=0)
    if note is None:
        assert not trace.notes, trace.notes
    else:
        assert any(note in text for text in trace.notes), trace.notes


def test_a_tensor_lr_stays_a_tensor_and_the_users_tensor_is_untouched() -> None:
    lr = torch.tensor(0.01)
    trace = simulate("Adam", {"lr": lr}, "StepLR", {"step_size": 2}, steps=6)
    assert isinstance(trace.optimizer_kwargs["lr"], torch.Tensor)
    assert lr.item() == pytest.approx(0.01) and float(trace.optimizer_kwargs["lr"]) == float(lr)
    opt = torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=torch.tensor(0.01))
    sched = S.StepLR(opt, 2)
    expected = [float(opt.param_groups[0]["lr"])]
    for _ in range(6):
        opt.step()
        sched.step()
        expected.append(float(opt.param_groups[0]["lr"]))  # torch computes in the tensor's float32
    np.testing.assert_array_equal(trace.lr[:, 0], expected)


# -- one rule for run lengths ------------------------------------------------------------
def test_the_same_child_settings_give_the_same_schedule_alone_and_inside_a_composite() -> None:
    alone = simulate("SGD", {"lr": 0.1}, "ConstantLR", {"factor": 0.5}, steps=50)
    chained = simulate("SGD", {"lr": 0.1}, "ChainedScheduler", {"schedulers": [("ConstantLR", {"factor": 0.5})]}, 50)
    np.testing.assert_array_equal(chained.lr, alone.lr)
    assert alone.lr[5, 0] == 0.1 and alone.lr[4, 0] == 0.05, "torch's total_iters=5, not the run's length"
    sequential = simulate(
        "SGD",
        {"lr": 0.1},
        "SequentialLR",
        {"schedulers": [("LinearLR", {}), ("ExponentialLR", {"gamma": 0.9})], "milestones": [10]},
        30,
    )
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = S.SequentialLR(opt, [S.LinearLR(opt), S.ExponentialLR(opt, 0.9)], milestones=[10])  # torch's defaults
    expected = [opt.param_groups[0]["lr"]]
    for _ in range(30):
        opt.step()
        sched.step()
        expected.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(sequential.lr[:, 0], expected, rtol=1e-12)


def test_only_what_torch_requires_is_filled_and_the_trace_says_which() -> None:
    assert dict(simulate("SGD", None, "CosineAnnealingLR", None, steps=80).filled) == {"T_max": 80}
    assert dict(simulate("SGD", None, "CosineAnnealingLR", {"T_max": 30}, steps=80).filled) == {}
    assert dict(simulate("SGD", None, "LinearLR", None, steps=80).filled) == {}
    one_cycle = simulate("SGD", {"momentum": 0.9}, "OneCycleLR", {"max_lr": 0.1}, steps=60)
    assert dict(one_cycle.filled) == {"total_steps": 60}
    by_epochs = simulate(
        "SGD", {"momentum": 0.9}, "OneCycleLR", {"max_lr": 0.1, "epochs": 3, "steps_per_epoch": 20}, 60
    )
    assert dict(by_epochs.filled) == {}
    sequential = simulate(
        "SGD",
        None,
        "SequentialLR",
        {"schedulers": [("LinearLR", {}), ("CosineAnnealingLR", {})], "milestones": [15]},
        100,
    )
    assert dict(sequential.filled) == {"schedulers[1].T_max": 85}, "T_max from its segment, LinearLR keeps 5"
    assert sequential.scheduler_kwargs["schedulers"][0] == ("LinearLR", {})


def test_config_is_one_immutable_value_that_simulate_takes() -> None:
    config = Config("AdamW", {"lr": 1e-3}, "OneCycleLR", {"max_lr": 0.01}, steps=50)
    with pytest.raises(TypeError):
        config.optimizer_kwargs["lr"] = 1  # type: ignore[index]
    trace = simulate(config)
    assert trace.config is not None and trace.config.is_resolved and dict(trace.filled) == {"total_steps": 50}
    again = simulate("AdamW", {"lr": 1e-3}, "OneCycleLR", {"max_lr": 0.01}, 50)
    np.testing.assert_array_equal(trace.lr, again.lr)
    longer = trace.config.replace(steps=80)
    assert not longer.is_resolved and dict(longer.scheduler_kwargs) == {"max_lr": 0.01}, (
        "replace starts from the question"
    )
    assert simulate(longer).lr.shape == (81, 1)
    assert copy.deepcopy(config).optimizer_kwargs == {"lr": 1e-3}


# -- live objects --------------------------------------------------------------------------
def _fingerprint(optimizer: torch.optim.Optimizer, scheduler: Any) -> Any:
    state = copy.deepcopy(optimizer.state_dict())
    groups = [
        {k: (v if k != "params" else [p.detach().clone() for p in v]) for k, v in g.items()}
        for g in optimizer.param_groups
    ]
    sched = None
    if scheduler is not None:
        sched = {k: v for k, v in scheduler.state_dict().items() if not callable(v)}
    return repr(state), repr(groups), repr(sched)


def _loop(optimizer: torch.optim.Optimizer, scheduler: Any, steps: int, metric: Any = None) -> np.ndarray:
    rows = [[float(g["lr"]) for g in optimizer.param_groups]]
    for t in range(steps):
        optimizer.step()
        if scheduler is not None:
            scheduler.step(metric[t]) if metric is not None else scheduler.step()
        rows.append([float(g["lr"]) for g in optimizer.param_groups])
    return np.array(rows)


class WarmupCosine(S.LRScheduler):
    """A scheduler as other libraries write them: a subclass of torch's LRScheduler with its own get_lr."""

    def __init__(self, optimizer: torch.optim.Optimizer, warmup: int, total: int) -> None:
        self.warmup, self.total = warmup, total
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t < self.warmup:
            return [base * (t + 1) / self.warmup for base in self.base_lrs]
        p = (t - self.warmup) / max(1, self.total - self.warmup)
        return [base * 0.5 * (1 + math.cos(math.pi * p)) for base in self.base_lrs]


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))


LIVE: list[tuple[str, Callable[[torch.nn.Module], tuple[Any, Any]]]] = [
    (
        "LambdaLR with your own function",
        lambda m: (lambda o: (o, S.LambdaLR(o, lambda e: 0.97**e)))(
            torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        ),
    ),
    ("SWALR", lambda m: (lambda o: (o, SWALR(o, swa_lr=0.01, anneal_epochs=5)))(torch.optim.Adam(m.parameters()))),
    (
        "SequentialLR object",
        lambda m: (
            lambda o: (
                o,
                S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=5), S.CosineAnnealingLR(o, 20)], milestones=[5]),
            )
        )(torch.optim.AdamW(m.parameters(), lr=1e-3)),
    ),
    (
        "a scheduler from another library",
        lambda m: (lambda o: (o, WarmupCosine(o, 5, 30)))(torch.optim.AdamW(m.parameters(), lr=1e-3)),
    ),
    (
        "CyclicLR on two groups",
        lambda m: (lambda o: (o, S.CyclicLR(o, [1e-3, 1e-2], [1e-2, 1e-1], step_size_up=4)))(
            torch.optim.SGD([{"params": m[0].parameters()}, {"params": m[1].parameters()}], lr=0.1, momentum=0.9)
        ),
    ),
    ("no scheduler", lambda m: (torch.optim.RMSprop(m.parameters(), lr=0.01), None)),
]


@pytest.mark.parametrize("make", [live[1] for live in LIVE], ids=[live[0] for live in LIVE])
def test_record_runs_your_objects_on_copies_and_leaves_them_bit_identical(make: Callable) -> None:
    def trained() -> tuple[torch.nn.Module, Any, Any]:
        # a trained optimizer: state, gradients and a scheduler that already took some steps
        model = _model()
        optimizer, scheduler = make(model)
        for _ in range(3):
            model(torch.randn(5, 3)).pow(2).mean().backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
        return model, optimizer, scheduler

    model, optimizer, scheduler = trained()
    before = _fingerprint(optimizer, scheduler)
    weights = [p.detach().clone() for p in model.parameters()]
    grads = [p.grad.clone() for p in model.parameters()]
    trace = record(optimizer, scheduler, steps=30)
    assert _fingerprint(optimizer, scheduler) == before
    assert all(torch.equal(p, w) for p, w in zip(model.parameters(), weights))
    assert all(torch.equal(p.grad, g) for p, g in zip(model.parameters(), grads))
    _, twin_optimizer, twin_scheduler = trained()  # the same objects built again: the LR needs no gradients
    np.testing.assert_allclose(trace.lr, _loop(twin_optimizer, twin_scheduler, 30), rtol=1e-12, atol=0)
    assert trace.config is None and trace.optimizer == type(optimizer).__name__
    assert not any("overridden" in warning or "before" in warning for warning in trace.warnings), trace.warnings
    # recording twice gives the same numbers: the first recording changed nothing
    np.testing.assert_array_equal(record(optimizer, scheduler, steps=30).lr, trace.lr)


def test_record_feeds_reduce_lr_on_plateau_its_metric() -> None:
    optimizer = torch.optim.SGD(_model().parameters(), lr=0.1)
    scheduler = S.ReduceLROnPlateau(optimizer, patience=2)
    metric = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8]
    trace = record(optimizer, scheduler, steps=10, metric=metric)
    twin_optimizer = torch.optim.SGD(_model().parameters(), lr=0.1)
    np.testing.assert_array_equal(
        trace.lr, _loop(twin_optimizer, S.ReduceLROnPlateau(twin_optimizer, patience=2), 10, metric)
    )
    assert trace.lr[-1, 0] < 0.1 and optimizer.param_groups[0]["lr"] == 0.1


def test_record_refuses_what_is_not_an_optimizer() -> None:
    with pytest.raises(InvalidValueError, match="record takes your torch optimizer"):
        record("SGD")  # type: ignore[arg-type]
    with pytest.raises(IncompatibleError, match="recorded from your own objects"):
        from lr_widgets import replay

        replay(record(torch.optim.SGD(_model().parameters(), lr=0.1), None, 5), 2)


# -- torch's private names --------------------------------------------------------------------
#: For each private name: a configuration whose fast path reads it.
PRIVATE_USERS: dict[str, tuple[str, dict[str, Any]]] = {
    "schedulers": (
        "ChainedScheduler",
        {"schedulers": [("ExponentialLR", {"gamma": 0.99}), ("StepLR", {"step_size": 7})]},
    ),
    "milestones": ("SequentialLR", {"schedulers": [("LinearLR", {}), ("CosineAnnealingLR", {})], "milestones": [20]}),
    "update_lr": (
        "SequentialLR",
        {"schedulers": [("LinearLR", {}), ("ExponentialLR", {"gamma": 0.98})], "milestones": [20]},
    ),
    "schedule_phases": ("OneCycleLR", {"max_lr": 0.1}),
    "anneal_func_type": ("OneCycleLR", {"max_lr": 0.1, "anneal_strategy": "linear"}),
    "scale_fn_custom": ("CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 10}),
    "step_count": ("CosineAnnealingLR", {"T_max": 30}),
}


@pytest.mark.parametrize("key", sorted(PRIVATE_USERS))
def test_a_renamed_private_name_falls_back_to_the_loop_with_the_same_numbers(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler, kwargs = PRIVATE_USERS[key]
    arguments = ("SGD", {"lr": 0.1, "momentum": 0.9}, scheduler, kwargs, 120)
    before = simulate(*arguments)
    monkeypatch.setitem(private_names.PRIVATE, key, f"_renamed_in_a_future_torch_{key}")
    after = simulate(*arguments)
    np.testing.assert_allclose(after.lr, before.lr, rtol=1e-12, atol=0)
    if before.momentum is not None:
        np.testing.assert_allclose(after.momentum, before.momentum, rtol=1e-12, atol=0)


def test_every_private_name_in_use_is_tested() -> None:
    readers = {"opt_called", "wrapped_by_lr_sched"}  # record's wrapper of optimizer.step: tested by record's tests
    assert set(private_names.PRIVATE) == set(PRIVATE_USERS) | readers


@pytest.mark.parametrize("key", ["schedulers", "milestones", "schedule_phases", "anneal_func_type", "scale_fn_custom"])
def test_reading_your_scheduler_says_what_it_could_not_read(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    optimizer = torch.optim.SGD(_model().parameters(), lr=0.1, momentum=0.9)
    schedulers = {
        "schedulers": lambda: S.ChainedScheduler([S.ExponentialLR(optimizer, 0.9)]),
        "milestones": lambda: S.SequentialLR(
            optimizer, [S.ConstantLR(optimizer), S.ExponentialLR(optimizer, 0.9)], milestones=[5]
        ),
        "schedule_phases": lambda: S.OneCycleLR(optimizer, max_lr=0.1, total_steps=50),
        "anneal_func_type": lambda: S.OneCycleLR(optimizer, max_lr=0.1, total_steps=50),
        "scale_fn_custom": lambda: S.CyclicLR(optimizer, 0.01, 0.1),
    }
    scheduler = schedulers[key]()
    monkeypatch.setitem(private_names.PRIVATE, key, f"_renamed_in_a_future_torch_{key}")
    adopted = adopt(optimizer, scheduler)
    assert any("could not read" in note and "record(optimizer, scheduler)" in note for note in adopted.notes)


def test_differences_name_what_one_question_sets_otherwise_in_torchs_words() -> None:
    from lr_widgets.core.config import differences

    a = simulate("AdamW", {"lr": 0.05}, "OneCycleLR", {"max_lr": 0.1}, steps=100).config
    b = simulate("AdamW", {"lr": 0.01, "weight_decay": 0.1}, "OneCycleLR", {"max_lr": 0.2}, steps=100).config
    assert differences(a, b) == ["lr=0.05", "weight_decay=default", "max_lr=0.1"]
    assert differences(a, a) == []
    warm = simulate("SGD", None, "SequentialLR", {}, steps=100).config
    assert differences(warm, simulate("SGD", None, "SequentialLR", {}, steps=300).config) == ["steps=100"]
    assert differences(warm, simulate("Adam", None, "StepLR", {}, steps=100).config)[:2] == ["SGD", "SequentialLR"]
    groups = simulate("SGD", None, "StepLR", {}, steps=50, param_groups=[{}, {"lr": 0.01}]).config
    other = simulate("SGD", None, "StepLR", {}, steps=50, param_groups=[{"weight_decay": 0.1}, {"lr": 0.02}]).config
    assert differences(groups, other) == ["param_groups[0].weight_decay=default", "param_groups[1].lr=0.01"]
    assert differences(groups, simulate("SGD", None, "StepLR", {}, steps=50).config) == ["2 param groups"]
