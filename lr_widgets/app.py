"""Explorer: wires the controls to the core and the view; the one place that catches errors.

Every callback goes through :meth:`Explorer._guard`, which shows any mistake in the
status line. A failed update changes nothing on screen but that line: the figure
and the panel keep the last good schedule, and the controls stay as the user left them.
"""

from __future__ import annotations

import html
import inspect
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import traitlets

from .core.adopt import adopt
from .core.arguments import tied_length, tied_run_lengths
from .core.code import python_code
from .core.config import Config
from .core.errors import IncompatibleError, LrWidgetsError
from .core.marks import schedule_marks
from .core.simulate import Replay, Replayer, Trace, simulate
from .core.specs import MISSING, HyperParam, optimizer_spec, optimizer_specs, scheduler_spec, scheduler_specs
from .core.toy import GROUP_LAYERS, MAX_GROUPS, NamedGroups
from .view.abbreviations import abbreviation, sort_abbreviations
from .view.composer import Composer, warmup_then
from .view.controls import HyperParamControl, close_tree, raised, replace_children, widget_for
from .view.figure import FigureView, StatusLine
from .view.pacing import Pacer, running_loop
from .view.panel import Panel, panel_text
from .view.plot import PROJECTOR, Pin, SchedulePlot

__all__ = ["Explorer", "explore", "DEFAULT"]

_STEPS = HyperParam("steps", 100, "int", bounds=(10, 1000))
_STEPS_PER_EPOCH = HyperParam("steps_per_epoch", 1, "int", bounds=(1, 500))
_GROUP_KEYS = ("lr", "weight_decay")
#: Training steps the panel replays at once; a longer replay goes on in chunks of this size
#: between the kernel's other messages, so the figure and the controls keep answering.
PANEL_CHUNK = 200


def _section(title: str) -> widgets.HTML:
    return widgets.HTML(f"<b>{title}</b>", layout=widgets.Layout(margin="8px 0 2px 0"))


