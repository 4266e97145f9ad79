"""interact(factory): controls for the arguments of *your* code that builds an optimizer and a scheduler.

As ipywidgets' ``interact`` does for any function, each argument of the factory gets a control
from its abbreviation or its default; every change calls the factory on a fresh copy of the model,
and :func:`~lr_widgets.core.simulate.record` runs what it returns (copies again), so any scheduler
built on torch's classes is shown -- Hugging Face / timm style LambdaLR closures included, with no
formula language. The figure, the panel, pins and the code export work as in the Explorer.
"""

from __future__ import annotations

import ast
import copy
import html
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import torch
import traitlets

from .core.errors import InvalidValueError, LrWidgetsError
from .core.introspect import param_names
from .core.simulate import Replay, Trace, classic_step, record
from .core.specs import KNOWN, HyperParam, guess_kind
from .core.toy import quadratic_loss, toy_problem
from .view.abbreviations import abbreviation
from .view.controls import HyperParamControl, widget_for
from .view.frame import STEPS, LiveSchedule
from .view.pins import PinsBar
from .view.plot import Pin

__all__ = ["Interact", "interact"]


def _hyperparam(name: str, default: Any, asked: Any) -> HyperParam:
    """A control's hyperparameter for an argument of the factory: torch's knowledge where the name is torch's.

    As in ipywidgets' ``interact``, the default is an abbreviation too; the kind follows what the
    abbreviation holds (a range's numbers, a list's options, a scalar's type).
    """
    sample = asked.value if hasattr(asked, "value") else asked
    if isinstance(sample, tuple) and sample:
        sample = sample[0] if all(isinstance(v, int) and not isinstance(v, bool) for v in sample) else float(sample[0])
    elif isinstance(sample, list) and sample:
        sample = sample[0]
    kind = "text" if isinstance(sample, str) else guess_kind(sample, None)
    known = KNOWN.get(name, {})
    same = known.get("kind") == kind
    return HyperParam(
        name,
        None if default is inspect.Parameter.empty or isinstance(default, (list, tuple)) else default,
        kind,
        bounds=known.get("bounds") if same else None,
        log=known.get("log", False) and same,
    )


def _built(made: Any, who: str) -> tuple[torch.optim.Optimizer, Any]:
    optimizer, scheduler = made if isinstance(made, tuple) else (made, None)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise InvalidValueError(
            f"{who} must return an optimizer or (optimizer, scheduler): got {type(made).__name__}", "factory"
        )
    return optimizer, scheduler


