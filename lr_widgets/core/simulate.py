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
import functools
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .arguments import check_steps
from .config import Config, same_question
from .errors import (
    IncompatibleError,
    InvalidValueError,
    LrWidgetsError,
    RunLengthError,
    TorchRefusedError,
)
from .fast import fast_schedule
from .introspect import group_lrs, group_momenta
from .loop import Loop
from .metrics import SYNTHETIC_METRICS, check_metric, synthetic_metric
from .private import PRIVATE
from .specs import momentum_key_of, needs_closure, scheduler_spec
from .toy import NamedGroups, ToyProblem, copied_problem, numbered_groups, one_thread, toy_problem

__all__ = [
    "Trace",
    "Replay",
    "Replayer",
    "Built",
    "simulate",
    "record",
    "replay",
    "build",
    "classic_step",
    "loop_iteration",
    "optimizer_step",
    "scheduler_step",
    "objects_on",
    "recording_warnings",
    "warning_messages",
    "same_trajectory",
    "synthetic_metric",
    "SYNTHETIC_METRICS",
]


@dataclass(frozen=True, eq=False)
class Trace:
    """What an optimizer and scheduler did, step by step.

    Attributes
    ----------
    lr
        float64 array of shape ``(steps + 1, n_groups)``: row ``t`` is the LR of each
        param group when optimizer step ``t`` runs (row 0: right after the scheduler is built).
        The last row, ``lr[steps]``, is what ``get_last_lr()`` returns after the run: torch
        computes it, but no optimizer step of the run uses it (see :attr:`after_run`).
    momentum
        Same shape: each group's ``momentum`` or ``betas[0]``, or ``None`` if the optimizer has neither.
    metric
        The ``steps`` values fed to ReduceLROnPlateau (value ``t`` after step ``t + 1``), else ``None``.
    optimizer, scheduler
        Class names as torch spells them (``scheduler`` is ``None`` for a constant LR).
    config
        The resolved :class:`~lr_widgets.core.config.Config` that was run; ``None`` for a trace
        :func:`record` made from your own objects.
    group_names
        One name per param group.
    left_out
        Parameters the optimizer could not take (Muon's 1-D biases).
    warnings
        What torch warned about while running.
    loop
        How the loop stepped the optimizer and the scheduler (:class:`~lr_widgets.core.loop.Loop`).
    intended
        The same question's trace under the classic loop -- the schedule as planned -- when ``loop``
        is another loop; ``None`` when this is the classic loop (see :attr:`planned`).
    step_warnings
        For a loop other than the classic: ``(step, message)`` for each warning torch raised in it, at the
        iteration it came from. (The classic loop's warnings are in ``warnings``: most of its steps are
        computed by the fast path, which raises none.)
    optimizer_lr
        Shape ``(steps, n_groups)``: the LR each iteration's ``optimizer.step()`` ran with, ``nan`` where
        the loop skipped it; ``None`` for the classic loop, whose steps run with ``lr[:-1]`` (see :attr:`used`).
        It differs from ``lr`` where the scheduler steps first, or the objects were rebuilt.
    """

    lr: np.ndarray
    momentum: np.ndarray | None
    metric: np.ndarray | None
    optimizer: str
    scheduler: str | None
    config: Config | None
    group_names: tuple[str, ...]
    left_out: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    loop: Loop = field(default_factory=Loop)
    intended: Trace | None = field(default=None, repr=False)
    step_warnings: tuple[tuple[int, str], ...] = ()
    optimizer_lr: np.ndarray | None = field(default=None, repr=False)

    @property
    def used(self) -> np.ndarray:
        """The LR each optimizer step ran with (``nan``: skipped), shape ``(steps, n_groups)``."""
        return self.lr[:-1] if self.optimizer_lr is None else self.optimizer_lr

    @property
    def planned(self) -> Trace:
        """The schedule as planned: the classic loop's trace of the same question (this one, for the classic loop)."""
        return self if self.intended is None else self.intended

    @property
    def bent(self) -> bool:
        """Whether the loop gave another schedule than the classic loop would: another LR or momentum
        at any step, or an optimizer step run with another LR (or skipped)."""
        planned = self.planned
        if planned is self:
            return False
        same_momentum = (self.momentum is None) == (planned.momentum is None) and (
            self.momentum is None or np.array_equal(self.momentum, planned.momentum)
        )
        same_steps = np.array_equal(self.used, planned.used, equal_nan=True)
        return not (np.array_equal(self.lr, planned.lr) and same_momentum and same_steps)

    @property
    def optimizer_kwargs(self) -> Mapping[str, Any]:
        """The optimizer's arguments as torch was given them (empty for a recorded trace)."""
        return self.config.optimizer_kwargs if self.config else {}

    @property
    def scheduler_kwargs(self) -> Mapping[str, Any]:
        """The scheduler's arguments as torch was given them, with the ones torch requires filled in."""
        return self.config.scheduler_kwargs if self.config else {}

    @property
    def param_groups(self) -> tuple[Mapping[str, Any], ...]:
        """The per-group overrides (one empty dict per group for a recorded trace)."""
        return self.config.param_groups if self.config else tuple({} for _ in self.group_names)

    @property
    def notes(self) -> tuple[str, ...]:
        """What torch ran but documents otherwise (milestones out of order ...), in sentences."""
        return self.config.notes if self.config else ()

    @property
    def filled(self) -> Mapping[str, Any]:
        """The arguments torch requires that were left out, and the values they were given."""
        return self.config.filled if self.config else {}

    @property
    def metric_source(self) -> str | None:
        """The name of the built-in metric curve, when ``metric`` was given by name."""
        return self.config.metric_source if self.config else None

    @property
    def after_run(self) -> np.ndarray:
        """The LR after the last step (``lr[steps]``): torch computes it, no step of the run uses it."""
        return self.lr[-1]

    @property
    def steps(self) -> int:
        """The number of optimizer steps simulated."""
        return self.lr.shape[0] - 1

    def csv(self) -> str:
        """One row per step: the LR (and momentum) of each group, and the metric."""
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
        if self.optimizer_lr is not None:  # another loop: the LR each optimizer step ran with (blank: skipped)
            for g, name in enumerate(self.group_names):
                columns.append(np.concatenate([self.optimizer_lr[:, g], [np.nan]]))
                header.append(f"optimizer_lr[{name}]")
        table = np.column_stack(columns)
        rows = [",".join(header)]
        for row in table:
            rows.append(
                ",".join("" if np.isnan(v) else (str(int(v)) if i == 0 else repr(float(v))) for i, v in enumerate(row))
            )
        return "\n".join(rows) + "\n"

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`csv` to ``path``."""
        with open(path, "w", encoding="utf-8") as out:
            out.write(self.csv())


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
        r"^Invalid (learning rate|beta parameter at index \d|\w+ values?): (.+)$",
        lambda m, who: InvalidValueError(
            f"{who} refuses {_torch_word(m.group(1))} = {m.group(2)} (torch says: {m.string})",
            _torch_word(m.group(1)),
        ),
    ),
    (
        r"(\w+) has (\d+) values, param_groups has (\d+)",
        lambda m, who: IncompatibleError(
            f"{who}: {m.group(1)} has {m.group(2)} values but the optimizer has {m.group(3)} param groups: "
            "give one value, or one per group",
            m.group(1),
        ),
    ),
    (
        r"^Expected (?P<what>[^,]*?)\b(?P<arg>\w*_\w*|epochs)\b(?P<rest>[^,]*), but got (?P<got>.+)$",
        lambda m, who: InvalidValueError(
            f"{who} refuses {m['arg']} = {m['got']}: torch expects {m['what']}{m['arg']}{m['rest']}", m["arg"]
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


#: torch's words in "Invalid ...: value" -> the argument's name.
_TORCH_WORDS = {"learning rate": "lr", "beta parameter": "betas", "epsilon": "eps", "eta": "etas"}


def _torch_word(phrase: str) -> str:
    phrase = phrase.split(" at ")[0]
    first = phrase.split()[0]
    return _TORCH_WORDS.get(phrase) or _TORCH_WORDS.get(first) or first


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
def _build_scheduler(
    optimizer: torch.optim.Optimizer, name: str, kwargs: Mapping[str, Any], last_epoch: int | None = None
) -> Any:
    """The scheduler ``name`` on ``optimizer``, composites child by child; with ``last_epoch``, each built
    with it (as a run resumed from a checkpoint builds them)."""
    spec = scheduler_spec(name)
    if last_epoch is not None and spec.takes_last_epoch:
        kwargs = {**kwargs, "last_epoch": last_epoch}
    elif last_epoch is not None and not spec.composite:
        raise IncompatibleError(
            f"{spec.name} takes no last_epoch: resume it with its state_dict (resume='full')", "resume"
        )
    if spec.composite:
        children = [
            _build_scheduler(optimizer, child, child_kwargs, last_epoch) for child, child_kwargs in kwargs["schedulers"]
        ]
        kwargs = {**kwargs, "schedulers": children}
        if not spec.sequential:  # ChainedScheduler takes the optimizer as a keyword after the children
            with _speaking_for(spec.name):
                return spec.cls(optimizer=optimizer, **kwargs)
    with _speaking_for(spec.name):
        return spec.cls(optimizer, **kwargs)


def _no_loss() -> torch.Tensor:
    """A closure with no gradients: LBFGS takes one step at once, as others do with no ``.grad``.

    The schedule does not depend on the gradients, so simulate() need not compute them.
    """
    return torch.zeros(())


@dataclass
class Built:
    """The torch objects of a config: a real optimizer and scheduler on a fresh toy problem (or copies of yours)."""

    optimizer: torch.optim.Optimizer
    scheduler: Any
    problem: ToyProblem


def build(config: Config, *, parameters: NamedGroups | None = None) -> Built:
    """The real optimizer and scheduler ``config`` describes, on a fresh toy problem.

    Parameters
    ----------
    parameters
        Named parameters per param group: the optimizer then holds *copies* of them.
    """
    config = config.resolved()
    spec = config.optimizer_spec
    if parameters is not None:
        problem = copied_problem(parameters, only_2d=spec.only_2d)
    else:
        problem = toy_problem(len(config.param_groups), sparse=spec.sparse_gradients, only_2d=spec.only_2d)
    if sum(1 for members in problem.groups if members) != len(config.param_groups):
        raise IncompatibleError(
            f"{spec.name} takes only 2-D parameters and a group of the toy model has none: use fewer groups",
            "param_groups",
        )
    optimizer, scheduler = _objects(config, problem)
    return Built(optimizer, scheduler, problem)


def _objects(config: Config, problem: ToyProblem, *, scheduler: bool = True) -> tuple[torch.optim.Optimizer, Any]:
    """A new optimizer on ``problem``'s parameters and a new scheduler on it (``scheduler=False``: none
    yet), both as ``config`` builds them at the start of a run."""
    groups = [
        {"params": [p for _, p in members], **copy.deepcopy(dict(overrides))}  # torch writes into a tensor lr
        for members, overrides in zip(problem.groups, config.param_groups)
        if members
    ]
    return objects_on(groups, config, scheduler=scheduler)


def objects_on(params: Iterable[Any], config: Config, *, scheduler: bool = True) -> tuple[torch.optim.Optimizer, Any]:
    """A new optimizer of ``config`` on ``params`` (what torch's optimizers take: tensors, or param-group
    dicts) with ``config``'s optimizer arguments, and a new scheduler on it (``scheduler=False`` or none in
    ``config``: ``None``), torch's refusals in words. ``config`` is resolved."""
    spec = config.optimizer_spec
    with _speaking_for(spec.name):
        optimizer = spec.cls(params, **copy.deepcopy(dict(config.optimizer_kwargs)))
    if config.scheduler is None or not scheduler:
        return optimizer, None
    return optimizer, _build_scheduler(optimizer, config.scheduler, config.scheduler_kwargs)


