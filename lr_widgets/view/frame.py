"""LiveSchedule: what the Explorer and ``interact``'s widget share around their own controls.

The state as traits (``trace``, ``status``, ``step``, ``pins``), the status line that catches
every callback's mistakes, the pacer, the schedule view, the step inspector, pins and the code
view. A subclass builds its controls, calls :meth:`LiveSchedule._frame`, and does its work in
``_work(reasons)``; the figure is rendered once after each piece of work.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import traitlets

from ..core.errors import LrWidgetsError
from ..core.simulate import Replayer, Trace
from ..core.specs import HyperParam
from .downloads import Downloads
from .figure import FigureView, StatusLine
from .inspector import StepInspector
from .lifecycle import close_tree
from .pacing import Pacer
from .panel import Panel
from .pins import Pinned
from .plot import PlotStyle, SchedulePlot
from .schedule import ScheduleView

__all__ = ["LiveSchedule", "STEPS", "whole_steps"]

#: The number of optimizer steps, as a control.
STEPS = HyperParam("steps", 100, "int", bounds=(10, 1000))


def whole_steps(value: Any) -> int | None:
    """``value`` if it is a whole number of steps (an int of at least 1), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class LiveSchedule(Pinned, widgets.VBox):
    """A live schedule: its traits, status line, pacer, figure, panel, pins and code (see the module)."""

    #: The last schedule computed and shown (a failed update leaves it as it was).
    trace = traitlets.Instance(Trace, allow_none=True, read_only=True)
    #: The status line's text: "" when all is well, a note, or what is wrong.
    status = traitlets.Unicode("", read_only=True)
    #: The step the cursor and the panel show.
    step = traitlets.Int(0)

    def _frame(
        self,
        *,
        style: PlotStyle | None = None,
        who: str = "the Explorer",
        steps_per_epoch: int = 1,
        panel: Panel | None = None,
        replayer_for: Callable[[Trace], Any] | None = None,
        on_view: Callable[[], None] | None = None,
    ) -> None:
        self._status_line = StatusLine(on_say=lambda message: self.set_trait("status", message))
        #: Runs the work once per burst of control changes (see :mod:`lr_widgets.view.pacing`).
        self.pacer = Pacer(self._guard(self._paced), covers={"update": {"inspect", "redraw", "effect"}})
        self.plot = SchedulePlot(style)
        self.figure = self.plot.figure
        #: The figure, its step slider, readout and view-only toggles.
        self.schedule = ScheduleView(
            self.plot, steps_per_epoch=steps_per_epoch, who=who, guard=self._guard, on_view=on_view
        )
        #: The side panel: the real optimizer and scheduler at the inspected step.
        self.inspector = StepInspector(self.pacer, self._guard, panel or Panel(), replayer_for or Replayer)
        #: The Python code for the schedule on screen.
        self.code_view = widgets.HTML()
        #: Links the browser saves: the figure (PNG), the numbers (CSV) and the code, made when asked for.
        self.downloads = Downloads(self._files, self._guard)
        self.add_class("lr-widgets-explorer")
        widgets.link((self.schedule, "step"), (self, "step"))
        self.observe(self._guard(lambda _: self._new_trace()), "trace")
        self.observe(self._guard(lambda _: self.pacer.request("inspect")), "step")
        self.observe(self._guard(lambda change: self._show_pins(change["new"])), "pins")

    # -- the one place errors are caught -------------------------------------------------
    def _guard(self, action: Callable[..., Any]) -> Callable[..., None]:
        return self._status_line.guard(action)

    def _say(self, message: str, *, error: bool = False) -> None:
        self._status_line.say(message, error=error)

    def _paced(self, reasons: set[str]) -> None:
        try:
            self._work(reasons)
        finally:
            self._render()  # one draw for everything the work changed

    def _render(self) -> None:
        """Draw the figures once for everything that changed."""
        self.schedule.render()

    def _work(self, reasons: set[str]) -> None:
        raise NotImplementedError

    def _show_code(self, code: str) -> None:
        self.code_view.value = (
            "<pre style='font-size: 12px; margin: 0; user-select: text'>" + html.escape(code) + "</pre>"
        )

    def _new_trace(self) -> None:
        self.downloads.clear()  # the links held the schedule before this one
        if self.pins:
            self._show_pins(self.pins)  # their names say what differs from this schedule

    def _show_pins(self, pins: list[Any]) -> None:
        self.plot.set_pins(pins, [self.pin_name(pin) for pin in pins])
        self._render()

    def code(self) -> str:
        """Runnable Python for the schedule on screen."""
        raise NotImplementedError

    def _file_stem(self) -> str:
        """The name the downloaded files share (``lr_AdamW_OneCycleLR``)."""
        raise NotImplementedError

    def _files(self) -> dict[str, tuple[bytes, str]]:
        """What "downloads" offers for the schedule on screen: the figure, the numbers, the code."""
        self.settle()
        if self.trace is None:
            raise LrWidgetsError("there is no schedule to download yet")
        stem = self._file_stem()
        return {
            f"{stem}.png": (self.png(), "image/png"),
            f"{stem}.csv": (self.trace.csv().encode(), "text/csv"),
            f"{stem}.py": (self.code().encode(), "text/x-python"),
        }

    # -- public ---------------------------------------------------------------------------
    def png(self) -> bytes:
        """The figure as a PNG with its title and legend (what "downloads" offers)."""
        self.settle()
        buffer = io.BytesIO()
        with self.plot.as_picture():
            self.figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
        return buffer.getvalue()

    @property
    def status_is_error(self) -> bool:
        """Whether ``status`` says what is wrong (shown with ⚠), rather than a note or nothing."""
        return self._status_line.error

    @property
    def figure_view(self) -> FigureView:
        """The live canvas, or a still picture and a hint where ipympl's front end is missing."""
        return self.schedule.figure_view

    @property
    def panel(self) -> str:
        """The text of the side panel: the optimizer and scheduler at the inspected step."""
        self.settle()
        return self.inspector.text

    def settle(self) -> None:
        """Finish pending work now: the update of the latest control values, the panel's replay."""
        self.pacer.flush()
        self.inspector.settle()

    def close(self) -> None:
        """Close the figure and every widget."""
        # Also called by ipywidgets when a widget whose __init__ failed is collected.
        parts = self.__dict__
        if "pacer" in parts:
            self.pacer.cancel()
        if "inspector" in parts:
            self.inspector.close()
        if "plot" in parts:
            self.plot.close()
        close_tree(*self.children, self.layout, *self._controls_to_close())
        super().close()

    def _controls_to_close(self) -> list[widgets.Widget]:
        """Controls that may not be on screen (a form's rebuilt parts are closed by the form)."""
        return []
