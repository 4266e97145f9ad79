"""simulate() against the real torch loop: every scheduler with every optimizer that accepts it."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.optim import lr_scheduler as S
from torch_reference import CASES, GROUP_LRS, OPTIMIZER_KWARGS, Case, classic_loop

from lr_widgets import IncompatibleError, LrWidgetsError, MetricError, optimizer_specs, simulate

OPTIMIZERS = list(optimizer_specs())


def _groups(optimizer: str) -> tuple[float, ...]:
    # LBFGS takes a single param group; everyone else runs a body/head split.
    return GROUP_LRS[:1] if optimizer == "LBFGS" else GROUP_LRS


def _simulate_case(optimizer: str, case: Case, group_lrs: tuple[float, ...]):
    return simulate(
        optimizer,
        OPTIMIZER_KWARGS.get(optimizer, {}),
        case.scheduler,
        copy.deepcopy(case.kwargs),
        steps=case.steps,
        param_groups=[{"lr": lr} for lr in group_lrs],
        metric=case.metric,
    )


PAIRS = [
    pytest.param(optimizer, name, id=f"{optimizer}-{name}")
    for optimizer in OPTIMIZERS
    for name, case in CASES.items()
    if case.notes.get("groups", 1) <= len(_groups(optimizer))  # per-group lambdas need two groups
]


@pytest.mark.parametrize("optimizer,case_name", PAIRS)
def test_simulate_matches_the_torch_loop(optimizer: str, case_name: str) -> None:
    case = CASES[case_name]
    group_lrs = _groups(optimizer)
    try:
        expected_lr, expected_momentum = classic_loop(optimizer, OPTIMIZER_KWARGS.get(optimizer, {}), group_lrs, case)
    except ValueError as torch_error:
        # torch refuses this pairing; lr_widgets must refuse it too, in its own words.
        with pytest.raises(LrWidgetsError) as ours:
            _simulate_case(optimizer, case, group_lrs)
        assert isinstance(ours.value, IncompatibleError), (str(torch_error), str(ours.value))
        assert optimizer in str(ours.value) and "cycle_momentum=False" in str(ours.value)
        return
    trace = _simulate_case(optimizer, case, group_lrs)
    assert trace.lr.dtype == np.float64
    assert trace.lr.shape == (case.steps + 1, len(group_lrs))
    np.testing.assert_allclose(trace.lr, expected_lr, rtol=1e-12, atol=0)
    if expected_momentum is None:
        assert trace.momentum is None
    else:
        np.testing.assert_allclose(trace.momentum, expected_momentum, rtol=1e-12, atol=0)
    if case.scheduler == "ReduceLROnPlateau":
        np.testing.assert_array_equal(trace.metric, case.metric)
    else:
        assert trace.metric is None


def test_seed_cosine_annealing_110_steps_rises_after_step_100() -> None:
    """The lesson's example: CosineAnnealingLR(opt, 100) stepped 110 times."""
    opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.01)
    sched = S.CosineAnnealingLR(opt, 100)
    sched_lrs = [sched.get_last_lr()]
    for _ in range(110):
        opt.step()
        sched.step()
        sched_lrs.append(sched.get_last_lr())

    trace = simulate("SGD", {"lr": 0.01}, "CosineAnnealingLR", {"T_max": 100}, steps=110)

    np.testing.assert_allclose(trace.lr, np.array(sched_lrs), rtol=1e-12, atol=0)
    lr = trace.lr[:, 0]
    assert lr.argmin() == 100
    assert lr[100] == 0.0
    assert np.all(np.diff(lr[100:]) > 0), "past T_max the cosine goes up again"


def test_plateau_takes_a_built_in_metric_and_an_array() -> None:
    by_name = simulate("SGD", {"lr": 0.1}, "ReduceLROnPlateau", {"patience": 2}, steps=80, metric="loss")
    assert by_name.metric.shape == (80,)
    assert by_name.lr[-1, 0] < by_name.lr[0, 0], "the built-in loss plateaus, so the LR must drop"
    again = simulate("SGD", {"lr": 0.1}, "ReduceLROnPlateau", {"patience": 2}, steps=80, metric="loss")
    np.testing.assert_array_equal(again.metric, by_name.metric)  # seeded: the same curve every time

    opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    sched = S.ReduceLROnPlateau(opt, mode="max", patience=2)
    accuracy = simulate("SGD", {"lr": 0.1}, "ReduceLROnPlateau", {"mode": "max", "patience": 2}, 80, metric="accuracy")
    expected = [0.1]
    for value in accuracy.metric:
        opt.step()
        sched.step(value)
        expected.append(sched.get_last_lr()[0])
    np.testing.assert_allclose(accuracy.lr[:, 0], expected, rtol=1e-12)


def test_plateau_without_a_metric_says_so() -> None:
    with pytest.raises(MetricError, match="needs one"):
        simulate("SGD", None, "ReduceLROnPlateau", None, steps=10)
    with pytest.raises(MetricError, match="3 values but 10 steps"):
        simulate("SGD", None, "ReduceLROnPlateau", None, steps=10, metric=[1.0, 0.9, 0.8])


