"""Issue 15 in the Explorer, headless: the training-loop tab asks the question, the figure draws the plan
faintly and this loop's schedule on top, the panel shows the rebuilt objects after a resume."""

from __future__ import annotations

import numpy as np
import pytest

from lr_widgets import Loop, simulate
from lr_widgets.core.loop import RESUMES
from lr_widgets.view.loop_form import LoopForm

WARMUP_COSINE = {
    "schedulers": [("LinearLR", {"start_factor": 0.1, "total_iters": 10}), ("CosineAnnealingLR", {"T_max": 90})],
    "milestones": [10],
}


def test_every_way_of_resuming_is_offered() -> None:
    form = LoopForm()
    try:
        assert [value for _, value in form.controls["resume"].options] == list(RESUMES)
    finally:
        form.close()


def test_the_loop_tab_asks_the_loop_and_the_figure_shows_plan_and_loop(explorers) -> None:
    explorer = explorers("AdamW", "OneCycleLR", steps=100, scheduler_kwargs={"max_lr": 0.01})
    explorer.settle()
    assert explorer.trace.loop.classic and not any(line.get_visible() for line in explorer.plot.intended_lines)
    explorer.controls["loop.scheduler_every"].value = 10
    explorer.settle()
    trace = explorer.trace
    expected = simulate("AdamW", None, "OneCycleLR", {"max_lr": 0.01}, 100, loop=Loop.per_epoch(10))
    np.testing.assert_array_equal(trace.lr, expected.lr)
    plan, live = explorer.plot.intended_lines[0], explorer.plot.lr_lines[0]
    assert plan.get_visible() and plan.get_alpha() < 0.5, "the plan, faint"
    np.testing.assert_array_equal(plan.get_ydata(), trace.planned.lr[:100, 0])
    np.testing.assert_array_equal(live.get_ydata(), trace.used[:, 0])
    shaded = [fill for fill in explorer.plot.differences if fill.get_visible()]
    assert len(shaded) == 1, "the difference shaded"
    (area,) = shaded[0].get_paths()
    assert area.vertices[:, 1].max() == pytest.approx(max(trace.planned.lr[:100, 0].max(), trace.used.max()))
    labels = [entry.label for entry in explorer.plot.legend]
    assert "as planned (classic loop)" in labels and "this loop's difference" in labels
    assert "scheduler.step() every 10 steps" in explorer.status

    # back to the classic loop: the marks go
    explorer.controls["loop.scheduler_every"].value = 1
    explorer.settle()
    assert not any(fill.get_visible() for fill in explorer.plot.differences)
    assert not explorer.plot.intended_lines[0].get_visible()


def test_skipped_steps_and_accumulation_are_marked_and_counted(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=40)
    explorer.controls["loop.accumulation"].value = 4
    explorer.controls["loop.skip_optimizer_steps"].value = "3, 10-11"
    explorer.settle()
    loop = explorer.trace.loop
    expected = sorted({t for t in range(40) if (t + 1) % 4} | {3, 10, 11})
    assert loop.skip_optimizer_steps == tuple(expected)
    assert len(explorer.plot.skipped.get_segments()) == len(expected)
    assert f"the optimizer stepped {40 - len(expected)} of 40 times" in explorer.status
    # the scheduler steps before the optimizer ever did: torch warns, as in a real accumulation loop
    assert "torch warned at step 0: Detected call of `lr_scheduler.step()`" in explorer.status
    # at a skipped step the readout says so, beside the plan
    explorer.step = 2
    explorer.settle()
    assert "step skipped (plan " in explorer.plot.readout
    trace = explorer.trace  # the line: the LR each optimizer step ran with; at a skipped step the LR then
    np.testing.assert_array_equal(
        explorer.plot.lr_lines[0].get_ydata(), np.where(np.isnan(trace.used), trace.lr[:-1], trace.used)[:, 0]
    )


def test_a_mistake_in_the_skipped_steps_is_said_and_the_last_good_figure_stays(explorers) -> None:
    explorer = explorers("SGD", "CosineAnnealingLR", steps=40)
    explorer.controls["loop.skip_optimizer_steps"].value = "5"
    explorer.settle()
    good, good_y = explorer.trace, explorer.plot.lr_lines[0].get_ydata().copy()
    explorer.controls["loop.skip_optimizer_steps"].value = "five"
    explorer.settle()
    assert "cannot read 'five'" in explorer.status
    assert explorer.trace is good
    np.testing.assert_array_equal(explorer.plot.lr_lines[0].get_ydata(), good_y)
    assert explorer.controls["loop.skip_optimizer_steps"].value == "five", "the user's text stays"


