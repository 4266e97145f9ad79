"""Issue 16's effect view in the Explorer, headless: its lines are the core's arrays (trajectory, run on
torch), it follows the controls, the pins and the inspected step, and a bad landscape keeps the last figure."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

from lr_widgets import Config, trajectory
from lr_widgets.view.effect import FORMULA_START


def _path_of(explorer, **where):
    return trajectory(explorer.trace.config, **where)


def _drawn(values):
    """What a line draws of ``values``: inf is a gap, as nan is."""
    return np.where(np.isfinite(values), values, np.nan)


def _assert_lines_are(effect, path) -> None:
    plot = effect.plot
    np.testing.assert_array_equal(plot.path_line.get_xdata(), _drawn(path.xy[:, 0]))
    np.testing.assert_array_equal(plot.path_line.get_ydata(), _drawn(path.xy[:, 1]))
    np.testing.assert_array_equal(plot.loss_line.get_ydata(), _drawn(path.loss))
    np.testing.assert_array_equal(plot.loss_line.get_xdata(), np.arange(path.steps + 1))
    shown = {kind: line for kind, line in plot.memory_lines.items() if line.get_visible()}
    assert set(shown) == set(path.memory)
    for kind, norms in path.memory.items():
        np.testing.assert_array_equal(shown[kind].get_ydata(), _drawn(norms))


def test_the_effect_view_is_made_only_when_shown_and_shows_the_cores_arrays(explorers) -> None:
    explorer = explorers("Adam", "CosineAnnealingLR", steps=150, optimizer_kwargs={"lr": 0.05})
    assert "effect.problem" not in explorer.controls, "nothing is computed for a view nobody looks at"
    explorer.controls["show"].value = "both"
    explorer.settle()
    _assert_lines_are(explorer.effect, _path_of(explorer, problem="rosenbrock"))
    assert set(explorer.effect.plot.memory_lines) == {"exp_avg", "exp_avg_sq"}
    assert explorer.schedule.layout.display == "" and explorer.effect.layout.display == ""
    # it follows the controls: another optimizer, its own memory
    explorer.controls["optimizer"].value = "SGD"
    explorer.controls["optimizer.lr"].value = 1e-3
    explorer.controls["optimizer.momentum"].value = 0.9
    explorer.controls["scheduler"].value = "LinearLR"
    explorer.settle()
    path = _path_of(explorer, problem="rosenbrock")
    assert np.isfinite(path.xy).all()
    np.testing.assert_array_equal(path.lr, explorer.trace.lr[:, 0], "the path runs the schedule on screen")
    _assert_lines_are(explorer.effect, path)
    assert [k for k, line in explorer.effect.plot.memory_lines.items() if line.get_visible()] == ["momentum_buffer"]
    explorer.controls["show"].value = "effect"
    assert explorer.schedule.layout.display == "none" and explorer.effect.layout.display == ""
    explorer.controls["show"].value = "schedule"
    assert explorer.effect.layout.display == "none"


def test_another_landscape_a_formula_and_a_start_point(explorers) -> None:
    explorer = explorers("SGD", "StepLR", steps=120, optimizer_kwargs={"lr": 0.01, "momentum": 0.5}, show="effect")
    explorer.controls["effect.problem"].value = "quadratic"
    explorer.settle()
    _assert_lines_are(explorer.effect, _path_of(explorer, problem="quadratic"))
    explorer.controls["effect.start"].value = "(1.5, -0.75)"
    explorer.settle()
    _assert_lines_are(explorer.effect, _path_of(explorer, problem="quadratic", start=(1.5, -0.75)))
    assert "from (1.5, -0.75)" in explorer.effect.heading.value
    explorer.controls["effect.start"].value = ""
    explorer.controls["effect.problem"].value = "formula"
    explorer.controls["effect.formula"].value = "(x - 1)**2 + 10 * (y + x)**2"
    explorer.settle()
    formula = _path_of(explorer, problem="(x - 1)**2 + 10 * (y + x)**2", start=FORMULA_START)
    _assert_lines_are(explorer.effect, formula)
    assert explorer.effect.message == ""
    # contours of the formula's values: the levels lie between the grid's lowest and highest values
    X, Y = np.meshgrid(np.linspace(-2, 2, 50), np.linspace(-2, 2, 50))
    Z = (X - 1) ** 2 + 10 * (Y + X) ** 2
    levels = explorer.effect.plot.contours.levels
    assert Z.min() <= levels.min() < levels.max() <= Z.max() * 1.05


@pytest.mark.parametrize(
    "control, value, words",
    [
        ("effect.formula", "x ** 2 + import", "not a valid formula"),
        ("effect.formula", "__import__('os').system('true')", "not allowed"),
        ("effect.formula", "2 + pi", "must depend on x or y"),
        ("effect.formula", "x**2 + w", "unknown name 'w'"),
        ("effect.start", "one, two", "start is two numbers"),
        ("effect.start", "1, 2, 3", "start is a point"),
        ("effect.start", "inf, 0", "finite"),
    ],
)
def test_a_bad_landscape_is_explained_and_the_last_good_figure_stays(explorers, control, value, words) -> None:
    explorer = explorers("Adam", "CosineAnnealingLR", steps=80, show="effect")
    explorer.controls["effect.problem"].value = "formula"
    explorer.controls["effect.formula"].value = "x**2 + 3 * y**2"
    explorer.settle()
    good = explorer.effect.plot.path
    before = (explorer.effect.plot.path_line.get_xydata().copy(), explorer.trace, explorer.status)
    explorer.controls[control].value = value
    explorer.settle()
    assert explorer.effect.message_is_error and words in explorer.effect.message
    assert "⚠" in explorer.effect.note.value
    assert explorer.effect.plot.path is good
    np.testing.assert_array_equal(explorer.effect.plot.path_line.get_xydata(), before[0])
    assert (explorer.trace, explorer.status) == before[1:], "the schedule is not the effect view's mistake"


def test_pins_overlay_their_paths_in_their_colours(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=200, optimizer_kwargs={"lr": 1e-3, "momentum": 0.9})
    explorer.controls["show"].value = "both"
    pinned = explorer.pin()
    explorer.controls["optimizer"].value = "Adam"
    explorer.controls["optimizer.lr"].value = 0.05
    explorer.settle()
    (land_line, loss_line), = explorer.effect.plot.pin_lines  # fmt: skip
    sgd = trajectory(pinned.trace.config)
    np.testing.assert_array_equal(land_line.get_xdata(), sgd.xy[:, 0])
    np.testing.assert_array_equal(loss_line.get_ydata(), sgd.loss)
    assert land_line.get_color() == explorer.plot.pin_lines[0][1][0].get_color(), "the pin's colour in both figures"
    assert "pinned: " in explorer.effect.legend.value
    _assert_lines_are(explorer.effect, trajectory(explorer.trace.config))
    explorer.clear_pins()
    assert explorer.effect.plot.pin_lines == []


def test_the_inspected_step_is_marked_and_read_out(explorers) -> None:
    explorer = explorers("RMSprop", "StepLR", steps=100, optimizer_kwargs={"lr": 0.01}, show="effect")
    explorer.step = 37
    explorer.settle()
    path = explorer.effect.plot.path
    plot = explorer.effect.plot
    assert (plot.cursor_mark.get_xdata()[0], plot.cursor_mark.get_ydata()[0]) == tuple(path.xy[37])
    assert list(plot.loss_cursor.get_xdata()) == [37, 37]
    readout = explorer.effect.readout.value
    assert (
        f"step 37: x = {path.xy[37, 0]:.5g}" in readout
        and f"|square_avg| = {path.memory['square_avg'][37]:.4g}" in readout
    )
    assert explorer.effect.slider.value == 37
    explorer.effect.slider.value = 80  # its own slider moves the Explorer's step (and the panel's)
    assert explorer.step == 80
    # a click on the loss curve picks the step under the mouse
    canvas = plot.figure.canvas
    plot.figure.canvas.draw()
    x, y = plot.loss_ax.transData.transform((12, path.loss[12]))
    canvas.callbacks.process("button_press_event", MouseEvent("button_press_event", canvas, x, y, button=1))
    assert explorer.step == 12


def test_what_the_path_leaves_out_and_where_it_fails_are_said(explorers) -> None:
    explorer = explorers("SGD", "StepLR", steps=60, param_groups=[{}, {"lr": 0.5}], show="effect")
    assert "param group" in explorer.effect.message and not explorer.effect.message_is_error
    explorer.controls["loop.scheduler_first"].value = True
    explorer.settle()
    assert "classic loop" in explorer.effect.message
    explorer.controls["optimizer.lr"].value = 0.1  # far too large for Rosenbrock's valley
    explorer.settle()
    assert "left the finite numbers at step" in explorer.effect.message
    # an optimizer torch refuses on a dense 2-D point: said under the figure, the schedule is fine
    explorer.controls["optimizer"].value = "SparseAdam"
    explorer.settle()
    assert explorer.trace.optimizer == "SparseAdam" and not explorer.status_is_error
    assert explorer.effect.message_is_error and "SparseAdam" in explorer.effect.message


def test_a_path_is_computed_once_per_question(explorers, monkeypatch) -> None:
    import lr_widgets.view.effect as effect_module

    calls = []
    real = effect_module.trajectory

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(effect_module, "trajectory", counting)
    explorer = explorers("Adam", "CosineAnnealingLR", steps=100, optimizer_kwargs={"lr": 0.05}, show="effect")
    explorer.controls["optimizer.lr"].value = 0.01
    explorer.controls["optimizer.lr"].value = 0.05  # back again: its path is kept
    explorer.step = 50
    explorer.controls["log_y"].value = True
    assert len(calls) == 2 and all(isinstance(call, Config) for call in calls)


def test_a_projector_explorer_has_a_large_effect_view(explorers) -> None:
    from lr_widgets.view.sheet import LARGE

    explorer = explorers(projector=True, show="both")
    for part in (explorer.effect.control_row, explorer.effect.slider):
        assert LARGE in part._dom_classes, "its controls scaled for the back row, as the schedule's are"
    assert "font-size: 18px" in explorer.effect.readout.value
    assert (
        explorer.effect.plot.figure.get_size_inches().tolist() == explorer.figure.get_size_inches().tolist() == [8, 5.2]
    )


def test_downloads_offer_the_effect_views_picture_while_it_is_shown(explorers) -> None:
    explorer = explorers("Adam", "CosineAnnealingLR", steps=60, optimizer_kwargs={"lr": 0.05})
    assert "lr_Adam_CosineAnnealingLR_effect.png" not in explorer.downloads.offer()
    explorer.controls["show"].value = "both"
    explorer.pin("Adam at 0.05")
    explorer.controls["optimizer.lr"].value = 0.01
    figure = explorer.effect.plot.figure
    layout = [axes.get_position().bounds for axes in figure.axes]
    files = explorer.downloads.offer()
    data, mime = files["lr_Adam_CosineAnnealingLR_effect.png"]
    assert mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "lr_Adam_CosineAnnealingLR.png" in files, "the schedule's picture too"
    assert [axes.get_position().bounds for axes in figure.axes] == layout, "the live figure is as it was"
    assert figure.legends == [] and figure.texts == [], "no title or legend left in the live figure"


def test_showing_the_effect_view_keeps_the_inspected_step_and_a_hidden_one_never_clamps_it(explorers) -> None:
    explorer = explorers("SGD", "StepLR", steps=100)
    explorer.step = 70
    explorer.controls["show"].value = "both"
    explorer.settle()
    assert explorer.step == 70 and explorer.effect.slider.value == 70 and explorer.schedule.slider.value == 70
    explorer.controls["show"].value = "schedule"
    explorer.controls["steps"].value = 300
    explorer.step = 250  # past the hidden view's last run: its slider follows the schedule's, never clamps
    explorer.settle()
    assert explorer.step == 250 and explorer.effect.slider.max == 300
    explorer.controls["show"].value = "effect"
    explorer.settle()
    assert explorer.effect.slider.value == 250 and explorer.effect.plot.path.steps == 300
    assert "step 250: " in explorer.effect.readout.value


def test_a_pin_added_redraws_the_effect_view_once(explorers, monkeypatch) -> None:
    explorer = explorers("Adam", "CosineAnnealingLR", steps=50, optimizer_kwargs={"lr": 0.05}, show="effect")
    shown = []
    real = explorer.effect.show
    monkeypatch.setattr(explorer.effect, "show", lambda *args: (shown.append(args), real(*args)))
    explorer.pin()
    explorer.controls["optimizer.lr"].value = 0.02
    assert len(shown) == 2, "once for the pin, once for the new schedule (its pins included)"
    assert len(shown[-1][1]) == 1


def test_an_empty_formula_asks_for_one_and_plateau_and_refusals_are_said(explorers) -> None:
    explorer = explorers("SGD", "ReduceLROnPlateau", steps=60, optimizer_kwargs={"lr": 1e-3}, show="effect")
    assert "ReduceLROnPlateau is given the landscape's loss" in explorer.effect.message
    explorer.controls["effect.problem"].value = "formula"
    explorer.settle()
    assert not explorer.effect.message_is_error and "Type a formula of x and y" in explorer.effect.message
    assert "Rosenbrock" in explorer.effect.heading.value, "the landscape on screen stays until one is typed"
    explorer.controls["effect.formula"].value = "x**2 +"
    explorer.settle()
    assert explorer.effect.message.startswith("f(x, y) is not a valid formula"), "named as the box is labelled"
    explorer.controls["effect.formula"].value = "x**2 + 3 * y**2"
    explorer.controls["optimizer"].value = "SparseAdam"  # torch refuses a dense point: no picture of it offered
    explorer.settle()
    assert explorer.effect.message_is_error
    assert not any(name.endswith("_effect.png") for name in explorer.downloads.offer())
