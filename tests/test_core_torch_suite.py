"""PyTorch's own scheduler tests, ported as data (tests/torch_suite_cases.py), pass on lr_widgets' numbers.

Each case is checked twice: against the explicit targets of the torch test it comes from,
and against the same optimizer and scheduler built with torch directly and stepped by hand.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as S
from torch.optim.swa_utils import SWALR
from torch_suite_cases import CASES, SuiteCase

from lr_widgets import simulate

#: The formulas of the ported LambdaLR / MultiplicativeLR cases, as torch's tests write them.
_LAMBDAS = {
    "0.9 ** epoch": lambda x1: 0.9**x1,
    "0.8 ** epoch": lambda x2: 0.8**x2,
    "0.9": lambda x1: 0.9,
    "0.8": lambda x2: 0.8,
}


def _trace(case: SuiteCase):
    return simulate(
        case.optimizer,
        {"lr": case.group_lrs[0]},
        case.scheduler,
        case.kwargs,
        case.epochs,
        param_groups=[{}, {"lr": case.group_lrs[1]}],
        metric=case.metric,
    )


def _scheduler(optimizer: torch.optim.Optimizer, name: str, kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    if "schedulers" in kwargs:
        kwargs["schedulers"] = [
            _scheduler(optimizer, child, child_kwargs) for child, child_kwargs in kwargs["schedulers"]
        ]
        if name == "ChainedScheduler":
            return S.ChainedScheduler(kwargs["schedulers"], optimizer)
    if "lr_lambda" in kwargs:
        kwargs["lr_lambda"] = [_LAMBDAS[text] for text in kwargs["lr_lambda"]]
    cls = SWALR if name == "SWALR" else getattr(S, name)
    return cls(optimizer, **kwargs)


def _torch_loop(case: SuiteCase) -> tuple[np.ndarray, np.ndarray | None]:
    """torch's setUp (two groups, the second with its own lr) and the classic loop, without lr_widgets."""
    params = [torch.zeros(2, 2, requires_grad=True), torch.zeros(2, 2, requires_grad=True)]
    cls = getattr(torch.optim, case.optimizer)
    opt = cls([{"params": [params[0]]}, {"params": [params[1]], "lr": case.group_lrs[1]}], lr=case.group_lrs[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about a ChainedScheduler inside SequentialLR (sequentiallr5)
        sched = _scheduler(opt, case.scheduler, case.kwargs)
    key = "momentum" if "momentum" in opt.defaults else "betas"
    lrs, momenta = [], []
    for t in range(case.epochs + 1):
        lrs.append([float(g["lr"]) for g in opt.param_groups])
        momenta.append([float(g[key][0] if key == "betas" else g[key]) for g in opt.param_groups])
        if t == case.epochs:
            break
        opt.step()
        sched.step(case.metric[t]) if case.metric is not None else sched.step()
    return np.array(lrs), np.array(momenta)


def _rows(case: SuiteCase, values: np.ndarray) -> np.ndarray:
    # "before": row t is the LR when step t runs; "after": the LR right after scheduler.step(metric[t])
    return values[: case.epochs] if case.rows == "before" else values[1 : case.epochs + 1]


@pytest.mark.parametrize("case", CASES, ids=[case.test for case in CASES])
def test_torch_scheduler_suite(case: SuiteCase) -> None:
    trace = _trace(case)
    tolerance = dict(rtol=0, atol=1e-5) if case.loose else dict(rtol=1e-10, atol=1e-15)
    for group, target in enumerate(case.targets):
        np.testing.assert_allclose(_rows(case, trace.lr)[:, group], target[: case.epochs], **tolerance)
    if case.momentum_targets is not None:
        assert trace.momentum is not None
        for group, target in enumerate(case.momentum_targets):
            np.testing.assert_allclose(_rows(case, trace.momentum)[:, group], target[: case.epochs], **tolerance)
    lr, momentum = _torch_loop(case)
    np.testing.assert_allclose(trace.lr, lr, rtol=1e-12, atol=0)
    if trace.momentum is not None:
        np.testing.assert_allclose(trace.momentum, momentum, rtol=1e-12, atol=0)


def test_the_suite_covers_every_family_the_issue_names() -> None:
    covered = {case.scheduler for case in CASES} | {
        child for case in CASES for child, _ in case.kwargs.get("schedulers", [])
    }
    assert covered >= {
        "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "PolynomialLR", "CyclicLR",
        "OneCycleLR", "CosineAnnealingWarmRestarts", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau",
        "LambdaLR", "MultiplicativeLR", "ConstantLR", "SWALR",
    }  # fmt: skip
