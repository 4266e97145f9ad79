"""Check the arguments a user gives against a spec, before torch sees them.

Each value is checked by its :class:`~lr_widgets.core.specs.HyperParam` kind: only what
torch would refuse or cannot be computed raises an error from :mod:`lr_widgets.core.errors`
(naming the argument); a value outside the range torch documents is run and noted.
Arguments left out keep torch's defaults; only those torch requires are filled in (run
lengths from the number of steps), so ``simulate(scheduler="CosineAnnealingLR")`` just works.
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
    "Notes",
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


class Notes(list):
    """What resolving the arguments noticed but did not refuse (torch runs it), in plain sentences."""

    def add(self, text: str) -> None:
        if text not in self:
            self.append(text)


def _outside(hp: HyperParam, value: float, what: str, notes: Notes | None) -> None:
    if notes is not None and hp.valid is not None and value not in hp.valid:
        notes.add(
            f"{what} = {value:g} is not {hp.valid.describe()} as torch documents; torch runs it, and so does lr_widgets"
        )


def _real(hp: HyperParam, value: Any, what: str, notes: Notes | None = None) -> Any:
    tensor = value if isinstance(value, torch.Tensor) and value.numel() == 1 else None
    if tensor is not None:
        value = tensor.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidValueError(f"{what} must be a number: got {_short(value)}", hp.name)
    number = float(value)
    if not math.isfinite(number):  # a schedule of nan or inf cannot be drawn: the one refusal of ours
        raise InvalidValueError(f"{what} must be a finite number: got {number}", hp.name)
    _outside(hp, number, what, notes)
    # a tensor stays a tensor, as torch keeps it; a copy, as torch writes into the tensor it holds
    return tensor.detach().clone() if tensor is not None else number


def _whole(hp: HyperParam, value: Any, what: str, notes: Notes | None = None) -> int:
    number = _real(HyperParam(hp.name, None, "float"), value, what)
    number = float(number)
    if not number.is_integer():
        raise InvalidValueError(f"{what} must be a whole number: got {number:g}", hp.name)
    _outside(hp, number, what, notes)
    return int(number)


def _milestones(hp: HyperParam, value: Any, notes: Notes | None = None) -> list[int]:
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
    if notes is not None and any(b <= a for a, b in zip(items, items[1:])):
        # torch documents increasing milestones but runs any list; MultiStepLR counts a repeated one twice
        repeated = sorted({m for m in items if items.count(m) > 1})
        quirk = (
            f"; at {', '.join(map(str, repeated))} torch multiplies by gamma once per repeat"
            if repeated and hp.name == "milestones"
            else ""
        )
        notes.add(f"{hp.name} {items} are not increasing as torch's documentation asks; torch runs them{quirk}")
    return items


def _formula(hp: HyperParam, value: Any) -> Any:
    if isinstance(value, Formula) or (callable(value) and not isinstance(value, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_formula(hp, item) for item in value]
    return Formula(value, hp.variable or "epoch", hp.name)


def check_value(hp: HyperParam, value: Any, notes: Notes | None = None) -> Any:
    """Check one value's type and shape, and return it in the form torch takes.

    Only what torch would refuse or cannot be computed is an error (text where a number
    belongs, ``nan``, a list of the wrong length); a value outside the range torch documents
    is returned as it is, with a sentence added to ``notes``.

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
        return [_real(hp, item, f"each of {hp.name}", notes) for item in value]
    if kind == "float":
        return _real(hp, value, hp.name, notes)
    if kind == "int":
        return _whole(hp, value, hp.name, notes)
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
            None if item is None and default is None else _real(hp, item, each, notes)
            for item, default in zip(value, defaults)
        )
    if kind == "list":
        return _milestones(hp, value, notes)
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


def _given(
    spec: OptimizerSpec | SchedulerSpec, given: Mapping[str, Any] | None, notes: Notes | None = None
) -> dict[str, Any]:
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise InvalidValueError(
            f"the arguments of {spec.name} must be a dict of name: value, e.g. {{'lr': 0.1}}: got {_short(given)}"
        )
    checked = {}
    for name, value in given.items():
        checked[name] = check_value(spec.hyperparam(name), value, notes)
    return checked


def optimizer_arguments(
    spec: OptimizerSpec, given: Mapping[str, Any] | None, notes: Notes | None = None
) -> dict[str, Any]:
    """The checked keyword arguments for ``spec.cls``; arguments not given keep torch's defaults."""
    return _given(spec, given, notes)


