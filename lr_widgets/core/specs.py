"""What can be chosen: every optimizer and scheduler of the installed torch, and their hyperparameters as data.

The registry is discovered from ``torch.optim`` and ``torch.optim.lr_scheduler``;
each class's arguments come from :func:`inspect.signature`, so a new torch release
brings its new classes and arguments along. What lr_widgets knows beyond the
signature (a sensible slider range, a log scale, the range torch documents as
valid, which arguments set the length of a run) is the table ``KNOWN`` below:
data, not code per optimizer.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import inspect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

import torch
import torch.optim
import torch.optim.lr_scheduler

from .errors import UnknownNameError

__all__ = [
    "MISSING",
    "Interval",
    "HyperParam",
    "OptimizerSpec",
    "SchedulerSpec",
    "KNOWN",
    "optimizer_specs",
    "scheduler_specs",
    "optimizer_spec",
    "scheduler_spec",
    "momentum_of",
]

#: Marks an argument that torch's signature gives no default.
MISSING: Any = inspect.Parameter.empty

KINDS = ("float", "int", "bool", "choice", "pair", "tuple", "list", "formula", "schedulers")

#: Arguments that choose an implementation, not a behaviour: known, but folded away.
ADVANCED = frozenset({"foreach", "fused", "capturable", "differentiable", "last_epoch"})


@dataclass(frozen=True)
class Interval:
    """A range of numbers written as in maths: ``"(0, inf)"``, ``"[0, 1)"``.

    Used for the range torch documents (``HyperParam.valid``), which is wider than the
    range a slider shows (``HyperParam.bounds``). A value outside it gets a note, not an error.
    """

    low: float
    high: float
    low_closed: bool
    high_closed: bool

    @classmethod
    def parse(cls, text: str) -> Interval:
        match = re.fullmatch(r"\s*([\[(])\s*([^,]+),\s*([^\])]+)\s*([\])])\s*", text)
        if match is None:
            raise ValueError(f"not an interval: {text!r}")
        opening, low, high, closing = match.groups()
        return cls(float(low), float(high), opening == "[", closing == "]")

    def __contains__(self, value: float) -> bool:
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return above and below

    def describe(self) -> str:
        """Say the range in words: ``"greater than 0"``, ``"in [0, 1)"``."""
        if math.isinf(self.high):
            return f"{'at least' if self.low_closed else 'greater than'} {_number(self.low)}"
        if math.isinf(self.low):
            return f"{'at most' if self.high_closed else 'less than'} {_number(self.high)}"
        opening = "[" if self.low_closed else "("
        closing = "]" if self.high_closed else ")"
        return f"in {opening}{_number(self.low)}, {_number(self.high)}{closing}"


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


@dataclass(frozen=True)
class HyperParam:
    """One argument of a torch optimizer or scheduler, as data.

    Attributes
    ----------
    name
        Exactly as torch spells it (``"T_max"``, ``"betas"``).
    default
        The value to start from: torch's default, or a suggestion where torch has none.
    kind
        One of ``float, int, bool, choice, pair, tuple, list, formula, schedulers``.
    bounds
        The range a slider shows (each element's range for ``pair`` / ``tuple``).
    log
        Whether the value is best shown on a log scale.
    valid
        The range torch documents (or the usual one). Only torch refuses values: one outside
        this range is run as torch runs it, with a note in the trace.
    choices
        The allowed values of a ``choice`` (``None`` among them if it is optional).
    optional
        ``None`` is an accepted value (torch then picks, e.g. ``foreach=None``).
    required
        torch's signature has no default for it.
    advanced
        An implementation switch (``foreach``, ``fused`` ...) to fold away.
    run_length
        For arguments that set the length of a run (``T_max``, ``total_steps`` ...): the
        fraction of the number of steps it follows when tied to it; else ``None``.
    length
        The number of elements of a ``pair`` / ``tuple``.
    variable
        The variable of a ``formula`` (``"epoch"`` or ``"x"``).
    torch_default
        The default from torch's signature, or :data:`MISSING`.
    per_group
        torch also accepts a list with one value per param group.
    """

    name: str
    default: Any
    kind: str
    bounds: tuple[float, float] | None = None
    log: bool = False
    valid: Interval | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False
    required: bool = False
    advanced: bool = False
    run_length: float | None = None
    length: int | None = None
    variable: str | None = None
    torch_default: Any = MISSING
    #: torch also takes one value per param group (``max_lr=[1e-3, 1e-2]``).
    per_group: bool = False


@dataclass(frozen=True)
class _ClassSpec:
    """A torch class and its hyperparameters."""

    name: str
    cls: type
    hyperparams: tuple[HyperParam, ...]

    def hyperparam(self, name: str) -> HyperParam:
        """The hyperparameter called ``name``, or an :class:`UnknownNameError` suggesting the closest."""
        for hp in self.hyperparams:
            if hp.name == name:
                return hp
        names = [hp.name for hp in self.hyperparams]
        raise UnknownNameError(
            f"{self.name} has no argument '{name}'{_did_you_mean(name, names, 'its arguments are')}", name
        )

    @property
    def defaults(self) -> dict[str, Any]:
        """The value each hyperparameter starts from."""
        return {hp.name: hp.default for hp in self.hyperparams}


@dataclass(frozen=True)
class OptimizerSpec(_ClassSpec):
    """An optimizer class of the installed torch and its hyperparameters."""

    #: Name of the param-group key that holds momentum: ``"momentum"``, ``"betas"`` or ``None``.
    momentum_key: str | None = None
    needs_closure: bool = False
    sparse_gradients: bool = False
    only_2d: bool = False
    single_group: bool = False

    def momentum_of(self, group: Mapping[str, Any]) -> float | None:
        """A param group's momentum as schedulers cycle it: ``momentum``, or ``betas[0]``; ``None`` if neither."""
        return momentum_of(group, self.momentum_key)


def momentum_of(group: Mapping[str, Any], key: str | None) -> float | None:
    """The momentum in ``group[key]``: the value of ``momentum``, or the first of ``betas``; ``None`` if absent."""
    if key is None or key not in group:
        return None
    return float(group[key][0] if key == "betas" else group[key])


def with_momentum(group: Mapping[str, Any], key: str, value: float) -> Any:
    """What ``group[key]`` becomes when its momentum is ``value`` (``betas`` keeps its second element)."""
    return (float(value), *group[key][1:]) if key == "betas" else float(value)


def momentum_key_of(defaults: Mapping[str, Any]) -> str | None:
    """Which key of an optimizer's ``defaults`` holds momentum, for classes lr_widgets has no spec of."""
    return "momentum" if "momentum" in defaults else "betas" if "betas" in defaults else None


@dataclass(frozen=True)
class SchedulerSpec(_ClassSpec):
    """A learning-rate scheduler class of the installed torch and its hyperparameters."""

    composite: bool = False
    #: A composite whose children take turns at ``milestones`` (SequentialLR); else they all step together.
    sequential: bool = False
    #: Usually stepped after every batch (OneCycleLR, CyclicLR), not once per epoch.
    per_batch: bool = False
    needs_metric: bool = False
    cycles_momentum: bool = False
    #: Overwrites the optimizer's lr with an argument of its own (CyclicLR's base_lr, OneCycleLR's max_lr/div_factor).
    sets_lr: bool = False

    @property
    def takes_last_epoch(self) -> bool:
        """Whether its constructor takes ``last_epoch`` (a run resumed from a checkpoint builds it with one)."""
        return "last_epoch" in inspect.signature(self.cls).parameters


def _did_you_mean(name: str, candidates: list[str], listing: str) -> str:
    close = difflib.get_close_matches(name, candidates, n=1)
    if close:
        return f": did you mean '{close[0]}'?"
    return f": {listing} " + ", ".join(candidates) if candidates else ""


# --------------------------------------------------------------------------------------
# What lr_widgets knows beyond the signature. Keys are argument names, or
# "Class.argument" where one class means something else by the same name.
# Each entry may set: kind, bounds, log, valid (interval text), run_length, length,
# variable, suggest (a start value where torch has no default), choices.
# --------------------------------------------------------------------------------------
KNOWN: dict[str, dict[str, Any]] = {
    # optimizers
    "lr": dict(kind="float", bounds=(1e-6, 10.0), log=True, valid="[0, inf)"),
    "momentum": dict(kind="float", bounds=(0.0, 0.999), valid="[0, 1]"),
    "dampening": dict(kind="float", bounds=(0.0, 1.0), valid="[0, 1]"),
    "weight_decay": dict(kind="float", bounds=(0.0, 0.5), valid="[0, inf)"),
    "betas": dict(kind="pair", bounds=(0.0, 0.9999), valid="[0, 1)", length=2),
    "eps": dict(kind="float", bounds=(1e-12, 1e-2), log=True, valid="[0, inf)"),
    "Adafactor.eps": dict(kind="pair", bounds=(1e-12, 1e-1), log=True, valid="(0, inf)", length=2),
    "alpha": dict(kind="float", bounds=(0.0, 1.0), valid="[0, 1]"),
    "lambd": dict(kind="float", bounds=(1e-8, 1.0), log=True, valid="[0, inf)"),
    "t0": dict(kind="float", bounds=(1.0, 1e7), log=True, valid="[0, inf)"),
    "rho": dict(kind="float", bounds=(0.0, 1.0), valid="[0, 1]"),
    "lr_decay": dict(kind="float", bounds=(0.0, 0.1), valid="[0, inf)"),
    "initial_accumulator_value": dict(kind="float", bounds=(0.0, 1.0), valid="[0, inf)"),
    "beta2_decay": dict(kind="float", bounds=(-1.0, 0.0), valid="(-inf, 0]"),
    "d": dict(kind="float", bounds=(0.1, 10.0), valid="(0, inf)"),
    "momentum_decay": dict(kind="float", bounds=(0.0, 0.1), valid="[0, inf)"),
    "etas": dict(kind="pair", bounds=(0.01, 3.0), valid="(0, inf)", length=2),
    "step_sizes": dict(kind="pair", bounds=(1e-8, 100.0), log=True, valid="(0, inf)", length=2),
    "max_iter": dict(kind="int", bounds=(1, 100), valid="[1, inf)"),
    "max_eval": dict(kind="int", bounds=(1, 200), valid="[1, inf)"),
    "tolerance_grad": dict(kind="float", bounds=(1e-12, 1e-2), log=True, valid="[0, inf)"),
    "tolerance_change": dict(kind="float", bounds=(1e-12, 1e-2), log=True, valid="[0, inf)"),
    "history_size": dict(kind="int", bounds=(1, 200), valid="[1, inf)"),
    "line_search_fn": dict(kind="choice", choices=(None, "strong_wolfe")),
    "ns_coefficients": dict(kind="tuple", bounds=(-10.0, 10.0), length=3),
    "ns_steps": dict(kind="int", bounds=(1, 10), valid="[1, inf)"),
    "adjust_lr_fn": dict(kind="choice", choices=(None, "original", "match_rms_adamw")),
    # schedulers
    "factor": dict(kind="float", bounds=(0.0, 1.0), valid="(0, 1]"),
    "ReduceLROnPlateau.factor": dict(kind="float", bounds=(0.01, 0.99), valid="(0, 1)"),
    "total_iters": dict(kind="int", bounds=(1, 1000), valid="[1, inf)", run_length=1.0),
    "start_factor": dict(kind="float", bounds=(0.0, 1.0), valid="(0, 1]"),
    "end_factor": dict(kind="float", bounds=(0.0, 1.0), valid="[0, 1]"),
    "T_max": dict(kind="int", bounds=(1, 1000), valid="[1, inf)", run_length=1.0, suggest=100),
    "eta_min": dict(kind="float", bounds=(0.0, 0.1), valid="[0, inf)"),
    "T_0": dict(kind="int", bounds=(1, 1000), valid="[1, inf)", run_length=0.25, suggest=25),
    "T_mult": dict(kind="int", bounds=(1, 4), valid="[1, inf)"),
    "gamma": dict(kind="float", bounds=(0.0, 1.0), valid="(0, inf)"),
    "ExponentialLR.gamma": dict(kind="float", bounds=(0.8, 1.0), valid="(0, inf)", suggest=0.95),
    "CyclicLR.gamma": dict(kind="float", bounds=(0.9, 1.0), valid="(0, inf)"),
    "step_size": dict(kind="int", bounds=(1, 1000), valid="[1, inf)", suggest=30),
    "milestones": dict(kind="list", suggest=[30, 60, 90]),
    "SequentialLR.milestones": dict(kind="list", suggest=[10]),
    "lr_lambda": dict(kind="formula", variable="epoch", suggest="0.95 ** epoch"),
    "MultiplicativeLR.lr_lambda": dict(kind="formula", variable="epoch", suggest="0.95"),
    "scale_fn": dict(kind="formula", variable="x"),
    # per_group: torch's code also takes one value per param group (its annotation may say float only)
    "base_lr": dict(kind="float", bounds=(1e-6, 10.0), log=True, valid="[0, inf)", suggest=1e-3, per_group=True),
    "max_lr": dict(kind="float", bounds=(1e-6, 10.0), log=True, valid="[0, inf)", suggest=1e-2, per_group=True),
    "OneCycleLR.max_lr": dict(
        kind="float", bounds=(1e-6, 10.0), log=True, valid="(0, inf)", suggest=0.1, per_group=True
    ),
    "step_size_up": dict(kind="int", bounds=(1, 1000), valid="[1, inf)", run_length=0.25),
    "step_size_down": dict(kind="int", bounds=(1, 1000), valid="[1, inf)"),
    "base_momentum": dict(kind="float", bounds=(0.0, 1.0), valid="[0, 1]", per_group=True),
    "max_momentum": dict(kind="float", bounds=(0.0, 1.0), valid="[0, 1]", per_group=True),
    "total_steps": dict(kind="int", bounds=(1, 1000), valid="[1, inf)", run_length=1.0),
    "epochs": dict(kind="int", bounds=(1, 100), valid="[1, inf)"),
    "steps_per_epoch": dict(kind="int", bounds=(1, 1000), valid="[1, inf)"),
    "pct_start": dict(kind="float", bounds=(0.0, 1.0), valid="[0, 1]"),
    "div_factor": dict(kind="float", bounds=(1.0, 1e4), log=True, valid="(0, inf)"),
    "final_div_factor": dict(kind="float", bounds=(1.0, 1e6), log=True, valid="(0, inf)"),
    "power": dict(kind="float", bounds=(0.0, 5.0), valid="[0, inf)"),
    "patience": dict(kind="int", bounds=(0, 50), valid="[0, inf)"),
    "threshold": dict(kind="float", bounds=(1e-6, 1.0), log=True, valid="[0, inf)"),
    "cooldown": dict(kind="int", bounds=(0, 50), valid="[0, inf)"),
    "min_lr": dict(kind="float", bounds=(0.0, 0.1), valid="[0, inf)", per_group=True),
    "swa_lr": dict(kind="float", bounds=(1e-6, 10.0), log=True, valid="[0, inf)", suggest=0.05, per_group=True),
    "anneal_epochs": dict(kind="int", bounds=(0, 1000), valid="[0, inf)"),
    "ReduceLROnPlateau.eps": dict(kind="float", bounds=(1e-12, 1e-2), log=True, valid="[0, inf)"),
    "last_epoch": dict(kind="int", bounds=(-1, 1000)),
    "schedulers": dict(kind="schedulers"),
    "SequentialLR.schedulers": dict(
        kind="schedulers",
        suggest=[("LinearLR", {"start_factor": 0.1}), ("CosineAnnealingLR", {})],
    ),
    "ChainedScheduler.schedulers": dict(
        kind="schedulers",
        suggest=[("ConstantLR", {"factor": 0.1, "total_iters": 2}), ("ExponentialLR", {"gamma": 0.9})],
    ),
}

# Arguments that are not hyperparameters: the objects the class is built on.
_NOT_HYPERPARAMS = {"self", "params", "optimizer"}


def _knowledge(cls_name: str, arg: str) -> dict[str, Any]:
    return KNOWN.get(f"{cls_name}.{arg}", KNOWN.get(arg, {}))


def _literal_choices(annotation: Any) -> tuple[Any, ...]:
    """Read ``Literal['a', 'b']`` from an annotation (torch writes them as strings)."""
    text = annotation if isinstance(annotation, str) else repr(annotation)
    match = re.search(r"Literal\[(.*?)\]", text)
    if not match:
        return ()
    try:
        values = ast.literal_eval(f"({match.group(1)},)")
    except (ValueError, SyntaxError):
        return ()
    return tuple(values)


def _admits_none(annotation: Any) -> bool:
    """Whether ``None`` is accepted for the whole value (``int | None``), not just inside it."""
    text = (annotation if isinstance(annotation, str) else repr(annotation)).replace(" ", "")
    return text.endswith("|None") or text.startswith(("None|", "Optional[", "typing.Optional["))


def guess_kind(default: Any, annotation: Any) -> str:
    """Infer a kind for an argument lr_widgets has no entry for (new in some torch release)."""
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str) or _literal_choices(annotation):
        return "choice"
    if isinstance(default, tuple):
        return "pair" if len(default) == 2 else "tuple"
    text = annotation if isinstance(annotation, str) else repr(annotation)
    if "bool" in text:
        return "bool"
    if "float" in text:
        return "float"
    if "int" in text:
        return "int"
    return "float"


