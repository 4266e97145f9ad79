"""Issue 15: ``simulate(..., loop=Loop(...))`` and ``record(..., loop=...)`` equal hand-written torch loops.

Every loop here is written out with torch alone (:func:`torch_loop`), as a user's training loop would
be: the call order, skipped optimizer steps, per-epoch stepping and the four ways of resuming from a
checkpoint. Schedulers are built by hand too, with ``last_epoch`` where a resume asks for it.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as S
from torch_reference import momenta

from lr_widgets import IncompatibleError, InvalidValueError, Loop, record, simulate, synthetic_metric

STEPS = 40
ORDER_WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"


@dataclass
class Schedule:
    """One scheduler, as lr_widgets takes it (data) and as torch builds it by hand (code)."""

    optimizer: str
    optimizer_kwargs: dict[str, Any]
    scheduler: str
    scheduler_kwargs: dict[str, Any]
    build: Callable[[torch.optim.Optimizer, int], Any]  # (optimizer, last_epoch) -> scheduler
    group_lrs: tuple[float, ...] = (0.1,)
    metric: str | None = None


SCHEDULES = {
    "CosineAnnealingLR": Schedule(
        "SGD",
        {"momentum": 0.9},
        "CosineAnnealingLR",
        {"T_max": 30, "eta_min": 0.001},
        lambda o, e: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001, last_epoch=e),
        group_lrs=(0.1, 0.02),
    ),
    "LinearLR": Schedule(
        "AdamW",
        {},
        "LinearLR",
        {"start_factor": 0.1, "total_iters": 15},
        lambda o, e: S.LinearLR(o, start_factor=0.1, total_iters=15, last_epoch=e),
    ),
    "SequentialLR": Schedule(
        "SGD",
        {},
        "SequentialLR",
        {
            "schedulers": [
                ("LinearLR", {"start_factor": 0.01, "total_iters": 10}),
                ("CosineAnnealingLR", {"T_max": 30}),
            ],
            "milestones": [10],
        },
        lambda o, e: S.SequentialLR(
            o,
            [
                S.LinearLR(o, start_factor=0.01, total_iters=10, last_epoch=e),
                S.CosineAnnealingLR(o, T_max=30, last_epoch=e),
            ],
            milestones=[10],
            last_epoch=e,
        ),
    ),
    "OneCycleLR": Schedule(
        "Adam",
        {},
        "OneCycleLR",
        {"max_lr": 0.01, "total_steps": STEPS},
        lambda o, e: S.OneCycleLR(o, max_lr=0.01, total_steps=STEPS, last_epoch=e),
    ),
    "CyclicLR": Schedule(
        "SGD",
        {"momentum": 0.9},
        "CyclicLR",
        {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 6},
        lambda o, e: S.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=6, last_epoch=e),
    ),
    "ChainedScheduler": Schedule(
        "SGD",
        {},
        "ChainedScheduler",
        {"schedulers": [("ConstantLR", {"factor": 0.5, "total_iters": 8}), ("ExponentialLR", {"gamma": 0.95})]},
        lambda o, e: S.ChainedScheduler(
            [S.ConstantLR(o, factor=0.5, total_iters=8, last_epoch=e), S.ExponentialLR(o, gamma=0.95, last_epoch=e)], o
        ),
    ),
    "ReduceLROnPlateau": Schedule(
        "SGD",
        {},
        "ReduceLROnPlateau",
        {"patience": 2, "factor": 0.5},
        # as a resume with last_epoch would build it: torch refuses the argument
        lambda o, e: S.ReduceLROnPlateau(o, patience=2, factor=0.5, **({} if e == -1 else {"last_epoch": e})),
        metric="loss",
    ),
}

LOOPS = {
    "scheduler first": Loop(scheduler_first=True),
    "skipped steps": Loop(skip_optimizer_steps=[0, 3, 4, 17]),
    "scheduler every 5": Loop(scheduler_every=5),
    "per epoch of 7": Loop.per_epoch(7),
    "accumulation of 4": Loop.gradient_accumulation(4, STEPS),
    "resume full": Loop(resume_at=20, resume="full"),
    "resume optimizer only": Loop(resume_at=20, resume="optimizer_only"),
    "resume last_epoch": Loop(resume_at=20, resume="last_epoch"),
    "resume nothing": Loop(resume_at=20, resume="nothing"),
    "resume at 0": Loop(resume_at=0, resume="optimizer_only"),
    "all at once": Loop(scheduler_first=True, skip_optimizer_steps=[2, 9], scheduler_every=3, resume_at=12),
    "all at once, last_epoch": Loop(
        scheduler_first=True, skip_optimizer_steps=[2, 13], scheduler_every=2, resume_at=11, resume="last_epoch"
    ),
    "all but the order, nothing": Loop(skip_optimizer_steps=[25], scheduler_every=4, resume_at=22, resume="nothing"),
}


def torch_loop(
    make_optimizer: Callable[[], torch.optim.Optimizer],
    make_scheduler: Callable[[torch.optim.Optimizer, int], Any],
    steps: int,
    *,
    scheduler_first: bool = False,
    skip: tuple[int, ...] = (),
    every: int = 1,
    resume_at: int | None = None,
    resume: str = "full",
    metric: np.ndarray | None = None,
) -> dict[str, Any]:
    """The loop of issue 15, written with torch directly: LR and momentum rows, the LR each optimizer step
    ran with, and the (iteration, message) of each warning torch raised in the loop."""
    opt = make_optimizer()
    sched = make_scheduler(opt, -1)
    rows, momentum_rows, used, warned = [[g["lr"] for g in opt.param_groups]], [momenta(opt)], [], set()

    def scheduler_step(t: int) -> None:
        if metric is not None:
            sched.step(float(metric[t]))
        else:
            sched.step()

    for t in range(steps):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if t == resume_at:
                checkpoint = copy.deepcopy({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()})
                opt = make_optimizer()
                if resume == "last_epoch":
                    opt.load_state_dict(checkpoint["optimizer"])
                    sched = make_scheduler(opt, t - 1)
                else:
                    sched = make_scheduler(opt, -1)
                    if resume in ("full", "optimizer_only"):
                        opt.load_state_dict(checkpoint["optimizer"])
                    if resume == "full":
                        sched.load_state_dict(checkpoint["scheduler"])
            if scheduler_first and (t + 1) % every == 0:
                scheduler_step(t)
            if t not in skip:
                used.append([g["lr"] for g in opt.param_groups])
                opt.step()
            else:
                used.append([np.nan] * len(opt.param_groups))
            if not scheduler_first and (t + 1) % every == 0:
                scheduler_step(t)
        warned |= {(t, str(w.message)) for w in caught}
        rows.append([g["lr"] for g in opt.param_groups])
        momentum_rows.append(momenta(opt))
    as_array = lambda rows: None if rows[0] is None else np.array(rows, dtype=np.float64)  # noqa: E731
    return {"lr": as_array(rows), "momentum": as_array(momentum_rows), "used": as_array(used), "warned": warned}


def _by_hand(schedule: Schedule, loop: Loop, steps: int = STEPS, params: list[torch.Tensor] | None = None):
    params = params or [torch.zeros(3, 3, requires_grad=True) for _ in schedule.group_lrs]
    cls = getattr(torch.optim, schedule.optimizer)

    def make_optimizer() -> torch.optim.Optimizer:  # fresh group dicts: torch writes initial_lr into them
        groups = [{"params": [p], "lr": lr} for p, lr in zip(params, schedule.group_lrs)]
        return cls(groups, **schedule.optimizer_kwargs)

    metric = synthetic_metric(schedule.metric, steps) if schedule.metric else None
    return torch_loop(
        make_optimizer,
        schedule.build,
        steps,
        scheduler_first=loop.scheduler_first,
        skip=tuple(loop.skip_optimizer_steps),
        every=loop.scheduler_every,
        resume_at=loop.resume_at,
        resume=loop.resume,
        metric=metric,
    )


def _simulated(schedule: Schedule, loop: Loop | None, steps: int = STEPS):
    return simulate(
        schedule.optimizer,
        schedule.optimizer_kwargs,
        schedule.scheduler,
        schedule.scheduler_kwargs,
        steps,
        param_groups=[{"lr": lr} for lr in schedule.group_lrs],
        metric=schedule.metric,
        loop=loop,
    )


def _assert_same(trace, expected) -> None:
    np.testing.assert_allclose(trace.lr, expected["lr"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(trace.used, expected["used"], rtol=1e-12, atol=0)
    if expected["momentum"] is None:
        assert trace.momentum is None
    else:
        np.testing.assert_allclose(trace.momentum, expected["momentum"], rtol=1e-12, atol=0)
    assert set(trace.step_warnings) == expected["warned"]


@pytest.mark.parametrize("loop", LOOPS.values(), ids=LOOPS.keys())
@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_simulate_runs_the_loop_exactly_as_torch(schedule: Schedule, loop: Loop) -> None:
    if schedule.scheduler == "ReduceLROnPlateau" and loop.resume == "last_epoch" and loop.resume_at is not None:
        # torch refuses: ReduceLROnPlateau takes no last_epoch (a TypeError by hand); lr_widgets says so
        with pytest.raises(TypeError):
            _by_hand(schedule, loop)
        with pytest.raises(IncompatibleError, match="ReduceLROnPlateau takes no last_epoch"):
            _simulated(schedule, loop)
        return
    trace = _simulated(schedule, loop)
    _assert_same(trace, _by_hand(schedule, loop))
    # the intended schedule beside it: the classic loop, bit for bit
    np.testing.assert_array_equal(trace.planned.lr, _simulated(schedule, Loop()).lr)
    assert trace.intended is not None and trace.intended.loop == Loop()


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_the_default_loop_is_the_classic_loop_bit_for_bit(schedule: Schedule) -> None:
    classic = _simulated(schedule, None)  # no loop= at all
    trace = _simulated(schedule, Loop())
    np.testing.assert_array_equal(trace.lr, classic.lr)
    assert trace.intended is None and trace.planned is trace and not trace.bent
    np.testing.assert_array_equal(trace.used, trace.lr[:-1])
    _assert_same(trace, _by_hand(schedule, Loop()))


def test_a_long_run_under_another_loop_equals_torch() -> None:
    """Past the few steps the real loop always takes (the rest of a classic run comes from the fast path)."""
    schedule = SCHEDULES["SequentialLR"]
    loop = Loop(skip_optimizer_steps=range(0, 600, 7), scheduler_every=3, resume_at=450, resume="optimizer_only")
    _assert_same(_simulated(schedule, loop, 900), _by_hand(schedule, loop, 900))


@pytest.mark.parametrize("loop", LOOPS.values(), ids=LOOPS.keys())
def test_record_runs_your_objects_through_the_loop_and_leaves_them_alone(loop: Loop) -> None:
    schedule = SCHEDULES["SequentialLR"]
    params = [torch.zeros(3, 3, requires_grad=True)]
    opt = torch.optim.SGD([{"params": params, "lr": 0.1}])
    sched = schedule.build(opt, -1)
    before = copy.deepcopy((opt.state_dict(), sched.state_dict()))
    if loop.resume == "last_epoch" and loop.resume_at is not None:
        with pytest.raises(IncompatibleError, match="last_epoch"):
            record(opt, sched, STEPS, loop=loop)
        return
    trace = record(opt, sched, STEPS, loop=loop)
    _assert_same(trace, _by_hand(schedule, loop, params=[torch.zeros(3, 3, requires_grad=True)]))
    np.testing.assert_array_equal(trace.planned.lr, record(opt, sched, STEPS).lr)
    assert (opt.state_dict(), sched.state_dict()) == before, "your optimizer and scheduler are never touched"


# -- PyTorch's own scheduler tests, now expressible ------------------------------------------------------
def test_calling_the_scheduler_first_warns_and_skips_the_first_value() -> None:
    """torch's test_old_pattern_warning / test_new_pattern_no_warning: the wrong order warns once, at the
    first step, and the optimizer never runs with the schedule's first value."""
    schedule = SCHEDULES["LinearLR"]
    wrong, right = _simulated(schedule, Loop(scheduler_first=True)), _simulated(schedule, Loop())
    assert [(t, m[: len(ORDER_WARNING)]) for t, m in wrong.step_warnings] == [(0, ORDER_WARNING)]
    assert not any(ORDER_WARNING in m for m in right.warnings)
    np.testing.assert_array_equal(wrong.used, right.lr[1:])  # each step one value ahead: the first one skipped
    assert wrong.bent and not right.bent


