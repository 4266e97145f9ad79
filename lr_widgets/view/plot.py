"""SchedulePlot: the figure, created once; every update only sets data and redraws when idle."""

from __future__ import annotations

import html
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import LogLocator, MaxNLocator

from ..core.marks import Mark
from ..core.simulate import Trace
from ..core.specs import optimizer_spec

__all__ = [
    "SchedulePlot",
    "Pin",
    "PlotStyle",
    "PROJECTOR",
    "LegendEntry",
    "legend_entry",
    "x_values",
    "decimate",
    "plot_schedule",
    "drawing_waits",
    "layout_kept",
    "pin_color",
    "tight_layout",
]

_GROUP_COLORS = ("C0", "C1", "C2")
_MOMENTUM_COLOR = "C3"
_METRIC_COLOR = "0.45"


@dataclass(frozen=True)
class PlotStyle:
    """Sizes and colours of the figure: the notebook default, or large and high-contrast for a projector."""

    figsize: tuple[float, float] = (5.0, 3.6)
    font: float = 10.0
    line: float = 2.0
    thin: float = 1.2
    colors: tuple[str, ...] = _GROUP_COLORS
    momentum: str = _MOMENTUM_COLOR
    metric: str = _METRIC_COLOR
    #: The text beside the figure (its heading, the readout), in CSS pixels.
    text_px: int = 13
    #: The strip kept free at the top of the figure, in inches (CSS pixels / 100), for ipympl's toolbar:
    #: it floats over the canvas, and there it covers nothing (on the left it hid the y label).
    toolbar: float = 0.38


#: For a projector in a classroom: big type, thick lines, dark colours that survive a washed-out beam.
PROJECTOR = PlotStyle(
    figsize=(8.0, 5.2),
    font=15.0,
    line=4.0,
    thin=2.5,
    colors=("#0033a0", "#c03000", "#007a33"),
    momentum="#7a0070",
    metric="0.2",
    text_px=19,  # the readout and the hint one pixel less: 18 px, for the back row
)


_Method = TypeVar("_Method", bound=Callable[..., Any])


@contextmanager
def _scaling_quietly() -> Iterator[None]:
    """matplotlib's autoscaling, without its warnings about what the figure shows anyway: a schedule near
    the largest float (numpy overflows in the margins: see _hold_the_data), or an LR never above 0 on a
    log axis (nothing there to draw; the limits stay as they were)."""
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", "Data has no positive values", UserWarning)
        yield


def _hold_the_data(axes: Any) -> None:
    """Limits that hold the data, where matplotlib's margins overflow (a schedule near the largest float,
    as ``ExponentialLR(gamma=31)`` reaches): then the data's own range, with no margin."""
    if not axes.get_autoscaley_on():
        return  # zoomed in by hand (ipympl's toolbar): the user's limits stay
    data = axes.dataLim
    low, high = data.y0, data.y1
    if axes.get_yscale() == "log":
        low = data.minposy
    if not (np.isfinite([low, high]).all() and 0 < high - low):
        return  # no data, or one value: matplotlib's own limits are fine
    shown = axes.get_ylim()
    if np.isfinite(shown).all() and shown[0] <= low and high <= shown[1]:
        return
    axes.set_ylim(low, high, auto=True)  # autoscaling goes on for the next schedule


class _FiniteLogLocator(LogLocator):
    """matplotlib's log ticks without the ones past the largest float (it fails to label an infinite tick)."""

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        with np.errstate(over="ignore"):
            ticks = super().tick_values(vmin, vmax)
        return ticks[np.isfinite(ticks)]


def drawing_waits(method: _Method) -> _Method:
    """Change artists only while the figure is not being drawn.

    The widget front end asks for images on a kernel subshell, so ipympl may draw the
    figure on another thread while a control's callback changes it here; a draw in the
    middle of a change sends a blank or half-updated image. matplotlib's Figure.draw
    holds the figure's render lock; holding it too makes each change and each draw whole.
    """

    @wraps(method)
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


def tight_layout(figure: Figure, rect: tuple[float, float, float, float], **pads: float) -> None:
    """``figure.tight_layout`` in ``rect``; where a legend is taller than the figure can hold (many pins), the
    layout stays as it was, without matplotlib's warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Tight layout not applied", UserWarning)
        figure.tight_layout(rect=rect, **pads)


@contextmanager
def layout_kept(figure: Figure) -> Iterator[None]:
    """The figure's layout back as it was when the block ends (a picture on its own lays it out anew)."""
    sides = ("left", "right", "bottom", "top", "wspace", "hspace")
    saved = {side: getattr(figure.subplotpars, side) for side in sides}
    try:
        yield
    finally:
        figure.subplots_adjust(**saved)