def test_metric_is_ignored_by_schedulers_that_need_none() -> None:
    trace = simulate("SGD", None, "StepLR", {"step_size": 3}, steps=10, metric="loss")
    assert trace.metric is None


def test_required_arguments_are_filled_and_run_lengths_follow_steps() -> None:
    trace = simulate("AdamW", None, "CosineAnnealingLR", None, steps=250)
    assert trace.scheduler_kwargs == {"T_max": 250}
    one_cycle = simulate("SGD", {"momentum": 0.9}, "OneCycleLR", {"max_lr": 0.5}, steps=80)
    assert one_cycle.scheduler_kwargs["total_steps"] == 80
    sequential = simulate("SGD", None, "SequentialLR", None, steps=200)
    assert sequential.scheduler_kwargs["milestones"] == [20]
    (warmup, warmup_kwargs), (main, main_kwargs) = sequential.scheduler_kwargs["schedulers"]
    assert (warmup, warmup_kwargs["total_iters"]) == ("LinearLR", 20)
    assert (main, main_kwargs["T_max"]) == ("CosineAnnealingLR", 180)
    # the filled-in arguments reproduce the same schedule when given explicitly
    again = simulate("SGD", None, "SequentialLR", sequential.scheduler_kwargs, steps=200)
    np.testing.assert_array_equal(again.lr, sequential.lr)


def test_omitted_arguments_with_a_torch_default_keep_it() -> None:
    trace = simulate("SGD", {"lr": 0.1}, "LinearLR", None, steps=20)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = S.LinearLR(opt)  # torch's default total_iters=5
    expected = [sched.get_last_lr()[0]]
    for _ in range(20):
        opt.step()
        sched.step()
        expected.append(sched.get_last_lr()[0])
    np.testing.assert_allclose(trace.lr[:, 0], expected, rtol=1e-12)


def test_no_scheduler_is_a_constant_lr() -> None:
    trace = simulate("Adam", {"lr": 3e-4}, None, steps=5)
    np.testing.assert_array_equal(trace.lr, np.full((6, 1), 3e-4))
    np.testing.assert_array_equal(trace.momentum, np.full((6, 1), 0.9))


def test_one_cycle_rewrites_momentum_and_betas() -> None:
    sgd = simulate("SGD", {"momentum": 0.9}, "OneCycleLR", {"max_lr": 0.1}, steps=50)
    adam = simulate("Adam", None, "OneCycleLR", {"max_lr": 0.1}, steps=50)
    for trace in (sgd, adam):
        assert trace.momentum[0, 0] == pytest.approx(0.95)
        assert trace.momentum.min() == pytest.approx(0.85, abs=1e-3)


def test_muon_reports_the_parameters_it_left_out() -> None:
    trace = simulate("Muon", None, "StepLR", {"step_size": 5}, steps=10)
    assert set(trace.left_out) == {"input.bias", "hidden.bias", "head.bias"}
    assert simulate("SGD", steps=3).left_out == ()


def test_group_names_follow_the_split() -> None:
    assert simulate(steps=2).group_names == ("all",)
    assert simulate(steps=2, param_groups=[{}, {}]).group_names == ("body", "head")
    assert simulate(steps=2, param_groups=[{}, {}, {}]).group_names == ("input", "hidden", "head")


def test_callables_from_python_are_accepted() -> None:
    as_text = simulate("SGD", None, "LambdaLR", {"lr_lambda": "0.9 ** epoch"}, steps=30)
    as_callable = simulate("SGD", None, "LambdaLR", {"lr_lambda": lambda epoch: 0.9**epoch}, steps=30)
    np.testing.assert_allclose(as_text.lr, as_callable.lr, rtol=1e-15)


def test_simulate_changes_nothing_it_is_given_nor_global_state() -> None:
    kwargs = {"schedulers": [("LinearLR", {"start_factor": 0.1}), ["CosineAnnealingLR", {}]], "milestones": [5]}
    snapshot = copy.deepcopy(kwargs)
    groups = [{"lr": 0.1}, {"lr": 0.2}]
    rng = torch.get_rng_state()
    dtype = torch.get_default_dtype()
    simulate("SGD", None, "SequentialLR", kwargs, steps=20, param_groups=groups)
    assert kwargs == snapshot
    assert groups == [{"lr": 0.1}, {"lr": 0.2}]
    assert torch.equal(torch.get_rng_state(), rng), "the toy problem must use its own generator"
    assert torch.get_default_dtype() == dtype


def test_warnings_from_torch_are_kept_in_the_trace_not_raised() -> None:
    # A warning must not escape (pytest turns warnings into errors here); the trace keeps it.
    trace = simulate("SGD", {"lr": 0.1}, "StepLR", {"step_size": 2}, steps=6)
    assert isinstance(trace.warnings, tuple)


