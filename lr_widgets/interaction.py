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
from .view.controls import close_tree, widget_for
from .view.figure import FigureView, StatusLine
from .view.panel import Panel, panel_text
from .view.plot import Pin, SchedulePlot

__all__ = ["Interact", "interact"]

_STEPS = HyperParam("steps", 100, "int", bounds=(10, 1000))


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


class Interact(widgets.VBox):
    """The controls of a factory's arguments, the schedule of what it builds, the panel, pins and code.

    Use :func:`interact` to make one. Its state is traits, as the Explorer's: ``trace``, ``status``,
    ``step`` and ``kwargs`` (the arguments of the last call).
    """

    trace = traitlets.Instance(Trace, allow_none=True)
    status = traitlets.Unicode("")
    step = traitlets.Int(0)
    kwargs = traitlets.Dict()

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
        self._status_line = StatusLine(on_say=lambda message: setattr(self, "status", message))
        self.pins: list[Pin] = []
        self.controls: dict[str, widgets.Widget] = {"steps": widget_for(_STEPS, steps)}
        self._fixed: dict[str, Any] = {}
        self._takes_steps = False
        self._build_controls(dict(abbreviations or {}))
        self.plot = SchedulePlot()
        self.figure = self.plot.figure
        self.figure_view = FigureView(self.plot, "interact()")
        self.controls["step"] = widgets.IntSlider(
            value=0, min=0, max=max(1, steps), description="step", layout=widgets.Layout(width="460px")
        )
        widgets.link((self.controls["step"], "value"), (self, "step"))
        self._readout = widgets.HTML()
        self._panel = Panel()
        self._code = widgets.HTML()
        pin = widgets.Button(description="pin", icon="thumb-tack", tooltip="keep this schedule as a faded line")
        pin.on_click(self._status_line.guard(lambda _: self.pin()))
        form = widgets.VBox(
            [widgets.HTML(f"<b>Arguments of <code>{html.escape(self.who)}</code></b>"), *self._argument_controls()],
            layout=widgets.Layout(width="400px", min_width="400px", margin="0 12px 0 0"),
        )
        view = widgets.VBox([self.figure_view.widget, self.controls["step"], self._readout, pin, self._panel])
        code = widgets.Accordion(children=[self._code], titles=("Python code for this schedule",), selected_index=None)
        self.children = [
            self.controls["steps"],
            self._status_line.widget,
            widgets.HBox([form, view], layout=widgets.Layout(align_items="flex-start")),
            code,
        ]
        for name, control in self.controls.items():
            if name != "step":
                control.observe(self._status_line.guard(lambda _: self.update()), "value")
        self.controls["step"].observe(self._status_line.guard(lambda _: self._inspect()), "value")
        self.figure.canvas.mpl_connect("button_press_event", self._status_line.guard(self._on_click))
        self._status_line.guard(self.update)()

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
            self.controls[f"arg.{name}"] = widget_for(asked.hp, asked.start, label=name)
        if abbreviations:
            raise InvalidValueError(f"{self.who} has no argument {', '.join(abbreviations)}", next(iter(abbreviations)))

    def _argument_controls(self) -> list[widgets.Widget]:
        return [control for name, control in self.controls.items() if name.startswith("arg.")]

    # -- running ----------------------------------------------------------------------------
    def _arguments(self) -> dict[str, Any]:
        kwargs = {name[4:]: control.value for name, control in self.controls.items() if name.startswith("arg.")}
        kwargs.update(self._fixed)
        if self._takes_steps:
            kwargs["steps"] = self.controls["steps"].value
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

    def update(self) -> None:
        """Call the factory with the controls' values and show what its optimizer and scheduler do."""
        kwargs = self._arguments()
        _, optimizer, scheduler, _ = self._made(kwargs)
        trace = record(optimizer, scheduler, self.controls["steps"].value, metric=self.metric)  # used by plateaus only
        self.plot.update(trace)
        self.controls["step"].max = trace.steps
        self.trace, self.kwargs = trace, kwargs
        self._inspect()
        self._code.value = "<pre style='font-size: 12px; margin: 0'>" + html.escape(self.code()) + "</pre>"
        self._status_line.say(" ".join(f"torch warned: {message}" for message in trace.warnings))

    def _inspect(self) -> None:
        if self.trace is None:
            return
        step = min(self.controls["step"].value, self.trace.steps)
        self.plot.set_cursor(step)
        self._readout.value = (
            f"<div style='font-family: monospace; white-space: pre'>{html.escape(self.plot.readout)}</div>"
        )
        self._panel.show(panel_text(self.replay(step), self.trace.group_names))
        self.figure_view.show()

    def replay(self, step: int) -> Replay:
        """What the factory builds, trained for ``step`` real steps (on the toy problem, or copies of your model)."""
        model, optimizer, scheduler, loss = self._made(dict(self.kwargs))
        values = self.trace.metric if self.trace is not None else None

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            value = loss()
            value.backward()
            return value

        for t in range(step):
            classic_step(
                optimizer, scheduler, t + 1, closure=closure, metric=None if values is None else float(values[t])
            )
        ids = param_names(optimizer, model)
        names = {p: ids[id(p)] for group in optimizer.param_groups for p in group["params"] if id(p) in ids}
        return Replay(optimizer, scheduler, model, step, self.trace.group_names if self.trace else ("all",), (), names)

    # -- public -------------------------------------------------------------------------------
    @property
    def panel(self) -> str:
        """The text of the side panel: the optimizer and scheduler at the inspected step."""
        return self._panel.text

    def pin(self, label: str | None = None) -> Pin:
        """Keep this schedule on screen as a faded line, labelled with the arguments that made it."""
        if self.trace is None:
            raise InvalidValueError("there is no schedule to pin yet")
        label = label or ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items()) or self.who
        pinned = Pin(label, self.trace)
        self.pins.append(pinned)
        self.plot.set_pins(self.pins)
        self.figure_view.show()
        return pinned

    def code(self) -> str:
        """Your factory, and the classic loop that reproduces the curve with the arguments on screen."""
        try:
            source = textwrap.dedent(inspect.getsource(self.factory))
            definition = next(node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef))
            source = "\n".join(source.splitlines()[definition.lineno - 1 :])  # without @interact(...)
        except (OSError, TypeError, SyntaxError, StopIteration):
            source = f"# the source of {self.who} is not available here"
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items())
        steps = self.trace.steps if self.trace is not None else self.controls["steps"].value
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

    def _on_click(self, event: Any) -> None:
        if event.inaxes is not None and event.xdata is not None:
            self.controls["step"].value = self.plot.step_at(event.xdata)

    def close(self) -> None:
        """Close the figure and every widget."""
        if "plot" in self.__dict__:
            self.plot.close()
        close_tree(*self.children, self.layout, *self.__dict__.get("controls", {}).values())
        super().close()


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
