"""The whole schedule at once with numpy, following torch's own rule step by step.

torch's schedulers are *chainable*: most compute the new LR from the LR of the
previous step (``group["lr"] * gamma``), not from a closed form. The fast path does
the same arithmetic in the same order: the LR of a chainable scheduler is a running
product (``np.cumprod`` over ``[lr_0, factor_1, factor_2, ...]``, which multiplies
left to right exactly as the loop does), and schedulers that compute each step from
``base_lrs`` (LambdaLR, CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts) are
evaluated on the array of step numbers. SequentialLR is a run of such segments; each
segment's first value is computed by torch itself (``_update_lr(0)``). ChainedScheduler
of multiplying children is one running product over their factors, interleaved in the
order torch applies them. ReduceLROnPlateau's decisions depend on the metric step by
step, so they are followed in a plain float loop, as torch makes them, without the
optimizer.

:func:`fast_schedule` returns ``None`` for anything it cannot follow exactly
(ChainedScheduler with a child that does more than multiply, lr_lambda given as a
Python callable, a formula that fails at some step, ...);
:func:`~lr_widgets.core.simulate.simulate` then runs the real loop. It reads the
attributes of a freshly built torch scheduler, so every
argument has already been checked and resolved by torch.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.optim import lr_scheduler as torch_schedulers

from .expressions import Formula, exact_cos
from .introspect import group_lrs, group_momenta
from .private import PrivateMissing, private
from .specs import with_momentum

__all__ = ["fast_schedule", "FAST_SCHEDULERS"]

#: The schedulers the fast path follows (SequentialLR when all its children are among them,
#: ChainedScheduler when all its children only multiply the LR).
FAST_SCHEDULERS = (
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
)


class _Unsupported(Exception):
    """This configuration is left to the real loop."""


# Each rule gets the torch scheduler, the LR of each group before the first step it computes
# (shape (G,)), the scheduler's own epoch numbers for those steps (1-D int64) and the momentum
# before them, and returns the LR (shape (len(epochs), G)) and the momentum (or None: unchanged).
Rule = Callable[[Any, np.ndarray, np.ndarray, np.ndarray | None], tuple[np.ndarray, np.ndarray | None]]


def _running_product(lr0: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """``lr0 * f1``, then that ``* f2`` ... as torch's loop multiplies, one row per factor row."""
    if factors.ndim == 1:
        factors = np.repeat(factors[:, None], lr0.shape[0], axis=1)
    return np.cumprod(np.vstack([lr0[None, :], factors]), axis=0)[1:]


def _formula_values(function: Any, points: np.ndarray) -> np.ndarray:
    if not isinstance(function, Formula):
        raise _Unsupported("a Python callable")
    values = function.on_array(points.astype(np.float64))
    if values is None:
        raise _Unsupported("the formula fails somewhere: the loop says where")
    return values


def _lambda_lr(s: Any, lr0: np.ndarray, epochs: np.ndarray, m: np.ndarray | None) -> tuple[np.ndarray, None]:
    columns = [base * _formula_values(f, epochs) for f, base in zip(s.lr_lambdas, s.base_lrs)]
    return np.column_stack(columns), None


# The chainable schedulers that only multiply the LR: their factor at each of their epochs (>= 1).
def _multiplicative_factors(s: Any, epochs: np.ndarray) -> np.ndarray:
    return np.column_stack([_formula_values(f, epochs) for f in s.lr_lambdas])


def _step_factors(s: Any, epochs: np.ndarray) -> np.ndarray:
    return np.where((epochs != 0) & (epochs % s.step_size == 0), float(s.gamma), 1.0)


def _multi_step_factors(s: Any, epochs: np.ndarray) -> np.ndarray:
    factors = np.ones(epochs.shape[0])
    for milestone, count in s.milestones.items():
        factors[epochs == milestone] = s.gamma**count
    return factors


def _constant_factors(s: Any, epochs: np.ndarray) -> np.ndarray:
    return np.where(epochs == s.total_iters, 1.0 / s.factor, 1.0)


