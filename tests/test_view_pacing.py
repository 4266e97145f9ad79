"""Bursts of control changes inside a running event loop (as in the kernel): one update for the
latest value, never a backlog; the panel's long replays run in chunks and end on the right step."""

from __future__ import annotations

import asyncio

import numpy as np

from lr_widgets import Explorer, replay, simulate
from lr_widgets.view.pacing import Pacer, running_loop
from lr_widgets.view.panel import panel_text


def test_without_an_event_loop_the_work_runs_at_once() -> None:
    seen: list[set[str]] = []
    pacer = Pacer(seen.append)
    pacer.request("update")
    pacer.request("inspect")
    assert seen == [{"update"}, {"inspect"}] and pacer.runs == 2


def test_requests_inside_a_batch_run_once_when_it_ends() -> None:
    seen: list[set[str]] = []
    pacer = Pacer(seen.append)
    with pacer.batch():
        pacer.request("update")
        pacer.request("inspect")
        assert seen == [], "nothing runs while the batch is open"
    assert seen == [{"update", "inspect"}] and pacer.runs == 1


def test_a_burst_inside_the_event_loop_is_one_run() -> None:
    async def main() -> list[set[str]]:
        seen: list[set[str]] = []
        pacer = Pacer(seen.append, defer=running_loop)
        for _ in range(100):
            pacer.request("update")
        pacer.request("inspect")
        assert seen == [] and pacer.pending
        await asyncio.sleep(0.01)
        return seen

    assert asyncio.run(main()) == [{"update", "inspect"}]


def _as_from_the_front_end(explorer: Explorer) -> Explorer:
    """Pace this Explorer's work as the kernel does for the front end's messages."""
    explorer.pacer.defer = running_loop
    return explorer


def test_code_in_a_cell_gets_its_update_at_once_even_inside_the_event_loop() -> None:
    async def main() -> tuple[float, int]:
        explorer = Explorer(steps=300)
        explorer.controls["optimizer.lr"].value = 0.25  # no front end message: a cell's own code
        lr = explorer.trace.optimizer_kwargs["lr"]
        explorer.close()
        return lr, explorer.pacer.runs

    lr, runs = asyncio.run(main())
    assert lr == 0.25 and runs == 1


async def _until(condition, timeout: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.005)


def test_a_dragged_slider_updates_for_the_latest_value_without_a_backlog() -> None:
    values = [round(0.01 + 0.001 * i, 6) for i in range(60)]

    async def main() -> tuple[Explorer, int]:
        explorer = _as_from_the_front_end(Explorer(steps=20_000))
        runs = explorer.pacer.runs
        for value in values:  # one message per loop iteration, as the kernel reads them
            explorer.controls["optimizer.lr"].value = value
            await asyncio.sleep(0)
        await _until(lambda: not explorer.pacer.pending)
        return explorer, explorer.pacer.runs - runs

    explorer, runs = asyncio.run(main())
    try:
        assert explorer.trace.optimizer_kwargs["lr"] == values[-1]
        np.testing.assert_array_equal(explorer.trace.lr, simulate(optimizer_kwargs={"lr": values[-1]}, steps=20_000).lr)
        assert np.asarray(explorer.plot.lr_lines[0].get_ydata()).max() == explorer.trace.lr.max()
        assert 1 <= runs < len(values) / 2, f"{runs} updates for {len(values)} values: a backlog"
        assert explorer.status == ""
    finally:
        explorer.close()


def test_a_far_cursor_trains_in_chunks_and_shows_exactly_that_step() -> None:
    async def main() -> tuple[Explorer, list[str]]:
        explorer = _as_from_the_front_end(Explorer("Adam", "CosineAnnealingLR", steps=3_000))
        explorer.controls["step"].value = 2_500
        await asyncio.sleep(0.01)
        notes = [explorer.inspector.panel.value]
        explorer.controls["optimizer.lr"].value = 0.003  # the trace changes while the panel trains
        await _until(lambda: not explorer.inspector.training and not explorer.pacer.pending)
        return explorer, notes

    explorer, notes = asyncio.run(main())
    try:
        assert "training the optimizer to step 2500" in notes[0]
        expected = panel_text(replay(explorer.trace, 2_500), explorer.trace.group_names)
        assert explorer.inspector.panel.text == expected
        assert explorer.trace.optimizer_kwargs["lr"] == 0.003 and "base_lrs         [0.003]" in expected
        assert "training" not in explorer.inspector.panel.value
    finally:
        explorer.close()


def test_an_error_during_a_burst_lands_in_the_status_line_and_the_next_value_works() -> None:
    async def main() -> tuple[Explorer, str]:
        explorer = _as_from_the_front_end(Explorer(steps=500))
        good = explorer.trace
        explorer.controls["optimizer.lr"].value = -1.0
        await _until(lambda: not explorer.pacer.pending)
        message = explorer.status
        assert explorer.trace is good
        explorer.controls["optimizer.lr"].value = 0.2
        await _until(lambda: not explorer.pacer.pending)
        return explorer, message

    explorer, message = asyncio.run(main())
    try:
        assert "lr" in message and explorer.status == ""
        assert explorer.trace.optimizer_kwargs["lr"] == 0.2
    finally:
        explorer.close()


def test_an_idle_kernel_trains_ahead_so_any_step_is_one_snapshot_interval_away() -> None:
    async def main() -> tuple[Explorer, list[float]]:
        explorer = _as_from_the_front_end(Explorer("AdamW", "OneCycleLR", steps=1_000))
        assert explorer.inspector.cost(900) == 900, "nothing trained ahead before the kernel is idle"
        waits = []  # how long a control change waits for the slice of training ahead in progress
        loop = asyncio.get_running_loop()
        end = loop.time() + 120
        while explorer.inspector.cost(999) > 100:
            assert loop.time() < end, "timed out"
            asked = loop.time()
            await asyncio.sleep(0)
            waits.append(loop.time() - asked)
        return explorer, waits

    explorer, waits = asyncio.run(main())
    try:
        assert max(explorer.inspector.cost(step) for step in range(1_001)) <= 100
        explorer.step = 900
        assert explorer.inspector.panel.text == panel_text(replay(explorer.trace, 900), explorer.trace.group_names)
        assert max(waits) < 1.0, "a slice of training ahead is short (0.02 s on a quiet machine)"
    finally:
        explorer.close()


def test_a_run_that_trains_the_same_way_keeps_the_snapshots_and_a_new_one_does_not() -> None:
    async def main() -> Explorer:
        explorer = _as_from_the_front_end(Explorer("Adam", "StepLR", steps=600))
        explorer.controls["scheduler.step_size"].value = 30
        await _until(lambda: explorer.inspector.cost(599) <= 100)
        explorer.controls["steps"].value = 800  # StepLR's step_size does not follow steps: same training
        await _until(lambda: not explorer.pacer.pending)
        assert explorer.inspector.cost(550) <= 100, "the snapshots of the first 600 steps are kept"
        explorer.controls["optimizer.lr"].value = 0.01  # another training
        await _until(lambda: not explorer.pacer.pending)
        assert explorer.inspector.cost(550) > 100, "its snapshots start afresh"
        return explorer

    explorer = asyncio.run(main())
    try:
        explorer.step = 700
        assert explorer.inspector.panel.text == panel_text(replay(explorer.trace, 700), explorer.trace.group_names)
    finally:
        explorer.close()