class Interact(LiveSchedule):
    """The controls of a factory's arguments, the schedule of what it builds, the panel, pins and code.

    Use :func:`interact` to make one. Its state is traits, as the Explorer's: ``trace``, ``status``,
    ``step``, ``pins`` and ``kwargs`` (the arguments of the last call). Its parts are the Explorer's:
    ``schedule`` (figure, step slider, readout, toggles), ``inspector`` (the panel), ``pacer``.
    """

    #: The arguments of the factory's last call (the schedule on screen).
    kwargs = traitlets.Dict(read_only=True)

    def __init__(
        self,
        factory: Callable[..., Any],
        *,
        steps: int = 100,
        model: torch.nn.Module | None = None,
        metric: Any = "loss",
        abbreviations: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%"))
        self.factory, self.model, self.metric = factory, model, metric
        self.who = f"{getattr(factory, '__name__', 'factory')}()"
        self._steps_control = widget_for(STEPS, steps)
        self._arguments_controls: dict[str, HyperParamControl] = {}
        self._fixed: dict[str, Any] = {}
        self._takes_steps = False
        self._pinned_kwargs: dict[str, dict[str, Any]] = {}  # the arguments of each pin, by label
        self._build_controls(dict(abbreviations or {}))
        self._frame(who="interact()", replayer_for=lambda trace: _FactoryRun(self, trace))
        guard = self._guard
        form = widgets.VBox(
            [
                widgets.HTML(f"<b>Arguments of <code>{html.escape(self.who)}</code></b>"),
                *self._arguments_controls.values(),
            ],
            layout=widgets.Layout(width="400px", min_width="400px", margin="0 12px 0 0"),
        )
        bar = widgets.HBox([PinsBar(self, guard), self.downloads], layout=widgets.Layout(flex_flow="row wrap"))
        view = widgets.VBox([self.schedule, self.schedule.options, bar, self.inspector.panel])
        code = widgets.Accordion(
            children=[self.code_view], titles=("Python code for this schedule",), selected_index=None
        )
        self.children = [
            self._steps_control,
            self._status_line.widget,
            widgets.HBox([form, view], layout=widgets.Layout(align_items="flex-start")),
            code,
        ]
        for control in (self._steps_control, *self._arguments_controls.values()):
            control.observe(guard(lambda _: self.pacer.request("update")), "value")
        guard(self._paced)({"update"})

    @property
    def controls(self) -> dict[str, widgets.Widget]:
        """``"steps"``, ``"step"`` and one ``"arg.<name>"`` per argument of the factory that has a control."""
        return {
            "steps": self._steps_control,
            "step": self.schedule.slider,
            **{f"arg.{name}": control for name, control in self._arguments_controls.items()},
        }

    # -- building -------------------------------------------------------------------------
    def _build_controls(self, abbreviations: dict[str, Any]) -> None:
        parameters = list(inspect.signature(self.factory).parameters.values())
        if not parameters:
            raise InvalidValueError(f"{self.who} must take the model as its first argument", "factory")
        for parameter in parameters[1:]:
            name = parameter.name
            if name == "steps":
                self._takes_steps = True
                continue
            if name in abbreviations:
                value = abbreviations.pop(name)
            elif parameter.default is not inspect.Parameter.empty:
                value = parameter.default
            else:
                raise InvalidValueError(f"{self.who}'s argument {name} needs a default or an abbreviation", name)
            asked = abbreviation(_hyperparam(name, parameter.default, value), value)
            if asked.fixed:
                self._fixed[name] = asked.start
                continue
            self._arguments_controls[name] = widget_for(asked.hp, asked.start, label=name)
        if abbreviations:
            raise InvalidValueError(f"{self.who} has no argument {', '.join(abbreviations)}", next(iter(abbreviations)))

    # -- running ----------------------------------------------------------------------------
    def _arguments(self) -> dict[str, Any]:
        kwargs = {name: control.value for name, control in self._arguments_controls.items()}
        kwargs.update(self._fixed)
        if self._takes_steps:
            kwargs["steps"] = self._steps_control.value
        return kwargs

    def _made(self, kwargs: dict[str, Any]) -> tuple[torch.nn.Module, torch.optim.Optimizer, Any, Callable[[], Any]]:
        """A fresh model copy, what the factory builds on it, and a loss to train it on."""
        if self.model is not None:
            model = copy.deepcopy(self.model)
            loss = quadratic_loss(list(model.parameters()))  # as copies of your parameters train in the Explorer
        else:
            problem = toy_problem()
            model, loss = problem.model, problem.loss  # type: ignore[assignment]
        try:
            optimizer, scheduler = _built(self.factory(model, **kwargs), self.who)
        except LrWidgetsError:
            raise
        except Exception as error:  # the user's own code: say where it failed
            raise InvalidValueError(f"{self.who} raised {type(error).__name__}: {error}", "factory") from error
        return model, optimizer, scheduler, loss

    def _work(self, reasons: set[str]) -> None:
        if "update" in reasons:
            self.update()
        elif "inspect" in reasons and self.trace is not None:
            self.inspector.inspect(self.trace, min(self.step, self.trace.steps))

    def update(self) -> None:
        """Call the factory with the controls' values and show what its optimizer and scheduler do."""
        kwargs = self._arguments()
        _, optimizer, scheduler, _ = self._made(kwargs)
        trace = record(optimizer, scheduler, self._steps_control.value, metric=self.metric)  # used by plateaus only
        self.schedule.per_epoch()  # what would stop the drawing stops the update before anything changes
        previous = self.kwargs
        self.set_trait("kwargs", kwargs)  # the panel's runs are built from these
        try:
            self.schedule.show(trace)
            self.inspector.inspect(trace, min(self.step, trace.steps))
        except Exception:  # all or nothing: the last good schedule, and the arguments that made it, stay
            self.set_trait("kwargs", previous)
            if self.trace is not None:
                self.schedule.show(self.trace)
                self.inspector.inspect(self.trace, min(self.step, self.trace.steps))
            raise
        self.set_trait("trace", trace)
        self._show_code(self.code())
        self._say(" ".join(f"torch warned: {message}" for message in trace.warnings))

    def replay(self, step: int) -> Replay:
        """What the factory builds, trained for ``step`` real steps (on the toy problem, or copies of your model)."""
        if self.trace is None:
            raise InvalidValueError("there is no schedule to replay yet")
        return _FactoryRun(self, self.trace).at(step)

    # -- public -------------------------------------------------------------------------------
    def pin(self, label: str | None = None) -> Pin:
        """Keep this schedule on screen as a faded line, labelled with the arguments that made it."""
        self.settle()
        if self.trace is None:
            raise InvalidValueError("there is no schedule to pin yet")
        named = label is not None
        label = label or ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items()) or self.who
        self._pinned_kwargs[label] = dict(self.kwargs)
        return self._pinned(Pin(label, self.trace, named))

    def pin_name(self, pin: Pin) -> str:
        """The user's name for a pin, else the arguments it was made with that differ from those on screen."""
        made_with = self._pinned_kwargs.get(pin.label)
        if pin.named or made_with is None:
            return pin.label
        now = self.kwargs
        differ = [f"{key}={value!r}" for key, value in made_with.items() if key not in now or now[key] != value]
        return ", ".join(differ) or "same as now"

    def code(self) -> str:
        """Your factory, and the classic loop that reproduces the curve with the arguments on screen."""
        try:
            source = textwrap.dedent(inspect.getsource(self.factory))
            definition = next(node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef))
            source = "\n".join(source.splitlines()[definition.lineno - 1 :])  # without @interact(...)
        except (OSError, TypeError, SyntaxError, StopIteration):
            source = f"# the source of {self.who} is not available here"
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items())
        steps = self.trace.steps if self.trace is not None else self._steps_control.value
        name = getattr(self.factory, "__name__", "factory")
        return (
            f"{source}\n\n"
            f"made = {name}(model, {arguments})  # model: your model\n"
            "optimizer, scheduler = made if isinstance(made, tuple) else (made, None)\n"
            'lrs = [[group["lr"] for group in optimizer.param_groups]]\n'
            f"for step in range({steps}):\n"
            "    optimizer.step()  # in training: after loss.backward()\n"
            "    if scheduler is not None:\n"
            "        scheduler.step()\n"
            '    lrs.append([group["lr"] for group in optimizer.param_groups])\n'
        )

    def _file_stem(self) -> str:
        return f"lr_{getattr(self.factory, '__name__', 'factory')}"

    def _controls_to_close(self) -> list[widgets.Widget]:
        return list(self.__dict__.get("_arguments_controls", {}).values())


