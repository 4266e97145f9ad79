"""Pacer: one piece of work per burst of control changes, for the latest values, never a backlog.

A slider dragged in the browser sends a value every few milliseconds. Each message is
handled by the kernel one after another; if every message recomputed and redrew the
schedule, a slow update would leave a queue of stale values to work through while the
figure lags behind the hand. The Pacer lets a callback only *note* what changed
(``request``); the work runs once the kernel's event loop is free, and after each run
it waits a fraction of the time the run took, so that the messages that queued up
meanwhile are all read (each is cheap: it only notes) before the next run, which then
sees the latest value.

Only changes that come from the front end are paced. Code that sets a control in a cell
(or a script, or a test) gets its work done at once, inside ``request``, so the next line
of that code sees the new schedule.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Pacer", "running_loop", "from_front_end", "pacing"]

#: The pause after a run, as a share of the time the run took, and its upper bound (seconds).
PAUSE_SHARE = 0.25
MAX_PAUSE = 0.05


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running this callback (the kernel's), or ``None``."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def from_front_end() -> bool:
    """Whether the kernel is handling a message from the widget front end (not running a cell)."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        parent = kernel.get_parent() if kernel is not None else None
    except Exception:  # noqa: BLE001 -- no IPython, or a kernel without get_parent: not a front end
        return False
    return isinstance(parent, dict) and parent.get("header", {}).get("msg_type") == "comm_msg"


def pacing() -> asyncio.AbstractEventLoop | None:
    """The loop to defer work to: the kernel's, while it handles the front end's messages; else None."""
    loop = running_loop()
    return loop if loop is not None and from_front_end() else None


class Pacer:
    """Runs ``work(reasons)`` once for everything requested since its last run.

    Parameters
    ----------
    work
        Called with the set of reasons requested (``{"update", "inspect"}`` ...). It must
        not raise: wrap it in the caller's error handling.
    defer
        Returns the event loop to run the work on later, or ``None`` to run it now
        (by default :func:`pacing`: only for the front end's messages).
    covers
        Reasons a piece of work already does: ``{"update": {"inspect"}}`` drops an ``"inspect"``
        the update itself requested (clamping the step slider), rather than inspecting twice.
    """

    def __init__(
        self,
        work: Callable[[set[str]], None],
        defer: Callable[[], asyncio.AbstractEventLoop | None] = pacing,
        covers: dict[str, set[str]] | None = None,
    ) -> None:
        self._work = work
        self.defer = defer
        self._covers = covers or {}
        self._working = False
        self._pending: set[str] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._ready_at = 0.0
        #: How many times the work ran (a burst of requests counts once).
        self.runs = 0

    @property
    def pending(self) -> bool:
        """Whether work is requested and not yet done."""
        return bool(self._pending)

    def request(self, reason: str) -> None:
        """Note that ``reason`` needs work; run it now, or when the event loop is next free."""
        self._pending.add(reason)
        self._go()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Requests made inside run once, when it ends: one change that moves several controls
        (a new optimizer rebuilds its form and the groups form) is one question, never a half-made one."""
        if self._working:
            yield
            return
        self._working = True
        try:
            yield
        finally:
            self._working = False
        if self._pending:
            self._go()

    def _go(self) -> None:
        loop = self.defer()
        if loop is None:
            self.flush()
        elif self._handle is None:
            self._handle = loop.call_later(max(0.0, self._ready_at - time.monotonic()), self._scheduled)

    def _scheduled(self) -> None:
        self._handle = None
        self.flush()

    def flush(self) -> None:
        """Do the requested work now (if any)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._working:
            return  # requested by the work itself: done when it returns, below, never nested inside it
        while self._pending:
            reasons, self._pending = self._pending, set()
            start = time.monotonic()
            self._working = True
            try:
                self._work(reasons)
            finally:
                self._working = False
                for reason in reasons:
                    self._pending -= self._covers.get(reason, set())
                self.runs += 1
                took = time.monotonic() - start
                self._ready_at = time.monotonic() + min(PAUSE_SHARE * took, MAX_PAUSE)

    def cancel(self) -> None:
        """Forget pending work (the Explorer is closing)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._pending.clear()
