"""A class of thirty students types every wrong thing there is: the Explorer survives all of it.

Each bad input goes through the Explorer's controls (and, through the core table of
tests/test_core_errors.py, through simulate): the status line says what to change in the
core's own words, the figure and the panel keep the last good schedule, and the next good
value works again.
"""

from __future__ import annotations

import copy
import gc
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_core_errors import MISTAKES
from torch import nn
from torch.optim import lr_scheduler as S
from widget_registry import live_widgets

from lr_widgets import Explorer, explore, optimizer_specs, scheduler_specs

WORDS = {m[0]: m[3] for m in MISTAKES}


@dataclass
class Mistake:
    """Start from ``optimizer`` + ``scheduler`` with the ``setup`` controls set, then set ``bad``."""

    core: str  # the row of tests/test_core_errors.py::MISTAKES with the same mistake and message
    bad: tuple[str, Any]
    fix: tuple[str, Any]
    optimizer: str = "SGD"
    scheduler: str | None = "CosineAnnealingLR"
    setup: list[tuple[str, Any]] = field(default_factory=list)
    metric: Any = "loss"


TABLE = [
    Mistake("negative lr", ("optimizer.lr", -0.1), ("optimizer.lr", 0.05)),
    Mistake("nan lr", ("optimizer.lr", float("nan")), ("optimizer.lr", 0.05)),
    Mistake("infinite lr", ("optimizer.lr", float("inf")), ("optimizer.lr", 0.05)),
    Mistake("text lr", ("optimizer.lr", "fast"), ("optimizer.lr", 0.05)),
    Mistake("betas at 1", ("optimizer.betas", (0.9, 1.0)), ("optimizer.betas", (0.9, 0.99)), optimizer="Adam"),
    Mistake("betas negative", ("optimizer.betas", (-0.1, 0.99)), ("optimizer.betas", (0.8, 0.99)), optimizer="AdamW"),
    Mistake("nesterov without momentum", ("optimizer.nesterov", True), ("optimizer.momentum", 0.9)),
    Mistake(
        "nesterov with dampening",
        ("optimizer.nesterov", True),
        ("optimizer.dampening", 0.0),
        setup=[("optimizer.momentum", 0.9), ("optimizer.dampening", 0.1)],
    ),
    Mistake(
        "milestones not numbers",
        ("scheduler.milestones", "30, sixty"),
        ("scheduler.milestones", "30, 60"),
        scheduler="MultiStepLR",
    ),
    Mistake("T_max zero", ("scheduler.T_max", 0), ("scheduler.T_max", 50)),
    Mistake("step_size zero", ("scheduler.step_size", 0), ("scheduler.step_size", 10), scheduler="StepLR"),
    Mistake("power negative", ("scheduler.power", -1), ("scheduler.power", 2.0), scheduler="PolynomialLR"),
    Mistake("T_0 zero", ("scheduler.T_0", 0), ("scheduler.T_0", 20), scheduler="CosineAnnealingWarmRestarts"),
    Mistake("T_mult zero", ("scheduler.T_mult", 0), ("scheduler.T_mult", 2), scheduler="CosineAnnealingWarmRestarts"),
    Mistake("mode unknown", ("scheduler.mode", "sideways"), ("scheduler.mode", "triangular2"), scheduler="CyclicLR"),
    Mistake(
        "one cycle overrun",
        ("scheduler.total_steps", 100),
        ("scheduler.total_steps", 110),
        scheduler="OneCycleLR",
        setup=[("steps", 110)],
    ),  # fmt: skip
    Mistake(
        "cyclic on adagrad",
        ("scheduler", "CyclicLR"),
        ("scheduler.cycle_momentum", False),
        optimizer="Adagrad",
        scheduler="StepLR",
    ),
    Mistake("one cycle on rprop", ("scheduler", "OneCycleLR"), ("scheduler.cycle_momentum", False), optimizer="Rprop"),
    Mistake(
        "sequential milestones",
        ("scheduler.milestones", [5, 10]),
        ("scheduler.milestones", [10]),
        scheduler="SequentialLR",
    ),
    Mistake("plateau without metric", ("scheduler", "ReduceLROnPlateau"), ("scheduler", "StepLR"), metric=None),
    Mistake("lbfgs groups", ("optimizer", "LBFGS"), ("groups", 1), setup=[("groups", 2)]),
    Mistake("steps zero", ("steps", 0), ("steps", 120)),
    Mistake("steps fractional", ("steps", 2.5), ("steps", 120)),
    Mistake("steps huge", ("steps", 10_000_000), ("steps", 120)),
    Mistake(
        "formula import",
        ("scheduler.lr_lambda", "__import__('os')"),
        ("scheduler.lr_lambda", "0.9 ** epoch"),
        scheduler="LambdaLR",
    ),  # fmt: skip
    Mistake(
        "formula attribute",
        ("scheduler.lr_lambda", "epoch.real"),
        ("scheduler.lr_lambda", "0.9 ** epoch"),
        scheduler="LambdaLR",
    ),  # fmt: skip
    Mistake(
        "formula lambda",
        ("scheduler.lr_lambda", "lambda epoch: 0.9"),
        ("scheduler.lr_lambda", "0.9"),
        scheduler="LambdaLR",
    ),  # fmt: skip
    Mistake(
        "formula comprehension",
        ("scheduler.lr_lambda", "[0.9 for e in range(3)]"),
        ("scheduler.lr_lambda", "0.9"),
        scheduler="LambdaLR",
    ),  # fmt: skip
    Mistake(
        "formula overflow",
        ("scheduler.lr_lambda", "10**10**10"),
        ("scheduler.lr_lambda", "0.99 ** epoch"),
        scheduler="LambdaLR",
    ),  # fmt: skip
    Mistake(
        "formula divides by zero at a step",
        ("scheduler.lr_lambda", "1 / (epoch - 50)"),
        ("scheduler.lr_lambda", "1 / (epoch + 50)"),
        scheduler="LambdaLR",
    ),  # fmt: skip
    Mistake(
        "formula 100 kB",
        ("scheduler.lr_lambda", "1+" * 50_000 + "1"),
        ("scheduler.lr_lambda", "1"),
        scheduler="LambdaLR",
    ),  # fmt: skip
]


