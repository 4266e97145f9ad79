"""The truth the core is tested against: torch optimizers and schedulers built and stepped by hand.

Nothing here uses lr_widgets. Each scheduler has a configuration in two forms: the
arguments lr_widgets' ``simulate`` takes (data) and a function that builds the
same scheduler directly with torch (code), so a test can run both and compare.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.optim import lr_scheduler as S

STEPS = 60

#: The keys of an SGD param group, as the lesson lists them (torch may add more after these).
SGD_LESSON_KEYS = [
    "params",
    "lr",
    "momentum",
    "dampening",
    "weight_decay",
    "nesterov",
    "maximize",
    "foreach",
    "differentiable",
]
GROUP_LRS = (0.01, 0.03)

#: Optimizer arguments that make momentum visible where an optimizer has it.
OPTIMIZER_KWARGS: dict[str, dict[str, Any]] = {
    "SGD": {"momentum": 0.9},
    "RMSprop": {"momentum": 0.5},
}


@dataclass
class Case:
    """One scheduler configuration: what simulate is given, and the same thing built with torch."""

    scheduler: str | None
    kwargs: dict[str, Any]
    build: Callable[[torch.optim.Optimizer], Any]
    metric: np.ndarray | None = None
    steps: int = STEPS
    notes: dict[str, Any] = field(default_factory=dict)


def _loss_curve(steps: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(steps)
    return 0.3 + np.exp(-t / 10) + rng.normal(0, 0.01, steps)


CASES: dict[str, Case] = {
    "constant": Case(None, {}, lambda opt: None),
    "ConstantLR": Case(
        "ConstantLR", {"factor": 0.5, "total_iters": 12}, lambda o: S.ConstantLR(o, factor=0.5, total_iters=12)
    ),
    "CosineAnnealingLR": Case(
        "CosineAnnealingLR", {"T_max": 40, "eta_min": 1e-4}, lambda o: S.CosineAnnealingLR(o, T_max=40, eta_min=1e-4)
    ),
    "CosineAnnealingWarmRestarts": Case(
        "CosineAnnealingWarmRestarts",
        {"T_0": 10, "T_mult": 2, "eta_min": 1e-5},
        lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-5),
    ),
    "CyclicLR": Case(
        "CyclicLR",
        {"base_lr": 1e-3, "max_lr": 1e-2, "step_size_up": 8, "mode": "triangular2"},
        lambda o: S.CyclicLR(o, base_lr=1e-3, max_lr=1e-2, step_size_up=8, mode="triangular2"),
    ),
    "CyclicLR-exp_range-no-momentum": Case(
        "CyclicLR",
        {
            "base_lr": 1e-3,
            "max_lr": 5e-2,
            "step_size_up": 5,
            "step_size_down": 9,
            "mode": "exp_range",
            "gamma": 0.97,
            "cycle_momentum": False,
        },
        lambda o: S.CyclicLR(
            o,
            base_lr=1e-3,
            max_lr=5e-2,
            step_size_up=5,
            step_size_down=9,
            mode="exp_range",
            gamma=0.97,
            cycle_momentum=False,
        ),
    ),
    "CyclicLR-scale_fn": Case(
        "CyclicLR",
        {"base_lr": 1e-3, "max_lr": 1e-2, "step_size_up": 6, "scale_fn": "1 / (2 ** (x - 1))", "cycle_momentum": False},
        lambda o: S.CyclicLR(
            o, base_lr=1e-3, max_lr=1e-2, step_size_up=6, scale_fn=lambda x: 1 / (2 ** (x - 1)), cycle_momentum=False
        ),
    ),
    "ExponentialLR": Case("ExponentialLR", {"gamma": 0.93}, lambda o: S.ExponentialLR(o, gamma=0.93)),
    "LambdaLR": Case(
        "LambdaLR",
        {"lr_lambda": "min(1, (epoch + 1) / 10) * 0.98 ** epoch"},
        lambda o: S.LambdaLR(o, lr_lambda=lambda epoch: min(1, (epoch + 1) / 10) * 0.98**epoch),
    ),
    "LambdaLR-per-group": Case(
        "LambdaLR",
        {"lr_lambda": ["0.5 * (1 + cos(pi * epoch / 60))", "1 if epoch < 20 else 0.1"]},
        lambda o: S.LambdaLR(
            o, lr_lambda=[lambda e: 0.5 * (1 + math.cos(math.pi * e / 60)), lambda e: 1 if e < 20 else 0.1]
        ),
        notes={"groups": 2},
    ),
    "LinearLR": Case(
        "LinearLR", {"start_factor": 0.2, "total_iters": 15}, lambda o: S.LinearLR(o, start_factor=0.2, total_iters=15)
    ),
    "MultiStepLR": Case(
        "MultiStepLR", {"milestones": [10, 25, 40], "gamma": 0.5}, lambda o: S.MultiStepLR(o, [10, 25, 40], gamma=0.5)
    ),
    "MultiplicativeLR": Case(
        "MultiplicativeLR",
        {"lr_lambda": "0.97 if epoch < 30 else 1.0"},
        lambda o: S.MultiplicativeLR(o, lr_lambda=lambda epoch: 0.97 if epoch < 30 else 1.0),
    ),
    "OneCycleLR": Case(
        "OneCycleLR", {"max_lr": 0.05, "total_steps": STEPS}, lambda o: S.OneCycleLR(o, max_lr=0.05, total_steps=STEPS)
    ),
    "OneCycleLR-three-phase-linear": Case(
        "OneCycleLR",
        {
            "max_lr": 0.1,
            "epochs": 6,
            "steps_per_epoch": 10,
            "anneal_strategy": "linear",
            "three_phase": True,
            "pct_start": 0.25,
        },
        lambda o: S.OneCycleLR(
            o, max_lr=0.1, epochs=6, steps_per_epoch=10, anneal_strategy="linear", three_phase=True, pct_start=0.25
        ),
    ),
    "PolynomialLR": Case(
        "PolynomialLR", {"total_iters": 45, "power": 2.0}, lambda o: S.PolynomialLR(o, total_iters=45, power=2.0)
    ),
    "ReduceLROnPlateau": Case(
        "ReduceLROnPlateau",
        {"factor": 0.5, "patience": 3},
        lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=3),
        metric=_loss_curve(STEPS),
    ),
    "SequentialLR": Case(
        "SequentialLR",
        {
            "schedulers": [
                ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
                ("CosineAnnealingLR", {"T_max": 50}),
            ],
            "milestones": [10],
        },
        lambda o: S.SequentialLR(
            o, [S.LinearLR(o, start_factor=0.1, total_iters=10), S.CosineAnnealingLR(o, T_max=50)], milestones=[10]
        ),
    ),
    "SequentialLR-three": Case(
        "SequentialLR",
        {
            "schedulers": [
                ("ConstantLR", {"factor": 0.2, "total_iters": 5}),
                ("ExponentialLR", {"gamma": 0.9}),
                ("StepLR", {"step_size": 4, "gamma": 0.5}),
            ],
            "milestones": [5, 30],
        },
        lambda o: S.SequentialLR(
            o,
            [S.ConstantLR(o, factor=0.2, total_iters=5), S.ExponentialLR(o, gamma=0.9), S.StepLR(o, 4, gamma=0.5)],
            milestones=[5, 30],
        ),
    ),
    "ChainedScheduler": Case(
        "ChainedScheduler",
        {"schedulers": [("ConstantLR", {"factor": 0.1, "total_iters": 5}), ("ExponentialLR", {"gamma": 0.95})]},
        lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=5), S.ExponentialLR(o, gamma=0.95)], o),
    ),
    "StepLR": Case("StepLR", {"step_size": 7, "gamma": 0.7}, lambda o: S.StepLR(o, step_size=7, gamma=0.7)),
}


def reference_params(n_groups: int) -> list[list[torch.Tensor]]:
    """Plain 2-D tensors, one per group (2-D so that Muon takes them)."""
    return [[torch.zeros(3, 3, requires_grad=True)] for _ in range(n_groups)]


def momenta(opt: torch.optim.Optimizer) -> list[float] | None:
    """Each group's momentum or betas[0], read by hand (None if the optimizer has neither)."""
    group = opt.param_groups[0]
    if "momentum" in group:
        return [float(g["momentum"]) for g in opt.param_groups]
    if "betas" in group:
        return [float(g["betas"][0]) for g in opt.param_groups]
    return None


