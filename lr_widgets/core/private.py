"""torch's private attributes, read in one place.

lr_widgets follows torch's schedulers exactly, and a few of the values it needs live in
attributes torch does not document (``SequentialLR._schedulers``, ``OneCycleLR._schedule_phases``
...). Each is read through :func:`private`, by a key of :data:`PRIVATE`. If a torch release
renames one, :class:`PrivateMissing` is raised: the fast path then hands the run to the real
loop (same numbers, only slower), and reading a user's scheduler says what it could not read.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["PRIVATE", "PrivateMissing", "private"]

#: Our key -> the attribute's name in the installed torch.
PRIVATE: dict[str, str] = {
    "schedulers": "_schedulers",  # SequentialLR, ChainedScheduler: the children
    "milestones": "_milestones",  # SequentialLR: where each child takes over
    "schedule_phases": "_schedule_phases",  # OneCycleLR: the phases and their end steps
    "anneal_func_type": "_anneal_func_type",  # OneCycleLR: "cos" or "linear"
    "scale_fn_custom": "_scale_fn_custom",  # CyclicLR: the user's scale_fn, or None
    "step_count": "_step_count",  # LRScheduler: how often step() ran (1 right after building)
    "update_lr": "_update_lr",  # LRScheduler: set the group LRs for a given epoch (SequentialLR uses it)
    "opt_called": "_opt_called",  # Optimizer: set by the scheduler's wrapper of optimizer.step
    "wrapped_by_lr_sched": "_wrapped_by_lr_sched",  # that wrapper's mark
}


class PrivateMissing(AttributeError):
    """A private attribute lr_widgets reads is not there (renamed in another torch release)."""

    def __init__(self, obj: Any, key: str) -> None:
        self.key = key
        self.name = PRIVATE[key]
        super().__init__(f"{type(obj).__name__} has no {self.name} in torch {torch.__version__}")


def private(obj: Any, key: str) -> Any:
    """``obj``'s private attribute known as ``key`` (see :data:`PRIVATE`), or :class:`PrivateMissing`."""
    try:
        return getattr(obj, PRIVATE[key])
    except AttributeError:
        raise PrivateMissing(obj, key) from None


def has_private(obj: Any, key: str) -> bool:
    """Whether ``obj`` has the private attribute known as ``key``."""
    return hasattr(obj, PRIVATE[key])