def _set(explorer: Explorer, control: str, value: Any) -> None:
    explorer.controls[control].value = value  # setting a value must never raise


def _shown(explorer: Explorer) -> tuple[list[np.ndarray], str, Any]:
    lines = [np.array(line.get_ydata(), dtype=np.float64) for line in explorer.plot.lr_lines]
    return lines, explorer.panel, explorer.trace


def test_the_table_has_at_least_30_mistakes_each_also_in_the_core_table() -> None:
    assert len(TABLE) >= 30
    assert {m.core for m in TABLE} <= set(WORDS), "every mistake is also checked through simulate"


@pytest.mark.parametrize("mistake", TABLE, ids=[m.core for m in TABLE])
def test_each_bad_input_is_explained_and_the_last_good_schedule_stays(mistake: Mistake) -> None:
    explorer = Explorer(mistake.optimizer, mistake.scheduler, metric=mistake.metric)
    try:
        for control, value in mistake.setup:
            _set(explorer, control, value)
        assert explorer.status == "" or not explorer.status_is_error, explorer.status
        lines, panel, trace = _shown(explorer)
        _set(explorer, *mistake.bad)
        assert WORDS[mistake.core] in explorer.status
        assert explorer.status_is_error, "shown as a warning"
        after_lines, after_panel, after_trace = _shown(explorer)
        assert after_trace is trace, "the last good schedule stays"
        assert all(np.array_equal(a, b) for a, b in zip(lines, after_lines)), "the figure is unchanged"
        assert after_panel == panel, "the panel is unchanged"
        _set(explorer, *mistake.fix)
        assert not explorer.status_is_error, explorer.status
        assert explorer.trace is not trace, "the next good value works again"
        assert len(plt.get_fignums()) >= 1
    finally:
        explorer.close()


