"""The effect view: what the schedule on screen does to an optimizer on a 2-D problem.

Beside (or instead of) the schedule: the landscape's contours with the optimizer's path (pinned
schedules overlay theirs), the loss at each step, and what the optimizer remembers -- the norm of each
state tensor (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq`` ...) after each step --, with the inspected
step marked in all three. The paths are :func:`~lr_widgets.core.trajectory.trajectory`'s, kept for the
last runs asked (a pin's path is computed once). The figure is made once: a new path only sets data;
the contours are drawn again only when the landscape or its region changes.

Its mistakes (a formula, a start point, an optimizer torch refuses on a single 2-D point) are said in its
own note under its figure, which keeps the last good path: they are the view's, and the status line goes
on speaking of the schedule on screen, which is right.
"""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import traitlets
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, NullLocator

from ..core.config import Config, same_question
from ..core.errors import InvalidValueError, LrWidgetsError
from ..core.trajectory import Box, Landscape, OptimizerPath, landscape, start_point, trajectory
from .figure import FigureView
from .plot import LegendEntry, PlotStyle, drawing_waits, layout_kept, pin_color, tight_layout

__all__ = ["EffectPlot", "EffectView", "PROBLEM_CHOICES", "FORMULA_START", "KEPT_PATHS", "contour_levels"]

#: The landscapes offered, as the menu shows them.
PROBLEM_CHOICES = (
    ("Rosenbrock's valley", "rosenbrock"),
    ("a narrow bowl (quadratic)", "quadratic"),
    ("your own formula of x and y", "formula"),
)
#: Where a path on a formula of the user's starts unless they say (shown in the start box).
FORMULA_START = (-1.5, 1.5)
#: Paths kept for going back to a run (the one on screen and the pins' are among them).
KEPT_PATHS = 12
_PATH_COLOR = "C0"
# a kind of state keeps its colour from one optimizer to the next (momentum as in the schedule's figure)
_KIND_COLORS = {
    "momentum_buffer": "C3",
    "exp_avg": "C1",
    "exp_avg_sq": "C2",
    "square_avg": "C2",
    "sum": "C2",
    "max_exp_avg_sq": "C5",
    "exp_inf": "C5",
    "acc_delta": "C6",
    "grad_avg": "C1",
    "ax": "C6",
    "prev": "C8",
    "step_size": "C9",
    "d": "C8",
    "prev_flat_grad": "C9",
}
_MEMORY_COLORS = ("C7", "C8", "C9", "C5", "C6")
# what a path does not depend on: the point is one group, stepped by the classic loop, fed its own loss
_OFF_PATH = ("param_groups", "metric", "loop", "filled", "notes", "metric_source", "is_resolved")
_TITLES = {"rosenbrock": "Rosenbrock's valley", "quadratic": "a narrow bowl"}


