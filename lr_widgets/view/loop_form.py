"""LoopForm: the training loop around the optimizer and scheduler, as controls.

The fields of :class:`~lr_widgets.core.loop.Loop`, plus its two presets as sliders of their own:
*gradient accumulation* over n micro-batches (the optimizer steps on every n-th only, the scheduler on
every one) and *per-epoch stepping* with n batches (the scheduler once per n steps). Its ``value`` is
what the user set; :meth:`LoopForm.loop` makes the :class:`Loop` of it for a run of ``steps``.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import traitlets

from ..core.loop import Loop, steps_as_text, steps_from_text
from .form import section
from .lifecycle import close_tree

__all__ = ["LoopForm"]

_WIDE = {"style": {"description_width": "initial"}}
#: A slider row wide enough for its long label and a slider to drag (ipywidgets' 300 px would cut the label).
_SLIDER_ROW = "640px"

#: What each way of resuming is called in the dropdown.
_RESUME_LABELS = {
    "full": "full checkpoint (optimizer + scheduler state)",
    "optimizer_only": "optimizer state only (the scheduler's not saved)",
    "last_epoch": "optimizer state + scheduler built with last_epoch",
    "nothing": "nothing saved (fresh objects)",
}


class LoopForm(widgets.VBox):
    """The controls of the training loop (see the module); ``controls`` names each of them."""

    #: What the user set: the Loop's fields, ``skip_optimizer_steps`` as the text typed, and ``accumulation``.
    value = traitlets.Dict()
    #: The run's length (the range of the step sliders).
    steps = traitlets.Int(100)

    def __init__(self, steps: int = 100, loop: Loop | None = None) -> None:
        super().__init__()
        self.steps = steps
        loop = loop or Loop()
        self.controls: dict[str, widgets.Widget] = {
            "scheduler_first": widgets.Checkbox(
                loop.scheduler_first, description="scheduler.step() before optimizer.step()", indent=False, **_WIDE
            ),
            "accumulation": widgets.IntSlider(
                1,
                min=1,
                max=32,
                description="gradient accumulation: micro-batches per optimizer step",
                layout=widgets.Layout(width=_SLIDER_ROW, max_width="100%"),  # the label whole, a slider beside it
                **_WIDE,
            ),
            "skip_optimizer_steps": widgets.Text(
                steps_as_text(loop.skip_optimizer_steps),
                description="optimizer steps skipped",
                placeholder="e.g. 3, 10, 40-45",
                continuous_update=False,
                layout=widgets.Layout(width="420px"),
                **_WIDE,
            ),
            "scheduler_every": widgets.IntSlider(
                loop.scheduler_every,
                min=1,
                max=max(loop.scheduler_every, steps),
                layout=widgets.Layout(width=_SLIDER_ROW, max_width="100%"),
                description="per-epoch stepping: batches per epoch",
                **_WIDE,
            ),
            "resumes": widgets.Checkbox(
                loop.resume_at is not None, description="resume from a checkpoint", indent=False, **_WIDE
            ),
            "resume_at": widgets.IntSlider(
                steps // 2 if loop.resume_at is None else loop.resume_at,
                min=0,
                max=max(0, steps - 1, loop.resume_at or 0),
                description="at step",
                disabled=loop.resume_at is None,
                **_WIDE,
            ),
            "resume": widgets.Dropdown(
                options=[(label, key) for key, label in _RESUME_LABELS.items()],
                value=loop.resume,
                description="loading",
                disabled=loop.resume_at is None,
                layout=widgets.Layout(width="420px"),
                **_WIDE,
            ),
        }
        for key, control in self.controls.items():
            control.add_class("lr-widgets-control")
            control.observe(lambda change, key=key: self._changed(key, change["new"]), "value")
        for key in ("scheduler_first", "accumulation", "skip_optimizer_steps", "scheduler_every"):
            self.controls[key].tooltip = _TIPS[key]
        c = self.controls
        self.children = [
            widgets.HTML(
                "How your loop steps the optimizer and the scheduler. The figure then draws the schedule as "
                "planned faintly and this loop's on top; torch's warnings show in the status line."
            ),
            section("call order and skipped steps"),
            c["scheduler_first"],
            c["accumulation"],
            c["skip_optimizer_steps"],
            c["scheduler_every"],
            section("resuming from a checkpoint"),
            widgets.HBox([c["resumes"], c["resume_at"]], layout=widgets.Layout(flex_flow="row wrap")),
            c["resume"],
        ]
        self.observe(lambda change: self._fit_to_steps(change["new"]), "steps")

    def _changed(self, key: str, new: Any) -> None:
        if key == "resumes":
            self.controls["resume_at"].disabled = self.controls["resume"].disabled = not new
        self.value = {**self.value, key: new}

    def _fit_to_steps(self, steps: int) -> None:
        steps = max(1, steps)
        every, at = self.controls["scheduler_every"], self.controls["resume_at"]
        every.max = max(every.value, steps)
        at.max = max(at.value, steps - 1)

    def loop(self, steps: int) -> Loop:
        """The :class:`Loop` the controls set, for a run of ``steps`` iterations.

        Raises
        ------
        InvalidValueError
            A skipped-steps text that is not a list of steps, said in words.
        """
        c = self.controls
        skipped = set(steps_from_text(c["skip_optimizer_steps"].value))
        n = c["accumulation"].value
        if n > 1:
            skipped |= set(Loop.gradient_accumulation(n, steps).skip_optimizer_steps)
        return Loop(
            scheduler_first=c["scheduler_first"].value,
            skip_optimizer_steps=sorted(skipped),
            scheduler_every=c["scheduler_every"].value,
            resume_at=c["resume_at"].value if c["resumes"].value else None,
            resume=c["resume"].value,
        )

    def close(self) -> None:
        close_tree(*self.controls.values())
        super().close()


_TIPS = {
    "scheduler_first": "The order torch warns about: the optimizer then never runs with the schedule's first value.",
    "accumulation": (
        "The optimizer steps on every n-th micro-batch only, while the scheduler steps on each of them: "
        "the schedule runs n times too fast in optimizer steps."
    ),
    "skip_optimizer_steps": (
        "Iterations whose optimizer.step() is skipped, as mixed precision's GradScaler does when the "
        "gradients overflow; the scheduler still steps."
    ),
    "scheduler_every": (
        "The scheduler steps once every n iterations, as a loop stepping it per epoch of n batches does "
        "(OneCycleLR is meant to step every batch)."
    ),
}