def test_torchs_warning_of_the_wrong_order_is_in_the_status_with_its_step(explorers) -> None:
    explorer = explorers("SGD", "LinearLR", steps=30)
    explorer.controls["loop.scheduler_first"].value = True
    explorer.settle()
    assert "torch warned at step 0: Detected call of `lr_scheduler.step()` before `optimizer.step()`" in (
        explorer.status
    )
    assert explorer.trace.bent
    explorer.step = 0
    explorer.settle()
    first = explorer.trace.used[0, 0]
    assert f"ran with {first:.6g} (plan {explorer.trace.planned.lr[0, 0]:.6g})" in explorer.plot.readout


@pytest.mark.parametrize("resume", ["nothing", "optimizer_only", "full"])
def test_after_a_resume_the_panel_shows_the_rebuilt_objects(explorers, resume) -> None:
    explorer = explorers(
        "Adam", "SequentialLR", steps=100, scheduler_kwargs=WARMUP_COSINE, loop=Loop(resume_at=60, resume=resume)
    )
    assert explorer.controls["loop.resumes"].value and explorer.controls["loop.resume_at"].value == 60
    explorer.step = 70
    explorer.settle()
    # a fresh scheduler counts from the resume, a loaded one goes on; a fresh optimizer's Adam counts anew
    assert f"last_epoch       {10 if resume != 'full' else 70}" in explorer.panel
    assert f"step             tensor({10 if resume == 'nothing' else 70}., float32)" in explorer.panel or (
        f"step             tensor({10 if resume == 'nothing' else 70}, float32)" in explorer.panel
    )
    assert "rebuilt at step 60" in explorer.panel, "the panel says its objects are not the ones the run began with"
    explorer.step = 59
    explorer.settle()
    assert "rebuilt" not in explorer.panel
    line = explorer.plot.resumed
    assert line.get_visible() and line.get_xdata()[0] == 60
    assert explorer.trace.bent == (resume != "full")


def test_the_exported_code_of_the_explorer_writes_its_loop(explorers) -> None:
    explorer = explorers("SGD", "StepLR", steps=30, loop=Loop(resume_at=12, resume="last_epoch"))
    code = explorer.code()
    assert "make_scheduler(optimizer, last_epoch=step - 1)" in code
    assert "# <- differs from the intended loop: resumed from a checkpoint" in code


def test_the_loop_form_round_trips_a_loop() -> None:
    loop = Loop(
        scheduler_first=True, skip_optimizer_steps=[1, 2, 3, 9], scheduler_every=5, resume_at=7, resume="nothing"
    )
    form = LoopForm(50, loop)
    try:
        assert form.loop(50) == loop
        assert form.controls["skip_optimizer_steps"].value == "1-3, 9"
        form.steps = 10  # a shorter run: the sliders hold their values
        assert form.loop(10) == loop
    finally:
        form.close()


def test_a_pinned_loop_draws_what_its_steps_ran_with(explorers) -> None:
    explorer = explorers("SGD", "LinearLR", steps=30, loop=Loop(scheduler_first=True))
    pin = explorer.pin("scheduler first")
    (lines,) = [lines for p, lines in explorer.plot.pin_lines if p is pin]
    np.testing.assert_array_equal(lines[0].get_ydata()[:-1], pin.trace.used[:, 0])  # one value ahead, as it ran


def test_a_bent_loop_on_three_groups_draws_a_plan_per_group(explorers) -> None:
    """Found by the hardening test: the plan's lines had one label for any number of groups."""
    explorer = explorers("SGD", "CosineAnnealingLR", steps=60, param_groups=[{}, {"lr": 0.01}, {}])
    explorer.controls["loop.scheduler_every"].value = 7
    explorer.settle()
    assert explorer.status.startswith("Training loop"), explorer.status
    assert sum(line.get_visible() for line in explorer.plot.intended_lines) == 3
    labels = [entry.label for entry in explorer.plot.legend]
    assert labels.count("as planned (classic loop)") == 1