class EffectPlot:
    """The landscape with the path, the loss per step, the optimizer's memory per step, and a cursor."""

    def __init__(self, style: PlotStyle | None = None) -> None:
        self.style = style = style or PlotStyle()
        width, height = style.figsize
        with plt.ioff(), plt.rc_context({"font.size": style.font}):  # shown inside the Explorer only
            self.figure: Figure = plt.figure(figsize=(width, height))  # beside the panel where the schedule is
        self.lock = getattr(self.figure, "_render_lock", None) or threading.RLock()
        grid = self.figure.add_gridspec(2, 2, width_ratios=(1.2, 1))
        self.landscape_ax = self.figure.add_subplot(grid[:, 0])
        self.loss_ax = self.figure.add_subplot(grid[0, 1])
        self.memory_ax = self.figure.add_subplot(grid[1, 1], sharex=self.loss_ax)
        small = style.font * 0.85
        for axes in (self.landscape_ax, self.loss_ax, self.memory_ax):
            axes.tick_params(labelsize=small)
        for axis in (self.landscape_ax.xaxis, self.landscape_ax.yaxis):
            axis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))  # each label is drawn anew on every frame
        self.landscape_ax.set_xlabel("x", fontsize=small, labelpad=1)
        self.landscape_ax.set_ylabel("y", fontsize=small, labelpad=1)
        # titles, not y labels: a label beside tick labels of changing width would need a new layout each time
        self.loss_ax.set_title("loss", loc="left", fontsize=small)
        self.memory_ax.set_title("state: norm per tensor", loc="left", fontsize=small)
        self.memory_ax.set_xlabel("optimizer step", fontsize=small, labelpad=1)
        self.loss_ax.tick_params(labelbottom=False)
        for axes in (self.loss_ax, self.memory_ax):
            axes.grid(True, alpha=0.3)
        thin = style.thin
        (self.path_line,) = self.landscape_ax.plot([], [], color=_PATH_COLOR, linewidth=style.line * 0.7, zorder=4)
        (self.start_mark,) = self.landscape_ax.plot([], [], "o", color="0.15", markersize=5, zorder=5)
        (self.minimum_mark,) = self.landscape_ax.plot(
            [], [], "*", color="#e8b000", markeredgecolor="0.25", markersize=11, zorder=5
        )
        (self.cursor_mark,) = self.landscape_ax.plot(
            [], [], "o", markerfacecolor="white", markeredgecolor="0.1", markeredgewidth=1.6, markersize=7, zorder=6
        )
        (self.loss_line,) = self.loss_ax.plot([], [], color=_PATH_COLOR, linewidth=thin)
        self.loss_cursor = self.loss_ax.axvline(0, color="0.2", linewidth=thin * 0.8)
        self.memory_cursor = self.memory_ax.axvline(0, color="0.2", linewidth=thin * 0.8)
        #: One line per kind of state tensor, made the first time a path has it, hidden when one has not.
        self.memory_lines: dict[str, Line2D] = {}
        #: The pins' paths: (line on the landscape, line of their loss).
        self.pin_lines: list[tuple[Line2D, Line2D]] = []
        self._contours: Any = None
        self._drawn: tuple[str, Box] | None = None
        self._legend_kinds: tuple[str, ...] = ()
        #: The path shown, and the values at the cursor as text.
        self.path: OptimizerPath | None = None
        self.readout = ""
        self.figure.tight_layout(rect=(0, 0, 1, 1 - style.toolbar / height), w_pad=0.2, h_pad=0.2)

    @property
    def contours(self) -> Any:
        """The landscape's contour lines (a matplotlib ContourSet), or None where it has no finite values."""
        return self._contours

    # -- updating -----------------------------------------------------------------------
    @drawing_waits
    def set_landscape(self, land: Landscape, box: Box) -> None:
        """Draw the contours of ``land`` over ``box`` (again only when either changed)."""
        if self._drawn == (land.name, box):
            return
        if self._contours is not None:
            self._contours.remove()
            self._contours = None
        X, Y, Z = land.grid(box)
        levels = contour_levels(Z)
        if levels is not None:
            self._contours = self.landscape_ax.contour(
                X, Y, Z, levels=levels, colors="0.6", linewidths=self.style.thin * 0.5, zorder=1
            )
        self.landscape_ax.set_xlim(box[0], box[1])
        self.landscape_ax.set_ylim(box[2], box[3])
        self.minimum_mark.set_data(*([[v] for v in land.minimum] if land.minimum is not None else ([], [])))
        self._drawn = (land.name, box)

    @drawing_waits
    def update(self, path: OptimizerPath) -> None:
        """Show ``path``: its line on the landscape, its loss and memory per step (set_data, rescale)."""
        self.path = path
        steps = np.arange(path.steps + 1)
        xy = _finite(path.xy)
        self.path_line.set_data(xy[:, 0], xy[:, 1])
        self.start_mark.set_data([path.start[0]], [path.start[1]])
        self.loss_line.set_data(steps, _finite(path.loss))
        for kind, norms in path.memory.items():
            if kind not in self.memory_lines:
                color = _KIND_COLORS.get(kind) or _MEMORY_COLORS[len(self.memory_lines) % len(_MEMORY_COLORS)]
                (self.memory_lines[kind],) = self.memory_ax.plot([], [], color=color, linewidth=self.style.thin)
            line = self.memory_lines[kind]
            line.set_data(steps, _finite(norms))
            line.set_label(kind)
        for kind, line in self.memory_lines.items():
            line.set_visible(kind in path.memory)
        kinds = tuple(path.memory)
        if kinds != self._legend_kinds:
            legend = self.memory_ax.get_legend()
            if legend is not None:
                legend.remove()
            if kinds:
                handles = [self.memory_lines[kind] for kind in kinds]
                self.memory_ax.legend(handles=handles, fontsize=self.style.font * 0.7, loc="best", frameon=False)
            self._legend_kinds = kinds
        self.loss_ax.set_xlim(0, max(1, path.steps))
        _rescale(self.loss_ax, [path.loss, *(pin.get_ydata() for _, pin in self.pin_lines)])
        _rescale(self.memory_ax, list(path.memory.values()))

    @drawing_waits
    def set_pins(self, paths: Sequence[tuple[int, OptimizerPath]]) -> None:
        """Show the pins' paths (``(index of the pin, path)``) in their pins' colours (their lines made once)."""
        while len(self.pin_lines) > len(paths):
            for line in self.pin_lines.pop():
                line.remove()
        while len(self.pin_lines) < len(paths):
            (on_land,) = self.landscape_ax.plot([], [], alpha=0.7, linewidth=self.style.thin, zorder=3)
            (loss,) = self.loss_ax.plot([], [], alpha=0.6, linewidth=self.style.thin * 0.8)
            self.pin_lines.append((on_land, loss))
        for (index, path), (on_land, loss) in zip(paths, self.pin_lines):
            xy = _finite(path.xy)
            on_land.set_data(xy[:, 0], xy[:, 1])
            loss.set_data(np.arange(path.steps + 1), _finite(path.loss))
            for line in (on_land, loss):
                line.set_color(pin_color(index))
        if self.path is not None:
            _rescale(self.loss_ax, [self.path.loss, *(pin.get_ydata() for _, pin in self.pin_lines)])

    @drawing_waits
    def set_cursor(self, step: int) -> None:
        """Mark ``step`` on the path and on both curves, and write the values there."""
        path = self.path
        if path is None:
            return
        t = int(np.clip(step, 0, path.steps))
        x, y = path.xy[t]
        self.cursor_mark.set_data([x] if np.isfinite(x) else [], [y] if np.isfinite(y) else [])
        for cursor in (self.loss_cursor, self.memory_cursor):
            cursor.set_xdata([t, t])
        remembered = "".join(
            f", |{kind}| = {norms[t]:.4g}" for kind, norms in path.memory.items() if np.isfinite(norms[t])
        )
        self.readout = (
            f"step {t}: x = {x:.5g}, y = {y:.5g}, loss = {path.loss[t]:.5g}, lr = {path.lr[t]:.4g}{remembered}"
        )

    @contextmanager
    def as_picture(self, title: str, pins: Sequence[str] = ()) -> Iterator[None]:
        """The title and a legend (the path, and each pin's by name) in the figure while the block runs."""
        with self.lock, layout_kept(self.figure):
            heading = self.figure.suptitle(title, fontsize=self.style.font * 1.05)
            handles = [self.path_line, *(on_land for on_land, _ in self.pin_lines)]
            legend = self.figure.legend(
                handles=handles,
                labels=["this schedule's path", *(f"pinned: {name}" for name in pins)][: len(handles)],
                loc="lower center",
                fontsize=self.style.font * 0.85,
                ncols=min(2, len(handles)),
                framealpha=0.85,
            )
            extent = legend.get_window_extent(self.figure.canvas.get_renderer())
            tight_layout(self.figure, (0, extent.height / self.figure.bbox.height + 0.01, 1, 0.93))
            try:
                yield
            finally:
                legend.remove()
                heading.remove()

    def step_at(self, xdata: float) -> int:
        """The step nearest to ``xdata`` on the loss and memory axes."""
        steps = self.path.steps if self.path is not None else 0
        return int(np.clip(round(xdata), 0, steps))

    def redraw(self) -> None:
        """Ask for one redraw."""
        self.figure.canvas.draw_idle()

    def close(self) -> None:
        """Close the figure."""
        plt.close(self.figure)


