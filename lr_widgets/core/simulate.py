"""Run the real torch optimizer and scheduler and record what they do.

:func:`simulate` steps them exactly as the classic helper does::

    lrs = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())

and returns a :class:`Trace`. It runs that loop for the first :data:`GUARD_STEPS` steps;
the rest comes from :mod:`~lr_widgets.core.fast` (numpy, the same arithmetic in the
same order) wherever that can follow the scheduler, else from the loop too.

:func:`replay` rebuilds the optimizer and scheduler of a trace and trains them on the
toy problem up to a given step, so their ``param_groups`` and ``state`` can be shown
exactly as torch has them there; :class:`Replayer` does the same for many steps of one
trace from snapshots.
"""

from __future__ import annotations

import copy
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .arguments import check_steps, optimizer_arguments, scheduler_arguments
from .errors import (
    IncompatibleError,
    InvalidValueError,
    LrWidgetsError,
    MetricError,
    RunLengthError,
    TorchRefusedError,
)
from .fast import fast_schedule
from .specs import OptimizerSpec, SchedulerSpec, optimizer_spec, scheduler_spec
from .toy import NamedGroups, ToyProblem, copied_problem, toy_problem

__all__ = ["Trace", "Replay", "Replayer", "simulate", "replay", "synthetic_metric", "SYNTHETIC_METRICS"]