#: New objects as built at the start of the run (``False``: the optimizer only, the scheduler ``None``).
Fresh = Callable[[bool], tuple[torch.optim.Optimizer, Any]]


def _rebuilt(
    resume: str,
    t: int,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    fresh: Fresh,
    with_last_epoch: Callable[[torch.optim.Optimizer, int], Any],
) -> tuple[torch.optim.Optimizer, Any]:
    """The objects of a run resumed from a checkpoint at iteration ``t`` (see :mod:`~lr_widgets.core.loop`):
    ``fresh`` ones, loading what ``resume`` says; ``with_last_epoch`` builds the scheduler with ``last_epoch``."""
    saved = copy.deepcopy(optimizer.state_dict())  # as torch.save / torch.load would give it back
    if resume == "last_epoch":
        new, _ = fresh(False)
        new.load_state_dict(saved)
        return new, None if scheduler is None else with_last_epoch(new, t - 1)
    new, new_scheduler = fresh(True)
    if resume in ("full", "optimizer_only"):
        new.load_state_dict(saved)
    if resume == "full" and new_scheduler is not None:
        new_scheduler.load_state_dict(copy.deepcopy(scheduler.state_dict()))
    return new, new_scheduler


def loop_iteration(
    loop: Loop,
    t: int,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    resumed: Callable[[torch.optim.Optimizer, Any, int], tuple[torch.optim.Optimizer, Any]],
    *,
    closure: Callable[[], torch.Tensor] | None = None,
    metric: float | None = None,
) -> tuple[torch.optim.Optimizer, Any, np.ndarray]:
    """Iteration ``t`` of ``loop`` (see :mod:`~lr_widgets.core.loop`): the objects afterwards (``resumed``
    ones where the loop resumes) and the LR its optimizer step ran with (``nan`` where it skipped it)."""
    if loop.resumes(t):
        optimizer, scheduler = resumed(optimizer, scheduler, t)
    stepping = loop.steps_scheduler(t)
    if loop.scheduler_first and stepping:
        scheduler_step(scheduler, t + 1, metric=metric)
    if loop.skips(t):
        used = np.full(len(optimizer.param_groups), np.nan)
        if closure is not None and not needs_closure(optimizer):
            closure()  # the gradients of a skipped step are computed all the same (GradScaler's overflow)
    else:
        used = group_lrs(optimizer)
        optimizer_step(optimizer, t + 1, closure=closure)
    if not loop.scheduler_first and stepping:
        scheduler_step(scheduler, t + 1, metric=metric)
    return optimizer, scheduler, used