def hyperparam_from_signature(cls_name: str, parameter: inspect.Parameter) -> HyperParam:
    """Build the :class:`HyperParam` of one argument from torch's signature and ``KNOWN``."""
    known = _knowledge(cls_name, parameter.name)
    torch_default = parameter.default
    kind = known.get("kind") or guess_kind(None if torch_default is MISSING else torch_default, parameter.annotation)
    required = torch_default is MISSING
    default = known.get("suggest") if required else torch_default
    if isinstance(torch_default, torch.Tensor):  # never seen in a signature, but lr may be a Tensor
        default = float(torch_default)
    choices = tuple(known.get("choices", ())) or _literal_choices(parameter.annotation)
    if kind == "choice" and not choices and default is not None:
        choices = (default,)
    optional = (not required and torch_default is None) or _admits_none(parameter.annotation)
    if kind == "choice" and optional and None not in choices:
        choices = (None, *choices)
    length = known.get("length")
    if length is None and isinstance(default, tuple):
        length = len(default)
    valid = known.get("valid")
    return HyperParam(
        name=parameter.name,
        default=default,
        kind=kind,
        bounds=known.get("bounds"),
        log=known.get("log", False),
        valid=Interval.parse(valid) if valid else None,
        choices=choices,
        optional=optional,
        required=required,
        advanced=parameter.name in ADVANCED,
        run_length=known.get("run_length"),
        length=length,
        variable=known.get("variable"),
        torch_default=torch_default,
        per_group=kind == "float" and (known.get("per_group", False) or "list[float]" in str(parameter.annotation)),
    )