def contour_levels(Z: np.ndarray, count: int = 14) -> np.ndarray | None:
    """Contour levels at quantiles of the finite values: as many lines in a narrow valley as on a wide plain."""
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        return None
    levels = np.unique(np.quantile(finite, np.linspace(0.01, 0.97, count)))
    return levels if levels.size >= 2 else None


def _finite(values: np.ndarray) -> np.ndarray:
    """``values`` with inf as nan: drawn as a gap, never as a scale to infinity."""
    values = np.array(values, dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    return values


def _rescale(axes: Any, series: Sequence[np.ndarray]) -> None:
    """A log scale when every finite value is above 0 (loss and norms span decades), else linear; limits to fit."""
    finite = np.concatenate([np.asarray(s, dtype=np.float64)[np.isfinite(s)] for s in series] or [np.empty(0)])
    log = finite.size > 0 and bool((finite > 0).all())
    axes.set_yscale("log" if log else "linear")
    if log and finite.max() >= 10 * finite.min():
        # the decades only (a new scale brings its own ticks): unlabelled minor ticks cost a quarter of a draw
        axes.yaxis.set_minor_locator(NullLocator())
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
        if log:
            low, high = low / 1.5, high * 1.5
        else:
            pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
            low, high = low - pad, high + pad
        axes.set_ylim(low, high)


class EffectView(widgets.VBox):
    """The effect figure with its landscape controls, step slider, readout and note (see the module).

    Parameters
    ----------
    style
        Sizes and colours, as the schedule's figure has them.
    who
        What the still picture's hint says to create again for a live figure.
    guard
        Runs a callback so that its mistakes reach the owner's status line.
    on_change
        Called when the landscape or the start point changes; the owner then calls :meth:`show`.
    """

    #: The step the cursor shows.
    step = traitlets.Int(0)

    def __init__(
        self,
        style: PlotStyle | None = None,
        *,
        who: str = "the Explorer",
        guard: Callable[[Callable[..., Any]], Callable[..., None]] = lambda action: action,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.plot = EffectPlot(style)
        self.figure_view = FigureView(self.plot, who)
        font = self.plot.style.text_px
        self._px = font - 1
        self.heading = widgets.HTML(layout=widgets.Layout(margin="0 0 0 10px"))
        self._heading_style = f"font-size: {font + 1}px; font-weight: 600"
        self.problem = widgets.Dropdown(
            options=PROBLEM_CHOICES,
            value="rosenbrock",
            description="landscape",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="300px"),
        )
        self.formula = widgets.Text(
            placeholder="(x - 1)**2 + 10 * (y + x)**2",
            description="f(x, y) =",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="330px", display="none"),
        )
        self.start = widgets.Text(
            placeholder=_as_text(landscape("rosenbrock").start),
            description="start",
            continuous_update=False,
            tooltip="the point (x, y) the optimizer starts from, e.g. -1.5, 2",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="150px"),
        )
        self.slider = widgets.IntSlider(
            value=0, min=0, max=1, description="step", layout=widgets.Layout(width="100%", max_width="460px")
        )
        widgets.link((self.slider, "value"), (self, "step"))
        self.legend = widgets.HTML(layout=widgets.Layout(margin="0 0 0 10px"))
        self.readout = widgets.HTML()
        #: What the view says about the path (torch's warnings, what it leaves out) or what is wrong.
        self.note = widgets.HTML()
        #: The note's text ("" when there is nothing to say), and whether it says what is wrong.
        self.message = ""
        self.message_is_error = False
        width = round(self.plot.figure.bbox.width) + 20
        #: The landscape menu, the formula and the start point, in a row.
        self.control_row = widgets.HBox(
            [self.problem, self.formula, self.start], layout=widgets.Layout(flex_flow="row wrap")
        )
        super().__init__(
            [
                self.heading,
                self.control_row,
                self.figure_view.widget,
                self.legend,
                self.slider,
                self.readout,
                self.note,
            ],
            layout=widgets.Layout(align_self="flex-start", width=f"{width}px"),
        )
        self.add_class("lr-widgets-effect")
        self._paths: list[tuple[Config, OptimizerPath]] = []  # the latest first
        self._title, self._pin_names = "", []
        rosenbrock = landscape("rosenbrock")
        self._shown_landscape: tuple[Landscape, tuple[float, float]] = rosenbrock, rosenbrock.start  # type: ignore[assignment]
        self._changed = on_change or (lambda: None)
        self.problem.observe(guard(lambda change: self._problem_chosen(change["new"])), "value")
        for control in (self.formula, self.start):
            control.observe(guard(lambda _: self._changed()), "value")
        self.observe(guard(lambda change: self._cursor(change["new"])), "step")
        self.plot.figure.canvas.mpl_connect("button_press_event", guard(self._clicked))

    @property
    def controls(self) -> dict[str, widgets.Widget]:
        """The view's own controls, by name."""
        return {"effect.problem": self.problem, "effect.formula": self.formula, "effect.start": self.start}

    def asked_landscape(self) -> tuple[Landscape, tuple[float, float]]:
        """The landscape and start point the controls ask for (what is wrong with them, raised in words)."""
        if self.problem.value == "formula":
            land = landscape(self.formula.value, argument="f(x, y)")
        else:
            land = landscape(self.problem.value)
        text = self.start.value.strip()
        if text:
            start = start_point(_numbers(text))
        else:
            start = land.start or FORMULA_START
        return land, start

    def show(self, config: Config, pins: Sequence[tuple[int, str, Config]] = ()) -> None:
        """Show the path of ``config`` (and of each pin: ``(index, name, config)``) on the landscape asked for.

        What cannot be shown is said in :attr:`note`; the last good figure stays.
        """
        waiting = self.problem.value == "formula" and not self.formula.value.strip()
        try:
            # a formula not typed yet: the landscape on screen stays (Rosenbrock's before any)
            land, start = self._shown_landscape if waiting else self.asked_landscape()
            path = self._path(config, land, start)
        except LrWidgetsError as mistake:
            self._say(str(mistake), error=True)
            return
        self._shown_landscape = land, start
        pinned, refused = [], []
        for index, name, pin_config in pins:
            try:
                pinned.append((index, self._path(pin_config, land, start)))
            except LrWidgetsError as mistake:
                refused.append(f"pinned {name}: {mistake}")
        self.plot.set_landscape(land, land.view(start))
        self.plot.update(path)
        self.plot.set_pins(pinned)
        self.slider.max = max(1, path.steps)
        self._cursor(self.step)
        title = _TITLES.get(land.name, f"f(x, y) = {land.name}")
        where = f", from ({start[0]:g}, {start[1]:g})" if self.start.value.strip() else ""  # else as the box says
        self._title = f"{config.optimizer} + {config.scheduler or 'constant LR'} on {title}{where}"
        drawn = {index for index, _ in pinned}
        named = [(index, name) for index, name, _ in pins if index in drawn]  # a refused pin is said, not drawn
        self._pin_names = [name for _, name in named]
        self.heading.value = f"<div style='{self._heading_style}'>{html.escape(self._title)}</div>"
        entries = [LegendEntry("this schedule's path", to_hex(_PATH_COLOR), "solid")]
        entries += [
            LegendEntry(f"pinned: {name}", to_hex(pin_color(index)), "solid", alpha=0.7) for index, name in named
        ]
        self.legend.value = (
            f"<div style='font-size: {self._px}px; line-height: 1.6'>"
            + "".join(entry.html(self._px) for entry in entries)
            + "</div>"
        )
        typing = ["Type a formula of x and y in f(x, y) = and press Enter."] if waiting else []
        self._say(" ".join([*typing, *_path_notes(config, path), *refused]), error=bool(refused))

    def render(self) -> None:
        """Draw the figure once for everything that changed."""
        self.figure_view.show()

    def png(self) -> bytes:
        """The figure as a PNG with its title and a legend (what "downloads" offers beside the schedule's)."""
        if self.plot.path is None:
            raise LrWidgetsError("the effect view has no path to save yet")
        buffer = io.BytesIO()
        with self.plot.as_picture(self._title, self._pin_names):
            self.plot.figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
        return buffer.getvalue()

    # -- inside ---------------------------------------------------------------------------
    def _path(self, config: Config, land: Landscape, start: tuple[float, float]) -> OptimizerPath:
        """The path of ``config`` on ``land`` from ``start``: computed once, kept for the last runs."""
        for index, (kept, path) in enumerate(self._paths):
            if path.problem == land.name and path.start == start and same_question(kept, config, apart_from=_OFF_PATH):
                self._paths.insert(0, self._paths.pop(index))
                return path
        path = trajectory(config, problem=land, start=start)
        self._paths = [(config, path), *self._paths[: KEPT_PATHS - 1]]
        return path

    def _problem_chosen(self, problem: str) -> None:
        self.formula.layout.display = "" if problem == "formula" else "none"
        self.start.placeholder = _as_text(FORMULA_START if problem == "formula" else landscape(problem).start)
        self._changed()

    def _cursor(self, step: int) -> None:
        """Move the cursor (drawn with the owner's next render, once for everything that changed)."""
        if self.plot.path is None or self.layout.display == "none":
            return  # shown again, the view is shown anew, cursor and all
        self.plot.set_cursor(step)
        self.readout.value = (
            f"<div style='font-family: monospace; font-size: {self._px}px; white-space: pre-wrap'>"
            f"{html.escape(self.plot.readout)}</div>"
        )

    def _clicked(self, event: Any) -> None:
        if event.inaxes in (self.plot.loss_ax, self.plot.memory_ax) and event.xdata is not None:
            self.step = self.plot.step_at(event.xdata)

    def _say(self, message: str, *, error: bool = False) -> None:
        self.message, self.message_is_error = message, bool(message) and error
        color, sign = ("#b00020", "⚠ ") if self.message_is_error else ("#555", "")
        self.note.value = (
            f"<div style='color: {color}; font-size: {self._px}px; line-height: 1.3'>{sign}{html.escape(message)}</div>"
            if message
            else ""
        )


