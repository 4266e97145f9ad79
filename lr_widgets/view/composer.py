"""The composer for SequentialLR / ChainedScheduler: a list of child schedulers, each with its controls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
import traitlets

from ..core.specs import scheduler_spec, scheduler_specs
from .controls import HyperParamControl, close_tree, raised, widget_for

__all__ = ["Composer", "child_choices", "warmup_then"]


def child_choices() -> list[str]:
    """Schedulers that can be children: all but the composites and ReduceLROnPlateau (it needs a metric)."""
    return [name for name, spec in scheduler_specs().items() if not spec.composite and not spec.needs_metric]


def warmup_then(main: str, steps: int) -> list[tuple[str, dict[str, Any]]]:
    """A LinearLR warmup over the first tenth of the run (SequentialLR's proposed milestone) into ``main``.

    The warmup's length is written out: inside SequentialLR, as alone, torch's default would be 5 steps.
    """
    return [("LinearLR", {"start_factor": 0.1, "total_iters": max(1, steps // 10)}), (main, {})]


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
    """One child scheduler: its name, its order buttons and its hyperparameter controls."""

    def __init__(self, composer: Composer, name: str, kwargs: dict[str, Any], steps: int) -> None:
        self.composer = composer
        self.user = dict(kwargs)
        self.name = widgets.Dropdown(options=child_choices(), value=name, layout=widgets.Layout(width="220px"))
        buttons = [
            widgets.Button(description=text, tooltip=tip, layout=widgets.Layout(width="34px"))
            for text, tip in (("↑", "move up"), ("↓", "move down"), ("✕", "remove"))
        ]
        buttons[0].on_click(lambda _: composer.move(self, -1))
        buttons[1].on_click(lambda _: composer.move(self, +1))
        buttons[2].on_click(lambda _: composer.remove(self))
        self.name.observe(lambda _: self._renamed(), "value")
        self.steps = steps
        self.controls: dict[str, HyperParamControl] = {}
        self._header = widgets.HBox([self.name, *buttons])
        super().__init__(layout=widgets.Layout(border="1px solid #ddd", padding="4px", margin="2px 0"))
        self._build()

    def _build(self) -> None:
        close_tree(*self.controls.values())
        spec = scheduler_spec(self.name.value)
        self.controls = {}
        for hp in spec.hyperparams:
            if hp.advanced:
                continue
            control = widget_for(hp, self.user.get(hp.name), steps=self.steps)
            control.observe(lambda change, n=hp.name: self._changed(n, change["new"]), "value")
            self.controls[hp.name] = control
        self.children = [self._header, *self.controls.values()]

    def _renamed(self) -> None:
        self.user = {}
        self._build()
        self.composer.rows_changed()

    def _changed(self, name: str, value: Any) -> None:
        if self.composer.holding:
            return
        self.user[name] = value
        self.composer.rows_changed()

    def show_resolved(self, kwargs: dict[str, Any]) -> None:
        for name, value in kwargs.items():
            control = self.controls.get(name)
            if control is not None and name not in self.user:
                control.value = value


class Composer(widgets.VBox):
    """Edit ``[(scheduler name, kwargs), ...]``: add, remove and reorder children, each with its own controls.

    ``.value`` holds, per child, only the arguments the user set; the others keep torch's
    defaults, as in the same torch code (the core fills only what torch requires, such as
    a T_max, from each child's segment).
    """

    value = traitlets.Any()

    def __init__(self, value: Any = None, *, steps: int = 100) -> None:
        self.steps = steps
        self.holding = False
        self.rows: list[_Child] = []
        self._rows_box = widgets.VBox()
        self._new_child = widgets.Dropdown(
            options=child_choices(), value="CosineAnnealingLR", layout=widgets.Layout(width="220px")
        )
        add = widgets.Button(description="add", icon="plus", layout=widgets.Layout(width="70px"))
        add.on_click(lambda _: self.add(self._new_child.value))
        preset = widgets.Button(
            description="warmup + main",
            icon="magic",
            layout=widgets.Layout(width="140px"),
            tooltip="a LinearLR warmup into the chosen scheduler",
        )
        preset.on_click(lambda _: self.warmup_then(self._new_child.value))
        super().__init__([self._rows_box, widgets.HBox([self._new_child, add, preset])])
        children = _normalized(value) or []
        self._rebuild(children)
        with self._hold():
            self.value = self._rows_value()
        self.observe(self._value_set, "value")

    def _hold(self) -> Iterator[None]:
        return raised(self, "holding")

    def _rows_value(self) -> list[tuple[str, dict[str, Any]]]:
        return [(row.name.value, dict(row.user)) for row in self.rows]

    def _rebuild(self, children: list[tuple[str, dict[str, Any]]]) -> None:
        close_tree(*self.rows)
        self.rows = [_Child(self, name, kwargs, self.steps) for name, kwargs in children]
        self._rows_box.children = self.rows

    def _value_set(self, change: dict[str, Any]) -> None:
        if self.holding:
            return
        children = _normalized(change["new"])
        if children is not None and children != self._rows_value():
            with self._hold():
                self._rebuild(children)

    def rows_changed(self) -> None:
        self._rows_box.children = self.rows
        self.value = self._rows_value()

    # -- editing ------------------------------------------------------------------------
    def add(self, name: str) -> None:
        """Append a child scheduler."""
        with self._hold():
            self.rows.append(_Child(self, name, {}, self.steps))
        self.rows_changed()

    def remove(self, row: _Child) -> None:
        self.rows.remove(row)
        close_tree(row)
        self.rows_changed()

    def move(self, row: _Child, offset: int) -> None:
        index = self.rows.index(row)
        target = index + offset
        if 0 <= target < len(self.rows):
            self.rows[index], self.rows[target] = self.rows[target], self.rows[index]
            self.rows_changed()

    def warmup_then(self, main: str) -> None:
        """A LinearLR warmup (from a tenth of the LR) into ``main``."""
        self.value = warmup_then(main, self.steps)

    def show_resolved(self, children: list[tuple[str, dict[str, Any]]]) -> None:
        """Show the arguments the core filled in (run lengths tied to each segment)."""
        with self._hold():
            for row, (_, kwargs) in zip(self.rows, children):
                row.show_resolved(kwargs)

    def close(self) -> None:
        close_tree(*self.rows)
        super().close()