def pin_color(index: int) -> str:
    """The colour of the pin at ``index`` of the pins (past the param groups', momentum's and the metric's)."""
    return f"C{(index + 4) % 10}"


@dataclass(frozen=True)
class Pin:
    """A schedule kept on the plot for comparison."""

    label: str
    trace: Trace
    #: Whether the user named it (the legend then shows the name, else what differs from the live schedule).
    named: bool = False


def x_values(steps: int, steps_per_epoch: int = 1, in_epochs: bool = False) -> np.ndarray:
    """The x coordinate of each step: the step number, or the epoch (step / steps_per_epoch)."""
    x = np.arange(steps + 1, dtype=np.float64)
    return x / steps_per_epoch if in_epochs else x


def decimate(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``3 * columns + 1`` points that draw the same line as ``x, y`` at ``columns`` pixels wide.

    The points are cut into ``columns`` runs of consecutive steps, and each run keeps its
    first point, its lowest and its highest (in the order they come), and the last point
    of all is kept: every peak, dip and restart of the schedule stays on screen, while a
    100k-step trace is drawn from a few thousand points. Short lines are returned as they are.
    """
    n = y.shape[0]
    if columns < 1 or n <= 4 * columns:
        return x, y
    size = -(-n // columns)
    padded = np.concatenate([y, np.full(size * columns - n, y[-1])]).reshape(columns, size)
    starts = np.arange(columns) * size
    keep = np.concatenate([starts, starts + padded.argmin(axis=1), starts + padded.argmax(axis=1), [n - 1]])
    keep = np.unique(np.minimum(keep, n - 1))
    return x[keep], y[keep]


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
        # Each tick label and grid line is drawn anew on every frame: a few of them are enough.
        self.ax.grid(True, axis="y", alpha=0.3)
        self._linear_ticks()
        for axes in (self.ax, self.right):
            axes.tick_params(labelsize=style.font * 0.9)
        self.lr_lines: list[Line2D] = [
            self.ax.plot([], [], color=color, linewidth=style.line)[0] for color in style.colors
        ]
        # The row after the last step (what get_last_lr() says then; torch computes it, no step uses it,
        # and for OneCycleLR it is an extrapolation below zero): a faint dotted tail with an open end.
        self.after_lines: list[Line2D] = [
            self.ax.plot(
                [], [], color=color, linewidth=style.thin, linestyle=":", marker="o", markevery=[1],
                markerfacecolor="white", alpha=0.8,
            )[0]
            for color in style.colors
        ]  # fmt: skip
        self.momentum_lines: list[Line2D] = [
            self.right.plot([], [], color=style.momentum, linestyle="--", linewidth=style.thin, alpha=0.8)[0]
            for _ in style.colors
        ]
        (self.metric_line,) = self.right.plot([], [], color=style.metric, linewidth=style.thin * 0.8, alpha=0.8)
        # Another loop than the classic (issue 15): the schedule as planned, faint under this loop's, the
        # difference shaded, the skipped optimizer steps as a rug along the bottom, the resume marked.
        self.intended_lines: list[Line2D] = [
            self.ax.plot([], [], color=color, linewidth=style.line * 1.6, alpha=0.22, solid_capstyle="butt")[0]
            for color in style.colors
        ]
        #: The shaded difference between the plan and this loop, one area per group (empty for the classic loop).
        self.differences: list[PolyCollection] = [
            self.ax.add_collection(PolyCollection([], facecolors=color, alpha=0.18, linewidths=0))
            for color in style.colors
        ]
        self.skipped = LineCollection(
            [], colors="0.25", linewidths=style.thin * 0.6, transform=self.ax.get_xaxis_transform()
        )
        self.ax.add_collection(self.skipped)
        self.resumed = self.ax.axvline(0, color="0.15", linestyle="-.", linewidth=style.thin, visible=False)
        self.marks = LineCollection(
            [], colors="0.55", linestyles=":", linewidths=style.thin, transform=self.ax.get_xaxis_transform()
        )
        self.ax.add_collection(self.marks)
        self.cursor = self.ax.axvline(0, color="0.2", linewidth=style.thin)
        # The title and the values at the cursor are shown beside the canvas, not drawn in it:
        # text is the costliest thing matplotlib draws, and these change while nothing else does.
        #: What the figure shows ("SGD + CosineAnnealingLR, 100 steps"); drawn as a title only in exports.
        self.title = ""
        #: The values at the cursor, on one line.
        self.readout = ""
        self.pin_lines: list[tuple[Pin, list[Line2D]]] = []
        self.trace: Trace | None = None
        self.x = np.zeros(1)
        self.in_epochs = False
        self.steps_per_epoch = 1
        self._layout_key: tuple[Any, ...] | None = None
        #: What the lines are (shown beside the canvas; drawn in the figure only by :meth:`as_picture`).
        self.legend: list[LegendEntry] = []
        self._tight_layout()

    # -- updating -----------------------------------------------------------------------
    @drawing_waits
    def update(
        self, trace: Trace, marks: Sequence[Mark] = (), *, steps_per_epoch: int = 1, in_epochs: bool = False
    ) -> None:
        """Show ``trace``: set the data of the existing lines, rescale, redraw when idle."""
        self.trace, self.steps_per_epoch, self.in_epochs = trace, steps_per_epoch, in_epochs
        self.x = x_values(trace.steps, steps_per_epoch, in_epochs)
        n_groups = trace.lr.shape[1]
        names = [f" · {name}" if n_groups > 1 else "" for name in trace.group_names]
        columns = self._columns()
        used = slice(0, max(1, trace.steps))  # the rows an optimizer step of the run uses
        _set_lines(self.lr_lines, self.x[used], trace.lr[used], [f"lr{name}" for name in names], columns)
        after = ["after the last step"] + [""] * (n_groups - 1)
        _set_lines(self.after_lines, self.x[-2:], trace.lr[-2:], after, columns)
        show_momentum = trace.momentum is not None and np.ptp(trace.momentum[used]) > 0
        _set_lines(
            self.momentum_lines,
            self.x[used],
            trace.momentum[used] if show_momentum else None,
            [_momentum_name(trace) + name for name in names],
            columns,
        )
        if trace.metric is not None:
            self.metric_line.set_data(*decimate(self.x[1:], trace.metric, columns))
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
        self._show_loop(trace, columns)
        self.ax.set_xlabel(
            f"epoch ({steps_per_epoch} steps each)" if in_epochs else "optimizer step", fontsize=self.style.font
        )
        self._place_pins()  # pinned lines follow the x axis (steps or epochs)
        # a fixed y spares matplotlib from measuring every tick label of both axes at each draw
        self.title = _title(trace)
        self._rescale()
        self._legend()

    def _show_loop(self, trace: Trace, columns: int) -> None:
        """The loop's marks: the schedule as planned, the difference, skipped steps, the resume (or none)."""
        bent = trace.bent
        planned = trace.planned
        steps = slice(0, max(1, trace.steps))
        if bent:
            planned_labels = ["as planned (classic loop)"] + [""] * (planned.lr.shape[1] - 1)  # one entry in the legend
            _set_lines(self.intended_lines, self.x[steps], planned.lr[steps], planned_labels, columns)
            ran = _as_run(trace)  # the LR each optimizer step ran with (or, skipped, the LR of the moment)
            labels = [f"{line.get_label()} (this loop)" for line in self.lr_lines]
            _set_lines(self.lr_lines, self.x[steps], ran[steps], labels, columns)
            every = slice(0, trace.steps, max(1, trace.steps // (4 * columns)))  # a few points per pixel column
            x = self.x[every]
            for g, fill in enumerate(self.differences):
                shown = g < ran.shape[1]
                if shown:  # the area between the two lines: along the plan, back along this loop
                    fill.set_verts(
                        [np.column_stack([np.r_[x, x[::-1]], np.r_[planned.lr[every, g], ran[every, g][::-1]]])]
                    )
                fill.set_visible(shown)
            self.differences[0].set_label("this loop's difference")
        else:
            _set_lines(self.intended_lines, self.x[steps], None, [], columns)
            for fill in self.differences:
                fill.set_verts([])
                fill.set_visible(False)
        scale = 1 / self.steps_per_epoch if self.in_epochs else 1
        skipped = [t for t in trace.loop.skip_optimizer_steps if t < trace.steps]
        self.skipped.set_segments([[(t * scale, 0), (t * scale, 0.04)] for t in skipped])
        n = len(skipped)
        self.skipped.set_label(f"optimizer step skipped ({n})" if n else None)
        at = trace.loop.resume_at
        resumes = at is not None and at < trace.steps
        self.resumed.set_visible(resumes)
        if resumes:
            self.resumed.set_xdata([at * scale, at * scale])
            self.resumed.set_label(f"resumed at step {at} ({trace.loop.resume.replace('_', ' ')})")

    @drawing_waits
    def set_pins(self, pins: Sequence[Pin], names: Sequence[str] | None = None) -> None:
        """Show exactly ``pins`` as faded lines (adding and removing only what changed).

        ``names`` are what the legend calls them (by default their labels).
        """
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
            color = pin_color(index)
            lines = [
                self.ax.plot(
                    [],
                    [],
                    color=color,
                    alpha=0.45,
                    linewidth=self.style.line * 0.75,
                )[0]
                for g in range(pin.trace.lr.shape[1])
            ]
            self.pin_lines.append((pin, lines))
        names = list(names) if names is not None else [pin.label for pin in pins]
        for pin, lines in self.pin_lines:
            index = next(i for i, given in enumerate(pins) if given is pin)
            lines[0].set_label(f"pinned: {names[index]}")
        self._place_pins()
        self._rescale()
        self._legend()

    def _place_pins(self) -> None:
        for pin, lines in self.pin_lines:
            x = x_values(pin.trace.steps, self.steps_per_epoch, self.in_epochs)
            ran = _as_run(pin.trace)  # as the live line: the LR each optimizer step ran with
            for g, line in enumerate(lines):
                line.set_data(*decimate(x, ran[:, g], self._columns()))

    @drawing_waits
    def set_log_y(self, log: bool) -> None:
        with _scaling_quietly():  # set_yscale autoscales too
            self.ax.set_yscale("log" if log else "linear")
        if log:
            self.ax.yaxis.set_major_locator(_FiniteLogLocator())
        else:
            self._linear_ticks()
        self._rescale()
        self._tight_layout()  # tick labels of another width

    @drawing_waits
    def set_cursor(self, step: int) -> None:
        """Move the cursor to ``step`` and write the values there."""
        if self.trace is None:
            return
        step = int(np.clip(step, 0, self.trace.steps))
        x = self.x[step]
        self.cursor.set_xdata([x, x])
        lines = [f"step {step}" + (f" (epoch {x:.4g})" if self.in_epochs else "")]
        if step == self.trace.steps:
            lines[0] += " (after the last step: get_last_lr(), no optimizer step uses it)"
        bent = self.trace.bent and step < self.trace.steps
        for g, name in enumerate(self.trace.group_names):
            prefix = f"lr {name}" if len(self.trace.group_names) > 1 else "lr"
            text = f"{prefix} = {self.trace.lr[step, g]:.6g}"
            if bent:  # what the optimizer step of this loop ran with, against the plan
                used = self.trace.used[step, g]
                if np.isnan(used):
                    text += ", step skipped"
                elif used != self.trace.lr[step, g]:
                    text += f", ran with {used:.6g}"
                text += f" (plan {self.trace.planned.lr[step, g]:.6g})"
            lines.append(text)
        if self.trace.momentum is not None:
            lines.append(f"{_momentum_name(self.trace)} = {self.trace.momentum[step, 0]:.4g}")
        if self.trace.metric is not None and step > 0:
            lines.append(f"metric = {self.trace.metric[step - 1]:.4g}")
        self.readout = "   ".join(lines)

    def step_at(self, x: float) -> int:
        """The step nearest to the x coordinate ``x`` (for clicks)."""
        if self.trace is None:
            return 0
        scale = self.steps_per_epoch if self.in_epochs else 1
        return int(np.clip(round(x * scale), 0, self.trace.steps))

    def _linear_ticks(self) -> None:
        # tick labels are most of what a draw costs (an LR's run "0.0012" to many glyphs): a few suffice
        self.ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        self.ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))

    def _columns(self) -> int:
        """Pixel columns of the axes on a high-density screen: the resolution a line needs."""
        return max(1, int(2 * self.ax.get_position().width * self.figure.bbox.width))

    def _rescale(self) -> None:
        # the live schedule sets the scale: a pinned one ten times higher must not squash it
        pinned = [line for _, lines in self.pin_lines for line in lines]
        for line in pinned:
            line.set_visible(False)
        try:
            for axes in (self.ax, self.right):
                axes.relim(visible_only=True)
                with _scaling_quietly():
                    axes.autoscale_view()
                _hold_the_data(axes)
        finally:
            for line in pinned:
                line.set_visible(True)
        if self.trace is not None:
            self.ax.set_xlim(self.x[0], self.x[-1] if len(self.x) > 1 else 1)

    def _handles(self) -> list[Any]:
        """What the legend lists: the lines shown (the live schedule, momentum, metric, pins) and the marks."""
        handles = [
            h
            for h in (
                *self.lr_lines,
                *self.after_lines[:1],
                *self.momentum_lines[:1],
                self.metric_line,
                *self.intended_lines[:1],
            )
            if h.get_visible() and len(h.get_xdata())
        ]
        handles += [fill for fill in self.differences[:1] if fill.get_visible()]
        if len(self.skipped.get_segments()):
            handles.append(self.skipped)
        if self.resumed.get_visible():
            handles.append(self.resumed)
        handles += [lines[0] for _, lines in self.pin_lines]
        if len(self.marks.get_segments()):
            handles.append(self.marks)
        return handles

    def _legend(self) -> None:
        """Say what the lines are in :attr:`legend` (shown beside the canvas, not drawn in it: its text and
        box cost as much to draw as the rest of the figure); lay the figure out again only when an axis
        label appears or goes (tight_layout measures every text of the figure)."""
        self.legend = [legend_entry(h) for h in self._handles()]
        key = (self.ax.get_xlabel(), self.right.get_visible(), self.right.get_ylabel())
        if key != self._layout_key:
            self._layout_key = key
            self._tight_layout()

    def _tight_layout(self, bottom: float = 0.0) -> None:
        tight_layout(self.figure, (0, bottom, 1, 1 - self.style.toolbar / self.figure.get_figheight()))

    @contextmanager
    def as_picture(self) -> Iterator[None]:
        """Draw the title and the legend in the figure for as long as the block runs (a picture on its own)."""
        with self.lock, layout_kept(self.figure):
            handles = self._handles()
            self.ax.set_title(self.title, fontsize=self.style.font * 1.05)
            legend = self.figure.legend(
                handles=handles,
                labels=[h.get_label() for h in handles],
                loc="lower center",
                fontsize=self.style.font * 0.85,
                ncols=(2 if len(handles) > 4 else len(handles)) or 1,  # a wider legend squeezes the axes
                framealpha=0.85,
            )
            extent = legend.get_window_extent(self.figure.canvas.get_renderer())
            self._tight_layout(bottom=extent.height / self.figure.bbox.height + 0.01)  # the axes above the legend
            try:
                yield
            finally:
                legend.remove()
                self.ax.set_title("")

    def redraw(self) -> None:
        """Ask for one redraw; the methods above only change artists, so a change is drawn once."""
        self.figure.canvas.draw_idle()

    def close(self) -> None:
        plt.close(self.figure)


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: what it says and how its line looks."""

    label: str
    color: str
    style: str  # "solid", "dashed" or "dotted", as CSS names a border
    mark: bool = False  # a vertical mark (turning points) rather than a curve
    alpha: float = 1.0
    end: bool = False  # the line ends in an open circle (the row after the last step)
    fill: bool = False  # a shaded area rather than a line

    def html(self, px: int = 12) -> str:
        """The entry as HTML: a short line in its color and style (and its open end), then the label."""
        if self.fill:
            swatch = f"display:inline-block;width:22px;height:{px - 2}px;background:{self.color}"
        elif self.mark:
            swatch = f"display:inline-block;width:0;height:{px}px;border-left:2px {self.style} {self.color}"
        else:
            swatch = f"display:inline-block;width:22px;height:0;border-top:2px {self.style} {self.color}"
        circle = (
            f"<span style='display:inline-block;width:6px;height:6px;border:1.5px solid {self.color};"
            f"border-radius:50%;background:white;vertical-align:middle;margin-left:-3px'></span>"
            if self.end
            else ""
        )
        return (
            f"<span style='white-space:nowrap;margin-right:14px'><span style='{swatch};opacity:{self.alpha:.2f};"
            f"vertical-align:middle'></span>{circle}<span style='margin-left:5px'>{html.escape(self.label)}</span>"
            "</span>"
        )


def legend_entry(handle: Any) -> LegendEntry:
    """How a matplotlib line (or the marks' collection, or a shaded area) appears in the HTML legend."""
    if isinstance(handle, PolyCollection):
        color = handle.get_facecolor()[0] if len(handle.get_facecolor()) else (0.5, 0.5, 0.5, 1)
        return LegendEntry(str(handle.get_label()), to_hex(color), "solid", alpha=0.35, fill=True)
    if isinstance(handle, LineCollection):
        color = handle.get_edgecolor()[0] if len(handle.get_edgecolor()) else (0.55, 0.55, 0.55, 1)
        return LegendEntry(str(handle.get_label()), to_hex(color), "dotted", mark=True)
    style = handle.get_linestyle()
    css = {"--": "dashed", ":": "dotted", "-.": "dashed"}.get(style, "solid")
    alpha = handle.get_alpha()
    end = handle.get_marker() not in (None, "None", "", " ")
    return LegendEntry(
        str(handle.get_label()), to_hex(handle.get_color()), css, alpha=1.0 if alpha is None else alpha, end=end
    )


def _set_lines(
    lines: Sequence[Line2D], x: np.ndarray, columns: np.ndarray | None, labels: Sequence[str], pixels: int
) -> None:
    """Line g shows column g (decimated to ``pixels``); lines without a column are emptied and hidden."""
    for g, line in enumerate(lines):
        if columns is not None and g < columns.shape[1]:
            line.set_data(*decimate(x, columns[:, g], pixels))
            line.set_label(labels[g])
            line.set_visible(True)
        else:
            line.set_data([], [])
            line.set_visible(False)


def _as_run(trace: Trace) -> np.ndarray:
    """Row t: the LR optimizer step t ran with, or at a skipped step the LR of that moment (``trace.lr[t]``);
    the last row as ``trace.lr`` has it."""
    used = trace.used
    ran = np.where(np.isnan(used), trace.lr[:-1], used)
    return np.vstack([ran, trace.lr[-1:]])


def _momentum_name(trace: Trace) -> str:
    """What the optimizer calls the momentum the trace records: ``momentum``, or ``beta1`` of ``betas``."""
    return "momentum" if optimizer_spec(trace.optimizer).momentum_key == "momentum" else "beta1"


def _title(trace: Trace) -> str:
    scheduler = trace.scheduler or "constant LR"
    return f"{trace.optimizer} + {scheduler}, {trace.steps} steps"


def plot_schedule(
    trace: Trace,
    ax: Any = None,
    *,
    steps_per_epoch: int = 1,
    in_epochs: bool = False,
    marks: bool = True,
    label: str | None = None,
) -> Any:
    """Draw the LR of each param group of ``trace`` on matplotlib axes (a script, docs, ``%matplotlib inline``).

    The rows an optimizer step uses are solid lines; the row after the last step is a dotted tail.
    Milestones, restarts and switch points are dotted vertical lines.

    Parameters
    ----------
    ax
        The axes to draw on; by default ``plt.gca()``.
    steps_per_epoch, in_epochs
        For an x axis in epochs.
    marks
        Draw the turning points of the schedule.
    label
        Prefix of the legend labels (``"lr"`` by default).

    Returns
    -------
    The axes.
    """
    from ..core.marks import schedule_marks

    ax = plt.gca() if ax is None else ax
    x = x_values(trace.steps, steps_per_epoch, in_epochs)
    used = max(1, trace.steps)
    prefix = label or "lr"
    for g, name in enumerate(trace.group_names):
        (line,) = ax.plot(
            x[:used], trace.lr[:used, g], label=prefix if len(trace.group_names) == 1 else f"{prefix} · {name}"
        )
        ax.plot(x[-2:], trace.lr[-2:, g], color=line.get_color(), linestyle=":", marker="o", markevery=[1],
                markerfacecolor="white")  # fmt: skip
    if marks:
        scale = 1 / steps_per_epoch if in_epochs else 1
        for mark in schedule_marks(trace):
            ax.axvline(mark.step * scale, color="0.55", linestyle=":", linewidth=1)
    ax.set_xlabel(f"epoch ({steps_per_epoch} steps each)" if in_epochs else "optimizer step")
    ax.set_ylabel("learning rate")
    ax.set_title(_title(trace))
    ax.legend()
    return ax