@pytest.mark.parametrize("optimizer", ["LBFGS", "SparseAdam", "Muon"])
def test_the_special_optimizers_work_from_the_dropdown(optimizer: str) -> None:
    if optimizer not in optimizer_specs():
        pytest.skip(f"this torch has no {optimizer}")  # older torch: the registry leaves it out
    explorer = Explorer()
    try:
        _set(explorer, "optimizer", optimizer)
        assert explorer.trace.optimizer == optimizer
        assert not explorer.status_is_error, explorer.status
        if optimizer == "Muon":
            assert "Muon takes only 2-D parameters; left out: input.bias" in explorer.status
        _set(explorer, "step", 3)
        assert f"at step 3: {optimizer}" in explorer.panel
    finally:
        explorer.close()


# -- random values on random controls --------------------------------------------------------
_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2.0, 2.0),
    st.integers(-5, 400),
    st.sampled_from([10**7, 2**63, -(2**40)]),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
    st.lists(st.integers(-10, 300), max_size=4),
    st.tuples(st.floats(-1, 2), st.floats(-1, 2)),
    st.sampled_from(["0.9 ** epoch", "1/epoch", "x*x", "__import__('os')", "1, 2, 3", "", "nan", "1e400"]),
)
_SLOW = {"steps": 2_000, "step": 300}  # valid values above these take long to compute, not to refuse


@settings(max_examples=120, deadline=None)
@given(
    optimizer=st.sampled_from(list(optimizer_specs())),
    scheduler=st.sampled_from([None, *scheduler_specs()]),
    moves=st.lists(st.tuples(st.integers(0, 10_000), _values), min_size=1, max_size=6),
)
def test_random_values_on_random_controls_never_escape(optimizer, scheduler, moves) -> None:
    figures = plt.get_fignums()
    roaming = Explorer(steps=200)
    try:
        _set(roaming, "optimizer", optimizer)
        _set(roaming, "scheduler", scheduler)
        for pick, value in moves:
            names = sorted(roaming.controls)
            name = names[pick % len(names)]
            control = roaming.controls[name]
            # ipywidgets' own widgets take only what their front end can send (an option, a number in
            # range); lr_widgets' controls take anything, as a text box does.
            if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons)):
                choices = [*control.options, None]
                value = choices[pick % len(choices)]
                value = value[1] if isinstance(value, tuple) else value
            elif isinstance(control, widgets.IntSlider):
                value = control.min + pick % (control.max - control.min + 1)
            elif isinstance(control, widgets.FloatSlider):  # the groups' decay
                value = control.min + (control.max - control.min) * (pick % 101) / 100
            elif isinstance(control, (widgets.ToggleButton, widgets.Checkbox)):
                value = bool(pick % 2)
            elif type(control) is widgets.Text:  # the loop's skipped steps: a text box sends text
                value = str(value)
            limit = _SLOW.get(name)
            if limit is not None and isinstance(value, (int, float)) and not isinstance(value, bool) and value > limit:
                if value < 10_000_000:  # refused at once from 10 million on
                    continue
            status = roaming.status
            before = (roaming.trace, roaming.panel, [tuple(line.get_ydata()) for line in roaming.plot.lr_lines])
            _set(roaming, name, value)
            assert isinstance(roaming.status, str)
            assert "lr_widgets could not do that" not in roaming.status, roaming.status
            if roaming.status_is_error and roaming.status != status:  # this value was refused
                after = (roaming.trace, roaming.panel, [tuple(line.get_ydata()) for line in roaming.plot.lr_lines])
                assert roaming.status and after == before, "a refused value changes nothing but the status"
        # one figure per Explorer, and the effect view's once it was shown
        assert sorted(plt.get_fignums()) == sorted([*figures, *(figure.number for figure in roaming.figures)])
    finally:
        roaming.close()
    assert plt.get_fignums() == figures, "closing the Explorer closes its figures"


