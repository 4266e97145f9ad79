"""The figure's drawing: decimation keeps every peak and restart, and the layout is not redone for nothing."""

from __future__ import annotations

import html

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lr_widgets import Explorer, simulate
from lr_widgets.view.plot import decimate


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 20_000), columns=st.integers(1, 600), seed=st.integers(0, 2**32 - 1))
def test_decimation_keeps_each_columns_lowest_and_highest_point_in_order(n: int, columns: int, seed: int) -> None:
    y = np.random.default_rng(seed).normal(size=n).cumsum()
    x = np.arange(n, dtype=np.float64)
    dx, dy = decimate(x, y, columns)
    if n <= 4 * columns:
        assert dx is x and dy is y
        return
    assert len(dx) <= 3 * columns + 1
    assert np.all(np.diff(dx) > 0), "points stay in step order"
    assert (dx[0], dx[-1]) == (0, n - 1)
    np.testing.assert_array_equal(dy, y[dx.astype(int)])
    size = -(-n // columns)
    for start in range(0, n, size):
        chunk = y[start : start + size]
        inside = dy[(dx >= start) & (dx < start + size)]
        assert chunk.min() in inside and chunk.max() in inside


def test_a_100k_step_schedule_is_drawn_from_few_points_with_every_restart() -> None:
    explorer = Explorer("SGD", "CosineAnnealingWarmRestarts", steps=100_000, scheduler_kwargs={"T_0": 997})
    try:
        trace = explorer.trace
        line = explorer.plot.lr_lines[0]
        y = np.asarray(line.get_ydata())
        assert len(y) < 5_000 < trace.steps
        restarts = int(np.sum(trace.lr[:, 0] == trace.lr[0, 0]))
        assert restarts == 101  # step 0 and every 997 steps after it
        assert int(np.sum(y == trace.lr[0, 0])) == restarts, "each restart's peak is drawn"
        assert y.min() == trace.lr[:, 0].min()
        explorer.plot.set_cursor(54_321)  # the cursor still reads the full trace
        assert f"lr = {trace.lr[54_321, 0]:.6g}" in explorer.plot.readout
    finally:
        explorer.close()


@pytest.mark.parametrize("steps", [50, 20_000])
def test_moving_a_slider_does_not_redo_the_layout(steps: int, monkeypatch: pytest.MonkeyPatch) -> None:
    explorer = Explorer(steps=steps)
    try:
        calls = []
        monkeypatch.setattr(explorer.figure, "tight_layout", lambda *a, **k: calls.append(1))
        for value in (0.02, 0.05, 0.07):
            explorer.controls["optimizer.lr"].value = value
        assert calls == [], "the same lines on the same axes, so the layout stays"
        explorer.controls["scheduler"].value = "OneCycleLR"  # momentum appears, on an axis of its own
        assert calls, "a new axis needs a new layout"
        assert any("momentum" in entry.label for entry in explorer.plot.legend)
        assert explorer.status == ""
    finally:
        explorer.close()


def test_pins_are_decimated_too() -> None:
    explorer = Explorer(steps=30_000)
    try:
        explorer.pin("long")
        (line,) = explorer.plot.pin_lines[0][1]
        assert len(line.get_xdata()) < 5_000
        assert np.asarray(line.get_ydata()).max() == simulate(steps=30_000).lr.max()
    finally:
        explorer.close()


def _cut_off_text(figure) -> list[str]:
    """Tick labels (of ticks inside the axes' limits) and axis labels drawn partly outside the figure."""
    figure.canvas.draw()
    renderer, inside, cut = figure.canvas.get_renderer(), figure.bbox, []
    for ax in (ax for ax in figure.axes if ax.get_visible()):
        for axis in (axis for axis in (ax.xaxis, ax.yaxis) if axis.get_visible()):
            lo, hi = sorted(axis.get_view_interval())
            ticks = [tick for tick in axis.get_major_ticks() if lo <= tick.get_loc() <= hi]
            for text in [t.label1 for t in ticks] + [t.label2 for t in ticks] + [axis.label]:
                if text.get_visible() and text.get_text():
                    box = text.get_window_extent(renderer)
                    if box.x0 < inside.x0 - 0.5 or box.x1 > inside.x1 + 0.5 or box.y0 < inside.y0 - 0.5:
                        cut.append(text.get_text())
    return cut


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(steps=100_000),
        dict(steps=1_000_000, scheduler="OneCycleLR", projector=True),
        dict(steps=250, steps_per_epoch=3, scheduler="OneCycleLR"),
        dict(steps=100_000, scheduler="CyclicLR", optimizer="SGD", optimizer_kwargs={"momentum": 0.9}),
    ],
)
def test_no_tick_or_axis_label_is_cut_off_even_at_a_million_steps(explorers, kwargs) -> None:
    explorer = explorers(**kwargs)
    explorer.settle()
    assert _cut_off_text(explorer.figure) == []


