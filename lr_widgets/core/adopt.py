"""Read the settings of a user's own optimizer and scheduler, without changing them.

The optimizer's constructor arguments are in ``optimizer.defaults``; per-group
differences are in ``param_groups``; a scheduler's arguments are read from its
attributes (some, like CyclicLR's ``step_size_up``, are stored in another form
and converted back). Nothing is called that could change either object.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch

from .config import Config
from .errors import UnknownNameError
from .introspect import param_names
from .private import PrivateMissing, private
from .specs import OptimizerSpec, SchedulerSpec, optimizer_specs, scheduler_specs
from .toy import MAX_GROUPS, NamedGroups

__all__ = ["Adopted", "adopt"]

_GROUP_KEYS = ("lr", "weight_decay")


@dataclass
class Adopted:
    """What the Explorer needs to start from a user's objects."""

    config: Config
    notes: list[str] = field(default_factory=list)
    #: The user's parameters, named, per param group (the Explorer replays copies of them).
    parameters: NamedGroups = field(default_factory=list)


def _spec_of(obj: Any, registry: dict[str, Any], what: str) -> Any:
    for cls in type(obj).__mro__:
        if cls.__name__ in registry and registry[cls.__name__].cls is cls:
            return registry[cls.__name__]
    raise UnknownNameError(
        f"lr_widgets knows no {what} like {type(obj).__name__}: the Explorer shows torch's own classes; "
        "record(optimizer, scheduler) runs yours exactly",
        what,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _tidy(x: float) -> float:
    """A value computed back from what torch stores, without the last bits of float noise."""
    return float(f"{x:.12g}")


def _optimizer_settings(optimizer: torch.optim.Optimizer, spec: OptimizerSpec) -> tuple[dict, list[dict], list[str]]:
    notes = []
    kwargs = {}
    for hp in spec.hyperparams:
        if hp.name in optimizer.defaults:
            value = _plain(optimizer.defaults[hp.name])
            if value != hp.torch_default:
                kwargs[hp.name] = value
    groups = []
    for group in optimizer.param_groups[:MAX_GROUPS]:
        overrides = {}
        for key in _GROUP_KEYS:
            if key not in group:
                continue
            value = _plain(group.get("initial_lr", group[key]) if key == "lr" else group[key])
            if value != _plain(optimizer.defaults.get(key)):
                overrides[key] = value
        groups.append(overrides)
    if len(optimizer.param_groups) > MAX_GROUPS:
        notes.append(
            f"Your optimizer has {len(optimizer.param_groups)} param groups; the toy model shows the first "
            f"{MAX_GROUPS}."
        )
    return kwargs, groups, notes


def _per_group(values: list[Any]) -> Any:
    """One value if every group has the same, else one per group (as torch takes them)."""
    values = [_plain(v) for v in values]
    return values[0] if all(v == values[0] for v in values) else values


def _lambda(scheduler: Any) -> Any:
    lambdas = scheduler.lr_lambdas
    return lambdas[0] if all(f is lambdas[0] for f in lambdas) else list(lambdas)


def _scheduler_settings(scheduler: Any, spec: SchedulerSpec, notes: list[str]) -> dict[str, Any]:
    try:
        return _read_scheduler(scheduler, spec)
    except PrivateMissing as missing:
        notes.append(
            f"lr_widgets could not read your {spec.name}'s settings ({missing}): "
            f"it starts from torch's defaults for {spec.name}; record(optimizer, scheduler) still runs yours exactly."
        )
        return {}


def _read_scheduler(scheduler: Any, spec: SchedulerSpec) -> dict[str, Any]:
    name = spec.name
    groups = scheduler.optimizer.param_groups
    read: dict[str, Any] = {}
    if spec.composite:
        children = []
        for child in private(scheduler, "schedulers"):
            child_spec = _spec_of(child, scheduler_specs(), "scheduler")
            children.append((child_spec.name, _read_scheduler(child, child_spec)))
        read["schedulers"] = children
        if spec.sequential:
            read["milestones"] = list(private(scheduler, "milestones"))
        return read
    for hp in spec.hyperparams:
        if hp.advanced or hp.kind == "schedulers":
            continue
        if hasattr(scheduler, hp.name) and not callable(getattr(scheduler, hp.name)):
            read[hp.name] = _plain(getattr(scheduler, hp.name))
    if isinstance(read.get("milestones"), Counter):
        read["milestones"] = list(read["milestones"].elements())  # in the order given, repeats kept
    if name in ("LambdaLR", "MultiplicativeLR"):
        read["lr_lambda"] = _lambda(scheduler)
    if name == "ReduceLROnPlateau":
        read["min_lr"] = _per_group(scheduler.min_lrs)
    if name == "SWALR":
        read["swa_lr"] = _per_group([g["swa_lr"] for g in groups])
    if name == "CyclicLR":
        up = round(scheduler.total_size * scheduler.step_ratio)
        read.update(
            base_lr=_per_group(scheduler.base_lrs),
            max_lr=_per_group(scheduler.max_lrs),
            step_size_up=up,
            step_size_down=round(scheduler.total_size) - up,
        )
        custom = private(scheduler, "scale_fn_custom")
        if custom is not None:
            read["scale_fn"] = custom
        if scheduler.cycle_momentum:
            read.update(
                base_momentum=_per_group(scheduler.base_momentums), max_momentum=_per_group(scheduler.max_momentums)
            )
    if name == "OneCycleLR":
        group = groups[0]
        phases = private(scheduler, "schedule_phases")
        read.update(
            max_lr=_per_group([g["max_lr"] for g in groups]),
            div_factor=_tidy(group["max_lr"] / group["initial_lr"]),
            final_div_factor=_tidy(group["initial_lr"] / group["min_lr"]),
            pct_start=_tidy((phases[0]["end_step"] + 1) / scheduler.total_steps),
            anneal_strategy=private(scheduler, "anneal_func_type"),
            three_phase=len(phases) == 3,
        )
        if scheduler.cycle_momentum:
            read.update(
                base_momentum=_per_group([g["base_momentum"] for g in groups]),
                max_momentum=_per_group([g["max_momentum"] for g in groups]),
            )
    return {
        key: value
        for key, value in read.items()
        if key in {hp.name for hp in spec.hyperparams}
        and (spec.hyperparam(key).required or value != spec.hyperparam(key).torch_default)
    }


def adopt(optimizer: torch.optim.Optimizer, scheduler: Any = None, *, model: Any = None) -> Adopted:
    """The settings of a user's optimizer (and scheduler), read without changing either.

    Parameters
    ----------
    optimizer
        A ``torch.optim`` optimizer (or an instance of a subclass of one).
    scheduler
        Its scheduler, or ``None``.
    model
        The model the parameters belong to, to name them (else torch's ``param_names``, else by position).
    """
    spec = _spec_of(optimizer, optimizer_specs(), "optimizer")
    optimizer_kwargs, groups, notes = _optimizer_settings(optimizer, spec)
    names = param_names(optimizer, model)
    parameters = [[(names[id(p)], p) for p in group["params"]] for group in optimizer.param_groups[:MAX_GROUPS]]
    if scheduler is None:
        return Adopted(Config(spec.name, optimizer_kwargs, None, None, 100, groups), notes, parameters)
    scheduler_spec_ = _spec_of(scheduler, scheduler_specs(), "scheduler")
    scheduler_kwargs = _scheduler_settings(scheduler, scheduler_spec_, notes)
    steps = 100
    for key in ("total_steps", "T_max"):
        if isinstance(scheduler_kwargs.get(key), int):
            steps = scheduler_kwargs[key]
    if scheduler_spec_.name == "OneCycleLR" and "total_steps" not in scheduler_kwargs:
        steps = getattr(scheduler, "total_steps", steps)
    config = Config(spec.name, optimizer_kwargs, scheduler_spec_.name, scheduler_kwargs, steps, groups)
    return Adopted(config, notes, parameters)