class Explorer(widgets.VBox):
    """Pick an optimizer, a scheduler and their hyperparameters; see the schedule torch computes.

    Its state is traits that your code can observe, as the views do:
    ``explorer.observe(callback, names="trace")``. ``config`` is the question the controls asked last
    (``simulate(explorer.config)`` gives ``trace``), ``trace`` the last schedule computed and shown,
    ``status`` the status line's text, ``step`` the inspected step (setting it moves the cursor).

    Parameters
    ----------
    optimizer, scheduler
        Class names as torch spells them (``scheduler=None`` for a constant LR).
    steps
        The number of optimizer steps to simulate.
    optimizer_kwargs, scheduler_kwargs
        Start values for their arguments.
    param_groups
        One dict of overrides per param group of the toy model (1 to 3 groups).
    metric
        The metric fed to ReduceLROnPlateau: a built-in curve's name or one value per step.
    steps_per_epoch
        For the x axis in epochs.
    parameters
        Named parameters per param group (``explore`` passes your optimizer's): the panel then
        shows the state of *copies* of them, trained step by step, instead of the toy model's.
    projector
        Large type, thick lines and high-contrast colours, for a projector in a classroom.
    abbreviations
        Controls asked for by torch's argument names, as ipywidgets' ``interact`` takes them:
        ``{"max_lr": (1e-4, 1e-1), "three_phase": fixed(True), "anneal_strategy": ["cos", "linear"]}``
        (a range, a fixed value with no control, options; a scalar is the start value).
    """

    #: The question the controls asked last, as one value.
    config = traitlets.Instance(Config, allow_none=True)
    #: The last schedule computed and shown (a failed update leaves it as it was).
    trace = traitlets.Instance(Trace, allow_none=True)
    #: The status line's text: "" when all is well, a note, or what is wrong.
    status = traitlets.Unicode("")
    #: The step the cursor and the panel show.
    step = traitlets.Int(0)

    def __init__(
        self,
        optimizer: str = "SGD",
        scheduler: str | None = "CosineAnnealingLR",
        *,
        steps: int = 100,
        optimizer_kwargs: Mapping[str, Any] | None = None,
        scheduler_kwargs: Mapping[str, Any] | None = None,
        param_groups: Sequence[Mapping[str, Any]] | None = None,
        metric: Any = "loss",
        steps_per_epoch: int = 1,
        parameters: NamedGroups | None = None,
        projector: bool = False,
        abbreviations: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%"))
        self._status_line = StatusLine(on_say=lambda message: setattr(self, "status", message))
        # unknown names fail here, with the core's message
        specs = optimizer_spec(optimizer), None if scheduler is None else scheduler_spec(scheduler)
        self._user: dict[str, dict[str, Any]] = {
            "optimizer": dict(optimizer_kwargs or {}),
            "scheduler": dict(scheduler_kwargs or {}),
        }
        self._abbreviations = sort_abbreviations(abbreviations or {}, *specs)
        for kind, spec in zip(("optimizer", "scheduler"), specs):
            for name, value in self._abbreviations[kind].items():
                start = abbreviation(spec.hyperparam(name), value).start  # type: ignore[union-attr]
                if start is not MISSING:
                    self._user[kind][name] = start
        groups = [dict(group) for group in (param_groups or [{}])]
        self._group_overrides: list[dict[str, Any]] = groups + [{} for _ in range(MAX_GROUPS - len(groups))]
        self.metric = metric
        self._parameters = parameters
        self._shown: Trace | None = None  # what the views show: the new trace while it is being drawn
        self.pins: list[Pin] = []
        self._quiet = False
        self.projector = projector
        self.plot = SchedulePlot(PROJECTOR if projector else None)
        self.figure = self.plot.figure
        self.controls: dict[str, widgets.Widget] = {}
        self._pacer = Pacer(self._guard(self._work))
        self._replayer: Replayer | None = None
        self._panel_target: int | None = None
        self._build(optimizer, scheduler, steps, len(groups), steps_per_epoch)
        self._guard(self._update)()

    # -- the one place errors are caught -------------------------------------------------
    def _guard(self, action: Callable[..., Any]) -> Callable[..., None]:
        return self._status_line.guard(action)

    def _say(self, message: str, *, error: bool = False) -> None:
        self._status_line.say(message, error=error)

    def _programmatic(self) -> Iterator[None]:
        return raised(self, "_quiet")

    # -- layout ---------------------------------------------------------------------------
    def _build(self, optimizer: str, scheduler: str | None, steps: int, n_groups: int, steps_per_epoch: int) -> None:
        narrow = widgets.Layout(width="260px")
        self.controls["optimizer"] = widgets.Dropdown(
            options=list(optimizer_specs()), value=optimizer, description="optimizer", layout=narrow
        )
        self.controls["scheduler"] = widgets.Dropdown(
            options=[("(none: constant LR)", None), *((name, name) for name in scheduler_specs())],
            value=scheduler,
            description="scheduler",
            layout=narrow,
        )
        self.controls["steps"] = widget_for(_STEPS, steps)
        self.controls["step"] = widgets.IntSlider(
            value=0,
            min=0,
            max=max(1, steps),
            description="step",
            continuous_update=True,
            layout=widgets.Layout(width="460px"),
        )
        widgets.link((self.controls["step"], "value"), (self, "step"))
        self.controls["groups"] = widgets.ToggleButtons(
            options=[(" / ".join(GROUP_LAYERS[n]), n) for n in GROUP_LAYERS],
            value=n_groups,
            tooltips=[f"{n} param group{'s' if n > 1 else ''}" for n in GROUP_LAYERS],
            style={"button_width": "auto"},
        )
        self.controls["steps_per_epoch"] = widget_for(_STEPS_PER_EPOCH, steps_per_epoch)
        self.controls["x_axis"] = widgets.ToggleButtons(
            options=["optimizer steps", "epochs"],
            value="epochs" if isinstance(steps_per_epoch, int) and steps_per_epoch > 1 else "optimizer steps",
            style={"button_width": "auto"},
        )
        self.controls["log_y"] = widgets.ToggleButton(
            value=False, description="log y", icon="line-chart", layout=widgets.Layout(width="90px")
        )

        self._optimizer_box = widgets.VBox()
        self._optimizer_advanced = widgets.VBox()
        self._scheduler_box = widgets.VBox()
        self._scheduler_advanced = widgets.VBox()
        self._groups_box = widgets.VBox()
        advanced = widgets.Accordion(
            children=[widgets.VBox([self._optimizer_advanced, self._scheduler_advanced])],
            titles=("advanced: foreach, fused, last_epoch ...",),
            selected_index=None,
        )
        left = widgets.VBox(
            [
                _section("Optimizer"),
                self._optimizer_box,
                _section("Scheduler"),
                self._scheduler_box,
                _section("Param groups of the toy model"),
                self.controls["groups"],
                self._groups_box,
                advanced,
            ],
            layout=widgets.Layout(width="400px", min_width="400px", margin="0 12px 0 0"),
        )

        #: The live canvas, or a still picture and a hint where ipympl's front end is missing.
        self.figure_view = FigureView(self.plot)
        self.figure.canvas.mpl_connect("button_press_event", self._guard(self._on_click))

        pin = widgets.Button(
            description="pin",
            icon="thumb-tack",
            tooltip="keep this schedule as a faded line",
            layout=widgets.Layout(width="80px"),
        )
        self._pin_choice = widgets.Dropdown(options=[], layout=widgets.Layout(width="240px"))
        unpin = widgets.Button(description="remove", layout=widgets.Layout(width="80px"))
        clear = widgets.Button(description="remove all", layout=widgets.Layout(width="100px"))
        save_png = widgets.Button(description="save PNG", icon="image", layout=widgets.Layout(width="110px"))
        save_csv = widgets.Button(description="save CSV", icon="table", layout=widgets.Layout(width="110px"))
        pin.on_click(self._guard(lambda _: self.pin()))
        unpin.on_click(self._guard(lambda _: self.unpin(self._pin_choice.value)))
        clear.on_click(self._guard(lambda _: self.clear_pins()))
        save_png.on_click(self._guard(lambda _: self.export_png()))
        save_csv.on_click(self._guard(lambda _: self.export_csv()))
        self._stepping_hint = widgets.HTML()
        font = 17 if self.projector else 13
        self._heading = widgets.HTML(layout=widgets.Layout(margin="0 0 0 60px"))
        self._heading_style = f"font-size: {font + 1}px; font-weight: 600"
        self._readout = widgets.HTML()
        self._readout_style = f"font-family: monospace; font-size: {font - 1}px; white-space: pre"
        self._panel = Panel(font_px=17, width="800px") if self.projector else Panel()
        center = widgets.VBox(
            layout=widgets.Layout(align_self="flex-start"),
            children=[
                self._heading,
                self.figure_view.widget,
                self.controls["step"],
                self._readout,
                widgets.HBox([self.controls["x_axis"], self.controls["log_y"]]),
                self.controls["steps_per_epoch"],
                self._stepping_hint,
                widgets.HBox([pin, self._pin_choice, unpin, clear]),
                widgets.HBox([save_png, save_csv]),
                self._panel,
            ],
        )
        self._status = self._status_line.widget
        self._code = widgets.HTML()
        code = widgets.Accordion(children=[self._code], titles=("Python code for this schedule",), selected_index=None)
        header = widgets.HBox([self.controls["optimizer"], self.controls["scheduler"], self.controls["steps"]])
        body = widgets.HBox([left, center], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        self.children = [header, self._status, body, code]

        self.controls["optimizer"].observe(self._guard(lambda _: self._switch("optimizer")), "value")
        self.controls["scheduler"].observe(self._guard(lambda _: self._switch("scheduler")), "value")
        self.controls["steps"].observe(self._guard(lambda _: self._steps_changed()), "value")
        self.controls["step"].observe(self._guard(lambda _: self._pacer.request("inspect")), "value")
        self.controls["groups"].observe(self._guard(self._groups_changed), "value")
        for name in ("steps_per_epoch", "x_axis"):
            # an update, not only a redraw: a steps_per_epoch that was refused may have held one back
            self.controls[name].observe(self._guard(lambda _: self._pacer.request("update")), "value")
        self.controls["log_y"].observe(self._guard(lambda c: self._log_y(c["new"])), "value")
        self._build_hyperparams("optimizer")
        self._build_hyperparams("scheduler")
        self._build_groups()

    def _build_hyperparams(self, kind: str) -> None:
        name = self.controls[kind].value
        self._drop_controls(f"{kind}.")
        box = self._optimizer_box if kind == "optimizer" else self._scheduler_box
        advanced_box = self._optimizer_advanced if kind == "optimizer" else self._scheduler_advanced
        if name is None:
            replace_children(box, [widgets.HTML("<i>the LR stays as set</i>")])
            replace_children(advanced_box, [])
            return
        spec = optimizer_spec(name) if kind == "optimizer" else scheduler_spec(name)
        user = self._user[kind]
        for stale in [key for key in user if key not in {hp.name for hp in spec.hyperparams}]:
            user.pop(stale)  # kept values carry over only where the new class has the argument
        main, advanced = [], []
        proposed = tied_run_lengths(spec, user, self._steps_or(100)) if kind == "scheduler" else {}
        for hp in spec.hyperparams:
            if hp.name in self._abbreviations[kind]:
                asked = abbreviation(hp, self._abbreviations[kind][hp.name])
                if asked.fixed:
                    user[hp.name] = asked.start  # held as given, with no control
                    continue
                hp = asked.hp  # the control shows the range or options asked for
            value = user.get(hp.name, self._shown_default(kind, hp))
            if hp.kind == "schedulers":
                control: widgets.Widget = Composer(value, steps=self._steps_or(100))
            else:
                # a run length the Explorer proposes shows that it follows steps, and can be unticked
                follows = (hp.name in proposed) if kind == "scheduler" and hp.run_length is not None else None
                control = widget_for(hp, value, steps=self._steps_or(100), label=hp.name, follows=follows)
                if follows is not None:
                    control.observe(self._guard(lambda c, n=hp.name: self._follow_changed(n, c["new"])), "follows")
            control.observe(self._guard(lambda change, n=hp.name: self._changed(kind, n, change["new"])), "value")
            self.controls[f"{kind}.{hp.name}"] = control
            (advanced if hp.advanced else main).append(control)
        replace_children(box, main)
        replace_children(advanced_box, [_section(f"{name} switches"), *advanced] if advanced else [])

    def _drop_controls(self, prefix: str) -> None:
        """Close and forget the controls whose names start with ``prefix`` (they are about to be rebuilt)."""
        for key in [key for key in self.controls if key.startswith(prefix)]:
            close_tree(self.controls.pop(key))

    def _shown_default(self, kind: str, hp: HyperParam) -> Any:
        if kind == "scheduler" and hp.run_length is not None:
            return tied_length(hp, self._steps_or(100))
        if (
            kind == "scheduler"
            and hp.kind == "schedulers"
            and scheduler_spec(self.controls["scheduler"].value).sequential
        ):
            return warmup_then("CosineAnnealingLR", self._steps_or(100))  # proposed, and shown in the composer
        return hp.default

    def _build_groups(self) -> None:
        self._drop_controls("group.")
        n = self.controls["groups"].value
        if n == 1:
            replace_children(self._groups_box, [widgets.HTML("<i>one group: every parameter of the model</i>")])
            return
        spec = optimizer_spec(self.controls["optimizer"].value)
        rows = []
        for g, group in enumerate(GROUP_LAYERS[n]):
            for key in _GROUP_KEYS:
                if key not in {hp.name for hp in spec.hyperparams}:
                    continue
                hp = spec.hyperparam(key)
                value = self._group_overrides[g].get(key, self._optimizer_value(key))
                control = widget_for(hp, value, label=f"{group}.{key}")
                control.observe(
                    self._guard(lambda change, g=g, k=key: self._group_changed(g, k, change["new"])), "value"
                )
                self.controls[f"group.{group}.{key}"] = control
                rows.append(control)
        replace_children(self._groups_box, rows)

    # -- reacting -------------------------------------------------------------------------
    def _steps_or(self, fallback: int) -> int:
        value = self.controls["steps"].value if "steps" in self.controls else fallback
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else fallback

    def _optimizer_value(self, key: str) -> Any:
        if key in self._user["optimizer"]:
            return self._user["optimizer"][key]
        return optimizer_spec(self.controls["optimizer"].value).hyperparam(key).default

    def _changed(self, kind: str, name: str, value: Any) -> None:
        if self._quiet:
            return
        self._user[kind][name] = value
        control = self.controls.get(f"{kind}.{name}")
        if isinstance(control, HyperParamControl) and control.follows:
            with self._programmatic():
                control.follows = False  # a value the user set stays where it is when steps changes
        if kind == "optimizer" and name in _GROUP_KEYS:
            self._show_group_defaults()
        self._pacer.request("update")

    def _follow_changed(self, name: str, follows: bool) -> None:
        if self._quiet:
            return
        if follows:
            self._user["scheduler"].pop(name, None)
        else:
            self._user["scheduler"][name] = self.controls[f"scheduler.{name}"].value
        self._pacer.request("update")

    def _group_changed(self, g: int, key: str, value: Any) -> None:
        if self._quiet:
            return
        self._group_overrides[g][key] = value
        self._pacer.request("update")

    def _switch(self, kind: str) -> None:
        self._build_hyperparams(kind)
        if kind == "optimizer":
            self._build_groups()
        self._pacer.request("update")

    def _steps_changed(self) -> None:
        steps = self._steps_or(0)
        for control in self.controls.values():
            if isinstance(control, HyperParamControl) and control.hp.run_length is not None:
                control.set_steps(steps or 1)
        self._pacer.request("update")

    def _groups_changed(self, change: dict[str, Any]) -> None:
        if change["new"] not in GROUP_LAYERS:  # no button selected: keep the groups on screen
            with self._programmatic():
                self.controls["groups"].value = change["old"] if change["old"] in GROUP_LAYERS else 1
            return
        self._build_groups()
        self._pacer.request("update")

    def _show_group_defaults(self) -> None:
        with self._programmatic():
            for g, group in enumerate(GROUP_LAYERS[self.controls["groups"].value]):
                for key in _GROUP_KEYS:
                    control = self.controls.get(f"group.{group}.{key}")
                    if control is not None and key not in self._group_overrides[g]:
                        control.value = self._optimizer_value(key)

    def _scheduler_kwargs(self) -> dict[str, Any]:
        name = self.controls["scheduler"].value
        if name is None:
            return {}
        spec = scheduler_spec(name)
        user = self._user["scheduler"]
        # A steps value the core will refuse still ties run lengths to something; simulate then says what is wrong.
        kwargs = {**user, **tied_run_lengths(spec, user, self._steps_or(1))}
        for hp in spec.hyperparams:
            if hp.kind == "schedulers":
                kwargs[hp.name] = self.controls[f"scheduler.{hp.name}"].value
        return kwargs

    def _param_groups(self) -> list[dict[str, Any]]:
        n = self.controls["groups"].value
        return [dict(self._group_overrides[g]) for g in range(n)]

    def _work(self, reasons: set[str]) -> None:
        """What a burst of control changes needs, done once (see :class:`~lr_widgets.view.pacing.Pacer`)."""
        if "update" in reasons:
            self._update()  # draws and inspects too
            return
        if "inspect" in reasons:
            self._inspect()
        self._show_figure()

    def _update(self) -> None:
        """Simulate what the controls say; on success show it everywhere, else say why."""
        self.config = self._question()
        trace = simulate(self.config)
        self._steps_per_epoch()  # what would stop the drawing stops the update before anything changes
        last_good, self._shown = self._shown, trace
        try:
            self._show_resolved(trace)
            with self._programmatic():
                step = self.controls["step"]
                step.max = trace.steps
                step.value = min(step.value, trace.steps)
            self._draw()
            self._inspect()
        except Exception:
            self._shown = last_good  # all or nothing: the last good schedule stays on screen
            if last_good is not None:
                with self._programmatic():
                    self.controls["step"].max = last_good.steps
                self._draw()
                self._inspect()
            raise
        finally:
            self._show_figure()
        self.trace = trace  # observers hear of a trace once it is on screen, never of one that failed
        self._code.value = (
            "<pre style='font-size: 12px; margin: 0; user-select: text'>" + html.escape(python_code(trace)) + "</pre>"
        )
        notes = []
        if trace.left_out:
            notes.append(f"{trace.optimizer} takes only 2-D parameters; left out: {', '.join(trace.left_out)}.")
        notes += [f"Note: {note}." for note in trace.notes]
        notes += [f"torch warned: {message}" for message in trace.warnings]
        self._say(" ".join(notes))

    def _show_resolved(self, trace: Trace) -> None:
        """Controls the user has not set show the values the core used (run lengths tied to steps)."""
        if trace.scheduler is None:
            return
        with self._programmatic():
            for name, value in trace.scheduler_kwargs.items():
                control = self.controls.get(f"scheduler.{name}")
                if control is not None and name not in self._user["scheduler"] and not isinstance(control, Composer):
                    control.value = value
            composer = self.controls.get("scheduler.schedulers")
            if isinstance(composer, Composer):
                composer.show_resolved(trace.scheduler_kwargs["schedulers"])

    def _draw(self) -> None:
        if self._shown is None:
            return
        in_epochs = self.controls["x_axis"].value == "epochs"
        per_epoch = self._steps_per_epoch()
        self.plot.update(self._shown, schedule_marks(self._shown), steps_per_epoch=per_epoch, in_epochs=in_epochs)
        self._show_cursor(self.controls["step"].value)
        self._heading.value = f"<div style='{self._heading_style}'>{html.escape(self.plot.title)}</div>"
        self._stepping_hint.value = _stepping_hint(self._shown.scheduler, per_epoch)

    def _steps_per_epoch(self) -> int:
        per_epoch = self.controls["steps_per_epoch"].value
        if not isinstance(per_epoch, int) or isinstance(per_epoch, bool) or per_epoch < 1:
            raise LrWidgetsError(
                f"steps_per_epoch must be a whole number of at least 1: got {per_epoch!r}", "steps_per_epoch"
            )
        return per_epoch

    def _inspect(self) -> None:
        """The panel at the cursor's step: at once if that is a short replay, else in chunks."""
        if self._shown is None:
            return
        step = self.controls["step"].value
        self._show_cursor(step)
        if self._replayer is None or self._replayer.trace is not self._shown:
            self._replayer = Replayer(self._shown, parameters=self._own_parameters())
        loop = self._pacer.defer()
        if loop is None or self._replayer.cost(step) <= PANEL_CHUNK:
            self._panel_target = None
            self._show_panel(self._replayer.at(step))
            return
        already = self._panel_target is not None
        self._panel_target = step
        self._panel.note(f"training the optimizer to step {step} …")
        if not already:
            loop.call_soon(self._guard(self._panel_chunk))

    def _show_cursor(self, step: int) -> None:
        self.plot.set_cursor(step)
        self._readout.value = f"<div style='{self._readout_style}'>{html.escape(self.plot.readout)}</div>"

    def _panel_chunk(self) -> None:
        """One chunk of the panel's replay; schedules the next until the cursor's step is reached."""
        step, replayer = self._panel_target, self._replayer
        if step is None or replayer is None:
            return
        try:
            done = replayer.advance(step, limit=PANEL_CHUNK)
        except BaseException:
            self._panel_target = None
            raise
        if done:
            self._panel_target = None
            self._show_panel(replayer.at(step))
            return
        left = replayer.cost(step)
        self._panel.note(f"training the optimizer to step {step} … {left} steps to go")
        loop = running_loop()  # chunks go on in the loop that started them
        if loop is not None:
            loop.call_soon(self._guard(self._panel_chunk))

    def _show_panel(self, at: Replay) -> None:
        self._panel.show(panel_text(at, self._shown.group_names if self._shown else at.group_names))

    def _settle(self) -> None:
        """Finish pending work now (before an export, a pin, or reading the panel from code)."""
        self._pacer.flush()
        if self._panel_target is not None and self._replayer is not None:
            step, self._panel_target = self._panel_target, None
            self._show_panel(self._replayer.at(step))

    def _own_parameters(self) -> NamedGroups | None:
        """The user's parameters, where they fit the groups and the optimizer on screen."""
        parameters = self._parameters
        if not parameters or self._shown is None or len(parameters) != len(self._shown.param_groups):
            return None
        if optimizer_spec(self._shown.optimizer).sparse_gradients:
            return None  # SparseAdam needs sparse gradients: the toy embeddings have them
        return parameters

    def _on_click(self, event: Any) -> None:
        if event.inaxes is None or event.xdata is None:
            return
        self.controls["step"].value = self.plot.step_at(event.xdata)

    def _log_y(self, log: bool) -> None:
        self.plot.set_log_y(log)
        self._show_figure()

    def _show_figure(self) -> None:
        self.figure_view.show()

    # -- public ---------------------------------------------------------------------------
    def _question(self) -> Config:
        """The question the controls ask now, as one value."""
        return Config(
            self.controls["optimizer"].value,
            dict(self._user["optimizer"]),
            self.controls["scheduler"].value,
            self._scheduler_kwargs(),
            self.controls["steps"].value,
            self._param_groups(),
            self.metric,
        )

    @property
    def status_is_error(self) -> bool:
        """Whether ``status`` says what is wrong (shown with ⚠), rather than a note or nothing."""
        return self._status_line.error

    @property
    def panel(self) -> str:
        """The text of the side panel."""
        self._settle()
        return self._panel.text

    def code(self) -> str:
        """Runnable Python that builds this optimizer and scheduler and steps them (its ``lrs`` is ``trace.lr``)."""
        self._settle()
        if self.trace is None:
            raise LrWidgetsError("there is no schedule yet: fix the message in the status line first")
        return python_code(self.trace)

    def pin(self, label: str | None = None) -> Pin:
        """Keep the schedule on screen as a faded, labelled line."""
        self._settle()
        if self.trace is None:
            raise LrWidgetsError("there is no schedule to pin yet")
        trace = self.trace
        label = label or f"{len(self.pins) + 1}: {trace.optimizer} + {trace.scheduler or 'constant'}"
        pinned = Pin(label, trace)
        self.pins.append(pinned)
        self._pins_changed()
        return pinned

    def unpin(self, label: str | None) -> None:
        """Remove the pin called ``label``."""
        self.pins = [pin for pin in self.pins if pin.label != label]
        self._pins_changed()

    def clear_pins(self) -> None:
        """Remove every pin."""
        self.pins = []
        self._pins_changed()

    def _pins_changed(self) -> None:
        self._pin_choice.options = [pin.label for pin in self.pins]
        self.plot.set_pins(self.pins)
        self._show_figure()

    def export_png(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save the figure as a PNG; the path is also shown in the status line."""
        self._settle()
        target = Path(path) if path is not None else self._export_path("png")
        with self.plot.titled():
            self.figure.savefig(target, dpi=150, bbox_inches="tight")
        self._say(f"saved the figure to {target.resolve()}")
        return target

    def export_csv(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save the trace (LR, momentum, metric per step) as CSV; the path is shown in the status line."""
        self._settle()
        if self.trace is None:
            raise LrWidgetsError("there is no schedule to save yet")
        target = Path(path) if path is not None else self._export_path("csv")
        self.trace.to_csv(target)
        self._say(f"saved the schedule to {target.resolve()}")
        return target

    def _export_path(self, suffix: str) -> Path:
        trace = self.trace
        stem = f"lr_{trace.optimizer}_{trace.scheduler or 'constant'}" if trace else "lr_schedule"
        path = Path(f"{stem}.{suffix}")
        n = 1
        while path.exists():
            n += 1
            path = Path(f"{stem}_{n}.{suffix}")
        return path

    def close(self) -> None:
        """Close the figure and every widget of the Explorer."""
        # Also called by ipywidgets when an Explorer whose __init__ failed is collected.
        pacer = self.__dict__.get("_pacer")
        if pacer is not None:
            pacer.cancel()
        self._panel_target = None
        self._replayer = None
        if "plot" in self.__dict__:
            self.plot.close()
        close_tree(*self.children, self.layout, *self.__dict__.get("controls", {}).values())
        super().close()


def _stepping_hint(scheduler: str | None, steps_per_epoch: int) -> str:
    if scheduler is None:
        return ""
    if scheduler_spec(scheduler).per_batch:
        how = f"{scheduler} is stepped after every optimizer step (every batch), as here."
    elif scheduler == "ReduceLROnPlateau":
        how = "ReduceLROnPlateau is usually stepped once per epoch, with the validation metric; here after every step."
    else:
        how = f"{scheduler} is usually stepped once per epoch; here it is stepped after every optimizer step."
    if steps_per_epoch > 1:
        how += f" With {steps_per_epoch} steps per epoch, one epoch is {steps_per_epoch} steps on the x axis."
    return f"<small style='color:#555'>{html.escape(how)}</small>"


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


#: ``explore()``'s scheduler when none is named: CosineAnnealingLR for a named optimizer, none for yours.
DEFAULT: Any = _Default()


def explore(
    optimizer: Any = "SGD",
    scheduler: Any = DEFAULT,
    *,
    model: Any = None,
    steps: int | None = None,
    **arguments: Any,
) -> Explorer:
    """Open the Explorer: the default app, or one that starts from your own optimizer and scheduler.

    Parameters
    ----------
    optimizer
        A class name such as ``"AdamW"`` (``None``: SGD), or your own ``torch.optim.Optimizer``: its class,
        hyperparameters and param groups are read, never changed.
    scheduler
        A scheduler class name, your own scheduler object (read, never changed), or ``None``
        for a constant LR. Left out: ``"CosineAnnealingLR"`` for a named optimizer, none for yours.
    model
        Your model, so that parameters can be named (optional).
    steps
        The number of steps to show (read from your scheduler where it says, else 100).
    arguments
        Everything else :class:`Explorer` takes (``steps_per_epoch``, ``projector``, ``metric`` ...), and
        hyperparameters by torch's names as ipywidgets' ``interact`` abbreviates them:
        ``explore("AdamW", "OneCycleLR", max_lr=(1e-4, 1e-1), three_phase=fixed(True))`` -- a tuple is a
        slider's range, a list a dropdown's options, a scalar the start value, ``fixed(v)`` no control.
    """
    own = set(inspect.signature(Explorer.__init__).parameters) - {"self", "optimizer", "scheduler"}
    explorer_arguments = {key: value for key, value in arguments.items() if key in own}
    explorer_arguments.setdefault("abbreviations", {})
    explorer_arguments["abbreviations"] = {
        **explorer_arguments["abbreviations"],
        **{key: value for key, value in arguments.items() if key not in own},
    }
    if optimizer is None:  # explore(None, ...) is the default app, as in the first version
        optimizer = "SGD"
    if isinstance(optimizer, str) or isinstance(optimizer, type):
        if scheduler is not DEFAULT and scheduler is not None and not isinstance(scheduler, (str, type)):
            raise IncompatibleError(
                "a scheduler object comes with its optimizer: pass both, explore(your_optimizer, your_scheduler)",
                "scheduler",
            )
        name = scheduler.__name__ if isinstance(scheduler, type) else scheduler
        return Explorer(
            optimizer if isinstance(optimizer, str) else optimizer.__name__,
            "CosineAnnealingLR" if scheduler is DEFAULT else name,
            steps=steps or 100,
            **explorer_arguments,
        )
    named = isinstance(scheduler, (str, type)) or scheduler is None or scheduler is DEFAULT
    settings = adopt(optimizer, None if named else scheduler, model=model)
    config = settings.config
    if named and scheduler not in (None, DEFAULT):
        config = config.replace(scheduler=scheduler if isinstance(scheduler, str) else scheduler.__name__)
    explorer = Explorer(
        config.optimizer,
        config.scheduler,
        steps=steps or config.steps,
        optimizer_kwargs=config.optimizer_kwargs,
        scheduler_kwargs=config.scheduler_kwargs,
        param_groups=config.param_groups,
        parameters=settings.parameters,
        **explorer_arguments,
    )
    if settings.notes:
        explorer._say(" ".join(settings.notes) + (" " + explorer.status if explorer.status else ""))
    return explorer