def scheduler_arguments(
    spec: SchedulerSpec,
    given: Mapping[str, Any] | None,
    steps: int,
    *,
    notes: Notes | None = None,
    filled: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The checked keyword arguments for ``spec.cls``: the one run-length rule.

    Arguments left out keep torch's defaults, at the top level and inside SequentialLR /
    ChainedScheduler alike. Only arguments torch *requires* are filled in: those that set
    the length of a run (``T_max``, ``T_0``, OneCycleLR's ``total_steps`` unless ``epochs``
    and ``steps_per_epoch`` are given) from ``steps``, the others (``step_size``,
    ``milestones`` ...) with a suggested value. Each filled argument is put in ``filled``.

    Parameters
    ----------
    steps
        The length of the run (of this child's segment, inside SequentialLR).
    """
    filled = {} if filled is None else filled
    kwargs = _given(spec, given, notes)
    for hp in spec.hyperparams:
        if hp.name in kwargs or hp.kind == "schedulers":
            continue
        if hp.run_length is not None and (hp.required or (hp.torch_default is None and not _has_epochs(kwargs))):
            kwargs[hp.name] = filled[hp.name] = tied_length(hp, steps)
        elif hp.required:
            kwargs[hp.name] = filled[hp.name] = check_value(hp, hp.default)
    if spec.composite:
        _composite_arguments(spec, given or {}, kwargs, steps, notes, filled)
    _check_together(spec, kwargs, notes)
    return kwargs


def _has_epochs(kwargs: Mapping[str, Any]) -> bool:
    return kwargs.get("epochs") is not None and kwargs.get("steps_per_epoch") is not None


def tied_length(hp: HyperParam, steps: int) -> int:
    """The value of a run-length argument (``T_max``, ``T_0`` ...) that follows a run of ``steps`` steps."""
    return max(1, round(steps * hp.run_length))  # type: ignore[operator]


def tied_run_lengths(spec: SchedulerSpec, given: Mapping[str, Any], steps: int) -> dict[str, int]:
    """Run lengths the Explorer *proposes* for ``spec``: every run-length argument not in ``given``.

    None when OneCycleLR is given ``epochs`` and ``steps_per_epoch``: those set its length.
    The core never applies these by itself (see :func:`scheduler_arguments`).
    """
    if _has_epochs(given):
        return {}
    return {
        hp.name: tied_length(hp, steps) for hp in spec.hyperparams if hp.run_length is not None and hp.name not in given
    }


def _composite_arguments(
    spec: SchedulerSpec,
    given: Mapping[str, Any],
    kwargs: dict[str, Any],
    steps: int,
    notes: Notes | None,
    filled: dict[str, Any],
) -> None:
    suggested = "schedulers" not in kwargs  # lr_widgets' whole proposal (warmup + main), fitted to the run
    children = (
        check_value(spec.hyperparam("schedulers"), spec.hyperparam("schedulers").default)
        if suggested
        else kwargs["schedulers"]
    )
    if spec.sequential:
        if "milestones" not in given:
            kwargs["milestones"] = filled["milestones"] = _even_milestones(len(children), steps)
        milestones = kwargs["milestones"]
        if len(milestones) != len(children) - 1:
            raise IncompatibleError(
                f"{spec.name} with {len(children)} schedulers needs {len(children) - 1} milestone"
                f"{'s' if len(children) != 2 else ''} (the steps where the next one takes over): got {milestones}",
                "milestones",
            )
        bounds = [0, *milestones, steps]
        segments = [max(1, b - a) for a, b in zip(bounds, bounds[1:])]
    else:
        segments = [steps] * len(children)
    resolved = []
    for index, ((name, child_given), segment) in enumerate(zip(children, segments)):
        child_spec = scheduler_spec(name)
        if child_spec.needs_metric:
            raise IncompatibleError(
                f"{spec.name} cannot hold ReduceLROnPlateau: it needs a metric at every step; use it on its own",
                "schedulers",
            )
        child_filled: dict[str, Any] = {}
        if suggested:
            child_given = {**tied_run_lengths(child_spec, child_given, segment), **child_given}
        try:
            child = scheduler_arguments(child_spec, child_given, segment, notes=notes, filled=child_filled)
        except LrWidgetsError as mistake:
            raise type(mistake)(
                f"{spec.name}, scheduler {index + 1} ({name}): {mistake.message}", mistake.argument
            ) from None
        filled.update({f"schedulers[{index}].{key}": value for key, value in child_filled.items()})
        resolved.append((name, child))
    kwargs["schedulers"] = resolved
    if suggested:
        filled["schedulers"] = resolved


def _even_milestones(n_children: int, steps: int) -> list[int]:
    if n_children == 2:
        return [max(1, steps // 10)]
    return [max(1, round(steps * k / n_children)) for k in range(1, n_children)]


def _check_together(spec: SchedulerSpec, kwargs: Mapping[str, Any], notes: Notes | None) -> None:
    """Rules torch documents across arguments but does not check: run as torch runs them, and noted."""
    if spec.name == "CyclicLR" and notes is not None:
        bases, tops = _each(kwargs.get("base_lr")), _each(kwargs.get("max_lr"))
        for base, top in zip(
            bases * len(tops) if len(bases) == 1 else bases, tops * len(bases) if len(tops) == 1 else tops
        ):
            if top < base:
                notes.add(
                    f"CyclicLR's max_lr ({top:g}) is below its base_lr ({base:g}): torch runs it, "
                    "and the LR cycles down from base_lr instead of up"
                )


def _each(value: Any) -> list[float]:
    """The numbers of a value that may be one per group."""
    if isinstance(value, float):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, float)]
    return []