def _hyperparams(cls: type) -> tuple[HyperParam, ...]:
    signature = inspect.signature(cls)
    return tuple(
        hyperparam_from_signature(cls.__name__, p)
        for p in signature.parameters.values()
        if p.name not in _NOT_HYPERPARAMS and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )


def _classes(module: ModuleType, base: tuple[type, ...], exclude: tuple[type, ...]) -> list[type]:
    names = getattr(module, "__all__", None) or dir(module)
    found = []
    for name in names:
        obj = getattr(module, name, None)
        if inspect.isclass(obj) and issubclass(obj, base) and obj not in exclude and not name.startswith("_"):
            found.append(obj)
    return sorted(set(found), key=lambda c: c.__name__.lower())


# Special cases, each in one place. Keyed by class name; classes a torch release lacks are simply absent.
_OPTIMIZER_TRAITS: dict[str, dict[str, Any]] = {
    "LBFGS": dict(needs_closure=True, single_group=True),
    "SparseAdam": dict(sparse_gradients=True),
    "Muon": dict(only_2d=True),
}
_SCHEDULER_TRAITS: dict[str, dict[str, Any]] = {
    "SequentialLR": dict(composite=True, sequential=True),
    "ChainedScheduler": dict(composite=True),
    "ReduceLROnPlateau": dict(needs_metric=True),
    "CyclicLR": dict(sets_lr=True, per_batch=True),
    "OneCycleLR": dict(sets_lr=True, per_batch=True),
}