# -- nothing of the user's is touched ---------------------------------------------------------
def _fitting(optimizer: str) -> tuple[nn.Module, torch.optim.Optimizer, torch.Tensor]:
    torch.manual_seed(0)
    if optimizer == "SparseAdam":
        model: nn.Module = nn.Sequential(nn.Embedding(20, 6, sparse=True), nn.Flatten(), nn.Linear(18, 2))
        sparse = [p for p in model[0].parameters()]
        dense = [p for p in model[2].parameters()]
        opt = torch.optim.SparseAdam(sparse, lr=0.01)
        model.dense_optimizer = torch.optim.SGD(dense, lr=0.1)  # the dense layer needs its own optimizer
        return model, opt, torch.randint(0, 20, (4, 3))
    if optimizer == "Muon":
        model = nn.Sequential(nn.Linear(6, 8, bias=False), nn.Tanh(), nn.Linear(8, 3, bias=False))
        return model, torch.optim.Muon(model.parameters(), lr=0.02), torch.randn(4, 6)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    cls = getattr(torch.optim, optimizer)
    if optimizer == "LBFGS":
        return model, cls(model.parameters(), lr=0.5), torch.randn(4, 6)
    body = [p for p in model[0].parameters()]
    head = [p for p in model[2].parameters()]
    return model, cls([{"params": body}, {"params": head, "lr": 0.003}], lr=0.01), torch.randn(4, 6)


def _train(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, sched: Any, steps: int = 3) -> None:
    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = model(x).square().mean()
        loss.backward()
        return loss

    for _ in range(steps):
        if isinstance(opt, torch.optim.LBFGS):
            opt.step(closure)
        else:
            closure()
            opt.step()
        if sched is not None:
            sched.step()


def _everything(model: nn.Module, opt: torch.optim.Optimizer, sched: Any) -> Any:
    return (
        copy.deepcopy(opt.state_dict()),
        [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups],
        [[id(p) for p in g["params"]] for g in opt.param_groups],
        None if sched is None else copy.deepcopy({k: v for k, v in sched.state_dict().items() if k != "lr_lambdas"}),
        [p.detach().clone() for p in model.parameters()],
        [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()],
    )


def _identical(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        if not isinstance(b, torch.Tensor) or a.dtype != b.dtype or a.layout != b.layout:
            return False
        return torch.equal(a.to_dense(), b.to_dense()) if a.is_sparse else torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_identical(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


SCHEDULES = [
    lambda o: S.CosineAnnealingLR(o, 50),
    lambda o: S.StepLR(o, 5, 0.5),
    lambda o: S.LambdaLR(o, lambda e: 0.95**e),
    lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=5), S.ExponentialLR(o, 0.9)], [5]),
    lambda o: S.OneCycleLR(o, max_lr=0.05, total_steps=60, cycle_momentum=False),
]


@pytest.mark.parametrize("optimizer", list(optimizer_specs()))
def test_exploring_and_driving_the_controls_touches_nothing_of_the_users(optimizer: str) -> None:
    model, opt, x = _fitting(optimizer)
    sched = SCHEDULES[list(optimizer_specs()).index(optimizer) % len(SCHEDULES)](opt)
    _train(model, opt, x, sched)
    before = _everything(model, opt, sched)
    explorer = explore(opt, sched, model=model)
    try:
        for name, value in [("optimizer.lr", 0.02), ("step", 7), ("steps", 80), ("optimizer.lr", -1),
                            ("scheduler", "StepLR"), ("step", 2), ("groups", 1), ("optimizer", "SGD")]:  # fmt: skip
            if name in explorer.controls and not getattr(explorer.controls[name], "disabled", False):  # movable
                _set(explorer, name, value)
        explorer.pin("mine")
        explorer.code()
    finally:
        explorer.close()
    assert _identical(before, _everything(model, opt, sched)), f"{optimizer}: something of the user's changed"


