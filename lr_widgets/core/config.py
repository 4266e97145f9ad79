"""The question lr_widgets answers, as one immutable value.

A :class:`Config` says which optimizer and scheduler, with which arguments, on how many
param groups, for how many steps (and, for ReduceLROnPlateau, with which metric).
``simulate``, ``replay``, the code export and the Explorer all take it;
:meth:`Config.resolved` applies the specs, the checks and the one run-length rule, and a
:class:`~lr_widgets.core.simulate.Trace` keeps the resolved value beside its results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arguments import Notes, check_steps, optimizer_arguments, scheduler_arguments
from .errors import IncompatibleError, InvalidValueError, RunLengthError
from .loop import Loop
from .metrics import check_metric
from .specs import OptimizerSpec, SchedulerSpec, optimizer_spec, scheduler_spec

__all__ = ["Config", "FrozenDict", "differences", "same_question"]


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that cannot be changed after it is made (the arguments inside a :class:`Config`)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a Config cannot be changed: make a new one with config.replace(...)")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle by value, not item by item
        return (type(self), (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return id(self)


def _frozen(value: Any) -> Any:
    """Arguments as given, made unchangeable where they are a mapping (else left for resolved() to refuse)."""
    if value is None:
        return FrozenDict()
    return FrozenDict(value) if isinstance(value, Mapping) else value


def _frozen_groups(groups: Any) -> Any:
    if groups is None:
        return (FrozenDict(),)
    if isinstance(groups, Sequence) and not isinstance(groups, str) and all(isinstance(g, Mapping) for g in groups):
        return tuple(FrozenDict(g) for g in groups)
    return groups


@dataclass(frozen=True, eq=False)
class Config:
    """Which optimizer and scheduler, with what, for how many steps.

    Attributes
    ----------
    optimizer
        A ``torch.optim`` class name, e.g. ``"AdamW"``.
    optimizer_kwargs
        Its arguments, named as torch names them; left out ones keep torch's defaults.
    scheduler
        A scheduler class name (``torch.optim.lr_scheduler``, or ``"SWALR"``), or ``None`` for a constant LR.
    scheduler_kwargs
        Its arguments. ``SequentialLR`` / ``ChainedScheduler`` take ``schedulers`` as a list of
        ``(name, kwargs)``.
    steps
        The number of optimizer steps.
    param_groups
        One dict of optimizer-argument overrides per param group of the toy model.
    metric
        For ReduceLROnPlateau: a built-in curve's name or one value per step (in a resolved
        config: the values).
    loop
        How the training loop steps the two (:class:`~lr_widgets.core.loop.Loop`); by default the
        classic loop.
    filled
        (Resolved only.) The arguments torch requires that were left out, and the values they
        were given: run lengths from ``steps`` (``"T_max"``, ``"schedulers[1].T_max"``), others suggested.
    notes
        (Resolved only.) What torch runs but documents otherwise (milestones out of order,
        a momentum above 1 ...), in plain sentences.
    """

    optimizer: str = "SGD"
    optimizer_kwargs: Mapping[str, Any] = field(default_factory=FrozenDict)
    scheduler: str | None = None
    scheduler_kwargs: Mapping[str, Any] = field(default_factory=FrozenDict)
    steps: int = 100
    param_groups: tuple[Mapping[str, Any], ...] = (FrozenDict(),)
    metric: Any = None
    loop: Loop = field(default_factory=Loop)
    filled: Mapping[str, Any] = field(default_factory=FrozenDict)
    notes: tuple[str, ...] = ()
    #: The built-in metric curve's name, when ``metric`` was given by name (resolved only).
    metric_source: str | None = None
    is_resolved: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "optimizer_kwargs", _frozen(self.optimizer_kwargs))
        set_(self, "scheduler_kwargs", _frozen(self.scheduler_kwargs))
        set_(self, "param_groups", _frozen_groups(self.param_groups))
        set_(self, "filled", FrozenDict(self.filled))
        if isinstance(self.metric, np.ndarray) and self.metric.flags.writeable:
            metric = self.metric.copy()
            metric.flags.writeable = False
            set_(self, "metric", metric)

    @property
    def optimizer_spec(self) -> OptimizerSpec:
        """The spec of the optimizer."""
        return optimizer_spec(self.optimizer)

    @property
    def scheduler_spec(self) -> SchedulerSpec | None:
        """The spec of the scheduler, or ``None`` for a constant LR."""
        return None if self.scheduler is None else scheduler_spec(self.scheduler)

    def replace(self, **changes: Any) -> Config:
        """A new, unresolved config with ``changes`` (``config.replace(steps=200)``)."""
        base = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name in _QUESTION}
        if self.is_resolved:
            base.update(self._asked)  # type: ignore[attr-defined]
        return Config(**{**base, **changes})

    def resolved(self) -> Config:
        """The config torch will be given: names checked, arguments checked, the ones torch requires filled in.

        Raises
        ------
        LrWidgetsError
            A subclass naming the argument and what to change.
        """
        if self.is_resolved:
            return self
        steps = check_steps(self.steps)
        notes = Notes()
        opt_spec = optimizer_spec(self.optimizer)
        opt_kwargs = optimizer_arguments(opt_spec, self.optimizer_kwargs, notes)
        groups = _check_param_groups(opt_spec, self.param_groups, notes)
        sched_spec = None if self.scheduler is None else scheduler_spec(self.scheduler)
        sched_kwargs: dict[str, Any] = {}
        filled: dict[str, Any] = {}
        metric = None
        loop = self.loop
        if isinstance(loop, Mapping):
            unknown = set(loop) - {f.name for f in dataclasses.fields(Loop)}
            if unknown:
                raise InvalidValueError(f"a Loop has no {', '.join(sorted(unknown))}", "loop")
            loop = Loop(**loop)
        if not isinstance(loop, Loop):
            raise InvalidValueError(f"loop is a Loop(...), e.g. Loop(scheduler_first=True): got {loop!r}", "loop")
        for note in loop.notes(steps):
            notes.add(note)
        if sched_spec is not None:
            sched_kwargs = scheduler_arguments(sched_spec, self.scheduler_kwargs, steps, notes=notes, filled=filled)
            _check_pairing(opt_spec, sched_spec, sched_kwargs, steps)
            if sched_spec.needs_metric:
                metric = check_metric(self.metric, steps)
        resolved = Config(
            optimizer=opt_spec.name,
            optimizer_kwargs=opt_kwargs,
            scheduler=None if sched_spec is None else sched_spec.name,
            scheduler_kwargs=sched_kwargs,
            steps=steps,
            param_groups=groups,
            metric=metric,
            loop=loop,
            filled=filled,
            notes=tuple(notes),
            metric_source=self.metric if isinstance(self.metric, str) and metric is not None else None,
            is_resolved=True,
        )
        # what was asked, so that replace() on a resolved config starts from the question, not the answer
        object.__setattr__(resolved, "_asked", {name: getattr(self, name) for name in _QUESTION})
        return resolved


#: The fields a user sets; the others are the resolution's.
_QUESTION = (
    "optimizer",
    "optimizer_kwargs",
    "scheduler",
    "scheduler_kwargs",
    "steps",
    "param_groups",
    "metric",
    "loop",
)


def _check_param_groups(spec: OptimizerSpec, param_groups: Any, notes: Notes) -> tuple[dict[str, Any], ...]:
    if isinstance(param_groups, Mapping) or not isinstance(param_groups, Sequence) or not param_groups:
        raise InvalidValueError(
            "param_groups must be a list with one dict of overrides per group, e.g. [{'lr': 1e-4}, {'lr': 1e-3}]",
            "param_groups",
        )
    if spec.single_group and len(param_groups) > 1:
        raise IncompatibleError(f"{spec.name} takes a single param group: use one group", "param_groups")
    checked = []
    for overrides in param_groups:
        if not isinstance(overrides, Mapping):
            raise InvalidValueError(f"each param group must be a dict of overrides: got {overrides!r}", "param_groups")
        checked.append(optimizer_arguments(spec, overrides, notes))
    return tuple(checked)


def _check_pairing(opt: OptimizerSpec, sched: SchedulerSpec, kwargs: Mapping[str, Any], steps: int) -> None:
    """What torch refuses only later (or in words naming neither class), said up front."""
    if sched.cycles_momentum and kwargs.get("cycle_momentum", sched.hyperparam("cycle_momentum").default):
        if opt.momentum_key is None:
            raise IncompatibleError(
                f"{sched.name} cycles momentum but {opt.name} has none: set cycle_momentum=False", "cycle_momentum"
            )
    if sched.name == "OneCycleLR":
        total = kwargs.get("total_steps")
        if total is None and kwargs.get("epochs") and kwargs.get("steps_per_epoch"):
            total = kwargs["epochs"] * kwargs["steps_per_epoch"]
        if total is not None and steps > total:
            raise RunLengthError(
                f"OneCycleLR was built for {total} steps but {steps} were simulated: raise total_steps or lower steps",
                "total_steps",
            )


def differences(config: Config, other: Config) -> list[str]:
    """What ``config`` asks differently from ``other``, in torch's names: ``["lr=0.05", "T_max=50"]``.

    Classes are named when they differ (``"Adam"``, ``"no scheduler"``); an argument ``config`` leaves
    to torch where ``other`` sets it reads ``"weight_decay=default"``; composite children are
    compared child by child (``"schedulers[1].T_max=50"``).
    """
    found = []
    if config.optimizer != other.optimizer:
        found.append(config.optimizer)
    if config.scheduler != other.scheduler:
        found.append(config.scheduler or "no scheduler")
    # what the run-length rule filled in on both sides follows from steps: steps says it
    skip = set(config.filled) & set(other.filled)
    found += _kwargs_differences("", config.optimizer_kwargs, other.optimizer_kwargs, skip)
    found += _kwargs_differences("", config.scheduler_kwargs, other.scheduler_kwargs, skip)
    if config.steps != other.steps:
        found.append(f"steps={config.steps}")
    if config.loop != other.loop:
        found.append("loop: " + ("; ".join(config.loop.describe()) or "classic"))
    if len(config.param_groups) != len(other.param_groups):
        found.append(f"{len(config.param_groups)} param group{'s' if len(config.param_groups) > 1 else ''}")
    else:  # group by group, as torch indexes them: "param_groups[1].lr=0.01"
        for g, (mine, theirs) in enumerate(zip(config.param_groups, other.param_groups)):
            found += _kwargs_differences(f"param_groups[{g}].", mine, theirs, set())
    return found


def _kwargs_differences(prefix: str, mine: Mapping[str, Any], theirs: Mapping[str, Any], skip: set[str]) -> list[str]:
    found = []
    for key in [*mine, *(key for key in theirs if key not in mine)]:
        if prefix + key in skip:
            continue
        if key not in mine:
            found.append(f"{prefix}{key}=default")
        elif key == "schedulers" and _children_alike(mine[key], theirs.get(key)):
            for index, ((_, a), (_, b)) in enumerate(zip(mine[key], theirs[key])):
                found += _kwargs_differences(f"{prefix}schedulers[{index}].", a, b, skip)
        elif key == "schedulers":
            found.append(f"{prefix}schedulers={' + '.join(str(child[0]) for child in mine[key])}")
        elif key not in theirs or not _same(mine[key], theirs[key]):
            found.append(f"{prefix}{key}={_written(mine[key])}")
    return found


def _children_alike(a: Any, b: Any) -> bool:
    """Both lists of ``(name, kwargs)`` children, of the same classes in the same order."""
    try:
        return [child[0] for child in a] == [child[0] for child in b]
    except (TypeError, IndexError, KeyError):
        return False


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 -- tensors, arrays: compared by what they hold
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))


def _written(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        inside = ", ".join(_written(item) for item in value)
        return f"[{inside}]" if isinstance(value, list) else f"({inside})"
    if isinstance(value, (int, str)):
        return str(value)
    return getattr(value, "text", None) or repr(value)  # a Formula by its text


def same_question(a: Config, b: Config, *, apart_from: Sequence[str] = ()) -> bool:
    """Whether two configs ask the same, field by field (but the fields ``apart_from``).

    Values that cannot be compared (a tensor lr, an array metric) count as different.
    """
    try:
        return all(
            bool(getattr(a, f.name) == getattr(b, f.name))
            for f in dataclasses.fields(Config)
            if f.name not in apart_from
        )
    except Exception:  # noqa: BLE001 -- a comparison that is not a bool
        return False