#: Schedulers torch keeps outside ``torch.optim.lr_scheduler``: (module, class name).
_ELSEWHERE = (("torch.optim.swa_utils", "SWALR"),)


def _elsewhere() -> list[type]:
    found = []
    for module_name, name in _ELSEWHERE:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            found.append(getattr(module, name))
    return found


def _momentum_key(hyperparams: tuple[HyperParam, ...]) -> str | None:
    names = {hp.name for hp in hyperparams}
    if "momentum" in names:
        return "momentum"
    if "betas" in names:
        return "betas"
    return None


@cache
def _optimizer_registry(module: ModuleType = torch.optim) -> dict[str, OptimizerSpec]:
    registry = {}
    for cls in _classes(module, (torch.optim.Optimizer,), (torch.optim.Optimizer,)):
        hps = _hyperparams(cls)
        registry[cls.__name__] = OptimizerSpec(
            name=cls.__name__,
            cls=cls,
            hyperparams=hps,
            momentum_key=_momentum_key(hps),
            **_OPTIMIZER_TRAITS.get(cls.__name__, {}),
        )
    return registry


@cache
def _scheduler_registry(module: ModuleType = torch.optim.lr_scheduler) -> dict[str, SchedulerSpec]:
    lrs = torch.optim.lr_scheduler
    base = tuple(c for c in (getattr(lrs, "LRScheduler", None), getattr(lrs, "ReduceLROnPlateau", None)) if c)
    abstract = tuple(c for c in (getattr(lrs, "LRScheduler", None), getattr(lrs, "_LRScheduler", None)) if c)
    registry = {}
    classes = _classes(module, base, abstract)
    if module is lrs:
        classes = sorted({*classes, *_elsewhere()}, key=lambda c: c.__name__.lower())
    for cls in classes:
        hps = _hyperparams(cls)
        traits = dict(_SCHEDULER_TRAITS.get(cls.__name__, {}))
        traits["cycles_momentum"] = any(hp.name == "cycle_momentum" for hp in hps)
        registry[cls.__name__] = SchedulerSpec(name=cls.__name__, cls=cls, hyperparams=hps, **traits)
    return registry