# -- lifecycle -----------------------------------------------------------------------------------
def test_a_hundred_explorers_created_and_closed_leave_no_figure_and_no_comm() -> None:
    gc.collect()
    figures, comms = set(plt.get_fignums()), len(live_widgets())
    for i in range(100):
        explorer = Explorer(steps=20 + i % 7)
        explorer.controls["optimizer.lr"].value = 0.02
        if i % 10 == 0:
            explorer.controls["show"].value = "both"  # the effect view's figure and widgets go too
            explorer.controls["effect.problem"].value = "formula"
        explorer.close()
    gc.collect()
    assert set(plt.get_fignums()) == figures
    assert len(live_widgets()) == comms, f"{len(live_widgets()) - comms} widgets still have a comm"


def test_switching_back_and_forth_leaves_no_widget_behind() -> None:
    explorer = Explorer()
    try:
        cycle = [("optimizer", "Adam"), ("scheduler", "SequentialLR"), ("groups", 3), ("scheduler", None),
                 ("optimizer", "SGD"), ("groups", 1), ("scheduler", "CosineAnnealingLR")]  # fmt: skip
        for name, value in cycle:
            _set(explorer, name, value)
        gc.collect()
        comms = len(live_widgets())
        for _ in range(10):
            for name, value in cycle:
                _set(explorer, name, value)
        gc.collect()
        assert len(live_widgets()) == comms, f"{len(live_widgets()) - comms} widgets left behind by 70 switches"
    finally:
        explorer.close()


# -- without ipympl --------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["agg", "module://matplotlib_inline.backend_inline"])
def test_without_ipympl_a_static_figure_and_a_hint(backend: str) -> None:
    script = textwrap.dedent(
        f"""
        import matplotlib
        matplotlib.use({backend!r})
        from lr_widgets import Explorer
        explorer = Explorer()
        assert explorer.figure_view.static is not None, "a picture, not a broken widget"
        hint = explorer.figure_view.hint
        assert "%matplotlib widget" in hint, hint
        first = explorer.figure_view.static.value
        assert first[:8] == b"\\x89PNG\\r\\n\\x1a\\n" and len(first) > 5000
        explorer.controls["optimizer.lr"].value = 0.5
        assert explorer.figure_view.static.value != first, "the picture follows the controls"
        explorer.controls["optimizer.lr"].value = -1
        assert "SGD refuses lr = -1" in explorer.status
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_schedule_near_the_largest_float_draws_on_a_log_axis() -> None:
    # found by the random walk above: matplotlib's log ticks went past the largest float and failed
    explorer = Explorer("RMSprop", "ExponentialLR", steps=200)
    try:
        explorer.controls["scheduler.gamma"].value = 21.0
        explorer.controls["log_y"].value = True
        assert explorer.status == "" and explorer.trace.lr.max() > 1e260
        assert explorer.png().startswith(b"\x89PNG")
        assert np.isfinite(explorer.plot.ax.get_yticks()).all()
        explorer.controls["log_y"].value = False
        explorer.controls["scheduler.gamma"].value = 31.0
        explorer.controls["log_y"].value = True  # the log axis set after the schedule
        assert explorer.status == ""
        for gamma in (31.0, 40.0):  # 1.9e296 at the end (margins past the largest float), then inf
            explorer.controls["scheduler.gamma"].value = gamma
            assert explorer.status == ""
            low, high = explorer.plot.ax.get_ylim()
            finite = explorer.trace.lr[np.isfinite(explorer.trace.lr)]
            assert low <= finite.min() and finite.max() <= high, "the limits hold the schedule"
            assert explorer.png().startswith(b"\x89PNG")
        explorer.controls["scheduler.gamma"].value = 0.9
        assert explorer.plot.ax.get_ylim()[1] < 1, "and follow it back down"
        explorer.controls["optimizer.lr"].value = 0.0  # nothing above 0 for the log axis to show
        assert explorer.status == "" and explorer.png().startswith(b"\x89PNG")
    finally:
        explorer.close()
