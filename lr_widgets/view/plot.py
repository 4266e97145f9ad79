"""SchedulePlot: the figure, created once; every update only sets data and redraws when idle."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..core.marks import Mark
from ..core.simulate import Trace
from ..core.specs import optimizer_spec

__all__ = ["SchedulePlot", "Pin", "PlotStyle", "PROJECTOR", "x_values"]

_GROUP_COLORS = ("C0", "C1", "C2")
_MOMENTUM_COLOR = "C3"
_METRIC_COLOR = "0.45"


@dataclass(frozen=True)
class PlotStyle:
    """Sizes and colours of the figure: the notebook default, or large and high-contrast for a projector."""

    figsize: tuple[float, float] = (6.4, 4.0)
    font: float = 10.0
    line: float = 2.0
    thin: float = 1.2
    colors: tuple[str, ...] = _GROUP_COLORS
    momentum: str = _MOMENTUM_COLOR
    metric: str = _METRIC_COLOR


#: For a projector in a classroom: big type, thick lines, dark colours that survive a washed-out beam.
PROJECTOR = PlotStyle(
    figsize=(8.0, 5.2),
    font=15.0,
    line=4.0,
    thin=2.5,
    colors=("#0033a0", "#c03000", "#007a33"),
    momentum="#7a0070",
    metric="0.2",
)


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _drawing_waits(method: _Method) -> _Method:
    """Change artists only while the figure is not being drawn.

    The widget front end asks for images on a kernel subshell, so ipympl may draw the
    figure on another thread while a control's callback changes it here; a draw in the
    middle of a change sends a blank or half-updated image. matplotlib's Figure.draw
    holds the figure's render lock; holding it too makes each change and each draw whole.
    """

    @wraps(method)
    def locked(self: SchedulePlot, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


@dataclass(frozen=True)
class Pin:
    """A schedule kept on the plot for comparison."""

    label: str
    trace: Trace


def x_values(steps: int, steps_per_epoch: int = 1, in_epochs: bool = False) -> np.ndarray:
    """The x coordinate of each step: the step number, or the epoch (step / steps_per_epoch)."""
    x = np.arange(steps + 1, dtype=np.float64)
    return x / steps_per_epoch if in_epochs else x


class SchedulePlot:
    """The LR of each param group, momentum or the plateau metric, marks, a cursor and pinned schedules.

    Parameters
    ----------
    figsize
        Size of the figure in inches.
    """

    def __init__(self, style: PlotStyle | None = None) -> None:
        self.style = style = style or PlotStyle()
        with plt.ioff(), plt.rc_context({"font.size": style.font}):  # shown inside the Explorer only
            self.figure: Figure = plt.figure(figsize=style.figsize)
        # matplotlib's own lock around Figure.draw (a lock of ours where a version lacks it)
        self.lock = getattr(self.figure, "_render_lock", None) or threading.RLock()
        self.ax = self.figure.add_subplot()
        self.right = self.ax.twinx()
        self.ax.set_zorder(self.right.get_zorder() + 1)  # the LR lines in front, clicks on the LR axes
        self.ax.patch.set_visible(False)
        self.ax.set_ylabel("learning rate", fontsize=style.font)
        self.ax.grid(True, alpha=0.3)
        for axes in (self.ax, self.right):
            axes.tick_params(labelsize=style.font * 0.9)
        self.lr_lines: list[Line2D] = [
            self.ax.plot([], [], color=color, linewidth=style.line)[0] for color in style.colors
        ]
        self.momentum_lines: list[Line2D] = [
            self.right.plot([], [], color=style.momentum, linestyle="--", linewidth=style.thin, alpha=0.8)[0]
            for _ in style.colors
        ]
        (self.metric_line,) = self.right.plot([], [], color=style.metric, linewidth=style.thin * 0.8, alpha=0.8)
        self.marks = LineCollection(
            [], colors="0.55", linestyles=":", linewidths=style.thin, transform=self.ax.get_xaxis_transform()
        )
        self.ax.add_collection(self.marks)
        self.cursor = self.ax.axvline(0, color="0.2", linewidth=style.thin)
        self.readout = self.ax.text(
            0.99,
            0.98,
            "",
            transform=self.ax.transAxes,
            ha="right",
            va="top",
            fontsize=style.font * 0.85,
            family="monospace",
            bbox=dict(boxstyle="round", facecolor="white", alpha=0.8, edgecolor="0.8"),
        )
        self.pin_lines: list[tuple[Pin, list[Line2D]]] = []
        self.trace: Trace | None = None
        self.x = np.zeros(1)
        self.in_epochs = False
        self.steps_per_epoch = 1
        self.figure.tight_layout()

    # -- updating -----------------------------------------------------------------------
    @_drawing_waits
    def update(
        self, trace: Trace, marks: Sequence[Mark] = (), *, steps_per_epoch: int = 1, in_epochs: bool = False
    ) -> None:
        """Show ``trace``: set the data of the existing lines, rescale, redraw when idle."""
        self.trace, self.steps_per_epoch, self.in_epochs = trace, steps_per_epoch, in_epochs
        self.x = x_values(trace.steps, steps_per_epoch, in_epochs)
        n_groups = trace.lr.shape[1]
        names = [f" · {name}" if n_groups > 1 else "" for name in trace.group_names]
        _set_lines(self.lr_lines, self.x, trace.lr, [f"lr{name}" for name in names])
        show_momentum = trace.momentum is not None and np.ptp(trace.momentum) > 0
        _set_lines(
            self.momentum_lines,
            self.x,
            trace.momentum if show_momentum else None,
            [_momentum_name(trace) + name for name in names],
        )
        if trace.metric is not None:
            self.metric_line.set_data(self.x[1:], trace.metric)
            self.metric_line.set_label("metric (fed to ReduceLROnPlateau)")
            self.metric_line.set_visible(True)
        else:
            self.metric_line.set_data([], [])
            self.metric_line.set_visible(False)
        self.right.set_visible(show_momentum or trace.metric is not None)
        self.right.set_ylabel("momentum / beta1" if show_momentum else "metric", fontsize=self.style.font)
        scale = 1 / steps_per_epoch if in_epochs else 1
        self.marks.set_segments([[(m.step * scale, 0), (m.step * scale, 1)] for m in marks])
        self.marks.set_label("turning points" if marks else None)
        self.ax.set_xlabel(
            f"epoch ({steps_per_epoch} steps each)" if in_epochs else "optimizer step", fontsize=self.style.font
        )
        self.ax.set_title(_title(trace), fontsize=self.style.font * 1.05)
        self._rescale()
        self._legend()

    @_drawing_waits
    def set_pins(self, pins: Sequence[Pin]) -> None:
        """Show exactly ``pins`` as faded lines (adding and removing only what changed)."""
        kept = []
        for pin, lines in self.pin_lines:
            if pin in pins:
                kept.append((pin, lines))
            else:
                for line in lines:
                    line.remove()
        self.pin_lines = kept
        present = [pin for pin, _ in kept]
        for index, pin in enumerate(pins):
            if pin in present:
                continue
            color = f"C{(index + 4) % 10}"
            lines = [
                self.ax.plot(
                    np.arange(pin.trace.steps + 1),
                    pin.trace.lr[:, g],
                    color=color,
                    alpha=0.45,
                    linewidth=self.style.line * 0.75,
                    label=f"pinned: {pin.label}" if g == 0 else None,
                )[0]
                for g in range(pin.trace.lr.shape[1])
            ]
            self.pin_lines.append((pin, lines))
        self._place_pins()
        self._rescale()
        self._legend()

    def _place_pins(self) -> None:
        scale = 1 / self.steps_per_epoch if self.in_epochs else 1
        for pin, lines in self.pin_lines:
            for g, line in enumerate(lines):
                line.set_data(np.arange(pin.trace.steps + 1) * scale, pin.trace.lr[:, g])

    @_drawing_waits
    def set_log_y(self, log: bool) -> None:
        self.ax.set_yscale("log" if log else "linear")
        self._rescale()

    @_drawing_waits
    def set_cursor(self, step: int) -> None:
        """Move the cursor to ``step`` and write the values there."""
        if self.trace is None:
            return
        step = int(np.clip(step, 0, self.trace.steps))
        x = self.x[step]
        self.cursor.set_xdata([x, x])
        lines = [f"step {step}" + (f" (epoch {x:.4g})" if self.in_epochs else "")]
        for g, name in enumerate(self.trace.group_names):
            prefix = f"lr {name}" if len(self.trace.group_names) > 1 else "lr"
            lines.append(f"{prefix} = {self.trace.lr[step, g]:.6g}")
        if self.trace.momentum is not None:
            lines.append(f"{_momentum_name(self.trace)} = {self.trace.momentum[step, 0]:.4g}")
        if self.trace.metric is not None and step > 0:
            lines.append(f"metric = {self.trace.metric[step - 1]:.4g}")
        self.readout.set_text("\n".join(lines))

    def step_at(self, x: float) -> int:
        """The step nearest to the x coordinate ``x`` (for clicks)."""
        if self.trace is None:
            return 0
        scale = self.steps_per_epoch if self.in_epochs else 1
        return int(np.clip(round(x * scale), 0, self.trace.steps))

    def _rescale(self) -> None:
        for axes in (self.ax, self.right):
            axes.relim(visible_only=True)
            axes.autoscale_view()
        if self.trace is not None:
            self.ax.set_xlim(self.x[0], self.x[-1] if len(self.x) > 1 else 1)

    def _legend(self) -> None:
        handles = [
            h
            for h in (*self.lr_lines, *self.momentum_lines[:1], self.metric_line)
            if h.get_visible() and len(h.get_xdata())
        ]
        handles += [lines[0] for _, lines in self.pin_lines]
        if len(self.marks.get_segments()):
            handles.append(self.marks)
        self.ax.legend(
            handles=handles,
            labels=[h.get_label() for h in handles],
            loc="upper center",
            fontsize=self.style.font * 0.85,
            ncols=min(len(handles), 3) or 1,
            framealpha=0.85,
            bbox_to_anchor=(0.5, -0.16),
        )
        self.figure.tight_layout()

    def redraw(self) -> None:
        """Ask for one redraw; the methods above only change artists, so a change is drawn once."""
        self.figure.canvas.draw_idle()

    def close(self) -> None:
        plt.close(self.figure)


def _set_lines(lines: Sequence[Line2D], x: np.ndarray, columns: np.ndarray | None, labels: Sequence[str]) -> None:
    """Line g shows column g; lines without a column are emptied and hidden."""
    for g, line in enumerate(lines):
        if columns is not None and g < columns.shape[1]:
            line.set_data(x, columns[:, g])
            line.set_label(labels[g])
            line.set_visible(True)
        else:
            line.set_data([], [])
            line.set_visible(False)


def _momentum_name(trace: Trace) -> str:
    """What the optimizer calls the momentum the trace records: ``momentum``, or ``beta1`` of ``betas``."""
    return "momentum" if optimizer_spec(trace.optimizer).momentum_key == "momentum" else "beta1"


def _title(trace: Trace) -> str:
    scheduler = trace.scheduler or "constant LR"
    return f"{trace.optimizer} + {scheduler}, {trace.steps} steps"