def _path_notes(config: Config, path: OptimizerPath) -> list[str]:
    """What the path leaves out of the question on screen, and where it went wrong, in words."""
    notes = []
    if any(dict(group) for group in config.param_groups):
        notes.append(
            "The point (x, y) is one param group with the optimizer's arguments: the groups' own do not apply."
        )
    if not config.loop.classic:
        notes.append("The path steps the classic loop: the training loop tab's changes do not apply here.")
    if config.scheduler == "ReduceLROnPlateau":
        notes.append("ReduceLROnPlateau is given the landscape's loss here: its cuts are the path's own.")
    bad = np.flatnonzero(~np.isfinite(path.loss))
    if bad.size:
        notes.append(
            f"The loss left the finite numbers at step {bad[0]}: this LR is too large for this landscape "
            "(torch runs on with inf and nan)."
        )
    notes += [f"torch warned: {warning}" for warning in path.warnings[:2]]
    return notes


def _numbers(text: str) -> list[float]:
    """``"-1.5, 2"`` as numbers (parsed, never evaluated)."""
    parts = [part for part in text.replace("(", " ").replace(")", " ").replace(",", " ").split() if part]
    try:
        return [float(part) for part in parts]
    except ValueError:
        raise InvalidValueError(f"start is two numbers x, y, e.g. -1.5, 2: got {text!r}", "start") from None


def _as_text(point: tuple[float, float] | None) -> str:
    return "x, y" if point is None else f"{point[0]:g}, {point[1]:g}"