def classic_step(
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    step: int,
    *,
    closure: Callable[[], torch.Tensor] | None = None,
    metric: float | None = None,
) -> None:
    """Step ``step`` of the classic loop: ``optimizer.step()``, then ``scheduler.step()`` (with ``metric``).

    ``closure`` computes a loss and its gradients (a real training step); without one the
    optimizer steps on whatever gradients there are (none: only the schedule moves). An optimizer
    that needs a closure (LBFGS) always gets one. torch's errors are said in plain words, with the step.
    """
    optimizer_step(optimizer, step, closure=closure)
    scheduler_step(scheduler, step, metric=metric)


def optimizer_step(
    optimizer: torch.optim.Optimizer, step: int, *, closure: Callable[[], torch.Tensor] | None = None
) -> None:
    """``optimizer.step()`` of step ``step`` (after ``closure``, or with it for LBFGS), torch's errors in words."""
    with _speaking_for(type(optimizer).__name__, f" at step {step}"):
        if needs_closure(optimizer):
            optimizer.step(closure or _no_loss)
        else:
            if closure is not None:
                closure()
            optimizer.step()


def scheduler_step(scheduler: Any, step: int, *, metric: float | None = None) -> None:
    """``scheduler.step()`` (with ``metric``) of step ``step``, torch's errors in words; nothing without one."""
    if scheduler is not None:
        with _speaking_for(type(scheduler).__name__, f" at step {step}"):
            scheduler.step(metric) if metric is not None else scheduler.step()


