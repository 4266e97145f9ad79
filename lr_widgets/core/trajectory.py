"""What a schedule does to an optimizer: its path on a 2-D loss landscape.

:func:`trajectory` runs exactly this torch loop and records the point and the loss before each step::

    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = Optimizer([p], **optimizer_kwargs); sched = Scheduler(opt, **scheduler_kwargs)
    for t in range(steps):
        opt.zero_grad(); loss = f(p); loss.backward(); opt.step(); sched.step()

(LBFGS steps with a closure that does the same; ReduceLROnPlateau is given the step's loss.)
The landscape ``f`` is a built-in one (:data:`PROBLEMS`) or a formula of ``x`` and ``y`` in lr_widgets'
safe formula language, computed with torch's operations so that autograd gives its gradient
(:func:`landscape`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .config import Config, FrozenDict
from .errors import FormulaError, InvalidValueError
from .expressions import Formula
from .loop import Loop
from .simulate import objects_on, optimizer_step, recording_warnings, scheduler_step, warning_messages
from .toy import one_thread

__all__ = ["Landscape", "OptimizerPath", "PROBLEMS", "landscape", "start_point", "trajectory"]

Box = tuple[float, float, float, float]


def _rosenbrock(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _quadratic(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return 0.5 * (x**2 + 20 * y**2)


@dataclass(frozen=True, eq=False)
class Landscape:
    """A loss landscape of a point ``(x, y)``.

    Attributes
    ----------
    name
        ``"rosenbrock"``, ``"quadratic"``, or the formula's text.
    f
        The loss of ``(x, y)`` as torch tensors (autograd follows it).
    start
        Where a path starts by default (``None`` for a formula: the user says where).
    box
        The region worth drawing, ``(x_min, x_max, y_min, y_max)``, before a start point widens it.
    minimum
        Where the loss is lowest, when it is known.
    """

    name: str
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    start: tuple[float, float] | None
    box: Box
    minimum: tuple[float, float] | None = None

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.f(x, y)

    def view(self, start: Sequence[float] | None = None, margin: float = 0.5) -> Box:
        """The region to draw: :attr:`box`, widened to hold ``start`` (and ``margin`` around it)."""
        x0, x1, y0, y1 = self.box
        if start is not None:
            x, y = start_point(start)
            x0, x1, y0, y1 = min(x0, x - margin), max(x1, x + margin), min(y0, y - margin), max(y1, y + margin)
        return x0, x1, y0, y1

    def grid(self, box: Box, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``X, Y, Z`` on an ``n`` x ``n`` grid over ``box`` (float64; the loss where it is finite, else nan)."""
        x = torch.linspace(box[0], box[1], n, dtype=torch.float64)
        y = torch.linspace(box[2], box[3], n, dtype=torch.float64)
        X, Y = torch.meshgrid(x, y, indexing="xy")
        with torch.no_grad(), one_thread():
            Z = torch.broadcast_to(torch.as_tensor(self.f(X, Y), dtype=torch.float64), X.shape).numpy().copy()
        Z[~np.isfinite(Z)] = np.nan
        return X.numpy(), Y.numpy(), Z


#: The built-in landscapes by name.
PROBLEMS: Mapping[str, Landscape] = {
    "rosenbrock": Landscape("rosenbrock", _rosenbrock, (-1.5, 2.0), (-2.0, 2.0, -1.0, 3.0), (1.0, 1.0)),
    "quadratic": Landscape("quadratic", _quadratic, (-2.0, 1.0), (-2.5, 2.5, -1.5, 1.5), (0.0, 0.0)),
}