def test_the_legend_is_beside_the_canvas_and_in_every_picture(tmp_path) -> None:
    explorer = Explorer("SGD", "OneCycleLR", steps=300)
    try:
        explorer.pin("first try")
        labels = [entry.label for entry in explorer.plot.legend]
        assert labels[0] == "lr" and labels[1] == "after the last step" and "pinned: first try" in labels
        assert explorer.plot.legend[1].end and not explorer.plot.legend[0].end, "the open circle of the last row"
        assert any("momentum" in label for label in labels)
        shown = explorer.schedule.legend.value
        for entry in explorer.plot.legend:
            assert html.escape(entry.label) in shown and entry.color in shown
        assert explorer.figure.axes[0].get_legend() is None, "the live figure draws no legend"
        before = [getattr(explorer.figure.subplotpars, side) for side in ("left", "right", "bottom", "top")]
        with explorer.plot.as_picture():
            (legend,) = explorer.figure.legends  # under the axes, across the figure
            assert [text.get_text() for text in legend.get_texts()] == labels
            assert explorer.figure.axes[0].get_title() == explorer.plot.title
            low = legend.get_window_extent(explorer.figure.canvas.get_renderer())
            axes = explorer.figure.axes[0].get_tightbbox(explorer.figure.canvas.get_renderer())
            assert low.y1 <= axes.y0 + 1, "the legend hides nothing of the axes, their x label included"
        assert not explorer.figure.legends and explorer.figure.axes[0].get_title() == ""
        assert [getattr(explorer.figure.subplotpars, side) for side in ("left", "right", "bottom", "top")] == before
        assert explorer.png().startswith(b"\x89PNG")
    finally:
        explorer.close()


def test_a_zoom_by_hand_stays_when_the_schedule_changes() -> None:
    explorer = Explorer(steps=300)
    try:
        explorer.plot.ax.set_ylim(0.0002, 0.0004)  # what ipympl's zoom does
        explorer.controls["optimizer.lr"].value = 0.05
        assert explorer.plot.ax.get_ylim() == (0.0002, 0.0004)
    finally:
        explorer.close()


def test_the_toolbar_offers_no_download_without_the_legend() -> None:
    explorer = Explorer(steps=50)
    try:
        items = [item[0] for item in explorer.figure.canvas.toolbar.toolitems]
        assert "Download" not in items and "Zoom" in items, items
    finally:
        explorer.close()


def test_the_canvas_sends_pngs_from_its_first_draw(explorers) -> None:
    """ipympl 0.10 sends raw pixels as a PNG while it keeps pictures for a page that has not said
    "initialized" yet; the page then shows a broken image and no figure (the lesson's last Explorer in CI).
    The Explorer's canvas never keeps them, so every picture it sends is a PNG."""
    explorer = explorers("SGD", "LinearLR", steps=30)
    canvas = explorer.figure.canvas
    sent = []
    canvas.send = lambda content, buffers=None: sent.append(buffers)  # what goes to the page
    canvas.draw()  # as the page's first "draw" asks
    assert sent and bytes(memoryview(sent[-1][0])[:8]) == b"\x89PNG\r\n\x1a\n"
    assert canvas._data_url is None
