"""Check the arguments a user gives against a spec, before torch sees them.

Each value is checked by its :class:`~lr_widgets.core.specs.HyperParam` kind and
the range torch documents; a mistake raises an error from
:mod:`lr_widgets.core.errors` that names the argument. Arguments torch has no
default for are filled in, and arguments that set the length of a run follow
the number of steps, so ``simulate(scheduler="CosineAnnealingLR")`` just works.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from .errors import IncompatibleError, InvalidValueError, LrWidgetsError, RunLengthError
from .expressions import Formula
from .specs import HyperParam, OptimizerSpec, SchedulerSpec, scheduler_spec

__all__ = [
    "MAX_STEPS",
    "check_value",
    "check_steps",
    "optimizer_arguments",
    "scheduler_arguments",
    "tied_length",
    "tied_run_lengths",
]

#: The longest run simulate accepts. Longer runs would freeze the kernel for minutes.
MAX_STEPS = 1_000_000


def check_steps(steps: Any, name: str = "steps") -> int:
    """``steps`` as an int in ``[1, MAX_STEPS]``, or a :class:`RunLengthError`."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Real) or not float(steps).is_integer():
        raise RunLengthError(f"{name} must be a whole number of optimizer steps: got {steps!r}", name)
    steps = int(steps)
    if steps < 1:
        raise RunLengthError(f"{name} must be at least 1: got {steps}", name)
    if steps > MAX_STEPS:
        raise RunLengthError(
            f"{name} = {steps:,} is more than lr_widgets simulates ({MAX_STEPS:,}): plot a shorter run",
            name,
        )
    return steps


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _real(hp: HyperParam, value: Any, what: str, check_range: bool = True) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidValueError(f"{what} must be a number: got {_short(value)}", hp.name)
    value = float(value)
    if not math.isfinite(value):
        raise InvalidValueError(f"{what} must be a finite number: got {value}", hp.name)
    if check_range and hp.valid is not None and value not in hp.valid:
        raise InvalidValueError(f"{what} must be {hp.valid.describe()}: got {value:g}", hp.name)
    return value


def _whole(hp: HyperParam, value: Any, what: str) -> int:
    number = _real(hp, value, what, check_range=False)
    if not number.is_integer():
        raise InvalidValueError(f"{what} must be a whole number: got {number:g}", hp.name)
    if hp.valid is not None and number not in hp.valid:
        raise InvalidValueError(f"{what} must be {hp.valid.describe()}: got {int(number)}", hp.name)
    return int(number)


def _milestones(hp: HyperParam, value: Any) -> list[int]:
    if isinstance(value, str):
        parts = [part for part in re.split(r"[,\s]+", value.strip().strip("[]()")) if part]
        numbers_ = []
        for part in parts:
            try:
                numbers_.append(float(part))
            except ValueError:
                raise InvalidValueError(
                    f"{hp.name} must be whole numbers separated by commas, e.g. 30, 60, 90: got {_short(part)}",
                    hp.name,
                ) from None
        value = numbers_
    if not isinstance(value, (Sequence, np.ndarray)) or isinstance(value, (str, bytes)):
        raise InvalidValueError(
            f"{hp.name} must be a list of step numbers, e.g. [30, 60, 90]: got {_short(value)}", hp.name
        )
    items = [_whole(HyperParam(hp.name, None, "int"), item, f"each of {hp.name}") for item in value]
    if any(item < 0 for item in items):
        raise InvalidValueError(f"{hp.name} must not be negative: got {items}", hp.name)
    if any(b <= a for a, b in zip(items, items[1:])):
        raise InvalidValueError(f"{hp.name} must be increasing: got {items}", hp.name)
    return items


