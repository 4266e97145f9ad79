"""ScheduleView: the figure of a schedule with its step slider, readout and view-only toggles.

It shows a :class:`~lr_widgets.core.simulate.Trace` it is given (:meth:`ScheduleView.show`) and
never computes one: the x axis in epochs, ``steps_per_epoch`` and the log-y toggle redraw the
trace on screen (they reach the owner through ``on_view``, so a burst of them is paced too).
Clicking the figure or moving the slider sets ``step``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import traitlets

from ..core.errors import LrWidgetsError
from ..core.marks import schedule_marks
from ..core.simulate import Trace
from ..core.specs import HyperParam, scheduler_spec
from .controls import widget_for
from .figure import FigureView
from .plot import SchedulePlot

__all__ = ["ScheduleView", "stepping_hint"]

_STEPS_PER_EPOCH = HyperParam("steps_per_epoch", 1, "int", bounds=(1, 500))


class ScheduleView(widgets.VBox):
    """Heading, figure (or still picture), step slider, readout, stepping hint; the x-axis, log-y and
    steps_per_epoch toggles in :attr:`options`, placed by the owner.

    Parameters
    ----------
    plot
        The plot it shows (one figure for the life of the view).
    steps_per_epoch
        For the x axis in epochs (shown in epochs from the start when above 1).
    who
        What the still picture's hint says to create again for a live figure.
    guard
        Runs a callback so that its mistakes reach the owner's status line.
    on_view
        Called when the x axis or ``steps_per_epoch`` changes; the owner then calls :meth:`show` (or
        says why not). Left out: the view redraws at once.
    """

    #: The step the cursor shows.
    step = traitlets.Int(0)

    def __init__(
        self,
        plot: SchedulePlot,
        *,
        steps_per_epoch: int = 1,
        who: str = "the Explorer",
        guard: Callable[[Callable[..., Any]], Callable[..., None]] = lambda action: action,
        on_view: Callable[[], None] | None = None,
    ) -> None:
        self.plot = plot
        #: The live canvas, or a still picture and a hint where ipympl's front end is missing.
        self.figure_view = FigureView(plot, who)
        font = plot.style.text_px
        self.heading = widgets.HTML(layout=widgets.Layout(margin="0 0 0 60px"))
        self._heading_style = f"font-size: {font + 1}px; font-weight: 600"
        self.slider = widgets.IntSlider(
            value=0,
            min=0,
            max=1,
            description="step",
            continuous_update=True,
            layout=widgets.Layout(width="100%", max_width="460px"),
        )
        widgets.link((self.slider, "value"), (self, "step"))
        #: What the lines are (the figure draws no legend of its own: see SchedulePlot.legend).
        self.legend = widgets.HTML(layout=widgets.Layout(margin="0 0 0 60px"))
        self.legend.add_class("lr-widgets-legend")
        self._legend_px = font - 1
        #: The values at the cursor's step, as text.
        self.readout = widgets.HTML()
        self._readout_style = f"font-family: monospace; font-size: {font - 1}px; white-space: pre"
        self._hint_px = font - 1
        self.x_axis = widgets.ToggleButtons(
            options=["optimizer steps", "epochs"],
            value="epochs" if isinstance(steps_per_epoch, int) and steps_per_epoch > 1 else "optimizer steps",
            style={"button_width": "auto"},
        )
        self.log_y = widgets.ToggleButton(
            value=False, description="log y", icon="line-chart", layout=widgets.Layout(width="90px")
        )
        self.steps_per_epoch = widget_for(_STEPS_PER_EPOCH, steps_per_epoch)
        #: How the scheduler is stepped here, against how it is usually stepped.
        self.stepping_hint = widgets.HTML()
        super().__init__(
            [
                self.heading,
                self.figure_view.widget,
                self.legend,
                self.slider,
                self.readout,
                self.stepping_hint,
            ],
            # as wide as the figure: a long hint wraps instead of pushing the panel beside it away
            layout=widgets.Layout(align_self="flex-start", width=f"{round(plot.figure.bbox.width) + 40}px"),
        )
        #: The view-only toggles (x axis, log y, steps_per_epoch), for the owner to place.
        self.options = widgets.VBox([widgets.HBox([self.x_axis, self.log_y]), self.steps_per_epoch])
        self.trace: Trace | None = None
        plot.figure.canvas.mpl_connect("button_press_event", guard(self._clicked))
        self.observe(guard(lambda change: self._cursor(change["new"])), "step")
        self.log_y.observe(guard(lambda change: self._log_y(change["new"])), "value")
        for control in (self.x_axis, self.steps_per_epoch):
            control.observe(guard(lambda _: (on_view or self.redraw)()), "value")

    @property
    def controls(self) -> dict[str, widgets.Widget]:
        """The view's own controls, by name."""
        return {
            "step": self.slider,
            "x_axis": self.x_axis,
            "log_y": self.log_y,
            "steps_per_epoch": self.steps_per_epoch,
        }

    def per_epoch(self) -> int:
        """The steps per epoch the x axis uses; a value that is not a whole number >= 1 is refused."""
        per_epoch = self.steps_per_epoch.value
        if not isinstance(per_epoch, int) or isinstance(per_epoch, bool) or per_epoch < 1:
            raise LrWidgetsError(
                f"steps_per_epoch must be a whole number of at least 1: got {per_epoch!r}", "steps_per_epoch"
            )
        return per_epoch

    def show(self, trace: Trace) -> None:
        """Draw ``trace`` (not yet rendered: :meth:`render` once for everything that changed)."""
        per_epoch = self.per_epoch()
        self.trace = trace
        self.slider.max = max(1, trace.steps)
        self.slider.value = min(self.slider.value, trace.steps)
        self.plot.update(
            trace, schedule_marks(trace), steps_per_epoch=per_epoch, in_epochs=self.x_axis.value == "epochs"
        )
        self._cursor(self.step)
        self.heading.value = f"<div style='{self._heading_style}'>{html.escape(self.plot.title)}</div>"
        self.stepping_hint.value = stepping_hint(trace.scheduler, per_epoch, self._hint_px)

    def redraw(self) -> None:
        """Show the trace on screen again with the view's toggles as they are now, and render it."""
        if self.trace is not None:
            self.show(self.trace)
        self.render()

    def render(self) -> None:
        """Draw the figure once for everything that changed, and say what its lines are."""
        self.figure_view.show()
        entries = "".join(entry.html(self._legend_px) for entry in self.plot.legend)
        legend = f"<div style='font-size: {self._legend_px}px; line-height: 1.6'>{entries}</div>"
        if legend != self.legend.value:
            self.legend.value = legend

    def _log_y(self, log: bool) -> None:
        self.plot.set_log_y(log)
        self.render()

    def _cursor(self, step: int) -> None:
        if self.trace is None:
            return
        self.plot.set_cursor(min(step, self.trace.steps))
        self.readout.value = f"<div style='{self._readout_style}'>{html.escape(self.plot.readout)}</div>"

    def _clicked(self, event: Any) -> None:
        if event.inaxes is not None and event.xdata is not None:
            self.step = self.plot.step_at(event.xdata)


def stepping_hint(scheduler: str | None, steps_per_epoch: int, px: int = 12) -> str:
    """How ``scheduler`` is stepped here (after every optimizer step) against how it is usually stepped."""
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
    return f"<div style='color: #555; font-size: {px}px; line-height: 1.3'>{html.escape(how)}</div>"
