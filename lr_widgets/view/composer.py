"""The composer for SequentialLR / ChainedScheduler: a list of child schedulers, each with its controls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import traitlets

from ..core.specs import MISSING, SchedulerSpec, scheduler_specs
from .form import HyperParamForm
from .lifecycle import close_tree
from .sheet import FULL_ROW

__all__ = ["Composer", "child_choices", "composer_for", "warmup_then"]


def child_choices() -> list[str]:
    """Schedulers that can be children: all but the composites and ReduceLROnPlateau (it needs a metric)."""
    return [name for name, spec in scheduler_specs().items() if not spec.composite and not spec.needs_metric]


def warmup_then(main: str, steps: int) -> list[tuple[str, dict[str, Any]]]:
    """A LinearLR warmup over the first tenth of the run (SequentialLR's proposed milestone) into ``main``.

    The warmup's length is written out: inside SequentialLR, as alone, torch's default would be 5 steps.
    """
    return [("LinearLR", {"start_factor": 0.1, "total_iters": max(1, steps // 10)}), (main, {})]


def composer_for(spec: SchedulerSpec, value: Any, steps: int) -> Composer:
    """The composer of a composite ``spec``'s children: the user's, or for SequentialLR, when the user set
    none (``MISSING``), lr_widgets' proposal -- a LinearLR warmup into a cosine."""
    if value is MISSING and spec.sequential:
        return Composer(steps=steps, proposal=lambda n: warmup_then("CosineAnnealingLR", n))
    return Composer(spec.hyperparam("schedulers").default if value is MISSING else value, steps=steps)


def _normalized(value: Any) -> list[tuple[str, dict[str, Any]]] | None:
    """``value`` as ``[(name, kwargs)]`` if it is one the composer can show, else None."""
    if not isinstance(value, (list, tuple)):
        return None
    children = []
    for child in value:
        if isinstance(child, str):
            child = (child, {})
        if not (
            isinstance(child, (list, tuple))
            and len(child) == 2
            and child[0] in child_choices()
            and isinstance(child[1], dict)
        ):
            return None
        children.append((child[0], dict(child[1])))
    return children


class _Child(widgets.VBox):
    """One child scheduler: its name, its order buttons and its form."""

    def __init__(self, composer: Composer, name: str, kwargs: dict[str, Any], steps: int) -> None:
        #: The child's scheduler class.
        self.name = widgets.Dropdown(options=child_choices(), value=name, layout=widgets.Layout(width="220px"))
        buttons = [
            widgets.Button(description=text, tooltip=tip, layout=widgets.Layout(width="34px"))
            for text, tip in (("↑", "move up"), ("↓", "move down"), ("✕", "remove"))
        ]
        self._composer = composer
        buttons[0].on_click(lambda _: composer.move(self, -1))
        buttons[1].on_click(lambda _: composer.move(self, +1))
        buttons[2].on_click(lambda _: composer.remove(self))
        #: Its arguments; a run length the user has not set shows the length torch filled in for its segment.
        self.form = HyperParamForm("scheduler", name, kwargs, steps=steps, advanced=False, follow_steps=False)
        self.name.observe(lambda change: self._renamed(change["new"]), "value")
        self.form.observe(lambda _: composer.rows_changed(), "value")
        super().__init__(
            [widgets.HBox([self.name, *buttons]), self.form],
            layout=widgets.Layout(border="1px solid #ddd", padding="4px", margin="2px 0"),
        )

    def _renamed(self, name: str) -> None:
        self.form.show(name, {})
        self._composer.rows_changed()  # also when the new class's form holds nothing, as the old one

    @property
    def controls(self) -> dict[str, widgets.Widget]:
        """The child's controls, by argument name."""
        return self.form.controls

    @property
    def value(self) -> tuple[str, dict[str, Any]]:
        """``(scheduler name, what the user set)``."""
        return self.name.value, dict(self.form.value)


class Composer(widgets.VBox):
    """Edit ``[(scheduler name, kwargs), ...]``: add, remove and reorder children, each with its own form.

    ``.value`` holds, per child, only the arguments the user set; the others keep torch's
    defaults, as in the same torch code (the core fills only what torch requires, such as
    a T_max, from each child's segment, and :meth:`propose` shows it).
    """

    value = traitlets.Any()
    #: The number of steps, for the range of the children's run-length sliders (and the proposal's length).
    steps = traitlets.Int(100)
    #: Whether the children are lr_widgets' proposal, fitted to ``steps``, rather than the user's;
    #: ``None`` without a proposal. An edit (add, remove, move, rename, a child's argument) stops it.
    follows = traitlets.Bool(None, allow_none=True)

    def __init__(
        self,
        value: Any = None,
        *,
        steps: int = 100,
        proposal: Callable[[int], list[tuple[str, dict[str, Any]]]] | None = None,
    ) -> None:
        self.rows: list[_Child] = []
        self._rows_box = widgets.VBox()
        self._new_child = widgets.Dropdown(
            options=child_choices(), value="CosineAnnealingLR", layout=widgets.Layout(width="220px")
        )
        # buttons as wide as their words (a fixed width cut "warmup + main" short)
        add = widgets.Button(description="add", icon="plus", layout=widgets.Layout(width="auto"))
        add.on_click(lambda _: self.add(self._new_child.value))
        preset = widgets.Button(
            description="warmup + main",
            icon="magic",
            layout=widgets.Layout(width="auto"),
            tooltip="a LinearLR warmup into the chosen scheduler",
        )
        preset.on_click(lambda _: self.warmup_then(self._new_child.value))
        super().__init__([self._rows_box, widgets.HBox([self._new_child, add, preset])])
        self.add_class(FULL_ROW)  # a whole row of the form's grid (see the style sheet)
        self.steps = steps
        self._proposal = proposal
        self.follows = True if proposal is not None else None
        self._rebuild(_normalized(proposal(steps) if proposal is not None else value) or [])
        self.value = self._rows_value()
        self.observe(lambda change: self._value_set(change["new"]), "value")
        self.observe(lambda change: self._steps_set(change["new"]), "steps")

    def _rows_value(self) -> list[tuple[str, dict[str, Any]]]:
        return [row.value for row in self.rows]

    def _rebuild(self, children: list[tuple[str, dict[str, Any]]]) -> None:
        close_tree(*self.rows)
        self.rows = [_Child(self, name, kwargs, self.steps) for name, kwargs in children]
        self._rows_box.children = self.rows

    def _value_set(self, value: Any) -> None:
        children = _normalized(value)
        if self.follows and children != _normalized(self._proposal(self.steps)):  # type: ignore[misc]
            self.follows = False  # children set by hand (or by code) are the user's
        if children is not None and children != self._rows_value():  # set from outside: show it
            self._rebuild(children)

    def _steps_set(self, steps: int) -> None:
        for row in self.rows:
            row.form.steps = steps
        if self.follows:
            self.value = self._proposal(steps)  # type: ignore[misc]

    def rows_changed(self) -> None:
        """Show the rows as they are now and publish them as the value (after any edit of a child)."""
        self._rows_box.children = self.rows
        self.value = self._rows_value()

    # -- editing ------------------------------------------------------------------------
    def add(self, name: str) -> None:
        """Append a child scheduler."""
        self.rows.append(_Child(self, name, {}, self.steps))
        self.rows_changed()

    def remove(self, row: _Child) -> None:
        """Remove a child scheduler."""
        self.rows.remove(row)
        close_tree(row)
        self.rows_changed()

    def move(self, row: _Child, offset: int) -> None:
        """Move a child ``offset`` places up (negative) or down."""
        index = self.rows.index(row)
        target = index + offset
        if 0 <= target < len(self.rows):
            self.rows[index], self.rows[target] = self.rows[target], self.rows[index]
            self.rows_changed()

    def warmup_then(self, main: str) -> None:
        """A LinearLR warmup (from a tenth of the LR) into ``main``."""
        self.value = warmup_then(main, self.steps)

    def propose(self, children: Any) -> None:
        """Let each child's unset controls show what the core ran with (run lengths tied to its segment)."""
        for row, child in zip(self.rows, _normalized(children) or []):
            if child[0] == row.name.value:
                row.form.propose(child[1])

    def close(self) -> None:
        """Close the composer and every child's widgets."""
        close_tree(*self.rows)
        super().close()
