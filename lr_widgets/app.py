"""Explorer: a short composition of the parts, wired so that data flows one way.

::

    controls ──write──▶ Explorer's traits (config, trace, step, status, pins)
                            │ observe
                            ├──▶ ScheduleView  (figure, readout, step slider; view toggles only redraw)
                            ├──▶ StepInspector (replayer + panel)
                            ├──▶ forms' placeholders (what the core filled in, what follows steps)
                            └──▶ status line, code

Every callback goes through the status line's guard, which shows any mistake there. A failed
update changes nothing on screen but that line: the figure and the panel keep the last good
schedule, and the controls stay as the user left them.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from .core.adopt import adopt
from .core.arguments import tied_run_lengths
from .core.code import python_code
from .core.config import Config, differences, same_question
from .core.errors import IncompatibleError, InvalidValueError, LrWidgetsError
from .core.loop import Loop
from .core.overrides import overwritten
from .core.recipes import RECIPES, recipe_for
from .core.simulate import Replayer, Trace, simulate
from .core.specs import optimizer_spec, optimizer_specs, scheduler_spec, scheduler_specs
from .core.toy import NamedGroups, numbered_groups
from .view.abbreviations import sort_abbreviations
from .view.composer import composer_for
from .view.controls import widget_for
from .view.effect import EffectView
from .view.form import GROUP_KEYS, GroupsForm, HyperParamForm
from .view.frame import STEPS, LiveSchedule, whole_steps
from .view.loop_form import LoopForm
from .view.panel import Panel
from .view.pins import PinsBar
from .view.plot import PROJECTOR, Pin
from .view.sheet import COMPACT, LARGE, PROJECTOR_ROOT, TEXT_PX, style_sheet

__all__ = ["Explorer", "explore", "DEFAULT", "SHOWN"]

#: What the Explorer's figures area can show: the schedule, the effect view, or both.
SHOWN = ("schedule", "effect", "both")


class Explorer(LiveSchedule):
    """Pick an optimizer, a scheduler and their hyperparameters; see the schedule torch computes.

    Its state is traits that your code can observe, as the views do:
    ``explorer.observe(callback, names="trace")``. ``config`` is the question the controls asked last
    (once it is answered, ``simulate(explorer.config)`` gives ``trace``; a refused one stays in
    ``config`` while ``status`` says why), ``trace`` the last schedule computed and shown,
    ``status`` the status line's text -- these three are read-only: the controls ask the questions --,
    ``step`` the inspected step (setting it moves the cursor), ``pins`` the schedules kept on screen.

    Its parts are public: ``optimizer_form``, ``scheduler_form``, ``groups_form`` and ``loop_form`` (what
    the user set; shown in the ``arguments`` tabs), ``schedule`` (the figure, its step slider and toggles),
    ``effect`` (the effect view: the path on a 2-D landscape, made when first shown), ``inspector`` (the
    panel), ``downloads``, ``pacer``; ``controls`` names every control (``"optimizer.lr"``,
    ``"scheduler.T_max"``, ``"group.head.lr"``, ``"loop.resume_at"``, ``"show"``, ``"effect.problem"``,
    ``"step"`` ...).

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
    loop
        The training loop to start with (:class:`~lr_widgets.core.loop.Loop`); by default the classic one.
    show
        ``"schedule"``, ``"effect"`` (what the schedule does to an optimizer on a 2-D problem: its path
        on the landscape, its loss and its state per step) or ``"both"``.
    """

    #: The question the controls asked last, as one value.
    config = traitlets.Instance(Config, allow_none=True, read_only=True)

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
        loop: Loop | None = None,
        show: str = "schedule",
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%"))
        if show not in SHOWN:
            raise InvalidValueError(f"show is one of {', '.join(map(repr, SHOWN))}: got {show!r}", "show")
        # unknown names fail here, with the core's message
        specs = optimizer_spec(optimizer), None if scheduler is None else scheduler_spec(scheduler)
        asked = sort_abbreviations(abbreviations or {}, *specs)
        self.metric = metric
        self.projector = projector
        self._parameters = parameters
        self._shown: Trace | None = None  # what the views show: the new trace while it is being drawn
        self._answered: Config | None = None  # the question of the trace on screen
        self._frame(
            style=PROJECTOR if projector else None,
            steps_per_epoch=steps_per_epoch,
            panel=Panel(font_px=TEXT_PX) if projector else Panel(),
            replayer_for=self._replayer,
            on_view=lambda: self.pacer.request("redraw"),
        )
        guard = self._guard
        self._effect: EffectView | None = None  # made when first shown: most Explorers never show it
        #: Which figures are on screen: the schedule, the effect view, or both.
        self.show_choice = widgets.ToggleButtons(
            options=[("LR schedule", "schedule"), ("effect on a 2-D problem", "effect"), ("both", "both")],
            value=show,
            tooltips=[
                "the LR torch sets at each step",
                "the path the optimizer takes on a 2-D landscape under this schedule, its loss and its state",
                "both figures side by side (they wrap on a narrow screen)",
            ],
            style={"button_width": "auto"},
            layout=widgets.Layout(width="auto", flex="0 0 auto", margin="0 0 0 auto"),  # on the right
        )

        # the label as wide as its word, so that "CosineAnnealingWarmRestarts" is read whole at 1280 px
        look = dict(layout=widgets.Layout(width="240px"), style={"description_width": "initial"})
        self.optimizer_choice = widgets.Dropdown(
            options=list(optimizer_specs()), value=optimizer, description="optimizer", **look
        )
        self.scheduler_choice = widgets.Dropdown(
            options=[("(none: constant LR)", None), *((name, name) for name in scheduler_specs())],
            # the value None would read as "nothing chosen" and show a blank box: choose the first option
            **({"index": 0} if scheduler is None else {"value": scheduler}),
            description="scheduler",
            **look,
        )
        self.steps_control = widget_for(STEPS, steps, label_width="52px")  # on the bar: beside the choices
        #: The recipes modern training uses: choosing one writes it into the scheduler as LambdaLR's formula.
        self.recipe_choice = widgets.Dropdown(
            options=[("choose one to start from ...", None), *((name, name) for name in RECIPES)],
            index=0,
            description="recipe",
            style={"description_width": "initial"},
            tooltip="warmup + cosine, WSD ...: written into LambdaLR's formula for this many steps, to edit below",
            layout=widgets.Layout(width="360px", flex="0 0 auto"),
        )
        #: What the user set for the optimizer's, the scheduler's and the param groups' arguments.
        self.optimizer_form = HyperParamForm(
            "optimizer", optimizer, optimizer_kwargs, steps=steps, abbreviations=asked["optimizer"]
        )
        self.scheduler_form = HyperParamForm(
            "scheduler",
            scheduler,
            scheduler_kwargs,
            steps=steps,
            abbreviations=asked["scheduler"],
            composer=composer_for,
        )
        # your own optimizer's groups are its own: named by number, as many as it has
        own_groups = numbered_groups(len(parameters)) if parameters else None
        self.groups_form = GroupsForm(optimizer, param_groups or [{} for _ in own_groups or [0]], own_groups)
        #: The training loop around them: call order, skipped steps, per-epoch stepping, resuming.
        self.loop_form = LoopForm(steps, loop)
        self._layout()

        self.optimizer_choice.observe(guard(lambda change: self._optimizer_chosen(change["new"])), "value")
        self.scheduler_choice.observe(guard(lambda change: self._scheduler_chosen(change["new"])), "value")
        self.steps_control.observe(guard(lambda change: self._steps_set(change["new"])), "value")
        self.recipe_choice.observe(guard(lambda change: self._recipe_chosen(change["new"])), "value")
        self.optimizer_form.observe(guard(lambda _: self._optimizer_set()), "value")
        for form in (self.scheduler_form, self.groups_form, self.loop_form):
            form.observe(guard(lambda _: self.pacer.request("update")), "value")
        self.observe(guard(lambda change: self._traced(change["new"])), "trace")
        self.show_choice.observe(guard(lambda change: self._figures_shown(change["new"])), "value")
        self._figures_shown(show)
        self.groups_form.propose(self._group_defaults())
        guard(self._paced)({"update"})

    # -- layout ---------------------------------------------------------------------------
    def _layout(self) -> None:
        """The bar (optimizer, scheduler, steps), the status, the figure with the panel beside it, the
        arguments in tabs under them (a compact grid that scrolls inside itself), then pins, downloads, code.

        Sized for JupyterLab at 1280x800 with the file browser open: the figure and the panel are on
        screen together, and the first rows of arguments with them.
        """
        guard = self._guard
        for form in (
            self.optimizer_form,
            self.scheduler_form,
            self.optimizer_form.advanced,
            self.scheduler_form.advanced,
        ):
            # set on the layout it has: a new Layout would leave the old one behind with an open comm
            form.layout.display, form.layout.grid_template_columns = "grid", "repeat(auto-fill, minmax(390px, 1fr))"
        for part in (self.optimizer_form, self.scheduler_form, self.groups_form, self.loop_form, self.schedule.options):
            part.layout.flex = "0 0 auto"  # a page scrolls; its rows are never squeezed to fit its height
        page = dict(max_height="236px", overflow="auto", padding="4px 0")
        self.arguments = widgets.Tab(
            children=[
                widgets.VBox([self.optimizer_form], layout=widgets.Layout(**page)),
                widgets.VBox([self.recipe_choice, self.scheduler_form], layout=widgets.Layout(**page)),
                widgets.VBox([self.groups_form], layout=widgets.Layout(**page)),
                widgets.VBox([self.loop_form], layout=widgets.Layout(**page)),
                widgets.VBox(
                    [self.optimizer_form.advanced, self.scheduler_form.advanced], layout=widgets.Layout(**page)
                ),
                widgets.VBox([self.schedule.options], layout=widgets.Layout(**page)),
            ],
            titles=("optimizer", "scheduler", "param groups", "training loop", "advanced", "view"),
            selected_index=0,
        )
        panel = self.inspector.panel
        panel.layout.width, panel.layout.min_width = "auto", "280px"
        panel.layout.flex, panel.layout.margin = "1 1 300px", "0 0 0 8px"
        view = self._figures = widgets.HBox(
            [self.schedule, panel], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start")
        )
        code = widgets.Accordion(
            children=[self.code_view], titles=("Python code for this schedule",), selected_index=None
        )
        header = widgets.HBox(
            [self.optimizer_choice, self.scheduler_choice, self.steps_control],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        bar = widgets.HBox([PinsBar(self, guard), self.downloads], layout=widgets.Layout(flex_flow="row wrap"))
        # the figures' switch at the end of the status line's row: a row of its own would push the figure and the
        # first arguments down, off a laptop's screen (the bar above has no room left at 1280 px)
        status = self._status_line.widget
        status.layout.flex = "1 1 300px"
        self.show_choice.add_class(COMPACT)  # as tall as the status line
        row = widgets.HBox(
            [status, self.show_choice], layout=widgets.Layout(flex_flow="row wrap", align_items="center")
        )
        self.children = [style_sheet(), header, row, view, self.arguments, bar, code]
        if self.projector:
            # large type for the back row: the controls scaled by the style sheet, the panel as tall as the figure
            panel.layout.max_height = f"{round(self.plot.figure.bbox.height) + 30}px"
            for part in (header, row, self.schedule.slider, self.arguments, bar, code):
                part.add_class(LARGE)
            self.add_class(PROJECTOR_ROOT)

    @property
    def controls(self) -> Mapping[str, widgets.Widget]:
        """Every control by name, live: ``"optimizer"``, ``"optimizer.lr"``, ``"scheduler.T_max"``,
        ``"groups"``, ``"group.head.lr"``, ``"steps"``, ``"step"``, ``"x_axis"``, ``"log_y"``, ``"steps_per_epoch"``,
        ``"show"``; once the effect view is made, ``"effect.problem"``, ``"effect.formula"``, ``"effect.start"``."""
        return _Controls(self)

    # -- the user's hand: controls write, the work is paced --------------------------------
    def _optimizer_chosen(self, name: str) -> None:
        self.arguments.selected_index = 0  # the new class's arguments, in view
        with self.pacer.batch():  # both forms rebuilt before the question is asked
            self.optimizer_form.show(name)
            self.groups_form.show_optimizer(name)
            self.groups_form.propose(self._group_defaults())
            self.pacer.request("update")

    def _scheduler_chosen(self, name: str | None) -> None:
        if name is None and self.scheduler_choice.index is None:
            self.scheduler_choice.index = 0  # value None set from code: show "(none: constant LR)", not a blank
        self.arguments.selected_index = 1
        with self.pacer.batch():
            self.scheduler_form.show(name)
            self.pacer.request("update")

    def _recipe_chosen(self, name: str | None) -> None:
        """A recipe, written as the LambdaLR formula it is for the steps set now: the user edits it from there."""
        if name is None:
            return
        steps = whole_steps(self.steps_control.value) or 100
        scheduler, kwargs = recipe_for(name, steps)
        with self.pacer.batch():
            self.scheduler_choice.value = scheduler
            self.scheduler_form.show(scheduler, kwargs)
            self.pacer.request("update")
        self.recipe_choice.index = 0  # a menu: the formula is now the user's, to edit
        self.arguments.selected_index = 1

    def _figures_shown(self, show: str) -> None:
        """Show the schedule, the effect view or both; the effect view computes only while it is shown."""
        self.schedule.layout.display = "none" if show == "effect" else ""
        if self._effect is not None or show != "schedule":
            self.effect.layout.display = "none" if show == "schedule" else ""
        if self.effect_shown:
            self.pacer.request("effect")

    @property
    def effect_shown(self) -> bool:
        """Whether the effect view is on screen."""
        return self.show_choice.value != "schedule"

    @property
    def figures(self) -> list[Any]:
        """The matplotlib figures this Explorer has open: the schedule's, and the effect view's once made."""
        return [self.figure, *([self._effect.plot.figure] if self._effect is not None else [])]

    @property
    def effect(self) -> EffectView:
        """What the schedule does to an optimizer on a 2-D problem: its path, loss and memory (made when first
        asked for: ``show="effect"`` or ``"both"``, or this attribute)."""
        if self._effect is None:
            self._effect = EffectView(
                PROJECTOR if self.projector else None,
                guard=self._guard,
                on_change=lambda: self.pacer.request("effect"),
            )
            self._effect.layout.display = "none" if self.show_choice.value == "schedule" else ""
            if self.projector:  # large type for the back row, as the schedule's controls have it
                for part in (self._effect.control_row, self._effect.slider):
                    part.add_class(LARGE)
            # the same steps as the schedule's slider, always (a hidden view's slider must never clamp the step),
            # and the step the Explorer inspects now (link copies the first one's value to the second)
            widgets.dlink((self.schedule.slider, "max"), (self._effect.slider, "max"))
            widgets.link((self, "step"), (self._effect, "step"))
            schedule, *rest = self._figures.children
            self._figures.children = [schedule, self._effect, *rest]
        return self._effect

    def _steps_set(self, steps: Any) -> None:
        if whole_steps(steps):
            self.optimizer_form.steps = self.scheduler_form.steps = self.loop_form.steps = steps
        self.pacer.request("update")

    def _optimizer_set(self) -> None:
        self.groups_form.propose(self._group_defaults())  # a group's unset lr follows the optimizer's
        self.pacer.request("update")

    def _group_defaults(self) -> dict[str, Any]:
        form = self.optimizer_form
        return {key: form.shown(key) for key in GROUP_KEYS if key in form.controls}

    def _question(self) -> Config:
        """The question the controls ask now, as one value."""
        name, user = self.scheduler_choice.value, dict(self.scheduler_form.value)
        steps = self.steps_control.value
        if name is not None:
            # a steps value the core will refuse still ties run lengths to something; simulate then says what is wrong
            user = {**user, **tied_run_lengths(scheduler_spec(name), user, whole_steps(steps) or 1)}
        return Config(
            self.optimizer_choice.value,
            dict(self.optimizer_form.value),
            name,
            user,
            steps,
            self.groups_form.value,
            self.metric,
            self.loop_form.loop(whole_steps(steps) or 1),
        )

    # -- the work -------------------------------------------------------------------------
    def _work(self, reasons: set[str]) -> None:
        """What a burst of control changes needs, done once (see :class:`~lr_widgets.view.pacing.Pacer`)."""
        if "update" in reasons or (self._answered is not self.config and "redraw" in reasons):
            self._update()  # draws and inspects too (and retries what a refused view setting held back)
            return
        if "redraw" in reasons:
            self._draw()
            self._say(_notes(self._shown) if self._shown is not None else "")
        if "inspect" in reasons:
            self._inspect()
        if "effect" in reasons:
            self._show_effect()

    def _update(self) -> None:
        """Simulate what the controls ask; on success show it everywhere, else say why.

        ``config`` is published first (the question asked, even one torch refuses); ``trace`` only once
        it is drawn, so after a refusal ``config`` is the refused question and ``status`` says why.
        """
        question = self._question()
        if self._answered is not None and self._answered is self.config and same_question(question, self.config):
            self._inspect()  # the same question again (a class switched back and forth, a form rebuilt):
            self._propose(self.trace)  # rebuilt forms show again what the core filled in
            self._show_effect()  # (its path is kept: shown again at once)
            return
        self.set_trait("config", question)
        trace = simulate(question)
        if self._parameters and len(self._parameters) == len(trace.group_names):
            trace = dataclasses.replace(trace, group_names=numbered_groups(len(trace.group_names)))  # your groups
        self.schedule.per_epoch()  # what would stop the drawing stops the update before anything changes
        last_good, self._shown = self._shown, trace
        try:
            self._draw()
            self._inspect()
        except Exception:
            self._shown = last_good  # all or nothing: the last good schedule stays on screen
            if last_good is not None:
                self._draw()
                self._inspect()
            raise
        self._answered = question
        self.set_trait("trace", trace)  # observers hear of a trace once it is on screen, never of one that failed
        self._show_effect()

    def _traced(self, trace: Trace | None) -> None:
        """A new trace is on screen: the forms show what the core ran with, the code and status follow."""
        if trace is None:
            return
        self._propose(trace)
        self._show_code(python_code(trace))
        self._say(_notes(trace))

    def _propose(self, trace: Trace | None) -> None:
        """The forms show what the core ran with, and grey out what the scheduler overwrites."""
        if trace is None:
            return
        if trace.scheduler is not None and trace.scheduler == self.scheduler_form.name:
            self.scheduler_form.propose(trace.scheduler_kwargs)
        gone = overwritten(trace.optimizer, trace.scheduler, trace.scheduler_kwargs)
        self.optimizer_form.overwrite(gone)
        self.groups_form.overwrite(gone)

    def _draw(self) -> None:
        if self._shown is not None:
            self.schedule.show(self._shown)

    def _inspect(self) -> None:
        if self._shown is not None:
            self.inspector.inspect(self._shown, min(self.step, self._shown.steps))

    def _show_effect(self) -> None:
        """The effect view follows the schedule on screen and the pins (only while it is shown)."""
        if self.effect_shown and self._shown is not None:
            pins = [(index, self.pin_name(pin), pin.trace.config) for index, pin in enumerate(self.pins)]
            self.effect.show(self._shown.config, pins)

    def _show_pins(self, pins: list[Any]) -> None:
        self.pacer.request("effect")  # (a new trace's update shows the effect view itself: covered, done once)
        super()._show_pins(pins)

    def _render(self) -> None:
        super()._render()
        if self.effect_shown:
            self.effect.render()

    def _replayer(self, trace: Trace) -> Replayer:
        """The panel's replayer: on copies of the user's parameters where they fit, else the toy model's."""
        parameters = self._parameters
        fits = bool(parameters) and len(parameters) == len(trace.param_groups)  # type: ignore[arg-type]
        # SparseAdam needs sparse gradients: the toy embeddings have them
        own = fits and not optimizer_spec(trace.optimizer).sparse_gradients
        return Replayer(trace, parameters=parameters if own else None)

    # -- public ---------------------------------------------------------------------------
    def code(self) -> str:
        """Runnable Python that builds this optimizer and scheduler and steps them (its ``lrs`` is ``trace.lr``)."""
        self.settle()
        if self.trace is None:
            raise LrWidgetsError("there is no schedule yet: fix the message in the status line first")
        return python_code(self.trace)

    def pin(self, label: str | None = None) -> Pin:
        """Keep the schedule on screen as a faded, labelled line."""
        self.settle()
        if self.trace is None:
            raise LrWidgetsError("there is no schedule to pin yet")
        trace = self.trace
        named = label is not None
        label = label or f"{len(self.pins) + 1}: {trace.optimizer} + {trace.scheduler or 'constant'}"
        return self._pinned(Pin(label, trace, named))

    def pin_name(self, pin: Pin) -> str:
        """The user's name for a pin, else what it set differently from the schedule on screen."""
        if pin.named or self.trace is None:
            return pin.label
        return ", ".join(differences(pin.trace.config, self.trace.config)) or "same as now"

    def export_png(self, path: str | os.PathLike[str]) -> Path:
        """Write the figure as a PNG to ``path`` (on the machine the kernel runs on); said in the status line."""
        target = Path(path)
        target.write_bytes(self.png())
        self._say(f"saved the figure to {target.resolve()}")
        return target

    def export_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the trace (LR, momentum, metric per step) as CSV to ``path``; said in the status line."""
        self.settle()
        if self.trace is None:
            raise LrWidgetsError("there is no schedule to save yet")
        target = Path(path)
        self.trace.to_csv(target)
        self._say(f"saved the schedule to {target.resolve()}")
        return target

    def _files(self) -> dict[str, tuple[bytes, str]]:
        """What "downloads" offers: the schedule's figure, numbers and code, and the effect view's figure when shown."""
        files = super()._files()
        if self.effect_shown and self.effect.plot.path is not None and not self.effect.message_is_error:
            files[f"{self._file_stem()}_effect.png"] = (self.effect.png(), "image/png")
        return files

    def _file_stem(self) -> str:
        trace = self.trace
        return f"lr_{trace.optimizer}_{trace.scheduler or 'constant'}" if trace is not None else "lr"

    def _controls_to_close(self) -> list[widgets.Widget]:
        return list(_Controls(self).values()) if "loop_form" in self.__dict__ else []

    def close(self) -> None:
        """Close both figures and every widget."""
        if self.__dict__.get("_effect") is not None:
            self._effect.plot.close()  # type: ignore[union-attr]
        super().close()


class _Controls(Mapping[str, widgets.Widget]):
    """Every control of an Explorer by name, read from its parts at each access (never stale)."""

    def __init__(self, explorer: Explorer) -> None:
        self._explorer = explorer

    def _all(self) -> dict[str, widgets.Widget]:
        e = self._explorer
        found: dict[str, widgets.Widget] = {
            "optimizer": e.optimizer_choice,
            "scheduler": e.scheduler_choice,
            "recipe": e.recipe_choice,
            "steps": e.steps_control,
            "groups": e.groups_form.toggle,
            "layerwise": e.groups_form.layerwise,
            "decay": e.groups_form.decay,
            "show": e.show_choice,
            **e.schedule.controls,
            **(e._effect.controls if e._effect is not None else {}),
        }
        for prefix, form in (("optimizer", e.optimizer_form), ("scheduler", e.scheduler_form)):
            found.update({f"{prefix}.{name}": control for name, control in form.controls.items()})
        found.update({f"group.{name}": control for name, control in e.groups_form.controls.items()})
        found.update({f"loop.{name}": control for name, control in e.loop_form.controls.items()})
        return found

    def __getitem__(self, name: str) -> widgets.Widget:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _notes(trace: Trace) -> str:
    """What the status line says about a trace that ran: what was left out, torch's notes and warnings."""
    notes = []
    if trace.left_out:
        notes.append(f"{trace.optimizer} takes only 2-D parameters; left out: {', '.join(trace.left_out)}.")
    notes += [f"Note: {note}." for note in trace.notes]
    if not trace.loop.classic:
        ran = int(np.sum(~np.isnan(trace.used[:, 0])))
        notes.append(
            f"Training loop: {'; '.join(trace.loop.describe())}; the optimizer stepped {ran} of {trace.steps} times."
        )
    at_steps = {message for _, message in trace.step_warnings}
    notes += [f"torch warned at step {step}: {message}" for step, message in trace.step_warnings[:_STEP_WARNINGS]]
    if len(trace.step_warnings) > _STEP_WARNINGS:
        notes.append(f"(and {len(trace.step_warnings) - _STEP_WARNINGS} more warnings)")
    notes += [f"torch warned: {message}" for message in trace.warnings if message not in at_steps]
    return " ".join(notes)


#: The warnings of a loop the status line lists, each with its step.
_STEP_WARNINGS = 3


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