def _linear_factors(s: Any, epochs: np.ndarray) -> np.ndarray:
    rising = (epochs >= 1) & (epochs <= s.total_iters)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = 1.0 + (s.end_factor - s.start_factor) / (
            s.total_iters * s.start_factor + (epochs - 1).astype(np.float64) * (s.end_factor - s.start_factor)
        )
    return np.where(rising, step, 1.0)


def _exponential_factors(s: Any, epochs: np.ndarray) -> np.ndarray:
    return np.full(epochs.shape[0], float(s.gamma))


def _polynomial_factors(s: Any, epochs: np.ndarray) -> np.ndarray:
    t = epochs.astype(np.float64)
    decaying = (epochs >= 1) & (epochs <= s.total_iters)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = ((1.0 - t / s.total_iters) / (1.0 - (t - 1) / s.total_iters)) ** s.power
    return np.where(decaying, step, 1.0)


_FACTORS: dict[type, Callable[[Any, np.ndarray], np.ndarray]] = {
    torch_schedulers.MultiplicativeLR: _multiplicative_factors,
    torch_schedulers.StepLR: _step_factors,
    torch_schedulers.MultiStepLR: _multi_step_factors,
    torch_schedulers.ConstantLR: _constant_factors,
    torch_schedulers.LinearLR: _linear_factors,
    torch_schedulers.ExponentialLR: _exponential_factors,
    torch_schedulers.PolynomialLR: _polynomial_factors,
}


def _factors(s: Any, epochs: np.ndarray, n_groups: int) -> np.ndarray:
    if np.any(epochs < 1):
        raise _Unsupported("epoch 0 is torch's to compute")
    factors = _FACTORS[type(s)](s, epochs)
    if not np.all(np.isfinite(factors)):
        raise _Unsupported("torch divides by zero here")
    return np.broadcast_to(factors.reshape(epochs.shape[0], -1), (epochs.shape[0], n_groups))


def _multiplying(s: Any, lr0: np.ndarray, epochs: np.ndarray, m: np.ndarray | None) -> tuple[np.ndarray, None]:
    return _running_product(lr0, _factors(s, epochs, lr0.shape[0])), None


def _chained(s: Any, lr0: np.ndarray, epochs: np.ndarray, m: np.ndarray | None) -> tuple[np.ndarray, None]:
    """ChainedScheduler of multiplying schedulers: each step, each child multiplies in turn."""
    children = private(s, "schedulers")
    if any(type(c) not in _FACTORS for c in children):
        raise _Unsupported("a child that does not only multiply")
    n, k, g = epochs.shape[0], len(children), lr0.shape[0]
    # Interleaved as torch applies them: step 1 child 1, step 1 child 2, ..., step 2 child 1 ...
    per_child = [_factors(c, np.arange(c.last_epoch + 1, c.last_epoch + 1 + n), g) for c in children]
    interleaved = np.stack(per_child, axis=1).reshape(n * k, g)
    return _running_product(lr0, interleaved)[k - 1 :: k], None


def _plateau(s: Any, lr0: np.ndarray, metric: np.ndarray) -> np.ndarray:
    """ReduceLROnPlateau.step(metric) for every value, in floats, as torch decides it.

    ``mode="max"`` is ``mode="min"`` on the negated metric (negation is exact in floats, so
    every comparison comes out as torch's). Only the steps where the LR drops are recorded.
    """
    if type(s.factor) not in (float, int) or len(s.min_lrs) != lr0.shape[0]:
        raise _Unsupported("unusual settings")
    lrs, min_lrs, factor, eps = [float(v) for v in lr0], [float(v) for v in s.min_lrs], s.factor, s.eps
    patience, cooldown, threshold = s.patience, s.cooldown, s.threshold
    sign = 1.0 if s.mode == "min" else -1.0
    values = (metric if sign > 0 else -metric).tolist()
    best, bad, cooling = sign * s.best, s.num_bad_epochs, s.cooldown_counter
    relative = s.threshold_mode == "rel"
    scale = (1.0 - threshold) if sign > 0 else (threshold + 1.0)
    drops: list[tuple[int, tuple[float, ...]]] = []
    for t, current in enumerate(values):
        if (current < best * scale) if relative else (current < best - threshold):
            best, bad = current, 0
        else:
            bad += 1
        if cooling > 0:
            cooling -= 1
            bad = 0
        if bad > patience:
            changed = False
            for i, old in enumerate(lrs):
                new = max(old * factor, min_lrs[i])
                if old - new > eps:
                    lrs[i], changed = new, True
            if not changed:
                break  # every group is at its floor: no later cut can change an LR either
            drops.append((t, tuple(lrs)))
            cooling, bad = cooldown, 0
    rows = np.array([lr0.tolist()] + [row for _, row in drops], dtype=np.float64)
    starts = [0] + [t for t, _ in drops] + [len(values)]
    return np.repeat(rows, np.diff(starts), axis=0)


