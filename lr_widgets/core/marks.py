"""The steps worth marking on a schedule: milestones, restarts, switch points, plateau cuts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .simulate import Trace
from .specs import scheduler_spec

__all__ = ["Mark", "schedule_marks"]


class Mark(NamedTuple):
    """A step to mark on the plot, and what happens there."""

    step: int
    label: str


def _marks_of(name: str, kwargs: Mapping[str, Any], steps: int) -> list[Mark]:
    """Marks of one scheduler, counted from its own start."""
    marks: list[Mark] = []
    if name == "MultiStepLR":
        marks += [Mark(m, "milestone") for m in kwargs.get("milestones", [])]
    elif name == "StepLR":
        size = kwargs.get("step_size", 0)
        if size:
            marks += [Mark(k, "step") for k in range(size, steps + 1, size)]
    elif name == "CosineAnnealingLR":
        period = kwargs.get("T_max", 0)
        if period:  # past T_max the cosine goes on: each T_max is a turning point
            marks += [Mark(k, "T_max") for k in range(period, steps + 1, period)]
    elif name == "CosineAnnealingWarmRestarts":
        period, mult = kwargs.get("T_0", 0), kwargs.get("T_mult", 1)
        at = period
        while period and at <= steps:
            marks.append(Mark(at, "restart"))
            period *= mult
            at += period
    elif scheduler_spec(name).sequential:
        children = kwargs.get("schedulers", [])
        bounds = [0, *kwargs.get("milestones", [])]
        for index, (child, child_kwargs) in enumerate(children):
            start = bounds[index] if index < len(bounds) else steps
            if index:
                marks.append(Mark(start, f"→ {child}"))
            marks += [Mark(m.step + start, m.label) for m in _marks_of(child, child_kwargs, steps - start)]
    elif scheduler_spec(name).composite:
        for child, child_kwargs in kwargs.get("schedulers", []):
            marks += _marks_of(child, child_kwargs, steps)
    return [m for m in marks if 0 < m.step <= steps]


def schedule_marks(trace: Trace) -> list[Mark]:
    """The steps where the schedule of ``trace`` changes course, in step order.

    Milestones (MultiStepLR), step boundaries (StepLR), multiples of T_max (CosineAnnealingLR), restarts
    (CosineAnnealingWarmRestarts), switch points (SequentialLR), and for
    ReduceLROnPlateau the steps where it cut the LR.
    """
    if trace.scheduler is None:
        return []
    if trace.metric is not None:  # ReduceLROnPlateau, also recorded from your own objects
        cuts = np.nonzero(np.any(trace.lr[1:] < trace.lr[:-1], axis=1))[0] + 1
        return [Mark(int(step), "LR cut") for step in cuts]
    if trace.config is None:
        return []  # recorded from your objects: their arguments are theirs, not read here
    marks = _marks_of(trace.scheduler, trace.scheduler_kwargs, trace.steps)
    return sorted({m for m in marks if m.step <= trace.steps}, key=lambda m: (m.step, m.label))
