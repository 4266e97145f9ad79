"""StepInspector: the real optimizer and scheduler at the inspected step, in the side panel.

A :class:`~lr_widgets.core.simulate.Replayer` trains them for real up to the step. A short
replay is shown at once; a long one, started by the front end, goes on in chunks of
:data:`PANEL_CHUNK` steps between the kernel's other messages, so the figure and the
controls keep answering, and the panel says how far it has come.

While the kernel has nothing else to do, the replayer trains ahead towards the end of the run (up
to step :data:`AHEAD_UNTIL`) in slices of :data:`IDLE_SLICE` seconds, keeping snapshots, so that a
later visit to any step costs at most a snapshot interval. The replayers of the last :data:`KEPT`
runs are kept: going back to a run, or to one that trains the same way (only its number of steps
differs), finds its snapshots.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from ..core.loop import RESUMES
from ..core.simulate import Replay, Replayer, Trace
from .pacing import Pacer, running_loop
from .panel import Panel, panel_content

__all__ = ["StepInspector", "PANEL_CHUNK", "IDLE_SLICE", "IDLE_PAUSE", "KEPT", "AHEAD_UNTIL"]

#: Training steps the panel replays at once; a longer replay goes on in chunks of this size
#: between the kernel's other messages, so the figure and the controls keep answering.
PANEL_CHUNK = 200
#: Seconds of training ahead per turn of the event loop: the most a control change waits for it.
IDLE_SLICE = 0.02
#: Seconds between two slices of training ahead (the kernel reads its messages meanwhile), and
#: before the first one after the panel was shown.
IDLE_PAUSE = 0.01
#: Runs whose replayers (and snapshots) are kept.
KEPT = 3
#: Training ahead stops at this step (about 20 s of a core): a longer run's far steps train when asked,
#: rather than a kernel on a shared CPU (Binder's quota, a class's server) training for minutes unasked.
AHEAD_UNTIL = 20_000


class StepInspector:
    """Shows the optimizer and scheduler of a trace at a step in :attr:`panel`.

    Parameters
    ----------
    pacer
        Decides whether the work may be deferred (only the front end's messages are).
    guard
        Runs a callback so that its mistakes reach the owner's status line.
    panel
        The panel widget it writes to.
    replayer_for
        Makes the replayer of a trace (a :class:`~lr_widgets.core.simulate.Replayer`, or anything with
        its ``trace``, ``cost``, ``advance`` and ``at``); by default one on the toy problem.
    """

    def __init__(
        self,
        pacer: Pacer,
        guard: Callable[[Callable[..., Any]], Callable[..., None]],
        panel: Panel,
        replayer_for: Callable[[Trace], Any] = Replayer,
    ) -> None:
        self.panel = panel
        self._pacer = pacer
        self._guard = guard
        self._replayer_for = replayer_for
        self._replayer: Any = None
        self._kept: list[Any] = []  # the replayers of the last runs, the latest first
        self._target: int | None = None
        self._shown: tuple[Trace, int] | None = None  # the run and step the panel shows
        self._ahead: Any = None  # the event loop's handle of the next slice of training ahead
        self._pace = 0.001  # seconds per training step, as last measured

    @property
    def training(self) -> bool:
        """Whether the panel is still training towards the step asked for."""
        return self._target is not None

    @property
    def text(self) -> str:
        """The panel's text (the last step reached; see :meth:`settle`)."""
        return self.panel.text

    def cost(self, step: int) -> int:
        """Training steps the panel would take now to show ``step`` of the run it shows (0: at once)."""
        return 0 if self._replayer is None else self._replayer.cost(step)

    def inspect(self, trace: Trace, step: int) -> None:
        """The panel at ``step`` of ``trace``: at once if that is a short replay, else in chunks."""
        if self._replayer is None or self._replayer.trace is not trace:
            self._replayer = self._replayer_of(trace)
        loop = self._pacer.defer()
        if loop is None or self._replayer.cost(step) <= PANEL_CHUNK:
            self._target = None
            self._show(self._replayer.at(step))
            return
        already = self._target is not None
        self._target = step
        self.panel.note(f"training the optimizer to step {step} …")
        if not already:
            loop.call_soon(self._guard(self._chunk))

    def _chunk(self) -> None:
        """One chunk of the replay; schedules the next until the step asked for is reached."""
        step, replayer = self._target, self._replayer
        if step is None or replayer is None:
            return
        try:
            done = replayer.advance(step, limit=PANEL_CHUNK)
        except BaseException:
            self._target = None
            raise
        if done:
            self._target = None
            self._show(replayer.at(step))
            return
        self.panel.note(f"training the optimizer to step {step} … {replayer.cost(step)} steps to go")
        loop = running_loop()  # chunks go on in the loop that started them
        if loop is not None:
            loop.call_soon(self._guard(self._chunk))

    def _show(self, at: Replay) -> None:
        trace = self._replayer.trace if self._replayer is not None else None
        content = panel_content(at, at.group_names)
        resumed = None if trace is None else trace.loop.resume_at
        if resumed is not None and at.step > resumed:  # a run resumed from a checkpoint: not the objects it began with
            rebuilt = f"{content.heading} (rebuilt at step {resumed}: {RESUMES[trace.loop.resume]})"
            content = dataclasses.replace(content, heading=rebuilt)
        self.panel.show(content, since=self._since(trace, at.step))
        self._shown = (trace, at.step)
        self._train_ahead_later()

    def _replayer_of(self, trace: Trace) -> Any:
        """A kept replayer that can take ``trace`` (same run, or one that trains the same way), else a new one."""
        for kept in self._kept:
            retrace = getattr(kept, "retrace", None)
            if kept.trace is trace or (retrace is not None and retrace(trace)):
                self._kept.remove(kept)
                break
        else:
            kept = self._replayer_for(trace)
            self._pace = 0.001  # measured again on this run
        # kept for later: replayers that can take another run (not interact's, which starts from its
        # factory), and of copies of your own parameters only the one in use (they may be large)
        self._kept = [
            r
            for r in (kept, *self._kept)
            if getattr(r, "retrace", None) is not None and (r is kept or not getattr(r, "on_your_parameters", False))
        ][:KEPT]
        return kept

    # -- training ahead while the kernel is idle ------------------------------------------
    def _train_ahead_later(self) -> None:
        loop = running_loop()
        if loop is None or self._ahead is not None or getattr(self._replayer, "prepare", None) is None:
            return  # no kernel (a script, a test), already planned, or a replayer that keeps no snapshots
        self._ahead = loop.call_later(IDLE_PAUSE, self._guard(self._train_ahead))

    def _train_ahead(self) -> None:
        """One slice of training ahead, unless the front end asked for something meanwhile."""
        self._ahead = None
        replayer = self._replayer
        if replayer is None or self._target is not None:
            return  # closed, or a replay to a step asked for is running (it plans the next slice when done)
        if self._pacer.pending:
            self._train_ahead_later()  # a control change goes first
            return
        start = time.perf_counter()
        taken = replayer.prepare(max(1, int(IDLE_SLICE / self._pace)), until=AHEAD_UNTIL)
        if taken:
            self._pace = max(1e-5, (time.perf_counter() - start) / taken)
            self._train_ahead_later()

    def _since(self, trace: Trace | None, step: int) -> str | None:
        """What the panel's highlights compare with: the step shown before in the same run, or, after a
        change of a hyperparameter, the same classes before it; a new optimizer or scheduler starts afresh."""
        if self._shown is None or trace is None:
            return None
        before, at = self._shown
        if before is trace:
            return f"step {at}" if at != step else "the step shown before"
        same = (before.optimizer, before.scheduler, len(before.group_names))
        return "your last change" if same == (trace.optimizer, trace.scheduler, len(trace.group_names)) else None

    def settle(self) -> None:
        """Finish a replay in progress now (before an export, a pin, or reading the panel from code)."""
        if self._target is not None and self._replayer is not None:
            step, self._target = self._target, None
            self._show(self._replayer.at(step))

    def close(self) -> None:
        """Stop a replay in progress and training ahead, and let go of the trained copies."""
        self._target = None
        self._replayer = None
        self._kept = []
        if self._ahead is not None:
            self._ahead.cancel()
            self._ahead = None
