"""The training loop around the optimizer and scheduler: call order, skipped steps, resuming.

The schedule a user plans is rarely the one their loop produces. A :class:`Loop` says how the loop
steps the two objects; ``simulate(..., loop=Loop(...))`` and ``record(..., loop=...)`` run exactly::

    rows = [[g["lr"] for g in opt.param_groups]]
    for t in range(steps):
        if t == resume_at:
            opt, sched = rebuilt(opt, sched, t)   # fresh objects on the same parameters
        if scheduler_first and (t + 1) % scheduler_every == 0:
            sched.step()
        if t not in skip_optimizer_steps:
            opt.step()
        if not scheduler_first and (t + 1) % scheduler_every == 0:
            sched.step()
        rows.append([g["lr"] for g in opt.param_groups])

``rebuilt`` follows the checkpoint idiom: a new optimizer and a new scheduler built as at the start,
then (``resume``) ``"full"``: both ``load_state_dict`` from the old ones' ``state_dict()``;
``"optimizer_only"``: the optimizer's only (the scheduler's state was not saved); ``"nothing"``: none;
``"last_epoch"``: the optimizer's state loaded, then the scheduler built with ``last_epoch=t - 1``.
The default ``Loop()`` is the classic loop: ``opt.step()`` then ``sched.step()``, every step.
ReduceLROnPlateau's ``sched.step(metric[t])`` at iteration ``t`` gets the metric of that iteration, in
either order, and only where the loop steps the scheduler (at the end of each epoch of ``scheduler_every``).
An optimizer step that is skipped still has its gradients computed when the panel trains (as a GradScaler
loop does); its loop zeroes them at every iteration, so gradient accumulation's summed gradients are not
modelled there -- the schedule never depends on them.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidValueError

__all__ = ["Loop", "RESUMES", "steps_from_text", "steps_as_text"]

#: How a loop resumes from a checkpoint, and what each way loads.
RESUMES: dict[str, str] = {
    "full": "the optimizer's and the scheduler's state loaded",
    "optimizer_only": "only the optimizer's state loaded (the scheduler's was not saved)",
    "last_epoch": "the optimizer's state loaded, the scheduler built with last_epoch",
    "nothing": "nothing loaded: fresh objects",
}


def _whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class Loop:
    """How a training loop steps the optimizer and the scheduler (see the module for the exact loop).

    Attributes
    ----------
    scheduler_first
        ``scheduler.step()`` before ``optimizer.step()`` (torch warns, and the first value is skipped).
    skip_optimizer_steps
        The iterations whose ``optimizer.step()`` is skipped (mixed precision's GradScaler on an
        overflow, micro-batches of gradient accumulation); the scheduler still steps.
    scheduler_every
        The scheduler steps after every ``scheduler_every``-th iteration (per epoch of that many batches).
    resume_at
        The iteration at which the run resumes from a checkpoint, or ``None``.
    resume
        What the resumed run loads: one of :data:`RESUMES`.
    """

    scheduler_first: bool = False
    skip_optimizer_steps: Sequence[int] = ()
    scheduler_every: int = 1
    resume_at: int | None = None
    resume: str = "full"

    def __post_init__(self) -> None:
        if not isinstance(self.scheduler_first, bool):
            raise InvalidValueError(
                f"scheduler_first is True or False: got {self.scheduler_first!r}", "scheduler_first"
            )
        skips = self.skip_optimizer_steps
        if isinstance(skips, (str, bytes)) or not isinstance(skips, (Sequence, set, frozenset)):
            raise InvalidValueError(
                f"skip_optimizer_steps is a list of iterations, e.g. [3, 10]: got {skips!r}", "skip_optimizer_steps"
            )
        if not all(_whole(t) and t >= 0 for t in skips):
            raise InvalidValueError(
                f"skip_optimizer_steps holds iterations from 0 on: got {list(skips)!r}", "skip_optimizer_steps"
            )
        object.__setattr__(self, "skip_optimizer_steps", tuple(sorted({int(t) for t in skips})))
        object.__setattr__(self, "_skipped", frozenset(self.skip_optimizer_steps))
        if not _whole(self.scheduler_every) or self.scheduler_every < 1:
            raise InvalidValueError(
                f"scheduler_every is a whole number from 1 on: got {self.scheduler_every!r}", "scheduler_every"
            )
        object.__setattr__(self, "scheduler_every", int(self.scheduler_every))
        if self.resume_at is not None and (not _whole(self.resume_at) or self.resume_at < 0):
            raise InvalidValueError(
                f"resume_at is an iteration from 0 on, or None: got {self.resume_at!r}", "resume_at"
            )
        if self.resume_at is not None:
            object.__setattr__(self, "resume_at", int(self.resume_at))
        if self.resume not in RESUMES:
            raise InvalidValueError(f"resume is one of {', '.join(map(repr, RESUMES))}: got {self.resume!r}", "resume")

    @classmethod
    def gradient_accumulation(cls, micro_batches: int, steps: int, **fields: Any) -> Loop:
        """Gradient accumulation stepping the scheduler every micro-batch: the optimizer steps on every
        ``micro_batches``-th iteration only, of a run of ``steps`` iterations."""
        if not _whole(micro_batches) or micro_batches < 1:
            raise InvalidValueError(
                f"micro_batches is a whole number from 1 on: got {micro_batches!r}", "micro_batches"
            )
        skipped = [t for t in range(int(steps)) if (t + 1) % micro_batches]
        return cls(skip_optimizer_steps=skipped, **fields)

    @classmethod
    def per_epoch(cls, batches: int, **fields: Any) -> Loop:
        """The scheduler stepped once per epoch of ``batches`` iterations (OneCycleLR's classic mistake)."""
        return cls(scheduler_every=batches, **fields)

    @property
    def classic(self) -> bool:
        """Whether this is the classic loop (``opt.step()`` then ``sched.step()``, every step, no resume)."""
        plain_order = not self.scheduler_first and self.scheduler_every == 1
        return plain_order and not self.skip_optimizer_steps and self.resume_at is None

    def skips(self, t: int) -> bool:
        """Whether iteration ``t`` skips ``optimizer.step()``."""
        return t in self._skipped  # type: ignore[attr-defined]

    def steps_scheduler(self, t: int) -> bool:
        """Whether iteration ``t`` calls ``scheduler.step()``."""
        return (t + 1) % self.scheduler_every == 0

    def resumes(self, t: int) -> bool:
        """Whether the run resumes from a checkpoint at iteration ``t``."""
        return t == self.resume_at

    def notes(self, steps: int) -> list[str]:
        """What a run of ``steps`` iterations will not do that this loop asks (resuming after its end ...)."""
        found = []
        if self.resume_at is not None and self.resume_at >= steps:
            found.append(f"resume_at={self.resume_at} is past the run's {steps} steps: the run never resumes")
        if self.scheduler_every > steps:
            found.append(
                f"scheduler_every={self.scheduler_every} is more than the {steps} steps: the scheduler never steps"
            )
        return found

    def describe(self) -> list[str]:
        """What this loop does differently from the classic one, in short phrases."""
        found = []
        if self.scheduler_first:
            found.append("scheduler.step() before optimizer.step()")
        if self.skip_optimizer_steps:
            n = len(self.skip_optimizer_steps)
            found.append(f"{n} optimizer step{'s' if n > 1 else ''} skipped")
        if self.scheduler_every > 1:
            found.append(f"scheduler.step() every {self.scheduler_every} steps")
        if self.resume_at is not None:
            found.append(f"resumed at step {self.resume_at} ({RESUMES[self.resume]})")
        return found


def steps_from_text(text: str) -> tuple[int, ...]:
    """The iterations a text lists: whole numbers and ranges, ``"3, 10, 40-45"`` (both ends included).

    Raises
    ------
    InvalidValueError
        Anything else, said in words (the text is parsed, never evaluated).
    """
    found: set[int] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            first = int(low.strip())
            last = int(high.strip()) if dash else first
        except ValueError:
            raise InvalidValueError(
                f"skipped steps are whole numbers and ranges, e.g. 3, 10, 40-45: cannot read {part!r}",
                "skip_optimizer_steps",
            ) from None
        if first < 0 or last < first:
            raise InvalidValueError(
                f"skipped steps count from 0 and a range goes up, e.g. 40-45: got {part!r}", "skip_optimizer_steps"
            )
        if last - first > 1_000_000:
            raise InvalidValueError(f"the range {part!r} is longer than any run", "skip_optimizer_steps")
        found.update(range(first, last + 1))
    return tuple(sorted(found))


def steps_as_text(steps: Sequence[int]) -> str:
    """Iterations written as :func:`steps_from_text` reads them, runs as ranges: ``"3, 10, 40-45"``."""
    parts, ordered = [], sorted(set(steps))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(parts)