def classic_loop(
    optimizer: str,
    optimizer_kwargs: dict[str, Any],
    group_lrs: tuple[float, ...],
    case: Case,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The classic ``sched_lrs`` helper, written with torch directly.

    Returns the LR per step per group and each group's momentum / beta1 (or None).
    """
    groups = reference_params(len(group_lrs))
    cls = getattr(torch.optim, optimizer)
    opt = cls([{"params": params, "lr": lr} for params, lr in zip(groups, group_lrs)], **optimizer_kwargs)
    sched = case.build(opt)

    def closure() -> torch.Tensor:
        # LBFGS needs a closure; with no gradients it takes one step, as the others do without .grad.
        return torch.zeros(())

    def lrs() -> list[float]:
        return [float(x) for x in (sched.get_last_lr() if sched is not None else [g["lr"] for g in opt.param_groups])]

    lr_rows, momentum_rows = [lrs()], [momenta(opt)]
    for t in range(case.steps):
        if optimizer == "LBFGS":
            opt.step(closure)
        else:
            opt.step()
        if sched is not None:
            if case.metric is not None:
                sched.step(float(case.metric[t]))
            else:
                sched.step()
        lr_rows.append(lrs())
        momentum_rows.append(momenta(opt))
    momentum = None if momentum_rows[0] is None else np.array(momentum_rows, dtype=np.float64)
    return np.array(lr_rows, dtype=np.float64), momentum