class _Run:
    """The loop of a config (by default the classic one) on its objects, one step at a time."""

    def __init__(self, config: Config, parameters: NamedGroups | None = None) -> None:
        self.config = config
        built = build(config, parameters=parameters)
        self.optimizer, self.scheduler, self.toy = built.optimizer, built.scheduler, built.problem
        self.done = 0
        #: The LR the last iteration's optimizer step ran with (nan: skipped); kept by loops other than the classic.
        self.used: np.ndarray | None = None

    def _closure(self) -> torch.Tensor:
        self.optimizer.zero_grad()
        loss = self.toy.loss()
        loss.backward()
        return loss

    def advance(self, train: bool) -> None:
        """One iteration of the loop: an optimizer step (a real training step if ``train``) and a scheduler
        step, in the loop's order, unless it skips them; a resume first where the loop resumes."""
        t, loop = self.done, self.config.loop
        metric = None if self.config.metric is None else float(self.config.metric[t])
        self.done += 1
        if loop.classic:
            classic_step(
                self.optimizer, self.scheduler, self.done, closure=self._closure if train else None, metric=metric
            )
            return
        self.optimizer, self.scheduler, self.used = loop_iteration(
            loop,
            t,
            self.optimizer,
            self.scheduler,
            self._resumed,
            closure=self._closure if train else None,
            metric=metric,
        )

    def _resumed(self, optimizer: torch.optim.Optimizer, scheduler: Any, t: int) -> tuple[torch.optim.Optimizer, Any]:
        config = self.config

        def with_last_epoch(new: torch.optim.Optimizer, last_epoch: int) -> Any:
            with _speaking_for(str(config.scheduler), f" resumed at step {t}"):
                return _build_scheduler(new, str(config.scheduler), config.scheduler_kwargs, last_epoch=last_epoch)

        return _rebuilt(
            config.loop.resume,
            t,
            optimizer,
            scheduler,
            lambda both: _objects(config, self.toy, scheduler=both),
            with_last_epoch,
        )

    def lrs(self) -> np.ndarray:
        return group_lrs(self.optimizer)

    def momenta(self) -> np.ndarray | None:
        return group_momenta(self.optimizer, self.config.optimizer_spec.momentum_key)


