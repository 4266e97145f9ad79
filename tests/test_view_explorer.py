"""The Explorer, headless: drive every control through .value and check trace, figure, panel and status."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets
from matplotlib.backend_bases import MouseEvent
from torch_reference import SGD_LESSON_KEYS

from lr_widgets import simulate
from lr_widgets.view.composer import Composer
from lr_widgets.view.controls import HyperParamControl


def lr_lines(explorer):
    return [line for line in explorer.plot.lr_lines if line.get_visible()]


def assert_figure_shows_trace(explorer) -> None:
    lines = lr_lines(explorer)
    assert len(lines) == explorer.trace.lr.shape[1]
    for g, line in enumerate(lines):
        # the rows an optimizer step uses; the row after the last step is drawn apart, dotted
        np.testing.assert_array_equal(line.get_ydata(), explorer.trace.lr[:-1, g])
        np.testing.assert_array_equal(explorer.plot.after_lines[g].get_ydata(), explorer.trace.lr[-2:, g])


def test_default_explorer_shows_what_torch_computes(explorers) -> None:
    explorer = explorers()
    assert explorer.status == ""
    expected = simulate("SGD", None, "CosineAnnealingLR", {"T_max": 100}, steps=100)
    np.testing.assert_array_equal(explorer.trace.lr, expected.lr)
    assert_figure_shows_trace(explorer)
    panel = explorer.panel
    for key in SGD_LESSON_KEYS:
        assert f"\n  {key} " in panel, key
    assert "(empty until the first step)" in panel
    assert "base_lrs" in panel and "get_last_lr()" in panel and "last_epoch" in panel
    assert explorer.controls["scheduler.T_max"].value == 100


def test_every_control_kind_drives_the_trace(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=60)
    c = explorer.controls
    c["optimizer.lr"].value = 0.1  # log slider
    c["optimizer.momentum"].value = 0.9  # linear slider
    c["optimizer.nesterov"].value = True  # checkbox
    c["scheduler.eta_min"].value = 0.001
    c["scheduler.T_max"].value = 40  # int slider
    assert explorer.status == ""
    expected = simulate(
        "SGD",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        "CosineAnnealingLR",
        {"T_max": 40, "eta_min": 0.001},
        steps=60,
    )
    np.testing.assert_array_equal(explorer.trace.lr, expected.lr)
    assert_figure_shows_trace(explorer)

    c["optimizer"].value = "Adam"  # dropdown; lr carries over, momentum does not exist on Adam
    assert "optimizer.betas" in c and "optimizer.momentum" not in c
    c["optimizer.betas"].value = (0.8, 0.99)  # pair
    c["optimizer.foreach"].value = False  # optional bool
    c["scheduler"].value = "OneCycleLR"
    c["scheduler.anneal_strategy"].value = "linear"  # choice
    c["scheduler.max_lr"].value = 0.3
    expected = simulate(
        "Adam",
        {"lr": 0.1, "betas": (0.8, 0.99), "foreach": False},
        "OneCycleLR",
        {"max_lr": 0.3, "anneal_strategy": "linear", "total_steps": 60},
        steps=60,
    )
    np.testing.assert_array_equal(explorer.trace.lr, expected.lr)
    np.testing.assert_array_equal(explorer.trace.momentum, expected.momentum)
    assert explorer.plot.momentum_lines[0].get_visible()
    np.testing.assert_array_equal(explorer.plot.momentum_lines[0].get_ydata(), expected.momentum[:-1, 0])

    c["scheduler"].value = "MultiStepLR"
    c["scheduler.milestones"].value = "10, 30"  # validated text
    np.testing.assert_array_equal(
        explorer.trace.lr,
        simulate(
            "Adam",
            {"lr": 0.1, "betas": (0.8, 0.99), "foreach": False},
            "MultiStepLR",
            {"milestones": [10, 30]},
            steps=60,
        ).lr,
    )
    assert [seg[0][0] for seg in explorer.plot.marks.get_segments()] == [10, 30]

    c["scheduler"].value = "LambdaLR"
    c["scheduler.lr_lambda"].value = "0.9 ** epoch"  # formula
    np.testing.assert_allclose(explorer.trace.lr[:, 0], 0.1 * 0.9 ** np.arange(61), rtol=1e-12)


def test_typing_into_the_text_boxes_is_the_same_as_setting_value(explorers) -> None:
    explorer = explorers()
    lr = explorer.controls["optimizer.lr"]
    lr.text_box.value = "3e-2"
    assert lr.value == 0.03 and explorer.trace.lr[0, 0] == 0.03
    lr.slider.value = 0.5
    assert explorer.trace.lr[0, 0] == 0.5
    explorer.controls["steps"].text_box.value = "250"
    assert explorer.trace.steps == 250


def test_run_lengths_follow_steps_until_the_user_sets_them(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=100)
    t_max = explorer.controls["scheduler.T_max"]
    explorer.controls["steps"].value = 300
    assert t_max.value == 300 and explorer.trace.scheduler_kwargs["T_max"] == 300
    t_max.value = 120
    explorer.controls["steps"].value = 400
    assert t_max.value == 120 and explorer.trace.scheduler_kwargs["T_max"] == 120
    lr = explorer.trace.lr[:, 0]
    assert lr.argmin() == 120, "the user's T_max is kept; past it the cosine rises again"


def test_a_run_length_that_follows_steps_says_so_and_can_be_unticked(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=100)
    t_max = explorer.controls["scheduler.T_max"]
    assert t_max.follows is True and "= steps" in [c.description for c in t_max.children if hasattr(c, "description")]
    # the lesson's "things to try": keep T_max at 100 (untick "= steps"), then run 110 steps
    t_max.follows = False
    explorer.controls["steps"].value = 110
    assert t_max.value == 100 and explorer.trace.scheduler_kwargs["T_max"] == 100
    assert explorer.trace.lr[:, 0].argmin() == 100 and explorer.trace.lr[110, 0] > explorer.trace.lr[100, 0]
    t_max.follows = True  # ticked again: it follows steps at once
    assert t_max.value == 110 and explorer.trace.scheduler_kwargs["T_max"] == 110
    t_max.value = 90  # a value set by hand unticks it
    assert t_max.follows is False
    explorer.controls["steps"].value = 200
    assert explorer.trace.scheduler_kwargs["T_max"] == 90
    given = explorers("SGD", "CosineAnnealingLR", steps=110, scheduler_kwargs={"T_max": 100})
    assert given.controls["scheduler.T_max"].follows is False and given.trace.scheduler_kwargs["T_max"] == 100


def test_bad_input_keeps_the_last_good_schedule(explorers) -> None:
    explorer = explorers("SGD", "MultiStepLR", steps=50, scheduler_kwargs={"milestones": [10, 20]})
    good = explorer.trace
    good_ydata = explorer.plot.lr_lines[0].get_ydata().copy()
    good_panel = explorer.panel
    milestones = explorer.controls["scheduler.milestones"]
    milestones.value = "30, sixty"
    assert explorer.status.startswith("milestones must be whole numbers separated by commas")
    assert milestones.value == "30, sixty" and milestones.text_box.value == "30, sixty", "the control stays as typed"
    assert explorer.trace is good
    np.testing.assert_array_equal(explorer.plot.lr_lines[0].get_ydata(), good_ydata)
    assert explorer.panel == good_panel
    milestones.value = "5, 25"
    assert explorer.status == ""
    assert explorer.trace.scheduler_kwargs["milestones"] == [5, 25]


def test_what_torch_runs_is_shown_with_a_note_not_refused(explorers) -> None:
    explorer = explorers("SGD", "MultiStepLR", steps=50, scheduler_kwargs={"milestones": [10, 20]})
    explorer.controls["scheduler.milestones"].value = "30, 10"
    assert explorer.trace.scheduler_kwargs["milestones"] == [30, 10], "run as torch runs it"
    expected = simulate("SGD", None, "MultiStepLR", {"milestones": [30, 10]}, steps=50)
    np.testing.assert_array_equal(explorer.trace.lr, expected.lr)
    assert "milestones [30, 10] are not increasing" in explorer.status
    assert not explorer.status_is_error, "a note, not an error"
    explorer.controls["optimizer.momentum"].value = 1.5
    assert explorer.trace.optimizer_kwargs["momentum"] == 1.5 and "momentum = 1.5" in explorer.status


@pytest.mark.parametrize(
    "control,value,words",
    [
        ("optimizer.lr", -1.0, "SGD refuses lr = -1.0"),
        ("optimizer.lr", "fast", "lr must be a number: got 'fast'"),
        ("optimizer.nesterov", True, "nesterov=True unless momentum > 0"),
        ("scheduler.T_max", 0, "CosineAnnealingLR divides by zero"),
        ("steps", 10_000_000, "more than lr_widgets simulates"),
        ("steps", 0, "steps must be at least 1"),
        ("steps", "abc", "steps must be a whole number of optimizer steps: got 'abc'"),
    ],
)
def test_status_says_what_is_wrong(explorers, control: str, value, words: str) -> None:
    explorer = explorers()
    before = explorer.trace
    explorer.controls[control].value = value
    assert words in explorer.status
    assert explorer.trace is before


def test_cyclic_on_adagrad_is_explained(explorers) -> None:
    explorer = explorers("Adagrad", "StepLR")
    explorer.controls["scheduler"].value = "CyclicLR"
    assert explorer.status == "CyclicLR cycles momentum but Adagrad has none: set cycle_momentum=False"
    explorer.controls["scheduler.cycle_momentum"].value = False
    assert explorer.status == "" and explorer.trace.scheduler == "CyclicLR"


def test_param_groups_are_lines_and_panel_entries(explorers) -> None:
    explorer = explorers("AdamW", "CosineAnnealingLR", steps=40)
    explorer.controls["groups"].value = 2
    assert "group.body.lr" in explorer.controls and "group.head.weight_decay" in explorer.controls
    explorer.controls["group.head.lr"].value = 0.01
    explorer.controls["group.body.weight_decay"].value = 0.1
    assert explorer.trace.group_names == ("body", "head")
    np.testing.assert_array_equal(
        explorer.trace.lr,
        simulate(
            "AdamW", None, "CosineAnnealingLR", {"T_max": 40}, 40, param_groups=[{"weight_decay": 0.1}, {"lr": 0.01}]
        ).lr,
    )
    assert_figure_shows_trace(explorer)
    assert [line.get_label() for line in lr_lines(explorer)] == ["lr · body", "lr · head"]
    assert "param_groups[0]  (body)" in explorer.panel and "param_groups[1]  (head)" in explorer.panel
    # the unset body lr follows the optimizer's lr
    explorer.controls["optimizer.lr"].value = 0.002
    assert explorer.controls["group.body.lr"].value == 0.002
    assert explorer.trace.lr[0].tolist() == [0.002, 0.01]


def test_inspected_step_moves_cursor_and_panel(explorers) -> None:
    explorer = explorers("Adam", "StepLR", steps=30, scheduler_kwargs={"step_size": 10})
    explorer.controls["step"].value = 12
    assert list(explorer.plot.cursor.get_xdata()) == [12, 12]
    assert "at step 12" in explorer.panel
    assert "exp_avg          float32 (8, 4)" in explorer.panel
    assert "exp_avg_sq       float32 (8, 4)" in explorer.panel
    assert "step             tensor(12, float32)" in explorer.panel
    assert "last_epoch       12" in explorer.panel
    # a click on the plot inspects the step under it
    x, y = explorer.plot.ax.transData.transform((20, explorer.trace.lr[20, 0]))
    event = MouseEvent("button_press_event", explorer.figure.canvas, x, y, button=1)
    explorer.figure.canvas.callbacks.process("button_press_event", event)
    assert explorer.controls["step"].value == 20 and "at step 20" in explorer.panel


def test_one_cycle_momentum_rewrite_is_visible_in_the_panel(explorers) -> None:
    explorer = explorers(
        "SGD", "OneCycleLR", steps=50, optimizer_kwargs={"momentum": 0.9}, scheduler_kwargs={"max_lr": 0.1}
    )
    explorer.controls["step"].value = 15
    assert f"momentum         {explorer.trace.momentum[15, 0]:.6g}" in explorer.panel
    assert "max_momentum" in explorer.panel and "initial_lr" in explorer.panel


def test_composer_builds_sequential_schedules(explorers) -> None:
    explorer = explorers("SGD", "SequentialLR", steps=100, optimizer_kwargs={"lr": 0.1})
    composer = explorer.controls["scheduler.schedulers"]
    assert isinstance(composer, Composer)
    assert [row.name.value for row in composer.rows] == ["LinearLR", "CosineAnnealingLR"]
    assert explorer.trace.scheduler_kwargs["milestones"] == [10]
    composer.add("ExponentialLR")
    assert explorer.status == ""
    assert explorer.trace.scheduler_kwargs["milestones"] == [33, 67]  # unset milestones spread evenly
    assert explorer.controls["scheduler.milestones"].value == [33, 67]
    explorer.controls["scheduler.milestones"].value = "10, 60, 80"
    assert "SequentialLR with 3 schedulers needs 2 milestones" in explorer.status
    explorer.controls["scheduler.milestones"].value = "10, 60"
    assert explorer.status == ""
    assert [name for name, _ in explorer.trace.scheduler_kwargs["schedulers"]] == [
        "LinearLR",
        "CosineAnnealingLR",
        "ExponentialLR",
    ]
    composer.rows[2].controls["gamma"].value = 0.9
    composer.move(composer.rows[2], -1)
    assert [row.name.value for row in composer.rows] == ["LinearLR", "ExponentialLR", "CosineAnnealingLR"]
    expected = simulate(
        "SGD",
        {"lr": 0.1},
        "SequentialLR",
        {
            "schedulers": [
                ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
                ("ExponentialLR", {"gamma": 0.9}),
                ("CosineAnnealingLR", {}),
            ],
            "milestones": [10, 60],
        },
        steps=100,
    )
    np.testing.assert_array_equal(explorer.trace.lr, expected.lr)
    composer.remove(composer.rows[1])
    explorer.controls["scheduler.milestones"].value = "25"
    assert [name for name, _ in explorer.trace.scheduler_kwargs["schedulers"]] == ["LinearLR", "CosineAnnealingLR"]
    # the proposed warmup length stays as proposed (torch's 5 where nothing is set), not the new segment
    assert explorer.trace.scheduler_kwargs["schedulers"][0][1]["total_iters"] == 10
    composer.warmup_then("OneCycleLR")
    assert explorer.trace.scheduler_kwargs["schedulers"][1][0] == "OneCycleLR"
    assert [seg[0][0] for seg in explorer.plot.marks.get_segments()] == [25]


def test_plateau_shows_its_metric_and_cuts(explorers) -> None:
    explorer = explorers("SGD", "ReduceLROnPlateau", steps=120, scheduler_kwargs={"patience": 3})
    assert explorer.status == ""
    assert explorer.plot.metric_line.get_visible()
    np.testing.assert_array_equal(explorer.plot.metric_line.get_ydata(), explorer.trace.metric)
    cuts = [int(seg[0][0]) for seg in explorer.plot.marks.get_segments()]
    assert cuts and all(explorer.trace.lr[c, 0] < explorer.trace.lr[c - 1, 0] for c in cuts)


def test_pins_compare_and_can_be_removed(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=50)
    first = explorer.pin()
    explorer.controls["scheduler"].value = "StepLR"
    explorer.pin("step decay")
    explorer.controls["optimizer"].value = "Adam"
    assert [pin.label for pin in explorer.pins] == [first.label, "step decay"]
    pinned = [lines[0] for _, lines in explorer.plot.pin_lines]
    assert len(pinned) == 2 and all(line.get_alpha() < 1 for line in pinned)
    np.testing.assert_array_equal(pinned[0].get_ydata(), first.trace.lr[:, 0])
    explorer.unpin("step decay")
    assert len(explorer.plot.pin_lines) == 1
    explorer.clear_pins()
    # group lines, their dotted tails after the last step, the plan's lines (another loop), the cursor, the resume
    assert explorer.plot.pin_lines == [] and len(explorer.plot.ax.lines) == 3 + 3 + 3 + 1 + 1


def test_axis_in_epochs_and_log_y(explorers) -> None:
    explorer = explorers(
        "SGD", "OneCycleLR", steps=60, scheduler_kwargs={"max_lr": 0.1}, optimizer_kwargs={"momentum": 0.9}
    )
    explorer.controls["steps_per_epoch"].value = 10
    explorer.controls["x_axis"].value = "epochs"
    np.testing.assert_allclose(explorer.plot.lr_lines[0].get_xdata(), np.arange(60) / 10)
    assert explorer.plot.ax.get_xlabel() == "epoch (10 steps each)"
    assert "stepped after every optimizer step" in explorer.schedule.stepping_hint.value
    explorer.controls["log_y"].value = True
    assert explorer.plot.ax.get_yscale() == "log"


def test_export_png_and_csv(explorers, tmp_path) -> None:
    explorer = explorers("SGD", "StepLR", steps=20, scheduler_kwargs={"step_size": 5})
    png = explorer.export_png(tmp_path / "schedule.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png.resolve()) in explorer.status
    csv = explorer.export_csv(tmp_path / "schedule.csv")
    rows = csv.read_text().splitlines()
    assert rows[0] == "step,lr,momentum" or rows[0].startswith("step,lr[all]")
    values = np.array([[float(v) for v in row.split(",")[:2]] for row in rows[1:]])
    np.testing.assert_array_equal(values[:, 1], explorer.trace.lr[:, 0])
    assert str(csv.resolve()) in explorer.status


def test_switching_200_times_keeps_one_figure_and_close_leaves_none(explorers) -> None:
    import matplotlib.pyplot as plt

    plt.close("all")
    explorer = explorers()
    optimizers = ["SGD", "Adam", "RMSprop", "AdamW", "Adagrad"]
    schedulers = ["StepLR", "OneCycleLR", "CosineAnnealingWarmRestarts", "LinearLR", "SequentialLR", None]
    for i in range(100):
        explorer.controls["optimizer"].value = optimizers[i % len(optimizers)]
        explorer.controls["scheduler"].value = schedulers[i % len(schedulers)]
        assert plt.get_fignums() == [explorer.figure.number]
    explorer.close()
    assert plt.get_fignums() == []


def test_controls_are_hyperparameter_controls_named_as_torch_names_them(explorers) -> None:
    explorer = explorers("Adam", "CyclicLR")
    names = {name for name in explorer.controls if name.startswith(("optimizer.", "scheduler."))}
    assert {
        "optimizer.lr",
        "optimizer.betas",
        "optimizer.eps",
        "scheduler.base_lr",
        "scheduler.max_lr",
        "scheduler.step_size_up",
        "scheduler.mode",
    } <= names
    assert all(isinstance(explorer.controls[name], HyperParamControl) for name in names)


def test_code_panel_shows_the_exported_code(explorers) -> None:
    import html

    from lr_widgets.core.code import python_code

    explorer = explorers("Adam", "SequentialLR", steps=50)
    assert explorer.code() == python_code(explorer.trace)
    assert html.escape(explorer.code()) in explorer.code_view.value


def test_tuple_and_optional_int_controls(explorers) -> None:
    explorer = explorers("Muon", "CyclicLR", steps=40, scheduler_kwargs={"base_lr": 1e-3, "max_lr": 1e-2})
    coefficients = explorer.controls["optimizer.ns_coefficients"]
    coefficients.text_box.value = "3.4, -4.7, 2.0"  # typed as text
    assert coefficients.value == (3.4, -4.7, 2.0)
    assert explorer.trace.optimizer_kwargs["ns_coefficients"] == (3.4, -4.7, 2.0)
    down = explorer.controls["scheduler.step_size_down"]
    assert down.value is None
    down.text_box.value = "4"
    assert explorer.trace.scheduler_kwargs["step_size_down"] == 4
    down.text_box.value = "None"
    assert (
        "step_size_down" in explorer.trace.scheduler_kwargs
        and explorer.trace.scheduler_kwargs["step_size_down"] is None
    )
    coefficients.value = "three numbers"
    assert "ns_coefficients must be 3 numbers" in explorer.status


def test_the_explorers_state_is_traits_user_code_can_observe(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=60)
    traces, statuses = [], []
    explorer.observe(lambda change: traces.append(change["new"]), names="trace")
    explorer.observe(lambda change: statuses.append(change["new"]), names="status")
    explorer.controls["optimizer.lr"].value = 0.05
    assert traces == [explorer.trace] and explorer.trace.optimizer_kwargs["lr"] == 0.05
    np.testing.assert_array_equal(simulate(explorer.config).lr, explorer.trace.lr)
    explorer.controls["optimizer.lr"].value = -1.0
    assert len(traces) == 1, "a refused value never reaches the trace's observers"
    assert statuses and statuses[-1].startswith("SGD refuses lr = -1.0")
    assert explorer.config.optimizer_kwargs["lr"] == -1.0, "config is the question the controls asked last"
    explorer.step = 30
    assert explorer.controls["step"].value == 30 and explorer.plot.readout.startswith("step 30")
    explorer.controls["step"].value = 12
    assert explorer.step == 12
    with pytest.raises(traitlets.TraitError, match="read-only"):
        explorer.trace = None  # the controls ask the questions; the answer is not set from outside


def test_forms_hold_only_what_the_user_set_and_controls_follow_what_they_are_told(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=100)
    heard: list[dict] = []
    explorer.scheduler_form.observe(lambda change: heard.append(dict(change["new"])), "value")
    t_max = explorer.controls["scheduler.T_max"]
    explorer.controls["steps"].value = 300
    assert t_max.value == 300 and t_max.follows, "it shows the run length tied to steps"
    assert "T_max" not in explorer.scheduler_form.value and heard == [], "a proposal is not the user's value"
    assert explorer.config.scheduler_kwargs["T_max"] == 300
    t_max.text_box.value = "120"  # typed by hand
    assert heard == [{"T_max": 120}] and t_max.follows is False
    explorer.controls["steps"].value = 400
    assert heard == [{"T_max": 120}] and t_max.value == 120


def test_a_composer_child_shows_the_length_torch_gave_its_segment(explorers) -> None:
    explorer = explorers("SGD", "SequentialLR", steps=100)
    composer = explorer.controls["scheduler.schedulers"]
    cosine = composer.rows[1].controls["T_max"]
    filled = explorer.trace.scheduler_kwargs["schedulers"][1][1]["T_max"]
    assert filled == 90 and cosine.value == filled and cosine.follows
    assert composer.value[1] == ("CosineAnnealingLR", {}), "the composer's value holds what the user set"
    explorer.controls["scheduler.milestones"].value = "30"
    assert cosine.value == explorer.trace.scheduler_kwargs["schedulers"][1][1]["T_max"] == 70
    cosine.value = 50
    assert explorer.trace.scheduler_kwargs["schedulers"][1][1]["T_max"] == 50
    explorer.controls["scheduler.milestones"].value = "20"
    assert cosine.value == 50 and explorer.trace.scheduler_kwargs["schedulers"][1][1]["T_max"] == 50


def test_view_toggles_redraw_without_simulating_again(explorers) -> None:
    explorer = explorers("SGD", "StepLR", steps=60, scheduler_kwargs={"step_size": 10})
    traces = []
    explorer.observe(lambda change: traces.append(change["new"]), names="trace")
    explorer.controls["steps_per_epoch"].value = 10
    explorer.controls["x_axis"].value = "epochs"
    explorer.controls["log_y"].value = True
    assert traces == [], "a view toggle never runs torch again"
    np.testing.assert_allclose(explorer.plot.lr_lines[0].get_xdata(), np.arange(60) / 10)
    explorer.controls["steps_per_epoch"].value = 0
    assert "steps_per_epoch must be a whole number" in explorer.status and explorer.status_is_error
    explorer.controls["optimizer.lr"].value = 0.2  # held back while the view cannot draw
    assert explorer.trace.optimizer_kwargs.get("lr") != 0.2
    explorer.controls["steps_per_epoch"].value = 5
    assert explorer.status == "" and explorer.trace.optimizer_kwargs["lr"] == 0.2, "the held-back change lands"
    np.testing.assert_allclose(explorer.plot.lr_lines[0].get_xdata(), np.arange(60) / 5)


def test_controls_is_a_live_view_of_every_part(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR")
    controls = explorer.controls
    explorer.controls["scheduler"].value = "OneCycleLR"
    explorer.controls["groups"].value = 3
    assert "scheduler.max_lr" in controls and "scheduler.T_max" not in controls
    assert {"group.input.lr", "group.hidden.weight_decay", "group.head.lr"} <= set(controls)
    assert controls["optimizer.lr"] is explorer.optimizer_form.controls["lr"]
    explorer.controls["groups"].value = None  # no button selected: the groups on screen stay
    assert explorer.controls["groups"].value == 3 and len(explorer.trace.group_names) == 3


def test_renaming_a_composer_child_runs_the_new_class(explorers) -> None:
    explorer = explorers("SGD", "SequentialLR", steps=100)
    composer = explorer.controls["scheduler.schedulers"]
    composer.rows[1].name.value = "ExponentialLR"  # a child with nothing set by hand
    assert [name for name, _ in explorer.trace.scheduler_kwargs["schedulers"]] == ["LinearLR", "ExponentialLR"]
    assert composer.rows[1].controls["gamma"].value == explorer.trace.scheduler_kwargs["schedulers"][1][1]["gamma"]


def test_the_proposed_warmup_follows_steps_until_the_user_edits_it(explorers) -> None:
    explorer = explorers("SGD", "SequentialLR", steps=500)
    composer = explorer.controls["scheduler.schedulers"]
    assert composer.follows and "schedulers" not in explorer.scheduler_form.value
    explorer.controls["steps"].value = 100
    warmup = explorer.trace.scheduler_kwargs["schedulers"][0][1]
    assert explorer.trace.scheduler_kwargs["milestones"] == [10] and warmup["total_iters"] == 10
    assert composer.rows[0].controls["total_iters"].value == 10, "the composer shows the proposal at 100 steps"
    composer.add("ConstantLR")  # an edit: the children are the user's from now on
    assert composer.follows is False and explorer.scheduler_form.value["schedulers"][2] == ("ConstantLR", {})
    explorer.controls["steps"].value = 200
    assert explorer.trace.scheduler_kwargs["schedulers"][0][1]["total_iters"] == 10


def test_a_composer_child_shows_torchs_default_where_torch_fills_nothing(explorers) -> None:
    explorer = explorers("SGD", "SequentialLR", steps=300)
    composer = explorer.controls["scheduler.schedulers"]
    composer.add("LinearLR")
    total_iters = composer.rows[2].controls["total_iters"]
    assert total_iters.value == explorer.trace.scheduler_kwargs["schedulers"][2][1].get("total_iters", 5) == 5


def test_a_group_override_the_new_optimizer_lacks_is_kept_aside_not_refused(explorers) -> None:
    explorer = explorers("AdamW", "StepLR", param_groups=[{}, {"weight_decay": 0.1}])
    explorer.controls["optimizer"].value = "Rprop"  # takes no weight_decay
    assert explorer.status == "" and explorer.trace.optimizer == "Rprop"
    explorer.controls["optimizer"].value = "AdamW"
    assert explorer.controls["group.head.weight_decay"].value == 0.1
    assert explorer.trace.param_groups[1]["weight_decay"] == 0.1


def test_setting_a_pair_from_code_is_one_update(explorers) -> None:
    explorer = explorers("Adam", "StepLR")
    traces = []
    explorer.observe(lambda change: traces.append(change["new"]), names="trace")
    explorer.controls["optimizer.betas"].value = (0.5, 0.9)
    assert len(traces) == 1 and explorer.trace.optimizer_kwargs["betas"] == (0.5, 0.9)
    assert tuple(slider.value for slider in explorer.controls["optimizer.betas"].children[1].children) == (0.5, 0.9)


def test_a_shorter_run_clamps_the_step_in_one_piece_of_work(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=100)
    explorer.step = 90
    runs = explorer.pacer.runs
    explorer.controls["steps"].value = 50
    assert explorer.pacer.runs == runs + 1 and explorer.step == 50 and "at step 50" in explorer.panel


def test_typing_the_value_a_group_follows_keeps_it(explorers) -> None:
    explorer = explorers("SGD", "StepLR", param_groups=[{}, {}])
    body = explorer.controls["group.body.lr"]
    assert body.follows and body.value == explorer.controls["optimizer.lr"].value == 0.001
    body.text_box.value = "1e-3"  # the same number, typed: now the user's
    assert body.follows is False
    explorer.controls["optimizer.lr"].value = 0.01
    assert body.value == 0.001 and explorer.trace.lr[0].tolist() == [0.001, 0.01]


def test_what_the_scheduler_overwrites_is_greyed_out_with_why_on_hover(explorers) -> None:
    explorer = explorers("SGD", "OneCycleLR", param_groups=[{}, {}])
    c = explorer.controls
    for name in ("optimizer.lr", "optimizer.momentum", "group.head.lr"):
        assert all(part.disabled for part in (c[name].slider, c[name].text_box)), name
    assert c["optimizer.lr"].hover.startswith("OneCycleLR sets every group's lr to max_lr / div_factor")
    assert "cycles momentum" in c["optimizer.momentum"].hover and not c["optimizer.dampening"].slider.disabled
    c["scheduler.cycle_momentum"].value = False  # torch leaves momentum alone then
    assert not c["optimizer.momentum"].slider.disabled and c["optimizer.lr"].slider.disabled
    c["scheduler"].value = "StepLR"
    assert not c["optimizer.lr"].slider.disabled and "torch default: 0.001" in c["optimizer.lr"].hover


def test_every_control_says_on_hover_what_it_is(explorers) -> None:
    explorer = explorers("AdamW", "CosineAnnealingLR")
    for name, control in explorer.controls.items():
        if isinstance(control, HyperParamControl):
            assert control.hover.startswith(f"{control.hp.name} ("), name
    assert "'= steps'" in explorer.controls["scheduler.T_max"].hover


def test_pins_say_what_differs_and_never_squash_the_live_curve(explorers) -> None:
    explorer = explorers("AdamW", "OneCycleLR", steps=100)
    explorer.controls["scheduler.max_lr"].value = 0.5
    explorer.pin()
    explorer.controls["scheduler.max_lr"].value = 0.05
    legend = [lines[0].get_label() for _, lines in explorer.plot.pin_lines]
    assert legend == ["pinned: max_lr=0.5"]
    low, high = explorer.plot.ax.get_ylim()
    assert explorer.trace.lr.max() <= high < 0.1, "the live schedule sets the scale, not the pin at 0.5"
    explorer.pin("my baseline")
    explorer.controls["optimizer.weight_decay"].value = 0.1
    assert [lines[0].get_label() for _, lines in explorer.plot.pin_lines] == [
        "pinned: weight_decay=default, max_lr=0.5",
        "pinned: my baseline",
    ]


def test_the_panel_shows_the_schedulers_own_state_plateaus_included(explorers) -> None:
    from lr_widgets import replay

    explorer = explorers("SGD", "ReduceLROnPlateau", steps=120, scheduler_kwargs={"patience": 3})
    explorer.step = 60
    torch_side = replay(explorer.trace, 60).scheduler  # the real torch object, trained to step 60
    for name in ("best", "num_bad_epochs", "cooldown_counter", "patience", "last_epoch"):
        value = getattr(torch_side, name)
        shown = f"{value:.6g}" if isinstance(value, float) else repr(value)
        assert f"\n  {name:<16} {shown}\n" in explorer.panel, name
    assert "optimizer " not in explorer.panel.split("scheduler:")[1], "no objects, only state"


def test_downloads_offer_the_figure_the_numbers_and_the_code_of_the_schedule_on_screen(explorers) -> None:
    import base64
    import re

    explorer = explorers("SGD", "StepLR", steps=30, scheduler_kwargs={"step_size": 10})
    files = explorer.downloads.offer()
    assert list(files) == ["lr_SGD_StepLR.png", "lr_SGD_StepLR.csv", "lr_SGD_StepLR.py"]
    links = dict(re.findall(r"download='([^']+)' href='data:[^;]+;base64,([^']+)'", explorer.downloads.links.value))
    data = {name: base64.b64decode(encoded) for name, encoded in links.items()}
    assert data["lr_SGD_StepLR.png"][:8] == b"\x89PNG\r\n\x1a\n"
    rows = data["lr_SGD_StepLR.csv"].decode().splitlines()
    np.testing.assert_array_equal([float(row.split(",")[1]) for row in rows[1:]], explorer.trace.lr[:, 0])
    namespace: dict = {}
    exec(compile(data["lr_SGD_StepLR.py"].decode(), "download", "exec"), namespace)  # our own export
    np.testing.assert_array_equal(np.array(namespace["lrs"]).reshape(explorer.trace.lr.shape), explorer.trace.lr)
    explorer.controls["optimizer.lr"].value = 0.1
    assert explorer.downloads.links.value == "", "links of a schedule no longer on screen are taken away"


def test_a_new_optimizer_is_one_question_never_a_half_made_one(explorers) -> None:
    explorer = explorers("SGD", "StepLR", param_groups=[{}, {"weight_decay": 0.1}])
    explorer.controls["optimizer.momentum"].value = 0.9
    statuses: list[str] = []
    explorer.observe(lambda change: statuses.append(change["new"]), names="status")
    runs = explorer.pacer.runs
    explorer.controls["optimizer"].value = "Rprop"  # takes neither momentum nor weight_decay
    assert explorer.pacer.runs == runs + 1 and explorer.trace.optimizer == "Rprop"
    assert not any("has no argument" in status for status in statuses), statuses


def test_the_panel_is_tables_with_what_changed_since_the_previous_step_highlighted(explorers) -> None:
    from lr_widgets import replay

    explorer = explorers("Adam", "StepLR", steps=30, scheduler_kwargs={"step_size": 10, "gamma": 0.5})
    panel = explorer.inspector.panel
    explorer.step = 9
    explorer.step = 10
    before, after = replay(explorer.trace, 9), replay(explorer.trace, 10)  # torch's own objects
    lr_changed = before.optimizer.param_groups[0]["lr"] != after.optimizer.param_groups[0]["lr"]
    assert lr_changed, "StepLR cuts the LR at step 10"
    group, scheduler = "optimizer.param_groups[0]  (all)", "scheduler: StepLR"
    assert (group, "lr", "") in panel.changed and (scheduler, "last_epoch", "") in panel.changed
    assert (scheduler, "get_last_lr()", "") in panel.changed
    assert ("optimizer.state", "input.weight", "step") in panel.changed
    # unchanged: shapes of the running averages, the group's other keys, the scheduler's arguments
    assert ("optimizer.state", "input.weight", "exp_avg") not in panel.changed
    assert (group, "betas", "") not in panel.changed and (scheduler, "step_size", "") not in panel.changed
    assert panel.value.count("<table") == 3  # one group, the state, the scheduler
    assert panel.value.count("lr-widgets-changed") == len(panel.changed)
    assert "changed since step 9" in panel.value
    assert ">exp_avg_sq</th>" in panel.value, "the state is a table: a column per entry"
    # another lr: what it changed at this step is highlighted (the lesson's "watch the dict change")
    explorer.controls["optimizer.lr"].value = 0.01
    assert (group, "lr", "") in panel.changed and (group, "initial_lr", "") in panel.changed
    assert (group, "betas", "") not in panel.changed and "changed since your last change" in panel.value
    # another scheduler is another table: nothing to compare with
    explorer.controls["scheduler"].value = "ExponentialLR"
    assert panel.changed == set() and "changed since" not in panel.value
    # the first step makes the optimizer's state appear: that is a change too
    explorer.step = 0
    explorer.step = 1
    assert ("optimizer.state", "head.bias", "exp_avg") in panel.changed
