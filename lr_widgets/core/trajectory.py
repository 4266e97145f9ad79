"""What a schedule does to an optimizer: its path on a 2-D loss landscape.

:func:`trajectory` runs exactly this torch loop and records the point and the loss before each step::

    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = Optimizer([p], **optimizer_kwargs); sched = Scheduler(opt, **scheduler_kwargs)
    for t in range(steps):
        opt.zero_grad(); loss = f(p); loss.backward(); opt.step(); sched.step()

(LBFGS steps with a closure that does the same; ReduceLROnPlateau is given the step's loss.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .config import Config
from .errors import InvalidValueError
from .simulate import _build_scheduler, _recording_warnings, _speaking_for, optimizer_step, scheduler_step
from .toy import one_thread

__all__ = ["OptimizerPath", "PROBLEMS", "trajectory"]

Landscape = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _rosenbrock(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _quadratic(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return 0.5 * (x**2 + 20 * y**2)


#: The built-in landscapes: the function of (x, y) and the start point.
PROBLEMS: Mapping[str, tuple[Landscape, tuple[float, float]]] = {
    "rosenbrock": (_rosenbrock, (-1.5, 2.0)),
    "quadratic": (_quadratic, (-2.0, 1.0)),
}


@dataclass(frozen=True, eq=False)
class OptimizerPath:
    """An optimizer's path on a landscape.

    Attributes
    ----------
    xy
        Shape ``(steps + 1, 2)``: row ``t`` is the point before step ``t`` (the last row: after the run).
    loss
        Shape ``(steps + 1,)``: the loss at each row of ``xy``.
    lr
        Shape ``(steps + 1,)``: the LR when step ``t`` runs (row ``steps``: after the run).
    problem
        The landscape's name.
    warnings
        What torch warned about.
    """

    xy: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    problem: str
    warnings: tuple[str, ...] = ()

    @property
    def steps(self) -> int:
        return self.xy.shape[0] - 1


def trajectory(
    optimizer: str = "SGD",
    optimizer_kwargs: Mapping[str, Any] | None = None,
    scheduler: str | None = None,
    scheduler_kwargs: Mapping[str, Any] | None = None,
    steps: int = 100,
    *,
    problem: str = "rosenbrock",
    start: Sequence[float] | None = None,
) -> OptimizerPath:
    """The path an optimizer takes on ``problem`` under a scheduler (see the module for the exact loop).

    Parameters
    ----------
    optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps
        As :func:`~lr_widgets.simulate` takes them (the run lengths torch requires follow ``steps``).
    problem
        ``"rosenbrock"``: ``(1 - x)**2 + 100 * (y - x**2)**2`` from ``(-1.5, 2.0)``;
        ``"quadratic"``: ``0.5 * (x**2 + 20 * y**2)`` from ``(-2.0, 1.0)``.
    start
        The start point ``(x, y)``, instead of the problem's.
    """
    if problem not in PROBLEMS:
        raise InvalidValueError(f"problem is one of {', '.join(map(repr, PROBLEMS))}: got {problem!r}", "problem")
    f, default_start = PROBLEMS[problem]
    point = _start(default_start if start is None else start)
    # checked and filled in as simulate does; ReduceLROnPlateau's metric is each step's loss, not this curve
    config = Config(optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps, metric="loss").resolved()
    spec = config.optimizer_spec
    with _recording_warnings() as caught, one_thread():
        p = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        with _speaking_for(spec.name):
            opt = spec.cls([p], **dict(config.optimizer_kwargs))
        sched = None if config.scheduler is None else _build_scheduler(opt, config.scheduler, config.scheduler_kwargs)
        plateau = isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau)

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = f(p[0], p[1])
            loss.backward()
            return loss

        xy = np.empty((config.steps + 1, 2), dtype=np.float64)
        losses = np.empty(config.steps + 1, dtype=np.float64)
        lrs = np.empty(config.steps + 1, dtype=np.float64)
        for t in range(config.steps + 1):
            xy[t] = p.detach().numpy()
            lrs[t] = opt.param_groups[0]["lr"]
            with torch.no_grad():
                losses[t] = float(f(p[0], p[1]))
            if t == config.steps:
                break
            optimizer_step(opt, t + 1, closure=closure)
            scheduler_step(sched, t + 1, metric=float(losses[t]) if plateau else None)
    return OptimizerPath(xy, losses, lrs, problem, tuple(dict.fromkeys(str(w.message) for w in caught)))


def _start(start: Any) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in start)
    except (TypeError, ValueError):
        raise InvalidValueError(f"start is a point (x, y): got {start!r}", "start") from None
    if not np.isfinite([x, y]).all():
        raise InvalidValueError(f"start is a point of finite numbers: got {start!r}", "start")
    return x, y