def _cosine_annealing_lr(s: Any, lr0: np.ndarray, epochs: np.ndarray, m: np.ndarray | None) -> tuple[np.ndarray, None]:
    T, eta_min = s.T_max, s.eta_min
    if not isinstance(T, int) or isinstance(T, bool) or T <= 0 or np.any(epochs < 1) or private(s, "step_count") != 1:
        raise _Unsupported("only the plain recursion is followed")
    cos = exact_cos((math.pi * np.arange(epochs[0] - 1, epochs[-1] + 1, dtype=np.float64)) / T)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (1 + cos[1:]) / (1 + cos[:-1])  # ratio[i] is the factor torch uses at epochs[i]
    # At each odd multiple of T_max (+1) torch adds a step instead: 1 + cos(pi) is 0 there.
    restart = (epochs - 1 - T) % (2 * T) == 0
    if not np.all(np.isfinite(ratio[~restart])):
        raise _Unsupported("torch divides by zero here")
    lift = [(base - eta_min) * (1 - math.cos(math.pi / T)) / 2 for base in s.base_lrs]
    out = np.empty((epochs.shape[0], lr0.shape[0]))
    if eta_min == 0:
        # r * (lr - 0) + 0 is r * lr exactly: a running product between restarts.
        starts = [0, *np.flatnonzero(restart).tolist(), epochs.shape[0]]
        current = lr0.astype(np.float64)
        for a, b in zip(starts[:-1], starts[1:]):
            if a == b:
                continue
            if restart[a]:
                first = np.array([current[g] + lift[g] for g in range(current.shape[0])])
                out[a] = first
                if b > a + 1:
                    out[a + 1 : b] = _running_product(first, ratio[a + 1 : b])
            else:
                out[a:b] = _running_product(current, ratio[a:b])
            current = out[b - 1]
        return out, None
    # With eta_min, (lr - eta_min) rounds at every step: follow the loop exactly, in floats.
    ratios, restarts = ratio.tolist(), restart.tolist()
    for g in range(lr0.shape[0]):
        lr, column = float(lr0[g]), []
        for r, again in zip(ratios, restarts):
            lr = lr + lift[g] if again else r * (lr - eta_min) + eta_min
            column.append(lr)
        out[:, g] = column
    return out, None


def _warm_restarts(s: Any, lr0: np.ndarray, epochs: np.ndarray, m: np.ndarray | None) -> tuple[np.ndarray, None]:
    T_cur, T_i, T_mult = s.T_cur, s.T_i, s.T_mult
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (T_cur, T_i, T_mult)) or T_i <= 0:
        raise _Unsupported("only whole-number cycles are followed")
    n = epochs.shape[0]
    if T_mult == 1:
        cur = (T_cur + np.arange(1, n + 1)) % T_i
        length = np.full(n, T_i)
    else:
        cur, length, done = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), 0
        position = T_cur + 1
        while done < n:
            if position >= T_i:
                position, T_i = position % T_i, T_i * T_mult
            take = min(n - done, T_i - position)
            cur[done : done + take] = np.arange(position, position + take)
            length[done : done + take] = T_i
            done += take
            position += take
    cos = exact_cos(math.pi * cur.astype(np.float64) / length.astype(np.float64))
    columns = [s.eta_min + (base - s.eta_min) * (1 + cos) / 2 for base in s.base_lrs]
    return np.column_stack(columns), None


