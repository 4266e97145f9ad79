"""Cases ported from PyTorch's own scheduler tests (test/optim/test_lrscheduler.py), as data.

Each case names the torch test it comes from. Torch's ``setUp`` builds
``SGD([{"params": conv1}, {"params": conv2, "lr": 0.5}], lr=0.05)``: two param groups,
the second at ten times the first (``[x * epochs for x in single_targets]`` in its targets).
Here those are the toy model's two groups (body, head). The targets are torch's own
explicit lists and formulas, copied with the arguments; ``rows`` says which of our rows
they are: ``"before"`` (torch's ``_test``: the LR checked before each ``scheduler.step()``),
or ``"after"`` (its ReduceLROnPlateau tests: checked after ``step(metric)``).
Compound tests that step two schedulers side by side are ChainedScheduler here, which
steps its children in the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass
class SuiteCase:
    test: str
    scheduler: str
    kwargs: dict[str, Any]
    epochs: int
    targets: list[list[float]]
    group_lrs: tuple[float, float] = (0.05, 0.5)
    optimizer: str = "SGD"
    momentum_targets: list[list[float]] | None = None
    metric: list[float] | None = None
    rows: str = "before"
    #: The tolerance of torch's own test (atol 1e-5) where its targets are a closed form that torch's
    #: chainable formula only approximates (cosine with eta_min); else tight.
    loose: bool = False


def _both(single: list[float], factor: float = 10) -> list[list[float]]:
    return [single, [x * factor for x in single]]


def _cos(x: float, epochs: int, eta_min: float = 1e-10) -> float:
    return eta_min + (0.05 - eta_min) * (1 + math.cos(math.pi * x / epochs)) / 2


def _annealing_cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _warm_restarts(T_mult: int, iters: int = 100, eta_min: float = 1e-10) -> list[list[float]]:
    T_i, T_cur, targets = 10, 0, [[0.05], [0.5]]
    for _ in range(1, iters):
        T_cur += 1
        if T_cur >= T_i:
            T_cur, T_i = T_cur - T_i, T_mult * T_i
        targets[0].append(eta_min + (0.05 - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2)
        targets[1].append(eta_min + (0.5 - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2)
    return targets


def _linear_interpolation(start: float, end: float, iters: int, epochs: int) -> list[float]:
    return [0.05 * (start + i * (end - start) / iters) for i in range(iters)] + [0.05 * end] * (epochs - iters)


def _poly(lr: float, power: float = 0.9, total_iters: int = 5, epochs: int = 10) -> list[float]:
    return [lr * (1.0 - x / total_iters) ** power for x in range(total_iters)] + [0.0] * (epochs - total_iters)


_TRIANGULAR2 = [1, 2, 3, 4, 5, 4, 3, 2, 1, 1.5, 2.0, 2.5, 3.0, 2.5, 2.0, 1.5, 1, 1.25, 1.50, 1.75, 2.00, 1.75]
_TRIANGULAR2_M = [5.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 5.0, 4.5, 4.0, 3.5, 3.0, 3.5, 4.0, 4.5, 5.0, 4.75, 4.5,
                  4.25, 4.0, 4.25]  # fmt: skip
_XS = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.50, 0.25, 0, 0.25, 0.5, 0.75, 1]
_ONECYCLE_COS = [1, 13, 25, *(_annealing_cos(25, 0.5, k / 7.0) for k in range(1, 7)), 0.5]
_ONECYCLE_COS_M = [22, 11.5, 1, *(_annealing_cos(1, 22, k / 7.0) for k in range(1, 7)), 22]
_CYCLIC = dict(base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=True, base_momentum=1, max_momentum=5)

CASES: list[SuiteCase] = [
    SuiteCase("test_step_lr", "StepLR", {"gamma": 0.1, "step_size": 3}, 10,
              _both([0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005] * 3)),
    SuiteCase("test_multi_step_lr", "MultiStepLR", {"gamma": 0.1, "milestones": [2, 5, 9]}, 10,
              _both([0.05] * 2 + [0.005] * 3 + [0.0005] * 4 + [0.00005] * 3)),
    SuiteCase("test_constantlr", "ConstantLR", {"factor": 1.0 / 2, "total_iters": 5}, 10,
              _both([0.025] * 5 + [0.05] * 5)),
    SuiteCase("test_linearlr", "LinearLR", {"start_factor": 1.0 / 2, "total_iters": 4}, 10,
              _both(_linear_interpolation(0.5, 1.0, 4, 10))),
    SuiteCase("test_get_last_lr_linearlr", "LinearLR",
              {"start_factor": 1.0 / 4, "end_factor": 3.0 / 5, "total_iters": 4}, 10,
              _both(_linear_interpolation(0.25, 0.6, 4, 10))),
    SuiteCase("test_exp_lr", "ExponentialLR", {"gamma": 0.9}, 10, _both([0.05 * 0.9**x for x in range(10)])),
    SuiteCase("test_poly_lr", "PolynomialLR", {"power": 0.9, "total_iters": 5}, 10, _both(_poly(0.05))),
    SuiteCase("test_cos_anneal_lr", "CosineAnnealingLR", {"T_max": 10, "eta_min": 1e-10}, 10,
              _both([_cos(x, 10) for x in range(10)]), loose=True),
    *(
        SuiteCase(f"test_CosineAnnealingWarmRestarts_lr1[T_mult={m}]", "CosineAnnealingWarmRestarts",
                  {"T_0": 10, "T_mult": m, "eta_min": 1e-10}, 100, _warm_restarts(m))
        for m in (1, 2, 4)
    ),
    SuiteCase("test_lambda_lr", "LambdaLR", {"lr_lambda": ["0.9 ** epoch", "0.8 ** epoch"]}, 10,
              [[0.05 * 0.9**x for x in range(10)], [0.4 * 0.8**x for x in range(10)]], group_lrs=(0.05, 0.4)),
    SuiteCase("test_multiplicative_lr", "MultiplicativeLR", {"lr_lambda": ["0.9", "0.8"]}, 10,
              [[0.05 * 0.9**x for x in range(10)], [0.4 * 0.8**x for x in range(10)]], group_lrs=(0.05, 0.4)),
    SuiteCase("test_cycle_lr_triangular_mode_one_lr", "CyclicLR", {**_CYCLIC, "mode": "triangular"}, 11,
              [[1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]] * 2, momentum_targets=[[5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3]] * 2),
    SuiteCase("test_cycle_lr_triangular2_mode_one_lr", "CyclicLR", {**_CYCLIC, "mode": "triangular2"}, 22,
              [_TRIANGULAR2] * 2, momentum_targets=[_TRIANGULAR2_M] * 2),
    SuiteCase("test_cycle_lr_exp_range_mode_one_lr", "CyclicLR", {**_CYCLIC, "mode": "exp_range", "gamma": 0.9}, 13,
              [[1 + x * 4 * 0.9**i for i, x in enumerate(_XS)]] * 2,
              momentum_targets=[[5 - x * 4 * 0.9**i for i, x in enumerate(_XS)]] * 2),
    SuiteCase("test_cycle_lr_triangular_mode", "CyclicLR",
              {"base_lr": [1, 2], "max_lr": [5, 6], "step_size_up": 4, "cycle_momentum": True,
               "base_momentum": [1, 2], "max_momentum": [5, 6], "mode": "triangular"}, 11,
              [[1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3], [2, 3, 4, 5, 6, 5, 4, 3, 2, 3, 4]],
              momentum_targets=[[5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3], [6, 5, 4, 3, 2, 3, 4, 5, 6, 5, 4]]),
    SuiteCase("test_cycle_lr_triangular2_mode", "CyclicLR",
              {"base_lr": [1, 3], "max_lr": [5, 7], "step_size_up": 4, "cycle_momentum": True,
               "base_momentum": [1, 3], "max_momentum": [5, 7], "mode": "triangular2"}, 22,
              [_TRIANGULAR2, [x + 2 for x in _TRIANGULAR2]],
              momentum_targets=[_TRIANGULAR2_M, [x + 2 for x in _TRIANGULAR2_M]]),
    SuiteCase("test_cycle_lr_triangular_mode_step_size_up_down", "CyclicLR",
              {**_CYCLIC, "step_size_down": 6, "mode": "triangular"}, 11,
              [[1.0, 2.0, 3.0, 4.0, 5.0, 13.0 / 3, 11.0 / 3, 9.0 / 3, 7.0 / 3, 5.0 / 3, 1.0]] * 2,
              momentum_targets=[[5.0, 4.0, 3.0, 2.0, 1.0, 5.0 / 3, 7.0 / 3, 3.0, 11.0 / 3, 13.0 / 3, 5.0]] * 2),
    SuiteCase("test_cycle_lr_with_momentumless_optimizer", "CyclicLR",
              {"base_lr": 1, "max_lr": 5, "step_size_up": 4, "cycle_momentum": False, "mode": "triangular"}, 11,
              [[1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]] * 2, optimizer="Adam"),
    SuiteCase("test_onecycle_lr_linear_annealing", "OneCycleLR",
              {"max_lr": 25, "final_div_factor": 2, "base_momentum": 1, "max_momentum": 22, "total_steps": 10,
               "anneal_strategy": "linear"}, 10,
              [[1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]] * 2,
              momentum_targets=[[22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22]] * 2),
    SuiteCase("test_onecycle_lr_linear_annealing_three_phases", "OneCycleLR",
              {"max_lr": 25, "div_factor": 25, "base_momentum": 1, "max_momentum": 22, "total_steps": 10,
               "anneal_strategy": "linear", "pct_start": 0.4, "final_div_factor": 4, "three_phase": True}, 10,
              [[1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25]] * 2,
              momentum_targets=[[22, 15, 8, 1, 8, 15, 22, 22, 22, 22]] * 2),
    SuiteCase("test_onecycle_lr_cosine_annealing", "OneCycleLR",
              {"max_lr": 25, "final_div_factor": 2, "base_momentum": 1, "max_momentum": 22, "total_steps": 10}, 10,
              [_ONECYCLE_COS] * 2, momentum_targets=[_ONECYCLE_COS_M] * 2),
    SuiteCase("test_cycle_lr_with_adam (OneCycleLR cycling betas[0])", "OneCycleLR",
              {"max_lr": 25, "final_div_factor": 2, "base_momentum": 1, "max_momentum": 22, "total_steps": 10,
               "anneal_strategy": "linear"}, 10,
              [[1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]] * 2, optimizer="Adam",
              momentum_targets=[[22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22]] * 2),
    SuiteCase("test_sequentiallr1", "SequentialLR",
              {"schedulers": [("ExponentialLR", {"gamma": 0.8}), ("StepLR", {"gamma": 0.1, "step_size": 4})],
               "milestones": [3]}, 19,
              [[0.05, 0.04, 0.032] + [0.05] * 4 + [0.005] * 4 + [0.0005] * 4 + [0.00005] * 4]),
    SuiteCase("test_sequentiallr2", "SequentialLR",
              {"schedulers": [("ConstantLR", {"factor": 0.1, "total_iters": 3}), ("ExponentialLR", {"gamma": 0.9})],
               "milestones": [3]}, 13,
              [[0.005, 0.005, 0.005] + [0.05 * 0.9**x for x in range(10)]]),
    SuiteCase("test_sequentiallr3", "SequentialLR",
              {"schedulers": [("ConstantLR", {"factor": 0.1, "total_iters": 3}), ("ExponentialLR", {"gamma": 0.8}),
                              ("StepLR", {"gamma": 0.1, "step_size": 2})], "milestones": [3, 6]}, 12,
              _both([0.005] * 3 + [0.05, 0.04, 0.032] + [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005])),
    SuiteCase("test_sequentiallr5 (a ChainedScheduler inside SequentialLR)", "SequentialLR",
              {"schedulers": [("ChainedScheduler", {"schedulers": [("LinearLR", {"start_factor": 0.1,
                                                                                "total_iters": 5}),
                                                                   ("ConstantLR", {"factor": 0.1, "total_iters": 5})]}),
                              ("ConstantLR", {"factor": 0.5, "total_iters": 5})], "milestones": [5]}, 10,
              [[0.0005, 0.0014, 0.0023, 0.0032, 0.0041] + [0.025] * 5]),
    SuiteCase("test_chained_lr1", "ChainedScheduler", {"schedulers": [("StepLR", {"gamma": 0.1, "step_size": 3})]},
              10, [[0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005] * 3]),
    SuiteCase("test_chained_lr2", "ChainedScheduler",
              {"schedulers": [("LinearLR", {"start_factor": 0.4, "total_iters": 3})]}, 10,
              [[0.02, 0.03, 0.04] + [0.05] * 9]),
    SuiteCase("test_chained_lr3", "ChainedScheduler",
              {"schedulers": [("LinearLR", {"start_factor": 0.4, "total_iters": 3}),
                              ("MultiStepLR", {"milestones": [4, 8, 10], "gamma": 0.1})]}, 10,
              [[0.02, 0.03, 0.04, 0.05] + [0.005] * 4 + [0.0005] * 3 + [0.00005] * 3]),
    SuiteCase("test_chained_lr4", "ChainedScheduler",
              {"schedulers": [("ExponentialLR", {"gamma": 0.9}), ("ConstantLR", {"factor": 0.2, "total_iters": 4}),
                              ("StepLR", {"gamma": 0.1, "step_size": 3})]}, 9,
              [[0.05 * 0.2 * 0.9**x for x in range(3)] + [0.05 * 0.2 * 0.9**3 * 0.1]
               + [0.05 * 0.9**x * 0.1 for x in range(4, 6)] + [0.05 * 0.9**x * 0.01 for x in range(6, 9)]]),
    SuiteCase("test_chained_lr5 (ConstantLR keeps torch's total_iters=5 inside ChainedScheduler)", "ChainedScheduler",
              {"schedulers": [("PolynomialLR", {"power": 0.9, "total_iters": 5}), ("ConstantLR", {"factor": 0.1})]}, 10,
              [[x * 0.1 for x in _poly(0.05)], [x * 0.1 for x in _poly(0.5)]]),
    SuiteCase("test_compound_step_and_multistep_lr", "ChainedScheduler",
              {"schedulers": [("StepLR", {"gamma": 0.1, "step_size": 3}),
                              ("MultiStepLR", {"gamma": 0.1, "milestones": [2, 5, 9]})]}, 10,
              [[0.05] * 2 + [0.005] * 1 + [5e-4] * 2 + [5e-5] + [5e-6] * 3 + [5e-8]]),
    SuiteCase("test_compound_cosanneal_and_step_lr", "ChainedScheduler",
              {"schedulers": [("CosineAnnealingLR", {"T_max": 10, "eta_min": 1e-10}),
                              ("StepLR", {"gamma": 0.1, "step_size": 3})]}, 10,
              _both([_cos(x, 10) * 0.1 ** (x // 3) for x in range(10)]), loose=True),
    SuiteCase("test_compound_cosanneal_and_exp_lr", "ChainedScheduler",
              {"schedulers": [("CosineAnnealingLR", {"T_max": 10, "eta_min": 1e-10}),
                              ("ExponentialLR", {"gamma": 0.1})]}, 10,
              _both([_cos(x, 10) * 0.1**x for x in range(10)]), loose=True),
    SuiteCase("test_compound_exp_and_linearlr", "ChainedScheduler",
              {"schedulers": [("LinearLR", {"start_factor": 0.4, "end_factor": 0.9, "total_iters": 4}),
                              ("ExponentialLR", {"gamma": 0.9})]}, 10,
              _both([0.05 * 0.9**x * (0.4 + x / 4 * 0.5 if x < 4 else 0.9) for x in range(10)])),
    SuiteCase("test_reduce_lr_on_plateau1", "ReduceLROnPlateau",
              {"threshold_mode": "abs", "mode": "min", "threshold": 0.01, "patience": 5, "cooldown": 5}, 20,
              [[0.5] * 20], group_lrs=(0.5, 0.5), metric=[10 - i * 0.0167 for i in range(20)], rows="after"),
    SuiteCase("test_reduce_lr_on_plateau2", "ReduceLROnPlateau",
              {"patience": 5, "cooldown": 0, "threshold_mode": "abs", "mode": "min", "threshold": 0.1}, 22,
              [[0.5] * 6 + [0.05] * 7 + [0.005] * 7 + [0.0005] * 2], group_lrs=(0.5, 0.5),
              metric=[10 - i * 0.0165 for i in range(22)], rows="after"),
    SuiteCase("test_reduce_lr_on_plateau3", "ReduceLROnPlateau",
              {"mode": "max", "patience": 5, "cooldown": 5, "threshold_mode": "abs"}, 22,
              [[0.5] * (2 + 6) + [0.05] * (5 + 6) + [0.005] * 4], group_lrs=(0.5, 0.5),
              metric=[-0.8] * 2 + [-0.234] * 20, rows="after"),
    SuiteCase("test_reduce_lr_on_plateau5", "ReduceLROnPlateau",
              {"mode": "max", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5}, 20,
              [[0.5] * 6 + [0.05] * (5 + 6) + [0.005] * 4], group_lrs=(0.5, 0.5),
              metric=[1.5 * (1.005**i) for i in range(20)], rows="after"),
    SuiteCase("test_reduce_lr_on_plateau7", "ReduceLROnPlateau",
              {"mode": "min", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5}, 20,
              [[0.5] * 6 + [0.05] * (5 + 6) + [0.005] * 4], group_lrs=(0.5, 0.5),
              metric=[1] * 7 + [0.6] + [0.5] * 12, rows="after"),
    SuiteCase("test_reduce_lr_on_plateau8 (one min_lr per group)", "ReduceLROnPlateau",
              {"mode": "max", "threshold_mode": "rel", "min_lr": [0.4, 0.3], "threshold": 0.1, "patience": 5,
               "cooldown": 5}, 20,
              [[0.5] * 6 + [0.4] * 14, [0.5] * 6 + [0.3] * 14], group_lrs=(0.5, 0.5),
              metric=[1.5 * (1.005**i) for i in range(20)], rows="after"),
    SuiteCase("test_swalr_no_anneal (SWALR from the first step)", "SWALR", {"anneal_epochs": 1, "swa_lr": 0.01}, 10,
              [[0.05] + [0.01] * 9, [0.5] + [0.01] * 9]),
]  # fmt: skip