@contextmanager
def recording_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Every warning raised inside the block, each time it is raised, kept in the list it yields."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def _label(warned: dict[tuple[int, str], None], new: list[warnings.WarningMessage], t: int) -> None:
    """Keep each warning raised at iteration ``t`` as ``(t, message)``, once."""
    warned.update(((t, str(w.message)), None) for w in new)


def warning_messages(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    """The texts of ``caught``, each once, in order."""
    return tuple(dict.fromkeys(str(w.message) for w in caught))


#: Steps always taken by the real loop, also when the fast path computes the rest: they
#: surface torch's own errors and warnings of the first steps, and check the fast path's rows.
GUARD_STEPS = 3


def _schedule(
    config: Config,
    caught: list[warnings.WarningMessage] | None = None,
    warned: dict[tuple[int, str], None] | None = None,
) -> tuple[_Run, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The LR (and momentum) rows 0..steps: the real loop's first steps, then the fast path or the loop;
    and for another loop than the classic, the LR each optimizer step ran with (see ``Trace.optimizer_lr``).

    Only the classic loop takes the fast path. With ``caught`` (the warnings being recorded), each
    warning raised in the loop goes into ``warned`` with the iteration it came from.
    """
    run = _Run(config)
    n_groups = len(run.optimizer.param_groups)
    lr = np.empty((config.steps + 1, n_groups), dtype=np.float64)
    first_momenta = run.momenta()
    momentum = None if first_momenta is None else np.empty_like(lr)
    lr[0] = run.lrs()
    if momentum is not None:
        momentum[0] = first_momenta
    used = None if config.loop.classic else np.empty((config.steps, n_groups), dtype=np.float64)

    def loop(first: int, last: int) -> None:
        for t in range(first, last + 1):
            seen = 0 if caught is None else len(caught)
            run.advance(train=False)
            if caught is not None and warned is not None:
                _label(warned, caught[seen:], t - 1)
            lr[t] = run.lrs()
            if momentum is not None:
                momentum[t] = run.momenta()
            if used is not None:
                used[t - 1] = run.used

    loop_until = config.steps
    if config.loop.classic:
        caught = None  # the classic loop's warnings are the trace's warnings: most of its steps are computed
    if config.scheduler is not None and config.steps > GUARD_STEPS and config.loop.classic:
        loop_until = GUARD_STEPS
    loop(1, loop_until)
    if loop_until == config.steps:
        return run, lr, momentum, used
    key = config.optimizer_spec.momentum_key
    computed = fast_schedule(_Run(config).scheduler, config.steps, key, config.metric)
    if computed is not None and _agrees(computed, lr, momentum, loop_until):
        fast_lr, fast_momentum = computed
        lr[loop_until + 1 :] = fast_lr[loop_until:]
        if momentum is not None and fast_momentum is not None:
            momentum[loop_until + 1 :] = fast_momentum[loop_until:]
        return run, lr, momentum, used
    loop(loop_until + 1, config.steps)
    return run, lr, momentum, used


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
    optimizer: str | Config = "SGD",
    optimizer_kwargs: Mapping[str, Any] | None = None,
    scheduler: str | None = "CosineAnnealingLR",
    scheduler_kwargs: Mapping[str, Any] | None = None,
    steps: int = 100,
    *,
    param_groups: Sequence[Mapping[str, Any]] | None = None,
    metric: str | Sequence[float] | np.ndarray | None = None,
    loop: Loop | None = None,
) -> Trace:
    """Run a real torch optimizer and scheduler on a toy model and record the LR at every step.

    Parameters
    ----------
    optimizer
        A ``torch.optim`` class name, e.g. ``"AdamW"`` -- or a whole :class:`Config`, and nothing else.
    optimizer_kwargs
        Its arguments, named as torch names them; the ones left out keep torch's defaults.
    scheduler
        A scheduler class name, or ``None`` for a constant LR.
    scheduler_kwargs
        Its arguments. Left out ones keep torch's defaults, at the top level and inside
        ``SequentialLR`` / ``ChainedScheduler`` alike; only those torch requires are filled in
        (``T_max``, ``T_0``, ``total_steps`` from ``steps``, or from the segment inside SequentialLR),
        and ``trace.filled`` says which. Composites take ``schedulers`` as a list of
        ``(name, kwargs)``. ``lr_lambda`` / ``scale_fn`` are formulas (``"0.95 ** epoch"``) or callables.
    steps
        The number of optimizer steps.
    param_groups
        One dict of optimizer-argument overrides per param group, e.g.
        ``[{"lr": 1e-4}, {"lr": 1e-3}]`` for the body and head of the toy model.
    metric
        For ReduceLROnPlateau: one value per step, or ``"loss"`` / ``"accuracy"``
        for a built-in curve. Other schedulers ignore it.
    loop
        How the training loop steps them (:class:`~lr_widgets.core.loop.Loop`: call order, skipped
        optimizer steps, per-epoch stepping, a resume from a checkpoint); by default the classic
        loop. The trace then also carries the classic loop's schedule as ``trace.intended``.

    Returns
    -------
    Trace

    Raises
    ------
    LrWidgetsError
        A subclass naming the argument and what to change. Only what torch refuses (or
        what cannot be computed) is an error; what torch runs but documents otherwise is
        run, and said in ``trace.notes``.
    """
    if isinstance(optimizer, Config):
        config = optimizer if loop is None else optimizer.replace(loop=loop)
    else:
        config = Config(optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps, param_groups, metric)
        config = config if loop is None else config.replace(loop=loop)
    config = config.resolved()
    intended = None
    if not config.loop.classic:
        intended = simulate(config.replace(loop=Loop()))
    warned: dict[tuple[int, str], None] = {}
    with recording_warnings() as caught, one_thread():
        run, lr, momentum, used = _schedule(config, caught, warned)
    return Trace(
        lr=lr,
        momentum=momentum,
        metric=config.metric,
        optimizer=config.optimizer,
        scheduler=config.scheduler,
        config=config,
        group_names=run.toy.group_names,
        left_out=run.toy.left_out,
        warnings=warning_messages(caught),
        loop=config.loop,
        intended=intended,
        step_warnings=tuple(warned),
        optimizer_lr=used,
    )


# --------------------------------------------------------------------------------------
# your own objects
# --------------------------------------------------------------------------------------
def _copies(
    optimizer: torch.optim.Optimizer, scheduler: Any, *, memo: dict[int, Any] | None = None
) -> tuple[torch.optim.Optimizer, Any]:
    """Deep copies of both, the copied scheduler holding the copied optimizer; the copies have no gradients.

    ``memo`` is :func:`copy.deepcopy`'s: ``{id(parameter): parameter to use instead}`` keeps parameters.
    """
    opt, sched = copy.deepcopy((optimizer, scheduler), memo)
    # A scheduler wraps optimizer.step to notice the order of calls. A copy of the optimizer leaves the
    # wrapper behind (Optimizer.__getstate__ keeps only its state), and the wrapper itself holds a weak
    # reference to the original: wrap the copy's step anew, or torch warns that step() was overridden.
    if sched is not None and not hasattr(opt.step, PRIVATE["wrapped_by_lr_sched"]):
        opt.step = _tracking_step(opt, type(opt).step)  # type: ignore[method-assign]
    for group in opt.param_groups:
        for parameter in group["params"]:
            parameter.grad = None  # the schedule needs no gradients; stale ones would only cost time
    return opt, sched


def _tracking_step(opt: torch.optim.Optimizer, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def step(*args: Any, **kwargs: Any) -> Any:
        setattr(opt, PRIVATE["opt_called"], True)
        return func.__get__(opt, type(opt))(*args, **kwargs)

    setattr(step, PRIVATE["wrapped_by_lr_sched"], True)
    return step


def record(
    optimizer: torch.optim.Optimizer,
    scheduler: Any = None,
    steps: int = 100,
    *,
    metric: str | Sequence[float] | np.ndarray | None = None,
    loop: Loop | None = None,
) -> Trace:
    """Run the classic loop (or ``loop``) on copies of *your* optimizer and scheduler and record the LR at every step.

    Works with any ``torch.optim.Optimizer`` and any scheduler built on torch's classes
    (``LambdaLR`` with your own functions, ``SWALR``, ``SequentialLR`` objects, schedulers
    from other libraries), from the state they are in now. Your objects are deep-copied
    first and never touched: their ``state_dict``, ``param_groups`` and parameters stay
    bit-identical.

    Parameters
    ----------
    optimizer
        Your optimizer.
    scheduler
        Your scheduler, or ``None`` for a constant LR.
    steps
        The number of optimizer steps.
    metric
        For ReduceLROnPlateau: one value per step, or ``"loss"`` / ``"accuracy"``.
    loop
        How your training loop steps them (:class:`~lr_widgets.core.loop.Loop`); the trace then also
        carries the classic loop's as ``trace.intended``. A resume rebuilds both objects as they are
        now (deep copies) and loads the states as ``loop.resume`` says; ``resume="last_epoch"`` needs
        the scheduler's constructor arguments, which only :func:`simulate` has.

    Returns
    -------
    Trace
        Row ``t`` of ``lr`` is each param group's ``lr`` before iteration ``t``; ``config`` is ``None``.
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise InvalidValueError(
            f"record takes your torch optimizer (and scheduler): got {type(optimizer).__name__}", "optimizer"
        )
    steps = check_steps(steps)
    loop = Loop() if loop is None else loop
    if not isinstance(loop, Loop):
        raise InvalidValueError(f"loop is a Loop(...), e.g. Loop(scheduler_first=True): got {loop!r}", "loop")
    if loop.resume_at is not None and loop.resume == "last_epoch" and scheduler is not None:
        raise IncompatibleError(
            "record cannot build your scheduler again with last_epoch: lr_widgets does not know the arguments "
            "it was built with. Resume with resume='full', 'optimizer_only' or 'nothing', or simulate it by name",
            "resume",
        )
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    values = check_metric(metric, steps) if plateau else None
    intended = None if loop.classic else record(optimizer, scheduler, steps, metric=values)
    warned: dict[tuple[int, str], None] = {}
    with recording_warnings() as caught:
        opt, sched = _copies(optimizer, scheduler)
        # "as built at the start": as you handed them over (sharing the parameters, which the resume maps anyway)
        shared = {id(p): p for p in _parameters_of(opt)}
        start = copy.deepcopy((opt, sched), shared) if loop.resume_at is not None else None
        key = momentum_key_of(opt.defaults)
        n_groups = len(opt.param_groups)
        lr = np.empty((steps + 1, n_groups), dtype=np.float64)
        first = group_momenta(opt, key)
        momentum = None if first is None else np.empty_like(lr)
        used = None if loop.classic else np.empty((steps, n_groups), dtype=np.float64)
        who, sched_name = type(opt).__name__, None if sched is None else type(sched).__name__

        def resumed(old: torch.optim.Optimizer, old_sched: Any, t: int) -> tuple[torch.optim.Optimizer, Any]:
            def fresh(both: bool) -> tuple[torch.optim.Optimizer, Any]:
                # the objects as they were at the start, on the parameters the run has now
                assert start is not None
                memo = {id(a): b for a, b in zip(_parameters_of(start[0]), _parameters_of(old))}
                return _copies(*start, memo=memo) if both else (_copies(start[0], None, memo=memo)[0], None)

            return _rebuilt(loop.resume, t, old, old_sched, fresh, lambda *_: None)

        for t in range(steps + 1):
            lr[t] = group_lrs(opt)
            if momentum is not None:
                momentum[t] = group_momenta(opt, key)
            if t == steps:
                break
            value = None if values is None else float(values[t])
            if used is None:
                classic_step(opt, sched, t + 1, metric=value)
                continue
            seen = len(caught)
            opt, sched, used[t] = loop_iteration(loop, t, opt, sched, resumed, metric=value)
            _label(warned, caught[seen:], t)
    return Trace(
        lr=lr,
        momentum=momentum,
        metric=values,
        optimizer=who,
        scheduler=sched_name,
        config=None,
        group_names=numbered_groups(n_groups),
        warnings=warning_messages(caught),
        loop=loop,
        intended=intended,
        step_warnings=tuple(warned),
        optimizer_lr=used,
    )


def _parameters_of(optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    return [p for group in optimizer.param_groups for p in group["params"]]


# --------------------------------------------------------------------------------------
# replaying: the optimizer's state at a step
# --------------------------------------------------------------------------------------
def _check_replay(trace: Trace, step: Any, parameters: NamedGroups | None) -> Config:
    if trace.config is None:
        raise IncompatibleError(
            "this trace was recorded from your own objects: replay them with your own training loop", "trace"
        )
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step <= trace.steps:
        raise RunLengthError(f"step must be a whole number from 0 to {trace.steps}: got {step!r}", "step")
    if parameters is not None and len(parameters) != len(trace.param_groups):
        raise IncompatibleError(
            f"the trace has {len(trace.param_groups)} param groups but {len(parameters)} were given", "param_groups"
        )
    return trace.config


def _threads_for(parameters: NamedGroups | None) -> AbstractContextManager[None]:
    """One torch thread for the toy model; torch's own setting for copies of your parameters (they may be large)."""
    return one_thread() if parameters is None else nullcontext()


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
    config = _check_replay(trace, step, parameters)
    with recording_warnings(), _threads_for(parameters):
        run = _Run(config, parameters)
        for _ in range(int(step)):
            run.advance(train=True)
    return _as_replay(run)


@dataclass
class _Snapshot:
    parameters: list[torch.Tensor]
    optimizer: dict[str, Any]
    scheduler: dict[str, Any] | None
    #: Each param group's keys in order: loading a state_dict puts "params" last, a resumed run has it so
    orders: list[list[str]]


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
        self._config = _check_replay(trace, 0, parameters)
        self.trace = trace
        self._parameters = parameters
        self._run: _Run | None = None
        self._ahead: _Run | None = None  # the run prepare() trains ahead with
        self._snapshots: dict[int, _Snapshot] = {}
        self._every = every
        self._memory = memory

    @property
    def on_your_parameters(self) -> bool:
        """Whether it trains copies of your own parameters (which may be large), not the toy model."""
        return self._parameters is not None

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
        with recording_warnings(), _threads_for(self._parameters):
            while run.done < step and (limit is None or taken < limit):
                run.advance(train=True)
                taken += 1
                if run.done % self.every == 0 and run.done not in self._snapshots:
                    self._save(run)
        return run.done == step

    def prepare(self, limit: int, until: int | None = None) -> int:
        """Train ahead for visits to come: at most ``limit`` steps on from the last snapshot, towards step
        ``until`` (by default the run's end), saving snapshots on the way; the number of steps taken
        (0: nothing left to do).

        It trains a run of its own, so the one :meth:`at` returned stays where it is. Afterwards every
        step up to ``until`` is at most :attr:`every` training steps from a snapshot. Only on the toy
        model: copies of your own parameters may be large, and train only when a step is asked for.
        """
        if self.on_your_parameters:
            return 0
        end = self.trace.steps if until is None else min(int(until), self.trace.steps)
        last = max((k for k in self._snapshots if k <= end), default=0)
        if end - last < self.every:
            return 0
        ahead = self._ahead
        if ahead is None or not last <= ahead.done <= end:
            ahead = self._ahead = self._restored(last)
        taken = 0
        with recording_warnings(), _threads_for(self._parameters):
            while ahead.done < end and taken < limit:
                ahead.advance(train=True)
                taken += 1
                if ahead.done % self.every == 0 and ahead.done not in self._snapshots:
                    self._save(ahead)
        return taken

    def retrace(self, trace: Trace) -> bool:
        """Take ``trace`` instead, keeping the snapshots, if it trains the same way; whether it does.

        Two traces train the same way up to the shorter one's end when they ask the same optimizer and
        scheduler with the same resolved arguments and metric values, only for another number of steps
        (a run length given by hand, not following ``steps``); on your own parameters too, as this
        replayer's copies are the same. Snapshots past the new end are dropped.
        """
        if trace is self.trace:
            return True
        if not same_trajectory(self.trace, trace):
            return False
        self.trace, self._config = trace, trace.config
        self._snapshots = {k: v for k, v in self._snapshots.items() if k <= trace.steps}
        self._ahead = None
        if self._run is not None and self._run.done > trace.steps:
            self._run = None
        elif self._run is not None:
            self._run.config = trace.config  # the metric it reads from now on
        return True

    def _live(self) -> _Run:
        if self._run is None:
            self._run = self._fresh()
        return self._run

    def _fresh(self) -> _Run:
        with recording_warnings(), _threads_for(self._parameters):
            return _Run(self._config, self._parameters)

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
            [list(group) for group in run.optimizer.param_groups],
        )

    def _restore(self, step: int) -> None:
        self._run = self._restored(step)

    def _restored(self, step: int) -> _Run:
        """A new run at ``step``, from its snapshot (at step 0 without one)."""
        run = self._fresh()
        snapshot = self._snapshots.get(step)
        if snapshot is not None:
            with torch.no_grad():
                for parameter, saved in zip(_trained(run), snapshot.parameters):
                    parameter.copy_(saved)
            run.optimizer.load_state_dict(copy.deepcopy(snapshot.optimizer))
            for group, keys in zip(run.optimizer.param_groups, snapshot.orders):  # as the run had them
                ordered = {key: group[key] for key in keys if key in group}
                ordered.update(group)
                group.clear()
                group.update(ordered)
            if run.scheduler is not None and snapshot.scheduler is not None:
                run.scheduler.load_state_dict(copy.deepcopy(snapshot.scheduler))
            run.done = step
        return run


def same_trajectory(a: Trace, b: Trace) -> bool:
    """Whether two traces train the toy model the same way up to the shorter one's end.

    True when they differ at most in ``steps`` (with every run length resolved to the same value) and
    their metrics agree step by step.
    """
    if not same_question(a.config, b.config, apart_from=("steps", "metric", "filled", "notes", "metric_source")):
        return False
    if (a.config.metric is None) != (b.config.metric is None):
        return False
    short = min(a.steps, b.steps)
    return a.config.metric is None or np.array_equal(a.config.metric[:short], b.config.metric[:short])


def _trained(run: _Run) -> list[torch.Tensor]:
    return _parameters_of(run.optimizer)