def _cyclic_lr(
    s: Any, lr0: np.ndarray, epochs: np.ndarray, m: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    t = epochs.astype(np.float64)
    cycle = np.floor(1 + t / s.total_size)
    x = 1.0 + t / s.total_size - cycle
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_factor = np.where(x <= s.step_ratio, x / s.step_ratio, (x - 1) / (s.step_ratio - 1))
    if not np.all(np.isfinite(scale_factor)):
        raise _Unsupported("torch divides by zero here")
    at = cycle if s.scale_mode == "cycle" else t
    custom = private(s, "scale_fn_custom")
    if custom is not None:
        scale = _formula_values(custom, at)
    elif s.mode == "triangular":
        scale = np.ones_like(at)
    elif s.mode == "triangular2":
        scale = 1 / (2.0 ** (at - 1))
    else:
        scale = s.gamma**at
    lr = np.column_stack([base + (top - base) * scale_factor * scale for base, top in zip(s.base_lrs, s.max_lrs)])
    if not s.cycle_momentum:
        return lr, None
    momentum = np.column_stack(
        [top - (top - base) * scale_factor * scale for base, top in zip(s.base_momentums, s.max_momentums)]
    )
    return lr, momentum


def _one_cycle_lr(
    s: Any, lr0: np.ndarray, epochs: np.ndarray, m: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    how = private(s, "anneal_func_type")
    if np.any(epochs > s.total_steps) or how not in ("cos", "linear"):
        raise _Unsupported("torch refuses these steps")
    t = epochs.astype(np.float64)
    phases = private(s, "schedule_phases")
    phase = np.full(t.shape[0], len(phases) - 1)
    for i in reversed(range(len(phases) - 1)):
        phase[t <= phases[i]["end_step"]] = i
    lr = np.empty((t.shape[0], len(s.optimizer.param_groups)))
    momentum = np.empty_like(lr) if s.cycle_momentum else None
    start = 0.0
    for i, p in enumerate(phases):
        here = phase == i
        if np.any(here):
            if p["end_step"] == start:
                raise _Unsupported("a phase of no length: torch divides by zero")
            pct = (t[here] - start) / (p["end_step"] - start)
            for g, group in enumerate(s.optimizer.param_groups):
                lr[here, g] = _anneal(how, group[p["start_lr"]], group[p["end_lr"]], pct)
                if momentum is not None:
                    momentum[here, g] = _anneal(how, group[p["start_momentum"]], group[p["end_momentum"]], pct)
        start = p["end_step"]
    return lr, momentum


def _anneal(how: str, start: float, end: float, pct: np.ndarray) -> np.ndarray:
    if how == "cos":
        return end + (start - end) / 2.0 * (exact_cos(math.pi * pct) + 1)
    return (end - start) * pct + start


_RULES: dict[type, Rule] = {
    **dict.fromkeys(_FACTORS, _multiplying),
    torch_schedulers.ChainedScheduler: _chained,
    torch_schedulers.LambdaLR: _lambda_lr,
    torch_schedulers.CosineAnnealingLR: _cosine_annealing_lr,
    torch_schedulers.CosineAnnealingWarmRestarts: _warm_restarts,
    torch_schedulers.CyclicLR: _cyclic_lr,
    torch_schedulers.OneCycleLR: _one_cycle_lr,
}


def _rule(scheduler: Any) -> Rule:
    rule = _RULES.get(type(scheduler))  # exactly these classes: a subclass may change the rule
    if rule is None:
        raise _Unsupported(type(scheduler).__name__)
    return rule


def _segments(scheduler: Any, steps: int, key: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows 1..steps of a scheduler just built (row 0 is what the optimizer holds now)."""
    optimizer = scheduler.optimizer
    lr0, m0 = group_lrs(optimizer), group_momenta(optimizer, key)
    lr = np.empty((steps, lr0.shape[0]))
    momentum = None if m0 is None else np.empty_like(lr)
    if type(scheduler) is torch_schedulers.SequentialLR:
        children, milestones = private(scheduler, "schedulers"), list(private(scheduler, "milestones"))
        composite = (torch_schedulers.SequentialLR, torch_schedulers.ChainedScheduler)
        if scheduler.last_epoch != 0 or any(type(c) in composite for c in children):
            raise _Unsupported("nested or resumed")
        if any(b <= a for a, b in zip(milestones, milestones[1:])):
            raise _Unsupported("milestones out of order: torch's bisection is followed by the loop")
        for child in children:
            _rule(child)
        bounds = [0, *[m for m in milestones if 0 < m <= steps], steps + 1]
        current_lr, current_m = lr0, m0
        for a, b in zip(bounds[:-1], bounds[1:]):
            if a >= b:
                continue
            child = children[bisect_right(milestones, a)] if a > 0 else children[bisect_right(milestones, 0)]
            rows = slice(max(a, 1) - 1, b - 1)
            if a > 0:
                # The first step of a segment: torch's own closed form at epoch 0, from the current LR.
                for group, value in zip(optimizer.param_groups, current_lr):
                    group["lr"] = float(value)
                _restore_momenta(optimizer, key, current_m)
                private(child, "update_lr")(0)
                lr[a - 1] = group_lrs(optimizer)
                if momentum is not None:
                    momentum[a - 1] = group_momenta(optimizer, key)
                rows = slice(a, b - 1)
                first_epoch = 1
                current_lr = lr[a - 1]
                current_m = None if momentum is None else momentum[a - 1]
            else:
                first_epoch = child.last_epoch + 1
            length = rows.stop - rows.start
            if length > 0:
                epochs = np.arange(first_epoch, first_epoch + length, dtype=np.int64)
                seg_lr, seg_m = _rule(child)(child, current_lr, epochs, current_m)
                lr[rows] = seg_lr
                if momentum is not None:
                    momentum[rows] = current_m if seg_m is None else seg_m
                current_lr = lr[rows.stop - 1]
                current_m = None if momentum is None else momentum[rows.stop - 1]
        return lr, momentum
    rule = _rule(scheduler)
    first = getattr(scheduler, "last_epoch", 0) + 1  # ChainedScheduler keeps no epoch of its own
    epochs = np.arange(first, first + steps, dtype=np.int64)
    seg_lr, seg_m = rule(scheduler, lr0, epochs, m0)
    lr[:] = seg_lr
    if momentum is not None:
        momentum[:] = m0 if seg_m is None else seg_m
    return lr, momentum


def _restore_momenta(optimizer: Any, key: str | None, values: np.ndarray | None) -> None:
    if key is None or values is None:
        return
    for group, value in zip(optimizer.param_groups, values):
        group[key] = with_momentum(group, key, value)


def fast_schedule(
    scheduler: Any, steps: int, momentum_key: str | None, metric: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """LR (and momentum) rows 1..``steps`` of a torch scheduler that was just built, or ``None``.

    The scheduler and its optimizer must be throwaway objects: segment starts of
    SequentialLR are computed by torch on them. ``metric`` holds the values fed to
    ReduceLROnPlateau. ``None`` means: run the real loop.
    """
    if scheduler is None or steps < 1:
        return None
    if any(isinstance(group["lr"], torch.Tensor) for group in scheduler.optimizer.param_groups):
        return None  # torch computes a tensor LR in the tensor's precision: the loop follows it
    try:
        with np.errstate(over="ignore", under="ignore"):
            if type(scheduler) is torch_schedulers.ReduceLROnPlateau:
                if metric is None or metric.shape[0] < steps:
                    return None
                lr = _plateau(scheduler, group_lrs(scheduler.optimizer), metric[:steps])
                m0 = group_momenta(scheduler.optimizer, momentum_key)
                momentum = None if m0 is None else np.repeat(m0[None, :], steps, axis=0)
            else:
                lr, momentum = _segments(scheduler, steps, momentum_key)
    except (_Unsupported, PrivateMissing, OverflowError):  # huge arguments: the loop follows torch
        return None
    if not np.all(np.isfinite(lr)) or (momentum is not None and not np.all(np.isfinite(momentum))):
        return None
    return lr, momentum
