"""ipywidgets-style abbreviations for hyperparameters, by torch's names: what a value asks of its control.

``explore("AdamW", "OneCycleLR", max_lr=(1e-4, 1e-1), three_phase=fixed(True))``: as in ipywidgets'
``interact``, a tuple ``(min, max)`` sets a slider's range, a list the options of a dropdown, a
scalar the start value, and :class:`fixed` holds a value with no control. A hyperparameter whose value
is itself a tuple or a list (``betas``, ``milestones``) takes one as its start value.

The decisions are pure functions, tested without any widget.
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.errors import InvalidValueError, UnknownNameError
from ..core.specs import MISSING, HyperParam, OptimizerSpec, SchedulerSpec

__all__ = ["fixed", "Abbreviation", "abbreviation", "sort_abbreviations"]

#: Kinds whose value is itself a tuple or a list: an abbreviation of that shape is a start value.
_SHAPED = ("pair", "tuple", "list", "schedulers", "formula")


@dataclass(frozen=True)
class fixed:  # noqa: N801 -- named as ipywidgets names it
    """A value held as it is, with no control (ipywidgets' ``fixed`` is accepted too)."""

    value: Any


@dataclass(frozen=True)
class Abbreviation:
    """What an abbreviation asks of one hyperparameter's control.

    Attributes
    ----------
    hp
        The hyperparameter as the control should show it (its range or choices narrowed).
    start
        The start value, or :data:`MISSING` for the usual one.
    fixed
        Hold ``start`` with no control.
    """

    hp: HyperParam
    start: Any = MISSING
    fixed: bool = False


def _fixed_value(value: Any) -> tuple[bool, Any]:
    if isinstance(value, fixed):
        return True, value.value
    if type(value).__name__ == "fixed" and hasattr(value, "value") and type(value).__module__.startswith("ipywidgets"):
        return True, value.value
    return False, value


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def abbreviation(hp: HyperParam, value: Any) -> Abbreviation:
    """Read ``value`` as an abbreviation for ``hp``.

    Raises
    ------
    InvalidValueError
        A range that is not two (or three) numbers, ``min > max``, or an empty list.
    """
    is_fixed, value = _fixed_value(value)
    if is_fixed:
        return Abbreviation(hp, value, fixed=True)
    if hp.kind in _SHAPED:
        return Abbreviation(hp, value)
    if isinstance(value, tuple):
        if len(value) not in (2, 3) or not all(_number(v) for v in value):
            raise InvalidValueError(
                f"{hp.name}=(min, max) sets a slider's range: give two numbers, e.g. (1e-4, 1e-1): got {value!r}",
                hp.name,
            )
        low, high = float(value[0]), float(value[1])
        if low > high:
            raise InvalidValueError(f"{hp.name}=(min, max) needs min <= max: got {value!r}", hp.name)
        log = hp.log and low > 0
        kind = hp.kind if hp.kind in ("int", "float") else "float"
        narrowed = dataclasses.replace(hp, kind=kind, bounds=(low, high), log=log)
        default = hp.default if _number(hp.default) and low <= hp.default <= high else None
        start = default if default is not None else ((low * high) ** 0.5 if log else (low + high) / 2)
        return Abbreviation(narrowed, int(round(start)) if kind == "int" else start)
    if isinstance(value, list):
        if not value:
            raise InvalidValueError(f"{hp.name}=[...] lists the options of a dropdown: it is empty", hp.name)
        return Abbreviation(dataclasses.replace(hp, kind="choice", choices=tuple(value)), value[0])
    return Abbreviation(hp, value)


def sort_abbreviations(
    abbreviations: Mapping[str, Any], optimizer: OptimizerSpec, scheduler: SchedulerSpec | None
) -> dict[str, dict[str, Any]]:
    """Which of ``optimizer`` / ``scheduler`` each name belongs to: ``{"optimizer": {...}, "scheduler": {...}}``.

    Raises
    ------
    UnknownNameError
        A name neither has, or one both have (then say which with ``optimizer_kwargs`` / ``scheduler_kwargs``).
    """
    sorted_: dict[str, dict[str, Any]] = {"optimizer": {}, "scheduler": {}}
    optimizer_names = {hp.name for hp in optimizer.hyperparams}
    scheduler_names = {hp.name for hp in scheduler.hyperparams} if scheduler is not None else set()
    for name, value in abbreviations.items():
        if name in optimizer_names and name in scheduler_names:
            raise UnknownNameError(
                f"{name} is an argument of both {optimizer.name} and {scheduler.name}: say which with "  # type: ignore[union-attr]
                f"optimizer_kwargs={{'{name}': ...}} or scheduler_kwargs={{'{name}': ...}}",
                name,
            )
        if name in optimizer_names:
            sorted_["optimizer"][name] = value
        elif name in scheduler_names:
            sorted_["scheduler"][name] = value
        else:
            everything = sorted(optimizer_names | scheduler_names)
            close = difflib.get_close_matches(name, everything, n=1)
            hint = f": did you mean '{close[0]}'?" if close else ""
            owners = optimizer.name + (f" nor {scheduler.name}" if scheduler is not None else "")
            who = f"neither {owners} has" if scheduler is not None else f"{owners} has no"
            raise UnknownNameError(f"{who} an argument '{name}'{hint}", name)
    return sorted_