def needs_closure(optimizer: Any) -> bool:
    """Whether ``optimizer.step`` needs a closure (LBFGS, and subclasses of it)."""
    return isinstance(optimizer, _closure_classes())


@cache
def _closure_classes() -> tuple[type, ...]:
    return tuple(spec.cls for spec in _optimizer_registry(torch.optim).values() if spec.needs_closure)


def optimizer_specs(module: ModuleType | None = None) -> dict[str, OptimizerSpec]:
    """Every optimizer of the installed torch, by name, in alphabetical order.

    ``module`` stands in for ``torch.optim`` (tests use it to hide classes).
    """
    return dict(_optimizer_registry(module or torch.optim))


def scheduler_specs(module: ModuleType | None = None) -> dict[str, SchedulerSpec]:
    """Every learning-rate scheduler of the installed torch, by name, in alphabetical order."""
    return dict(_scheduler_registry(module or torch.optim.lr_scheduler))


def optimizer_spec(name: str) -> OptimizerSpec:
    """The :class:`OptimizerSpec` called ``name`` (as torch spells it)."""
    return _find("optimizer", name, _optimizer_registry(torch.optim))


def scheduler_spec(name: str) -> SchedulerSpec:
    """The :class:`SchedulerSpec` called ``name`` (as torch spells it)."""
    return _find("scheduler", name, _scheduler_registry(torch.optim.lr_scheduler))


def _find(what: str, name: Any, registry: Mapping[str, Any]) -> Any:
    if isinstance(name, type):
        name = name.__name__
    if not isinstance(name, str):
        raise UnknownNameError(f"the {what} must be given by name, e.g. 'SGD': got {type(name).__name__}", what)
    if name in registry:
        return registry[name]
    by_lower = {key.lower(): key for key in registry}
    hint = f": did you mean '{by_lower[name.lower()]}'?" if name.lower() in by_lower else ""
    hint = hint or _did_you_mean(name, list(registry), f"the {what}s are")
    raise UnknownNameError(f"torch {torch.__version__} has no {what} called '{name}'{hint}", what)