def landscape(problem: str | Landscape, *, argument: str = "problem") -> Landscape:
    """The landscape ``problem`` names: ``"rosenbrock"``, ``"quadratic"``, or a formula of ``x`` and ``y``
    (``"(x - 1)**2 + 10 * (y + x)**2"``) in lr_widgets' formula language, never evaluated as Python.

    ``argument`` is what messages call the text (the Explorer's box: ``"f(x, y)"``).

    Raises
    ------
    FormulaError
        The text is not a formula of ``x`` and ``y`` (what is wrong, in words).
    InvalidValueError
        ``problem`` is neither a built-in landscape's name nor text.
    """
    if isinstance(problem, Landscape):
        return problem
    if not isinstance(problem, str):
        raise InvalidValueError(f"{argument} is a name or a formula of x and y as text: got {problem!r}", argument)
    text = problem.strip()
    if text in PROBLEMS:
        return PROBLEMS[text]
    if text.isidentifier() and text not in ("x", "y"):
        raise InvalidValueError(
            f"{argument} is one of {', '.join(map(repr, PROBLEMS))} or a formula of x and y: got {problem!r}", argument
        )
    formula = Formula(text, ("x", "y"), argument)
    if not formula.uses:
        # a constant has no gradient: torch's backward() refuses a loss that does not depend on the point
        raise FormulaError(f"{argument} must depend on x or y to have a gradient: got {problem!r}", argument)
    return Landscape(formula.text, lambda x, y: formula.on_tensors(x=x, y=y), None, (-2.0, 2.0, -2.0, 2.0))


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
        The landscape's name (or formula).
    warnings
        What torch warned about.
    memory
        What the optimizer remembers: for each kind of state tensor the size of the point
        (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq`` ...), its norm after ``t`` steps in row ``t``
        (shape ``(steps + 1,)``; nan while the optimizer does not have it yet), in the order they appear.
    start
        The point the path starts from.
    """

    xy: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    problem: str
    warnings: tuple[str, ...] = ()
    memory: Mapping[str, np.ndarray] = field(default_factory=FrozenDict)
    start: tuple[float, float] = (0.0, 0.0)

    @property
    def steps(self) -> int:
        return self.xy.shape[0] - 1


def trajectory(
    optimizer: str | Config = "SGD",
    optimizer_kwargs: Mapping[str, Any] | None = None,
    scheduler: str | None = None,
    scheduler_kwargs: Mapping[str, Any] | None = None,
    steps: int = 100,
    *,
    problem: str | Landscape = "rosenbrock",
    start: Sequence[float] | None = None,
) -> OptimizerPath:
    """The path an optimizer takes on ``problem`` under a scheduler (see the module for the exact loop).

    Parameters
    ----------
    optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps
        As :func:`~lr_widgets.simulate` takes them (the run lengths torch requires follow ``steps``);
        or a whole :class:`~lr_widgets.Config` as ``optimizer`` (its optimizer, scheduler and steps: the
        point is one param group, stepped by the classic loop).
    problem
        ``"rosenbrock"``: ``(1 - x)**2 + 100 * (y - x**2)**2`` from ``(-1.5, 2.0)``;
        ``"quadratic"``: ``0.5 * (x**2 + 20 * y**2)`` from ``(-2.0, 1.0)``;
        or a formula of ``x`` and ``y`` (``"(x - 1)**2 + 10 * (y + x)**2"``), with a ``start``.
    start
        The start point ``(x, y)``, instead of the problem's.
    """
    land = landscape(problem)
    if start is None and land.start is None:
        raise InvalidValueError("a landscape of your own needs a start point: start=(x, y)", "start")
    point = start_point(land.start if start is None else start)
    if isinstance(optimizer, Config):
        config = optimizer.replace(param_groups=(FrozenDict(),), metric="loss", loop=Loop())
    else:
        config = Config(optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps, metric="loss")
    # checked and filled in as simulate does; ReduceLROnPlateau's metric is each step's loss, not this curve
    config = config.resolved()
    with recording_warnings() as caught, one_thread():
        p = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        opt, sched = objects_on([p], config)
        plateau = isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau)
        rows = config.steps + 1
        losses = np.full(rows, np.nan)
        t = 0
        first = [True]  # the step's first loss is the loss at its starting point (LBFGS computes more)

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = land.f(p[0], p[1])
            if first[0]:
                losses[t], first[0] = loss.item(), False
            loss.backward()
            return loss

        xy = np.empty((rows, 2), dtype=np.float64)
        lrs = np.empty(rows, dtype=np.float64)
        kept: dict[str, np.ndarray] = {}  # each state tensor after each step, the norms taken at the end
        for t in range(rows):
            xy[t] = p.detach().numpy()
            lrs[t] = opt.param_groups[0]["lr"]
            first[0] = True
            _remember(opt.state.get(p, {}), p.shape, kept, t, rows)
            if t == config.steps:
                with torch.no_grad():
                    losses[t] = float(land.f(p[0], p[1]))
                break
            optimizer_step(opt, t + 1, closure=closure)
            scheduler_step(sched, t + 1, metric=float(losses[t]) if plateau else None)
    return OptimizerPath(
        xy,
        losses,
        lrs,
        land.name,
        warning_messages(caught),
        FrozenDict({kind: np.linalg.norm(values, axis=1) for kind, values in kept.items()}),
        point,
    )


def _remember(state: Mapping[str, Any], shape: torch.Size, kept: dict[str, np.ndarray], t: int, rows: int) -> None:
    """Row ``t`` of each state tensor the size of the point (what the optimizer remembers of it)."""
    for key, value in state.items():
        if isinstance(value, torch.Tensor) and value.shape == shape:
            if key not in kept:
                kept[key] = np.full((rows, shape.numel()), np.nan)  # nan until the optimizer has it
            kept[key][t] = value.detach().to(torch.float64).numpy()


def start_point(start: Any) -> tuple[float, float]:
    """``start`` as a point of two finite floats (what is wrong with it, raised in words)."""
    try:
        x, y = (float(v) for v in start)
    except (TypeError, ValueError):
        raise InvalidValueError(f"start is a point (x, y): got {start!r}", "start") from None
    if not np.isfinite([x, y]).all():
        raise InvalidValueError(f"start is a point of finite numbers: got {start!r}", "start")
    return x, y