class _FactoryRun:
    """What the factory builds for one trace, trained forward step by step (the panel's replayer).

    Moving to a later step continues the run; an earlier one starts again from step 0 (a factory's
    objects have no snapshots of ours: its scheduler may hold closures that cannot be copied).
    """

    def __init__(self, owner: Interact, trace: Trace) -> None:
        self.trace = trace
        self._owner = owner
        self._kwargs = dict(owner.kwargs)
        self._restart()

    def _restart(self) -> None:
        self._model, self._optimizer, self._scheduler, loss = self._owner._made(dict(self._kwargs))
        optimizer = self._optimizer

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            value = loss()
            value.backward()
            return value

        self._closure = closure
        self.done = 0

    def cost(self, step: int) -> int:
        """How many training steps :meth:`at` ``(step)`` would take from here."""
        return step - self.done if step >= self.done else step

    def advance(self, step: int, limit: int | None = None) -> bool:
        """Train towards ``step``, at most ``limit`` steps now; whether ``step`` is reached."""
        if step < self.done:
            self._restart()
        end = step if limit is None else min(step, self.done + limit)
        metric = self.trace.metric
        for t in range(self.done, end):
            value = None if metric is None else float(metric[t])
            classic_step(self._optimizer, self._scheduler, t + 1, closure=self._closure, metric=value)
            self.done = t + 1
        return self.done == step

    def at(self, step: int) -> Replay:
        """The factory's optimizer and scheduler after ``step`` real training steps."""
        self.advance(step)
        ids = param_names(self._optimizer, self._model)
        names = {p: ids[id(p)] for group in self._optimizer.param_groups for p in group["params"] if id(p) in ids}
        groups = self.trace.group_names
        return Replay(self._optimizer, self._scheduler, self._model, step, groups, (), names)


def interact(
    factory: Callable[..., Any] | None = None,
    *,
    steps: int = 100,
    model: torch.nn.Module | None = None,
    metric: Any = "loss",
    **abbreviations: Any,
) -> Any:
    """Controls for the arguments of your factory of an optimizer (and scheduler), and what it builds, live.

    ``factory(model, **kwargs)`` returns an optimizer or ``(optimizer, scheduler)`` built on ``model``
    (a fresh copy of ``model=``, or of the toy model, at every call); a ``steps`` argument receives the
    number of steps. Every other argument gets a control, as ipywidgets' ``interact`` makes them: from
    its abbreviation (``lr=(1e-5, 1e-2)`` a slider's range, ``schedule=["cosine", "linear"]`` a dropdown,
    a scalar the start value, ``fixed(v)`` no control) or its default.

    Used as ``@interact(steps=200)`` on a factory, it shows the widget and returns it.

    Returns
    -------
    Interact
    """
    if factory is None:

        def decorate(function: Callable[..., Any]) -> Interact:
            from IPython.display import display

            widget = Interact(function, steps=steps, model=model, metric=metric, abbreviations=abbreviations)
            display(widget)
            return widget

        return decorate
    return Interact(factory, steps=steps, model=model, metric=metric, abbreviations=abbreviations)