# -- random configurations, each checked against torch --------------------------------
_configs = st.one_of(
    st.builds(
        lambda t_max, eta, steps: Case(
            "CosineAnnealingLR",
            {"T_max": t_max, "eta_min": eta},
            lambda o: S.CosineAnnealingLR(o, T_max=t_max, eta_min=eta),
            steps=steps,
        ),
        st.integers(1, 120),
        st.floats(0, 1e-3),
        st.integers(1, 300),
    ),
    st.builds(
        lambda t0, mult, steps: Case(
            "CosineAnnealingWarmRestarts",
            {"T_0": t0, "T_mult": mult},
            lambda o: S.CosineAnnealingWarmRestarts(o, T_0=t0, T_mult=mult),
            steps=steps,
        ),
        st.integers(1, 50),
        st.integers(1, 3),
        st.integers(1, 300),
    ),
    st.builds(
        lambda up, down, mode, steps: Case(
            "CyclicLR",
            {"base_lr": 1e-4, "max_lr": 1e-2, "step_size_up": up, "step_size_down": down, "mode": mode},
            lambda o: S.CyclicLR(o, 1e-4, 1e-2, step_size_up=up, step_size_down=down, mode=mode),
            steps=steps,
        ),
        st.integers(1, 40),
        st.one_of(st.none(), st.integers(1, 40)),
        st.sampled_from(["triangular", "triangular2", "exp_range"]),
        st.integers(1, 300),
    ),
    st.builds(
        lambda pct, strategy, three, steps, extra: Case(
            "OneCycleLR",
            {
                "max_lr": 0.3,
                "total_steps": steps + extra,
                "pct_start": pct,
                "anneal_strategy": strategy,
                "three_phase": three,
            },
            lambda o: S.OneCycleLR(
                o, 0.3, total_steps=steps + extra, pct_start=pct, anneal_strategy=strategy, three_phase=three
            ),
            steps=steps,
        ),
        st.floats(0.05, 0.45),
        st.sampled_from(["cos", "linear"]),
        st.booleans(),
        st.integers(4, 300),
        st.integers(0, 20),
    ),
    st.builds(
        lambda total, power, steps: Case(
            "PolynomialLR",
            {"total_iters": total, "power": power},
            lambda o: S.PolynomialLR(o, total_iters=total, power=power),
            steps=steps,
        ),
        st.integers(1, 200),
        st.floats(0, 4),
        st.integers(1, 300),
    ),
    st.builds(
        lambda ms, gamma, steps: Case(
            "MultiStepLR",
            {"milestones": sorted(ms), "gamma": gamma},
            lambda o: S.MultiStepLR(o, sorted(ms), gamma=gamma),
            steps=steps,
        ),
        st.sets(st.integers(0, 300), min_size=1, max_size=5),
        st.floats(0.05, 1),
        st.integers(1, 300),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_configs, lrs=st.tuples(st.floats(1e-5, 1.0), st.floats(1e-5, 1.0)))
def test_random_configurations_match_torch(case: Case, lrs: tuple[float, float]) -> None:
    groups = [{"lr": lr} for lr in lrs]
    try:
        expected_lr, expected_momentum = classic_loop("SGD", {"momentum": 0.9}, lrs, case)
    except (ValueError, ZeroDivisionError):  # torch refuses it (OneCycleLR with a phase of 0 steps): so do we
        with pytest.raises(LrWidgetsError):
            simulate("SGD", {"momentum": 0.9}, case.scheduler, case.kwargs, case.steps, param_groups=groups)
        return
    trace = simulate("SGD", {"momentum": 0.9}, case.scheduler, case.kwargs, case.steps, param_groups=groups)
    np.testing.assert_allclose(trace.lr, expected_lr, rtol=1e-12, atol=0)
    np.testing.assert_allclose(trace.momentum, expected_momentum, rtol=1e-12, atol=0)


def test_marks_show_where_the_schedule_turns() -> None:
    from lr_widgets.core.marks import schedule_marks

    cosine = simulate("SGD", {"lr": 0.01}, "CosineAnnealingLR", {"T_max": 100}, steps=110)
    assert [m.step for m in schedule_marks(cosine)] == [100] == [int(cosine.lr[:, 0].argmin())]
    restarts = simulate("SGD", None, "CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2}, steps=80)
    assert [m.step for m in schedule_marks(restarts)] == [10, 30, 70]
    for step in (10, 30, 70):  # the LR jumps back up at each restart
        assert restarts.lr[step, 0] > restarts.lr[step - 1, 0]
    sequential = simulate(
        "SGD",
        None,
        "SequentialLR",
        {"schedulers": [("LinearLR", {}), ("MultiStepLR", {"milestones": [10, 30]})], "milestones": [20]},
        steps=60,
    )
    assert [(m.step, m.label) for m in schedule_marks(sequential)] == [
        (20, "→ MultiStepLR"),
        (30, "milestone"),
        (50, "milestone"),
    ]