def _formula(hp: HyperParam, value: Any) -> Any:
    if isinstance(value, Formula) or (callable(value) and not isinstance(value, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_formula(hp, item) for item in value]
    return Formula(value, hp.variable or "epoch", hp.name)


def check_value(hp: HyperParam, value: Any) -> Any:
    """Check one value against its hyperparameter and return it in the form torch takes.

    Raises
    ------
    InvalidValueError, FormulaError
        With a message naming ``hp.name``.
    """
    if value is None:
        if hp.optional or (hp.kind == "choice" and None in hp.choices):
            return None
        raise InvalidValueError(f"{hp.name} needs a value", hp.name)
    kind = hp.kind
    if kind == "float" and hp.per_group and isinstance(value, (list, tuple)):
        if not value:
            raise InvalidValueError(f"{hp.name} must be a number, or one number per param group", hp.name)
        return [_real(hp, item, f"each of {hp.name}") for item in value]
    if kind == "float":
        return _real(hp, value, hp.name)
    if kind == "int":
        return _whole(hp, value, hp.name)
    if kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise InvalidValueError(f"{hp.name} must be True or False: got {_short(value)}", hp.name)
    if kind == "choice":
        if value in hp.choices:
            return value
        options = ", ".join(repr(choice) for choice in hp.choices)
        raise InvalidValueError(f"{hp.name} must be one of {options}: got {_short(value)}", hp.name)
    if kind in ("pair", "tuple"):
        if not isinstance(value, (Sequence, np.ndarray)) or isinstance(value, str) or len(value) != hp.length:
            raise InvalidValueError(
                f"{hp.name} must be {hp.length} numbers, e.g. {hp.default}: got {_short(value)}", hp.name
            )
        defaults = hp.default if isinstance(hp.default, tuple) else (0.0,) * len(value)
        each = f"each of {hp.name}"
        return tuple(
            None if item is None and default is None else _real(hp, item, each)
            for item, default in zip(value, defaults)
        )
    if kind == "list":
        return _milestones(hp, value)
    if kind == "formula":
        return _formula(hp, value)
    if kind == "schedulers":
        return _children(hp, value)
    raise AssertionError(f"unknown kind {kind!r}")


def _children(hp: HyperParam, value: Any) -> list[tuple[str, dict[str, Any]]]:
    """Normalize ``[("LinearLR", {...}), "CosineAnnealingLR", {"name": ..., "kwargs": ...}]``."""
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidValueError(
            f"{hp.name} must be a non-empty list of (scheduler name, arguments), "
            "e.g. [('LinearLR', {'total_iters': 10}), ('CosineAnnealingLR', {})]",
            hp.name,
        )
    children = []
    for child in value:
        if isinstance(child, str):
            name, kwargs = child, {}
        elif isinstance(child, Mapping) and "name" in child:
            name, kwargs = child["name"], dict(child.get("kwargs") or {})
        elif isinstance(child, (list, tuple)) and len(child) in (1, 2) and isinstance(child[0], str):
            name, kwargs = child[0], dict(child[1] if len(child) == 2 and child[1] else {})
        else:
            raise InvalidValueError(
                f"each of {hp.name} must be (scheduler name, arguments): got {_short(child)}", hp.name
            )
        children.append((name, kwargs))
    return children


def _given(spec: OptimizerSpec | SchedulerSpec, given: Mapping[str, Any] | None) -> dict[str, Any]:
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise InvalidValueError(
            f"the arguments of {spec.name} must be a dict of name: value, e.g. {{'lr': 0.1}}: got {_short(given)}"
        )
    checked = {}
    for name, value in given.items():
        checked[name] = check_value(spec.hyperparam(name), value)
    return checked


def optimizer_arguments(spec: OptimizerSpec, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The checked keyword arguments for ``spec.cls``; arguments not given keep torch's defaults."""
    return _given(spec, given)


def scheduler_arguments(spec: SchedulerSpec, given: Mapping[str, Any] | None, steps: int) -> dict[str, Any]:
    """The checked keyword arguments for ``spec.cls``, with the ones torch requires filled in.

    Parameters
    ----------
    steps
        The length of the run (of this child's segment, inside SequentialLR).
        Run-length arguments that torch has no default for follow it.
    """
    kwargs = _given(spec, given)
    for hp in spec.hyperparams:
        if hp.name in kwargs or hp.kind == "schedulers":
            continue
        if hp.run_length is not None and (hp.required or (hp.torch_default is None and not _has_epochs(kwargs))):
            kwargs[hp.name] = tied_length(hp, steps)
        elif hp.required:
            kwargs[hp.name] = check_value(hp, hp.default)
    if spec.composite:
        _composite_arguments(spec, given or {}, kwargs, steps)
    _check_together(spec, kwargs)
    return kwargs


def _has_epochs(kwargs: Mapping[str, Any]) -> bool:
    return kwargs.get("epochs") is not None and kwargs.get("steps_per_epoch") is not None


def tied_length(hp: HyperParam, steps: int) -> int:
    """The value of a run-length argument (``T_max``, ``T_0`` ...) that follows a run of ``steps`` steps."""
    return max(1, round(steps * hp.run_length))  # type: ignore[operator]


def tied_run_lengths(spec: SchedulerSpec, given: Mapping[str, Any], steps: int) -> dict[str, int]:
    """Every run-length argument of ``spec`` not in ``given``, following ``steps``.

    None when OneCycleLR is given ``epochs`` and ``steps_per_epoch``: those set its length.
    """
    if _has_epochs(given):
        return {}
    return {
        hp.name: tied_length(hp, steps) for hp in spec.hyperparams if hp.run_length is not None and hp.name not in given
    }


def _composite_arguments(spec: SchedulerSpec, given: Mapping[str, Any], kwargs: dict[str, Any], steps: int) -> None:
    children = (
        kwargs["schedulers"]
        if "schedulers" in kwargs
        else check_value(spec.hyperparam("schedulers"), spec.hyperparam("schedulers").default)
    )
    if spec.name == "SequentialLR":
        if "milestones" not in given:
            kwargs["milestones"] = _even_milestones(len(children), steps)
        milestones = kwargs["milestones"]
        if len(milestones) != len(children) - 1:
            raise IncompatibleError(
                f"SequentialLR with {len(children)} schedulers needs {len(children) - 1} milestone"
                f"{'s' if len(children) != 2 else ''} (the steps where the next one takes over): got {milestones}",
                "milestones",
            )
        bounds = [0, *milestones, steps]
        segments = [max(1, b - a) for a, b in zip(bounds, bounds[1:])]
    else:
        segments = [steps] * len(children)
    resolved = []
    for index, ((name, child_given), segment) in enumerate(zip(children, segments), start=1):
        child_spec = scheduler_spec(name)
        if child_spec.needs_metric:
            raise IncompatibleError(
                f"{spec.name} cannot hold ReduceLROnPlateau: it needs a metric at every step; use it on its own",
                "schedulers",
            )
        try:
            child = scheduler_arguments(child_spec, child_given, segment)
        except LrWidgetsError as mistake:
            raise type(mistake)(
                f"{spec.name}, scheduler {index} ({name}): {mistake.message}", mistake.argument
            ) from None
        child.update(tied_run_lengths(child_spec, child_given, segment))  # inside a composite, all follow the segment
        resolved.append((name, child))
    kwargs["schedulers"] = resolved


def _even_milestones(n_children: int, steps: int) -> list[int]:
    if n_children == 2:
        return [max(1, steps // 10)]
    return [max(1, round(steps * k / n_children)) for k in range(1, n_children)]


def _check_together(spec: SchedulerSpec, kwargs: Mapping[str, Any]) -> None:
    """Rules torch documents across arguments but does not itself check."""
    if spec.name == "CyclicLR":
        bases, tops = _each(kwargs.get("base_lr")), _each(kwargs.get("max_lr"))
        for base, top in zip(
            bases * len(tops) if len(bases) == 1 else bases, tops * len(bases) if len(tops) == 1 else tops
        ):
            if top < base:
                raise IncompatibleError(
                    f"CyclicLR's max_lr ({top:g}) must be at least its base_lr ({base:g}): the LR cycles between them",
                    "max_lr",
                )


def _each(value: Any) -> list[float]:
    """The numbers of a value that may be one per group."""
    if isinstance(value, float):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, float)]
    return []
