"""The figure of a SchedulePlot as a widget, and the status line: shared by the Explorer and interact()."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..core.errors import LrWidgetsError
from .plot import SchedulePlot

__all__ = ["FigureView", "StatusLine"]


class FigureView:
    """The live ipympl canvas of ``plot`` -- or, with no ipympl front end, a picture redrawn on every change."""

    def __init__(self, plot: SchedulePlot, who: str = "the Explorer") -> None:
        self.plot = plot
        canvas = plot.figure.canvas
        #: The still picture (PNG) shown instead of a live canvas, or None.
        self.static: widgets.Image | None = None
        #: What the still picture says to do for a live one ("" with a live canvas).
        self.hint = ""
        if isinstance(canvas, widgets.DOMWidget):
            for name, value in (
                ("header_visible", False),
                ("footer_visible", False),
                ("resizable", False),
                ("toolbar_position", "top"),  # in the strip the plot keeps free (PlotStyle.toolbar)
            ):
                if hasattr(canvas, name):
                    setattr(canvas, name, value)
            if hasattr(canvas, "syncing_data_url"):
                # ipympl 0.10's Canvas.send_binary, while it keeps pictures for a page that has not said
                # "initialized" yet, sends the raw RGBA pixels instead of the PNG (it reuses the name `data`):
                # the page gets a broken image, then "Error setting state: Failed to execute 'drawImage' ...
                # 'broken' state" and no figure. It happens when a draw is answered before the page's
                # "initialized" message is handled (a busy kernel: the lesson's last Explorer, in CI).
                # lr_widgets needs no picture kept in the widget's state: the page asks for one when it shows.
                canvas.syncing_data_url = False
            toolbar = getattr(canvas, "toolbar", None)
            if toolbar is not None and hasattr(toolbar, "toolitems"):
                # the picture to save is "downloads"' PNG, with title and legend; the toolbar's would lack them
                toolbar.toolitems = [item for item in toolbar.toolitems if item[0] != "Download"]
            self.widget: widgets.Widget = canvas
        else:
            self.static = widgets.Image(format="png")
            self.hint = (
                f"<i>Run <code>%matplotlib widget</code> before creating {who} for a live, clickable figure.</i>"
            )
            self.widget = widgets.VBox([self.static, widgets.HTML(self.hint)])

    def show(self) -> None:
        """Draw the figure once for everything that changed."""
        self.plot.redraw()
        if self.static is not None:
            buffer = io.BytesIO()  # the title and the legend are beside it, as beside a live canvas
            self.plot.figure.savefig(buffer, format="png", dpi=80)
            self.static.value = buffer.getvalue()


class StatusLine:
    """The one place a widget's callbacks catch errors: each is shown as a sentence, never raised.

    ``on_say(message)`` hears every message (the Explorer keeps it as its ``status`` trait).
    """

    def __init__(self, on_say: Callable[[str], None] | None = None) -> None:
        self.widget = widgets.HTML(layout=widgets.Layout(min_height="24px"))
        self.widget.add_class("lr-widgets-status")  # a hook for browser tests and page styles
        self.text = ""
        #: Whether the message says what is wrong (shown with ⚠), not a note.
        self.error = False
        self._on_say = on_say

    def say(self, message: str, *, error: bool = False) -> None:
        self.text, self.error = message, bool(message) and error
        if not message:
            self.widget.value = ""
        elif error:
            self.widget.value = f"<span style='color:#b00020'>⚠ {html.escape(message)}</span>"
        else:
            self.widget.value = f"<span style='color:#555'>{html.escape(message)}</span>"
        if self._on_say is not None:
            self._on_say(message)

    def guard(self, action: Callable[..., Any]) -> Callable[..., None]:
        """``action`` that shows any mistake here instead of raising it."""

        def guarded(*args: Any) -> None:
            try:
                action(*args)
            except LrWidgetsError as mistake:
                self.say(str(mistake), error=True)
            except Exception as unexpected:  # noqa: BLE001 -- a widget callback must never raise
                self.say(f"lr_widgets could not do that ({type(unexpected).__name__}: {unexpected})", error=True)

        return guarded