def _falling(steps: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(steps, dtype=np.float64)
    return 0.2 + 0.8 * np.exp(-t / max(steps / 8, 1.0)) + rng.normal(0.0, 0.004, steps)


def _rising(steps: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(steps, dtype=np.float64)
    return 0.9 - 0.8 * np.exp(-t / max(steps / 8, 1.0)) + rng.normal(0.0, 0.004, steps)


#: Built-in metric curves for ReduceLROnPlateau: a validation loss that falls and then
#: plateaus (for ``mode="min"``), and an accuracy that rises and plateaus (``mode="max"``).
SYNTHETIC_METRICS: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "loss": _falling,
    "accuracy": _rising,
}


def synthetic_metric(name: str, steps: int, seed: int = 0) -> np.ndarray:
    """The built-in metric curve ``name`` over ``steps`` steps, with seeded noise."""
    if name not in SYNTHETIC_METRICS:
        raise MetricError(
            f"there is no built-in metric called {name!r}: choose one of "
            + ", ".join(repr(n) for n in SYNTHETIC_METRICS)
            + " or pass one value per step",
            "metric",
        )
    return SYNTHETIC_METRICS[name](steps, np.random.default_rng(seed))


@dataclass(frozen=True, eq=False)
class Trace:
    """What an optimizer and scheduler did, step by step.

    Attributes
    ----------
    lr
        float64 array of shape ``(steps + 1, n_groups)``: row ``t`` is the LR of each
        param group when optimizer step ``t`` runs (row 0: right after the scheduler is built).
    momentum
        Same shape: each group's ``momentum`` or ``betas[0]``, or ``None`` if the optimizer has neither.
    metric
        The ``steps`` values fed to ReduceLROnPlateau (value ``t`` after step ``t + 1``), else ``None``.
    optimizer, scheduler
        Class names as torch spells them (``scheduler`` is ``None`` for a constant LR).
    optimizer_kwargs, scheduler_kwargs
        The arguments torch was given, with the ones torch requires filled in.
    param_groups
        The per-group overrides.
    group_names
        One name per param group of the toy model.
    left_out
        Parameters the optimizer could not take (Muon's 1-D biases).
    warnings
        What torch warned about while running.
    """

    lr: np.ndarray
    momentum: np.ndarray | None
    metric: np.ndarray | None
    optimizer: str
    optimizer_kwargs: dict[str, Any]
    scheduler: str | None
    scheduler_kwargs: dict[str, Any]
    param_groups: tuple[dict[str, Any], ...]
    group_names: tuple[str, ...]
    left_out: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    #: The name of the built-in metric curve, when ``metric`` was given by name.
    metric_source: str | None = None

    @property
    def steps(self) -> int:
        """The number of optimizer steps simulated."""
        return self.lr.shape[0] - 1

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write one row per step: the LR (and momentum) of each group, and the metric."""
        columns = [np.arange(self.steps + 1, dtype=np.float64)]
        header = ["step"]
        for g, name in enumerate(self.group_names):
            columns.append(self.lr[:, g])
            header.append(f"lr[{name}]")
        if self.momentum is not None:
            for g, name in enumerate(self.group_names):
                columns.append(self.momentum[:, g])
                header.append(f"momentum[{name}]")
        if self.metric is not None:
            columns.append(np.concatenate([[np.nan], self.metric]))  # the metric of step t is fed after step t
            header.append("metric")
        table = np.column_stack(columns)
        with open(path, "w", encoding="utf-8") as out:
            out.write(",".join(header) + "\n")
            for row in table:
                out.write(
                    ",".join(
                        "" if np.isnan(v) else (str(int(v)) if i == 0 else repr(float(v))) for i, v in enumerate(row)
                    )
                    + "\n"
                )


@dataclass
class Replay:
    """A real torch optimizer and scheduler, trained up to ``step`` on the toy problem or on copies of yours.

    ``names`` maps each trained parameter to its name, for
    :func:`~lr_widgets.core.introspect.param_groups_summary` and ``state_summary``.
    """

    optimizer: torch.optim.Optimizer
    scheduler: Any
    model: torch.nn.Module | None
    step: int
    group_names: tuple[str, ...]
    left_out: tuple[str, ...]
    names: dict[torch.Tensor, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# torch's own errors, in words a student understands
# --------------------------------------------------------------------------------------
_TRANSLATIONS: list[tuple[str, Callable[[re.Match[str], str], LrWidgetsError]]] = [
    (
        r"Nesterov momentum requires a momentum and zero dampening",
        lambda m, who: IncompatibleError(
            f"{who} refuses nesterov=True unless momentum > 0 and dampening = 0: "
            "raise momentum, set dampening to 0, or turn nesterov off",
            "nesterov",
        ),
    ),
    (
        r"optimizer must support momentum or beta1 with `cycle_momentum` option enabled",
        lambda m, who: IncompatibleError(
            f"{who} cycles momentum but the optimizer has none: set cycle_momentum=False", "cycle_momentum"
        ),
    ),
    (
        r"Tried to step (\d+) times?\. The specified number of total steps is (\d+)",
        lambda m, who: RunLengthError(
            f"{who} was built for {m.group(2)} steps but {m.group(1)} were simulated: raise total_steps or lower steps",
            "total_steps",
        ),
    ),
    (
        r"'initial_lr' is not specified",
        lambda m, who: InvalidValueError(
            f"{who}: last_epoch must stay -1 for a fresh run; other values resume a run from a checkpoint", "last_epoch"
        ),
    ),
    (
        r"doesn't support per-parameter options",
        lambda m, who: IncompatibleError(f"{who} takes a single param group: use one group", "param_groups"),
    ),
    (
        r"Sparse(Adam)? requires dense|sparse gradients|does not support dense",
        lambda m, who: IncompatibleError(f"{who}: {m.string}", "param_groups"),
    ),
]


def _translate(exc: BaseException, who: str, when: str = "") -> LrWidgetsError:
    if isinstance(exc, LrWidgetsError):
        return exc
    text = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc).strip() or type(exc).__name__
    for pattern, make in _TRANSLATIONS:
        match = re.search(pattern, text)
        if match:
            return make(match, who)
    if isinstance(exc, ZeroDivisionError):
        return InvalidValueError(f"{who} divides by zero{when}: check for arguments set to 0 ({text})")
    return TorchRefusedError(f"{who} refused these settings{when}: {text}")


_TORCH_ERRORS = (ValueError, TypeError, KeyError, RuntimeError, ZeroDivisionError, OverflowError, IndexError)


@contextmanager
def _speaking_for(who: str, when: str = "") -> Iterator[None]:
    try:
        yield
    except LrWidgetsError:
        raise
    except _TORCH_ERRORS as exc:
        raise _translate(exc, who, when) from exc


# --------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------
@dataclass
class _Setup:
    """Everything checked and resolved before torch is called."""

    optimizer: OptimizerSpec
    optimizer_kwargs: dict[str, Any]
    scheduler: SchedulerSpec | None
    scheduler_kwargs: dict[str, Any]
    param_groups: tuple[dict[str, Any], ...]
    steps: int
    metric: np.ndarray | None


def _check_param_groups(spec: OptimizerSpec, param_groups: Any) -> tuple[dict[str, Any], ...]:
    if param_groups is None:
        return ({},)
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
        checked.append(optimizer_arguments(spec, overrides))
    return tuple(checked)


def _check_metric(metric: Any, steps: int) -> np.ndarray:
    if metric is None:
        raise MetricError(
            "ReduceLROnPlateau lowers the LR when a metric stops improving, so it needs one: "
            "pass metric='loss' (a built-in curve) or one value per step",
            "metric",
        )
    if isinstance(metric, str):
        return synthetic_metric(metric, steps)
    try:
        values = np.asarray(metric, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise MetricError("metric must be numbers, one per step, or the name of a built-in curve", "metric") from None
    if values.shape[0] != steps:
        raise MetricError(
            f"metric has {values.shape[0]} values but {steps} steps are simulated: give one value per step", "metric"
        )
    if not np.all(np.isfinite(values)):
        raise MetricError("metric must be finite numbers: it contains nan or inf", "metric")
    return values


def _setup(
    optimizer: str,
    optimizer_kwargs: Mapping[str, Any] | None,
    scheduler: str | None,
    scheduler_kwargs: Mapping[str, Any] | None,
    steps: int,
    param_groups: Any,
    metric: Any,
) -> _Setup:
    steps = check_steps(steps)
    opt_spec = optimizer_spec(optimizer)
    opt_kwargs = optimizer_arguments(opt_spec, optimizer_kwargs)
    groups = _check_param_groups(opt_spec, param_groups)
    sched_spec = None if scheduler is None else scheduler_spec(scheduler)
    sched_kwargs: dict[str, Any] = {}
    values = None
    if sched_spec is not None:
        sched_kwargs = scheduler_arguments(sched_spec, scheduler_kwargs, steps)
        _check_pairing(opt_spec, sched_spec, sched_kwargs, steps)
        if sched_spec.needs_metric:
            values = _check_metric(metric, steps)
    return _Setup(opt_spec, opt_kwargs, sched_spec, sched_kwargs, groups, steps, values)


def _check_pairing(opt: OptimizerSpec, sched: SchedulerSpec, kwargs: Mapping[str, Any], steps: int) -> None:
    """What torch would refuse only later (or in words naming neither class), said up front."""
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


def _build_scheduler(optimizer: torch.optim.Optimizer, spec: SchedulerSpec, kwargs: Mapping[str, Any]) -> Any:
    if spec.composite:
        children = [_build_scheduler(optimizer, scheduler_spec(name), child) for name, child in kwargs["schedulers"]]
        kwargs = {**kwargs, "schedulers": children}
        if spec.name == "ChainedScheduler":
            kwargs["optimizer"] = optimizer
            with _speaking_for(spec.name):
                return spec.cls(**kwargs)
    with _speaking_for(spec.name):
        return spec.cls(optimizer, **kwargs)


def _no_loss() -> torch.Tensor:
    """A closure with no gradients: LBFGS takes one step at once, as others do with no ``.grad``.

    The schedule does not depend on the gradients, so simulate() need not compute them.
    """
    return torch.zeros(())


class _Run:
    """The optimizer and scheduler of a setup, on a fresh toy problem."""

    def __init__(self, setup: _Setup, parameters: NamedGroups | None = None) -> None:
        self.setup = setup
        spec = setup.optimizer
        if parameters is not None:
            self.toy: ToyProblem = copied_problem(parameters, only_2d=spec.only_2d)
        else:
            self.toy = toy_problem(len(setup.param_groups), sparse=spec.sparse_gradients, only_2d=spec.only_2d)
        groups = []
        for members, overrides in zip(self.toy.groups, setup.param_groups):
            if not members:
                continue
            groups.append({"params": [p for _, p in members], **overrides})
        if len(groups) != len(setup.param_groups):
            raise IncompatibleError(
                f"{spec.name} takes only 2-D parameters and a group of the toy model has none: use fewer groups",
                "param_groups",
            )
        with _speaking_for(spec.name):
            self.optimizer = spec.cls(groups, **setup.optimizer_kwargs)
        self.scheduler = None
        if setup.scheduler is not None:
            self.scheduler = _build_scheduler(self.optimizer, setup.scheduler, setup.scheduler_kwargs)
        self.done = 0

    def _closure(self) -> torch.Tensor:
        self.optimizer.zero_grad()
        loss = self.toy.loss()
        loss.backward()
        return loss

    def advance(self, train: bool) -> None:
        """One optimizer step (a real training step if ``train``), then one scheduler step."""
        step = self.done + 1
        with _speaking_for(self.setup.optimizer.name, f" at step {step}"):
            if self.setup.optimizer.needs_closure:
                self.optimizer.step(self._closure if train else _no_loss)
            elif train:
                self._closure()
                self.optimizer.step()
            else:
                self.optimizer.step()
        if self.scheduler is not None:
            with _speaking_for(self.setup.scheduler.name, f" at step {step}"):  # type: ignore[union-attr]
                if self.setup.metric is not None:
                    self.scheduler.step(float(self.setup.metric[self.done]))
                else:
                    self.scheduler.step()
        self.done = step

    def lrs(self) -> list[float]:
        if self.scheduler is not None:
            return [float(lr) for lr in self.scheduler.get_last_lr()]
        return [float(group["lr"]) for group in self.optimizer.param_groups]

    def momenta(self) -> list[float] | None:
        key = self.setup.optimizer.momentum_key
        if key is None:
            return None
        values = [group[key] for group in self.optimizer.param_groups]
        return [float(v[0] if key == "betas" else v) for v in values]


@contextmanager
def _recording_warnings() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def _messages(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(w.message) for w in caught))


#: Steps always taken by the real loop, also when the fast path computes the rest: they
#: surface torch's own errors and warnings of the first steps, and check the fast path's rows.
GUARD_STEPS = 3


def _schedule(setup: _Setup, *, fast: bool) -> tuple[_Run, np.ndarray, np.ndarray | None]:
    """The LR (and momentum) rows 0..steps: by the real loop, or its first steps and then the fast path."""
    run = _Run(setup)
    n_groups = len(run.optimizer.param_groups)
    lr = np.empty((setup.steps + 1, n_groups), dtype=np.float64)
    first_momenta = run.momenta()
    momentum = None if first_momenta is None else np.empty_like(lr)
    lr[0] = run.lrs()
    if momentum is not None:
        momentum[0] = first_momenta

    def loop(first: int, last: int) -> None:
        for t in range(first, last + 1):
            run.advance(train=False)
            lr[t] = run.lrs()
            if momentum is not None:
                momentum[t] = run.momenta()

    loop_until = setup.steps
    if fast and setup.scheduler is not None and setup.steps > GUARD_STEPS:
        loop_until = GUARD_STEPS
    loop(1, loop_until)
    if loop_until == setup.steps:
        return run, lr, momentum
    computed = fast_schedule(_Run(setup).scheduler, setup.steps, setup.optimizer.momentum_key, setup.metric)
    if computed is not None and _agrees(computed, lr, momentum, loop_until):
        fast_lr, fast_momentum = computed
        lr[loop_until + 1 :] = fast_lr[loop_until:]
        if momentum is not None and fast_momentum is not None:
            momentum[loop_until + 1 :] = fast_momentum[loop_until:]
        return run, lr, momentum
    loop(loop_until + 1, setup.steps)
    return run, lr, momentum


def _agrees(
    computed: tuple[np.ndarray, np.ndarray | None], lr: np.ndarray, momentum: np.ndarray | None, upto: int
) -> bool:
    """Whether the fast path's first rows are the real loop's (a last check before trusting the rest)."""
    fast_lr, fast_momentum = computed
    if not np.allclose(fast_lr[:upto], lr[1 : upto + 1], rtol=1e-12, atol=0.0):
        return False
    if momentum is None:
        return True
    return fast_momentum is not None and np.allclose(fast_momentum[:upto], momentum[1 : upto + 1], rtol=1e-12, atol=0.0)


def simulate(
    optimizer: str = "SGD",
    optimizer_kwargs: Mapping[str, Any] | None = None,
    scheduler: str | None = "CosineAnnealingLR",
    scheduler_kwargs: Mapping[str, Any] | None = None,
    steps: int = 100,
    *,
    param_groups: Sequence[Mapping[str, Any]] | None = None,
    metric: str | Sequence[float] | np.ndarray | None = None,
) -> Trace:
    """Run a real torch optimizer and scheduler on a toy model and record the LR at every step.

    Parameters
    ----------
    optimizer
        A ``torch.optim`` class name, e.g. ``"AdamW"``.
    optimizer_kwargs
        Its arguments, named as torch names them; the ones left out keep torch's defaults.
    scheduler
        A ``torch.optim.lr_scheduler`` class name, or ``None`` for a constant LR.
    scheduler_kwargs
        Its arguments. Those torch requires are filled in if left out, and those that set
        the length of a run (``T_max``, ``total_steps`` ...) then follow ``steps``.
        ``SequentialLR`` / ``ChainedScheduler`` take ``schedulers`` as a list of
        ``(name, kwargs)``; inside them, run lengths left out follow each child's segment.
        ``lr_lambda`` / ``scale_fn`` are formulas (``"0.95 ** epoch"``) or Python callables.
    steps
        The number of optimizer steps.
    param_groups
        One dict of optimizer-argument overrides per param group, e.g.
        ``[{"lr": 1e-4}, {"lr": 1e-3}]`` for the body and head of the toy model.
    metric
        For ReduceLROnPlateau: one value per step, or ``"loss"`` / ``"accuracy"``
        for a built-in curve. Other schedulers ignore it.

    Returns
    -------
    Trace

    Raises
    ------
    LrWidgetsError
        A subclass naming the argument and what to change.
    """
    setup = _setup(optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps, param_groups, metric)
    with _recording_warnings() as caught:
        run, lr, momentum = _schedule(setup, fast=True)
    return Trace(
        lr=lr,
        momentum=momentum,
        metric=setup.metric,
        optimizer=setup.optimizer.name,
        optimizer_kwargs=setup.optimizer_kwargs,
        scheduler=None if setup.scheduler is None else setup.scheduler.name,
        scheduler_kwargs=setup.scheduler_kwargs,
        param_groups=setup.param_groups,
        group_names=run.toy.group_names,
        left_out=run.toy.left_out,
        warnings=_messages(caught),
        metric_source=metric if isinstance(metric, str) and setup.metric is not None else None,
    )


def _check_replay(trace: Trace, step: Any, parameters: NamedGroups | None) -> None:
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step <= trace.steps:
        raise RunLengthError(f"step must be a whole number from 0 to {trace.steps}: got {step!r}", "step")
    if parameters is not None and len(parameters) != len(trace.param_groups):
        raise IncompatibleError(
            f"the trace has {len(trace.param_groups)} param groups but {len(parameters)} were given", "param_groups"
        )


def _replay_setup(trace: Trace) -> _Setup:
    return _setup(
        trace.optimizer,
        trace.optimizer_kwargs,
        trace.scheduler,
        trace.scheduler_kwargs,
        trace.steps,
        list(trace.param_groups),
        trace.metric,
    )


def _as_replay(run: _Run) -> Replay:
    toy = run.toy
    return Replay(run.optimizer, run.scheduler, toy.model, run.done, toy.group_names, toy.left_out, toy.names)


def replay(trace: Trace, step: int, *, parameters: NamedGroups | None = None) -> Replay:
    """The real optimizer and scheduler of ``trace``, trained for ``step`` steps.

    Each step is a real training step (forward, backward, ``optimizer.step()``,
    ``scheduler.step()``) on seeded data, so ``optimizer.state`` holds what torch
    keeps there at that step. At step 0 nothing has run and the state is empty.

    Parameters
    ----------
    parameters
        Named parameters per param group, e.g. those of your own optimizer: the replay
        then trains *copies* of them (on a quadratic loss), so the state has their names
        and shapes. One group per entry of ``trace.param_groups``. By default, the toy model.
    """
    _check_replay(trace, step, parameters)
    with _recording_warnings():
        run = _Run(_replay_setup(trace), parameters)
        for _ in range(int(step)):
            run.advance(train=True)
    return _as_replay(run)


@dataclass
class _Snapshot:
    parameters: list[torch.Tensor]
    optimizer: dict[str, Any]
    scheduler: dict[str, Any] | None


class Replayer:
    """:func:`replay` for many steps of one trace, without training from step 0 every time.

    It keeps the run it trained last and a snapshot of it (parameters, ``optimizer.state_dict()``,
    ``scheduler.state_dict()``) every ``every`` steps: moving to step ``k`` continues the run
    if it is behind ``k``, else restarts from the nearest snapshot before ``k``. What
    :meth:`at` returns is exactly what ``replay(trace, k)`` returns (the tests compare them
    tensor by tensor); it is the live run, valid until the next call.

    Parameters
    ----------
    every
        Steps between snapshots; by default 100, or more if the snapshots of a large model
        would not fit in ``memory``.
    memory
        Bytes the snapshots may take together.
    """

    def __init__(
        self,
        trace: Trace,
        *,
        parameters: NamedGroups | None = None,
        every: int | None = None,
        memory: int = 256 * 2**20,
    ) -> None:
        _check_replay(trace, 0, parameters)
        self.trace = trace
        self._parameters = parameters
        self._setup = _replay_setup(trace)
        self._run: _Run | None = None
        self._snapshots: dict[int, _Snapshot] = {}
        self._every = every
        self._memory = memory

    @property
    def every(self) -> int:
        if self._every is None:
            run = self._live()
            size = sum(p.numel() * p.element_size() for p in _trained(run))
            # a parameter plus up to two state tensors of its size (Adam's exp_avg and exp_avg_sq)
            fit = max(1, self._memory // max(1, 3 * size))
            self._every = max(100, -(-self.trace.steps // fit))
        return self._every

    def cost(self, step: int) -> int:
        """How many training steps :meth:`at` ``(step)`` would take from here."""
        return step - self._start(step)

    def at(self, step: int) -> Replay:
        """The optimizer and scheduler after ``step`` real training steps."""
        self.advance(step)
        return _as_replay(self._live())

    def advance(self, step: int, limit: int | None = None) -> bool:
        """Train towards ``step``, at most ``limit`` steps now; whether ``step`` is reached."""
        _check_replay(self.trace, step, self._parameters)
        start = self._start(step)
        run = self._live()
        if start != run.done:
            self._restore(start)
            run = self._live()
        taken = 0
        with _recording_warnings():
            while run.done < step and (limit is None or taken < limit):
                run.advance(train=True)
                taken += 1
                if run.done % self.every == 0 and run.done not in self._snapshots:
                    self._save(run)
        return run.done == step

    def _live(self) -> _Run:
        if self._run is None:
            self._run = self._fresh()
        return self._run

    def _fresh(self) -> _Run:
        with _recording_warnings():
            return _Run(self._setup, self._parameters)

    def _start(self, step: int) -> int:
        """Where training towards ``step`` begins: the live run, or the nearest snapshot (or 0) before it."""
        done = self._run.done if self._run is not None else 0
        saved = max((k for k in self._snapshots if k <= step), default=0)
        return done if saved <= done <= step else saved

    def _save(self, run: _Run) -> None:
        self._snapshots[run.done] = _Snapshot(
            [p.detach().clone() for p in _trained(run)],
            copy.deepcopy(run.optimizer.state_dict()),
            None if run.scheduler is None else copy.deepcopy(run.scheduler.state_dict()),
        )

    def _restore(self, step: int) -> None:
        run = self._fresh()
        snapshot = self._snapshots.get(step)
        if snapshot is not None:
            with torch.no_grad():
                for parameter, saved in zip(_trained(run), snapshot.parameters):
                    parameter.copy_(saved)
            run.optimizer.load_state_dict(copy.deepcopy(snapshot.optimizer))
            if run.scheduler is not None and snapshot.scheduler is not None:
                run.scheduler.load_state_dict(copy.deepcopy(snapshot.scheduler))
            run.done = step
        self._run = run


def _trained(run: _Run) -> list[torch.Tensor]:
    return [p for group in run.optimizer.param_groups for p in group["params"]]