def test_resuming_with_last_epoch_continues_cosine_annealing() -> None:
    """torch's test_cos_anneal_lr_continue: a CosineAnnealingLR built with last_epoch=0 after one step
    gives the LR the first scheduler had (to torch's tolerance: the chainable form is not the closed form)."""
    trace = simulate(
        "SGD",
        {"lr": 0.05},
        "CosineAnnealingLR",
        {"T_max": 5, "eta_min": 0.1},
        4,
        loop=Loop(resume_at=1, resume="last_epoch"),
    )
    torch.testing.assert_close(trace.used[1], trace.planned.lr[1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["CosineAnnealingLR", "SequentialLR", "OneCycleLR", "CyclicLR", "ReduceLROnPlateau"])
@pytest.mark.parametrize("at", [1, 13, 39])
def test_a_full_checkpoint_round_trip_keeps_the_schedule(name: str, at: int) -> None:
    """torch's state_dict tests (_check_scheduler_state_dict): a scheduler loaded from another's state_dict
    goes on exactly as the other would."""
    schedule = SCHEDULES[name]
    trace = _simulated(schedule, Loop(resume_at=at, resume="full"))
    np.testing.assert_array_equal(trace.lr, trace.planned.lr)
    assert not trace.bent


def test_resuming_without_the_scheduler_state_restarts_the_warmup() -> None:
    trace = _simulated(SCHEDULES["LinearLR"], Loop(resume_at=20, resume="nothing"))
    assert trace.lr[21, 0] == pytest.approx(trace.lr[1, 0], rel=1e-12)  # back in the warmup


def test_one_cycle_stepped_per_epoch_never_leaves_its_start() -> None:
    trace = _simulated(SCHEDULES["OneCycleLR"], Loop.per_epoch(10))
    assert np.nanmax(trace.used) < 0.5 * np.max(trace.planned.lr)


def test_the_loops_own_arguments_are_checked_in_words() -> None:
    with pytest.raises(InvalidValueError, match="scheduler_every"):
        Loop(scheduler_every=0)
    with pytest.raises(InvalidValueError, match="resume is one of"):
        Loop(resume_at=3, resume="half")
    with pytest.raises(InvalidValueError, match="skip_optimizer_steps"):
        Loop(skip_optimizer_steps=[-1])
    with pytest.raises(InvalidValueError, match="loop is a Loop"):
        simulate(loop="scheduler first")
    assert Loop(skip_optimizer_steps=[5, 2, 2]).skip_optimizer_steps == (2, 5)
    assert Loop(resume="nothing").classic  # no resume_at: nothing is resumed


def test_a_resume_past_the_end_is_run_and_noted() -> None:
    trace = simulate(steps=10, loop=Loop(resume_at=50))
    assert any("never resumes" in note for note in trace.notes)
    np.testing.assert_array_equal(trace.lr, trace.planned.lr)


def test_the_replay_after_a_resume_holds_the_rebuilt_objects() -> None:
    from lr_widgets import Replayer, replay

    for resume in ("full", "nothing", "optimizer_only", "last_epoch"):
        trace = _simulated(SCHEDULES["CosineAnnealingLR"], Loop(resume_at=10, resume=resume))
        after = replay(trace, 11)
        np.testing.assert_allclose([g["lr"] for g in after.optimizer.param_groups], trace.lr[11], rtol=1e-12, atol=0)
        assert after.scheduler.last_epoch == (1 if resume in ("nothing", "optimizer_only") else 11)
        replayer = Replayer(trace, every=4)
        for step in (11, 25, 12, 30, 9):
            got, want = replayer.at(step).optimizer, replay(trace, step).optimizer
            assert [list(g) for g in got.param_groups] == [list(g) for g in want.param_groups]
            assert [g["lr"] for g in got.param_groups] == [g["lr"] for g in want.param_groups]
            assert len(got.state) == len(want.state)
            for a, b in zip(got.state.values(), want.state.values()):
                torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_the_csv_has_the_lr_each_optimizer_step_ran_with_and_pins_name_the_loop() -> None:
    from lr_widgets.core.config import differences

    trace = _simulated(SCHEDULES["LinearLR"], Loop(scheduler_first=True, skip_optimizer_steps=[2]))
    rows = [line.split(",") for line in trace.csv().splitlines()]
    column = rows[0].index("optimizer_lr[all]")
    assert [row[column] for row in rows[1:4]] == [repr(float(trace.used[0, 0])), repr(float(trace.used[1, 0])), ""]
    assert rows[-1][column] == "", "no optimizer step after the last row"
    plain = _simulated(SCHEDULES["LinearLR"], Loop())
    assert differences(trace.config, plain.config) == [
        "loop: scheduler.step() before optimizer.step(); 1 optimizer step skipped"
    ]
    assert differences(plain.config, trace.config) == ["loop: classic"]
