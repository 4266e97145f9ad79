"""The fast path (numpy, whole schedule at once) against torch's own scheduler loop.

For every scheduler the fast path follows, hypothesis draws hyperparameters, two param
groups and up to 100k steps; simulate() must agree with torch to rtol=1e-9 (atol 1e-12 of
the largest LR), and the fast path must really have been taken.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.optim import lr_scheduler as S
from torch_reference import Case, classic_loop

from lr_widgets import simulate
from lr_widgets.core.config import Config as Question
from lr_widgets.core.expressions import Formula
from lr_widgets.core.fast import FAST_SCHEDULERS, fast_schedule
from lr_widgets.core.simulate import build


@dataclass
class Config:
    scheduler: str
    kwargs: dict[str, Any]
    build: Callable[[torch.optim.Optimizer], Any]
    steps: int
    optimizer: str = "SGD"
    metric: np.ndarray | None = None


def _torch_schedule(config: Config, group_lrs: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """torch's scheduler stepped ``steps`` times on a real optimizer (with momentum, or Adam's betas).

    The optimizer takes one real step first; its later steps change no LR (there are no
    gradients), so the loop steps only the scheduler: the torch code that computes the LR.
    """
    params = [torch.zeros(2, requires_grad=True) for _ in group_lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, group_lrs)]
    opt = torch.optim.SGD(groups, momentum=0.9) if config.optimizer == "SGD" else torch.optim.Adam(groups)
    sched = config.build(opt)
    key = "momentum" if config.optimizer == "SGD" else "betas"

    def momenta() -> list[float]:
        return [float(g[key][0] if key == "betas" else g[key]) for g in opt.param_groups]

    lrs, moms = [list(map(float, sched.get_last_lr()))], [momenta()]
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(config.steps):
            if config.metric is not None:
                sched.step(float(config.metric[t]))
            else:
                sched.step()
            lrs.append(list(map(float, sched.get_last_lr())))
            moms.append(momenta())
    return np.array(lrs), np.array(moms)


_steps = st.one_of(st.integers(4, 3000), st.integers(3000, 100_000))
_lr = st.floats(1e-5, 1.0)


def _formula(templates: list[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda template, a, w: template.format(a=a, w=w),
        st.sampled_from(templates),
        st.floats(0.9, 0.99999).map(lambda v: round(v, 6)),
        st.integers(1, 5000),
    )


_LAMBDAS = [
    "{a} ** epoch",
    "min(1, (epoch + 1) / {w})",
    "1 / (1 + (1 - {a}) * epoch)",
    "0.5 * (1 + cos(pi * epoch / {w})) if epoch < {w} else 1 - {a}",
    "exp(-(1 - {a}) * epoch)",
    "max(0.1, 1 - epoch / ({w} * 20))",
    "{a} ** (epoch // {w})",
]
_FACTORS = ["{a}", "1 - (1 - {a}) / (1 + epoch % {w})", "{a} if epoch % {w} == 0 else 1"]


@st.composite
def _config(draw: st.DrawFn, name: str) -> Config:
    steps = draw(_steps)
    if name == "LambdaLR":
        text = draw(_formula(_LAMBDAS))
        return Config(name, {"lr_lambda": text}, lambda o: S.LambdaLR(o, Formula(text)), steps)
    if name == "MultiplicativeLR":
        text = draw(_formula(_FACTORS))
        return Config(name, {"lr_lambda": text}, lambda o: S.MultiplicativeLR(o, Formula(text)), steps)
    if name == "StepLR":
        size, gamma = draw(st.integers(1, 5000)), draw(st.floats(0.01, 1.0))
        return Config(name, {"step_size": size, "gamma": gamma}, lambda o: S.StepLR(o, size, gamma), steps)
    if name == "MultiStepLR":
        ms = sorted(draw(st.sets(st.integers(1, 100_000), min_size=1, max_size=6)))
        gamma = draw(st.floats(0.01, 1.0))
        return Config(name, {"milestones": ms, "gamma": gamma}, lambda o: S.MultiStepLR(o, ms, gamma), steps)
    if name == "ConstantLR":
        factor, total = draw(st.floats(0.01, 1.0)), draw(st.integers(1, 50_000))
        return Config(name, {"factor": factor, "total_iters": total}, lambda o: S.ConstantLR(o, factor, total), steps)
    if name == "LinearLR":
        start, end, total = draw(st.floats(0.01, 1.0)), draw(st.floats(0.0, 1.0)), draw(st.integers(1, 50_000))
        kwargs = {"start_factor": start, "end_factor": end, "total_iters": total}
        return Config(name, kwargs, lambda o: S.LinearLR(o, start, end, total), steps)
    if name == "ExponentialLR":
        gamma = draw(st.floats(0.9, 1.0))
        return Config(name, {"gamma": gamma}, lambda o: S.ExponentialLR(o, gamma), steps)
    if name == "PolynomialLR":
        total, power = draw(st.integers(1, 100_000)), draw(st.floats(0.0, 4.0))
        return Config(name, {"total_iters": total, "power": power}, lambda o: S.PolynomialLR(o, total, power), steps)
    if name == "CosineAnnealingLR":
        t_max = draw(st.integers(1, 100_000))
        eta_min = draw(st.sampled_from([0.0, 1e-6, 1e-4, 1e-3]))
        return Config(
            name, {"T_max": t_max, "eta_min": eta_min}, lambda o: S.CosineAnnealingLR(o, t_max, eta_min), steps
        )
    if name == "CosineAnnealingWarmRestarts":
        t0, mult, eta_min = draw(st.integers(1, 5000)), draw(st.integers(1, 3)), draw(st.sampled_from([0.0, 1e-5]))
        kwargs = {"T_0": t0, "T_mult": mult, "eta_min": eta_min}
        return Config(name, kwargs, lambda o: S.CosineAnnealingWarmRestarts(o, t0, mult, eta_min), steps)
    if name == "CyclicLR":
        base = draw(st.floats(1e-5, 0.01))
        top = base * draw(st.floats(1.0, 100.0))
        up, down = draw(st.integers(1, 20_000)), draw(st.one_of(st.none(), st.integers(1, 20_000)))
        mode, gamma = draw(st.sampled_from(["triangular", "triangular2", "exp_range"])), draw(st.floats(0.999, 1.0))
        optimizer = draw(st.sampled_from(["SGD", "Adam"]))
        scale = draw(st.one_of(st.none(), st.just("1 / (1 + 0.001 * x)")))
        kwargs = {"base_lr": base, "max_lr": top, "step_size_up": up, "step_size_down": down, "mode": mode}
        kwargs |= {"gamma": gamma, "scale_fn": scale}
        if optimizer == "Adam":
            kwargs |= {"base_momentum": 0.8, "max_momentum": 0.95}
        extra = {k: v for k, v in kwargs.items() if k not in ("base_lr", "max_lr", "scale_fn")}
        fn = None if scale is None else Formula(scale, "x", "scale_fn")
        return Config(name, kwargs, lambda o: S.CyclicLR(o, base, top, scale_fn=fn, **extra), steps, optimizer)
    if name == "OneCycleLR":
        total = steps + draw(st.integers(0, 1000))
        kwargs = {
            "max_lr": draw(st.floats(1e-3, 1.0)),
            "total_steps": total,
            "pct_start": draw(st.floats(0.05, 0.95)),
            "anneal_strategy": draw(st.sampled_from(["cos", "linear"])),
            "three_phase": draw(st.booleans()),
            "div_factor": draw(st.floats(2.0, 100.0)),
            "final_div_factor": draw(st.floats(10.0, 1e5)),
        }
        optimizer = draw(st.sampled_from(["SGD", "Adam"]))
        return Config(name, kwargs, lambda o: S.OneCycleLR(o, **kwargs), steps, optimizer)
    if name == "SequentialLR":
        kinds = draw(
            st.lists(
                st.sampled_from(["StepLR", "LinearLR", "CosineAnnealingLR", "ExponentialLR"]), min_size=2, max_size=3
            )
        )
        children = [draw(_config(kind)) for kind in kinds]
        milestones = sorted(
            draw(st.sets(st.integers(1, steps + 100), min_size=len(kinds) - 1, max_size=len(kinds) - 1))
        )
        kwargs = {"schedulers": [(c.scheduler, c.kwargs) for c in children], "milestones": milestones}

        def build(o: torch.optim.Optimizer) -> Any:
            return S.SequentialLR(o, [c.build(o) for c in children], milestones)

        return Config(name, kwargs, build, steps)
    if name == "ChainedScheduler":
        multiplying = ["StepLR", "LinearLR", "ConstantLR", "ExponentialLR", "MultiStepLR", "PolynomialLR"]
        kinds = draw(st.lists(st.sampled_from([*multiplying, "MultiplicativeLR"]), min_size=1, max_size=3))
        children = [draw(_config(kind)) for kind in kinds]
        kwargs = {"schedulers": [(c.scheduler, c.kwargs) for c in children]}

        def chain(o: torch.optim.Optimizer) -> Any:
            return S.ChainedScheduler([c.build(o) for c in children], o)

        return Config(name, kwargs, chain, steps)
    if name == "ReduceLROnPlateau":
        kwargs = {
            "mode": draw(st.sampled_from(["min", "max"])),
            "factor": draw(st.floats(0.01, 0.99)),
            "patience": draw(st.integers(0, 50)),
            "threshold": draw(st.sampled_from([0.0, 1e-4, 1e-2])),
            "threshold_mode": draw(st.sampled_from(["rel", "abs"])),
            "cooldown": draw(st.integers(0, 20)),
            "min_lr": draw(st.sampled_from([0.0, 1e-6, 1e-3])),
            "eps": draw(st.sampled_from([1e-8, 1e-12])),
        }
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        metric = 1.0 + np.cumsum(rng.normal(0.0, 0.01, steps)) + rng.choice([0.0, 1e-5], steps)
        return Config(name, kwargs, lambda o: S.ReduceLROnPlateau(o, **kwargs), steps, metric=metric)
    raise AssertionError(name)


def _check(config: Config, group_lrs: tuple[float, float]) -> None:
    optimizer_kwargs = {"momentum": 0.9} if config.optimizer == "SGD" else {}
    param_groups = [{"lr": lr} for lr in group_lrs]
    question = Question(
        config.optimizer, optimizer_kwargs, config.scheduler, config.kwargs, config.steps, param_groups, config.metric
    ).resolved()
    fast = fast_schedule(build(question).scheduler, config.steps, question.optimizer_spec.momentum_key, question.metric)
    assert fast is not None, "fell back to the loop"
    trace = simulate(config.optimizer, optimizer_kwargs, config.scheduler, config.kwargs, config.steps,
                     param_groups=param_groups, metric=config.metric)  # fmt: skip
    expected_lr, expected_momentum = _torch_schedule(config, group_lrs)
    atol = 1e-12 * float(np.max(np.abs(expected_lr)))
    np.testing.assert_allclose(trace.lr, expected_lr, rtol=1e-9, atol=atol)
    np.testing.assert_allclose(trace.momentum, expected_momentum, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", FAST_SCHEDULERS)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), group_lrs=st.tuples(_lr, _lr))
def test_fast_path_agrees_with_torch(name: str, data: st.DataObject, group_lrs: tuple[float, float]) -> None:
    _check(data.draw(_config(name)), group_lrs)


def test_long_cosine_rising_again_matches_the_classic_loop_at_100k_steps() -> None:
    """The riskiest case in full: eta_min > 0 and T_max far below steps, so the LR climbs back up
    after a bottom where (1 + cos) nearly cancels; checked against the whole classic loop."""
    case = Case("CosineAnnealingLR", {}, lambda o: S.CosineAnnealingLR(o, 30_000, eta_min=1e-4), steps=100_000)
    expected, _ = classic_loop("SGD", {"momentum": 0.9}, (0.1, 0.03), case)
    trace = simulate("SGD", {"momentum": 0.9}, "CosineAnnealingLR", {"T_max": 30_000, "eta_min": 1e-4}, 100_000,
                     param_groups=[{"lr": 0.1}, {"lr": 0.03}])  # fmt: skip
    np.testing.assert_array_equal(trace.lr, expected)
    assert trace.lr[60_000, 0] > trace.lr[30_000, 0], "past T_max the cosine goes up again"


@pytest.mark.parametrize(
    "scheduler,kwargs",
    [
        ("ChainedScheduler", {"schedulers": [("ExponentialLR", {"gamma": 0.99}), ("CosineAnnealingLR", {})]}),
        ("LambdaLR", {"lr_lambda": "1 / (epoch - 50)"}),
        ("SequentialLR", {"schedulers": [("ChainedScheduler", None), ("StepLR", {})], "milestones": [10]}),
    ],
)
def test_what_the_fast_path_cannot_follow_runs_the_real_loop(scheduler: str, kwargs: dict[str, Any]) -> None:
    question = Question("SGD", None, scheduler, kwargs, 100, None, "loss").resolved()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about a ChainedScheduler inside SequentialLR
        built = build(question)
    assert fast_schedule(built.scheduler, 100, question.optimizer_spec.momentum_key) is None


def test_a_formula_that_fails_at_some_step_still_gets_the_loops_message() -> None:
    from lr_widgets import FormulaEvaluationError

    with pytest.raises(FormulaEvaluationError, match="divides by zero at epoch = 50"):
        simulate("SGD", None, "LambdaLR", {"lr_lambda": "1 / (epoch - 50)"}, steps=100)


@pytest.mark.parametrize(
    "text",
    ["0.95 ** epoch", "epoch < 10 and 0.5 or 2", "not epoch % 3", "1 < epoch <= 5", "log(epoch + 1, 2)",
     "floor(epoch / 3) % 2", "-epoch // 4", "max(0.1, min(1, epoch / 7), 0.3)", "abs(sin(epoch)) + sqrt(epoch)"],
)  # fmt: skip
def test_formula_on_an_array_equals_it_point_by_point(text: str) -> None:
    formula = Formula(text)
    points = np.arange(0, 200, dtype=np.float64)
    np.testing.assert_allclose(formula.on_array(points), [formula(p) for p in points], rtol=1e-14, atol=0)
