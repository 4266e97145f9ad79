"""One generic mapping from a :class:`~lr_widgets.core.specs.HyperParam` to a widget.

The decisions (slider range, step, log scale, how text becomes a value) are pure
functions, tested without any widget; :func:`widget_for` only assembles ipywidgets.
Every control keeps whatever it is given in ``.value`` — even a value torch will
refuse — so the Explorer can say what is wrong while the control stays as typed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import traitlets

from ..core.expressions import Formula
from ..core.specs import MISSING, HyperParam

__all__ = [
    "HyperParamControl",
    "widget_for",
    "slider_range",
    "value_from_text",
    "text_of",
    "raised",
    "close_tree",
    "replace_children",
    "LABEL_WIDTH",
]

LABEL_WIDTH = "120px"
_SLIDER_POSITIONS = 400


@contextmanager
def raised(owner: Any, flag: str) -> Iterator[None]:
    """Set ``owner.<flag>`` while the block runs: changes made then are ours, not the user's."""
    before = getattr(owner, flag)
    setattr(owner, flag, True)
    try:
        yield
    finally:
        setattr(owner, flag, before)


def _parts(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    """The widgets a widget holds in its synced traits: children, layout, style, toolbar ..."""
    for name in widget.keys:
        value = getattr(widget, name, None)
        if isinstance(value, widgets.Widget):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (item for item in value if isinstance(item, widgets.Widget))


def close_tree(*roots: widgets.Widget) -> None:
    """Close each widget and every widget it holds, down to layouts and styles.

    ``Widget.close()`` closes one comm; a slider's ``layout`` and ``style`` and a box's
    children keep theirs (and their place in ipywidgets' registry) until closed too.
    """
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        stack.extend(_parts(widget))
        widget.close()


def replace_children(box: widgets.Box, children: Any) -> None:
    """Show ``children`` in ``box`` and close the children it stops showing."""
    new = list(children)
    old = [child for child in box.children if all(child is not kept for kept in new)]
    box.children = new
    close_tree(*old)


def _finite_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _all_finite(values: Any) -> bool:
    return isinstance(values, tuple) and all(_finite_number(v) for v in values)


def slider_range(hp: HyperParam, value: Any, steps: int = 100) -> tuple[float, float, float]:
    """``(min, max, step)`` of the slider for ``hp`` showing ``value``.

    For a log-scale argument these are exponents of 10 (as ``FloatLogSlider`` takes
    them). The range is the hyperparameter's ``bounds``, widened to hold ``value``,
    and for run-length arguments to hold the number of ``steps``.
    """
    if hp.bounds is not None:
        low, high = float(hp.bounds[0]), float(hp.bounds[1])
    elif _finite_number(hp.default) and hp.default > 0:
        low, high = 0.0, 4.0 * float(hp.default)
    else:
        low, high = 0.0, 1.0
    if hp.run_length is not None:
        high = max(high, float(steps))
    if _finite_number(value) and not (hp.log and value <= 0):
        low, high = min(low, float(value)), max(high, float(value))
    if hp.kind == "int":
        return math.floor(low), math.ceil(high), 1
    if hp.log:
        low_exp, high_exp = math.log10(low), math.log10(high)
        return low_exp, high_exp, (high_exp - low_exp) / _SLIDER_POSITIONS
    return low, high, (high - low) / _SLIDER_POSITIONS


def value_from_text(text: str, hp: HyperParam) -> Any:
    """What typed text means for ``hp``: a number, numbers, None — or the text itself.

    Text that is not a value of the right shape is passed on unchanged, so the core
    can say what is wrong with it. Nothing typed is ever evaluated as code.
    """
    stripped = text.strip()
    if stripped.lower() in ("", "none") and (hp.optional or None in hp.choices):
        return None
    if hp.kind in ("formula", "list", "text"):
        return text
    if hp.per_group and "," in stripped:
        try:
            return [float(part) for part in stripped.strip("()[]").split(",")]
        except ValueError:
            return text
    if hp.kind in ("pair", "tuple"):
        parts = [part.strip() for part in stripped.strip("()[]").split(",") if part.strip()]
        try:
            return tuple(None if part.lower() == "none" else float(part) for part in parts)
        except ValueError:
            return text
    try:
        number = float(stripped)
    except ValueError:
        return text
    if hp.kind == "int" and number.is_integer():
        return int(number)
    return number


def text_of(value: Any) -> str:
    """How a value is written in a text box."""
    if value is None:
        return "None"
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(text_of(item) for item in value)
    if callable(value) and not isinstance(value, str):
        return f"<Python function {getattr(value, '__name__', '')}>"
    return str(value)


class HyperParamControl(widgets.HBox):
    """A labelled control for one hyperparameter; ``.value`` is what the core is given.

    Parameters
    ----------
    hp
        The hyperparameter it edits.
    value
        The start value (``hp.default`` if left out).
    steps
        The number of steps, for the range of run-length arguments.
    label
        The text in front of it (``hp.name`` if left out).
    """

    value = traitlets.Any(allow_none=True)
    #: For a run length the Explorer proposes: whether it follows ``steps`` (a visible "= steps" checkbox);
    #: ``None`` for every other control.
    follows = traitlets.Bool(None, allow_none=True)

    def __init__(
        self,
        hp: HyperParam,
        value: Any = None,
        *,
        steps: int = 100,
        label: str | None = None,
        follows: bool | None = None,
    ) -> None:
        self.hp = hp
        self._steps = steps
        self._holding = False
        self._slider: widgets.Widget | None = None
        self._text: widgets.Text | None = None
        self._parts: list[widgets.Widget] = []
        self._pair: list[widgets.FloatSlider] = []
        start = hp.default if value is None and not hp.optional else value
        inner = self._build(start)
        title = widgets.HTML(
            f"<code>{label or hp.name}</code>",
            layout=widgets.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH),
            tooltip=_describe(hp),
        )
        if follows is not None:
            link = widgets.Checkbox(
                value=follows,
                description="= steps",
                indent=False,
                tooltip=f"{hp.name} follows the number of steps while ticked; untick to keep the value you set",
                layout=widgets.Layout(width="80px"),
            )
            widgets.link((link, "value"), (self, "follows"))
            inner.append(link)
        super().__init__([title, *inner], layout=widgets.Layout(align_items="center"))
        self.follows = follows
        with self._hold():
            self.value = start
        self._show(start)
        self.observe(lambda change: self._show(change["new"]), "value")

    # -- building ---------------------------------------------------------------------
    def _build(self, value: Any) -> list[widgets.Widget]:
        hp = self.hp
        if hp.kind == "choice":
            self._choices: tuple[Any, ...] = tuple(hp.choices)
        elif hp.kind == "bool" and hp.optional:  # None lets torch decide (foreach, fused)
            self._choices = (None, False, True)
        else:
            self._choices = ()
        if self._choices:
            options = [(text_of(choice), choice) for choice in self._choices]
            dropdown = widgets.Dropdown(options=options, layout=widgets.Layout(width="160px"))
            dropdown.observe(lambda c: self._set(c["new"]), "value")
            self._parts = [dropdown]
            return [dropdown]
        if hp.kind == "bool":
            box = widgets.Checkbox(value=bool(value), indent=False, layout=widgets.Layout(width="auto"))
            box.observe(lambda c: self._set(bool(c["new"])), "value")
            self._parts = [box]
            return [box]
        if hp.kind == "pair" and hp.bounds is not None and _all_finite(hp.default):
            low, high = hp.bounds
            self._pair = [
                widgets.FloatSlider(
                    min=low,
                    max=high,
                    step=(high - low) / _SLIDER_POSITIONS,
                    readout_format=".4f",
                    continuous_update=False,
                    layout=widgets.Layout(width="150px"),
                )
                for _ in range(hp.length or 2)
            ]
            for slider in self._pair:
                slider.observe(lambda c: self._set(tuple(s.value for s in self._pair)), "value")
            self._parts = list(self._pair)
            return [widgets.VBox(self._pair)]
        if hp.kind in ("float", "int"):
            low, high, step = slider_range(hp, value, self._steps)
            # readout, continuous_update and layout given at construction: a layout set afterwards
            # would leave the default one behind, with an open comm, for the life of the kernel
            look = dict(readout=False, continuous_update=False, layout=widgets.Layout(width="150px"))
            if hp.kind == "int":
                slider: widgets.Widget = widgets.IntSlider(min=low, max=high, step=step, **look)
            elif hp.log:
                slider = widgets.FloatLogSlider(min=low, max=high, step=step, base=10, **look)
            else:
                slider = widgets.FloatSlider(min=low, max=high, step=step, **look)
            slider.observe(lambda c: self._set(c["new"]), "value")
            self._slider = slider
        text = widgets.Text(continuous_update=False, layout=widgets.Layout(width="90px" if self._slider else "230px"))
        text.observe(lambda c: self._set(value_from_text(c["new"], self.hp)), "value")
        self._text = text
        self._parts = [part for part in (self._slider, text) if part is not None]
        return self._parts

    def set_steps(self, steps: int) -> None:
        """Widen a run-length slider to the number of steps."""
        self._steps = steps
        self._fit_slider(self.value)

    # -- syncing ----------------------------------------------------------------------
    def _hold(self) -> Iterator[None]:
        return raised(self, "_holding")

    def _set(self, value: Any) -> None:
        if not self._holding:
            self.value = value

    def _fit_slider(self, value: Any) -> None:
        slider = self._slider
        if slider is None:
            return
        low, high, step = slider_range(self.hp, value, self._steps)
        with self._hold():
            # widen before narrowing, so the slider never clamps a value in between
            slider.max = max(slider.max, high)
            slider.min = min(slider.min, low)
            slider.min, slider.max, slider.step = low, high, step
            if _finite_number(value) and not (self.hp.log and value <= 0):
                slider.value = value

    def _show(self, value: Any) -> None:
        with self._hold():
            for part in self._parts:
                if isinstance(part, widgets.Checkbox) and isinstance(value, bool):
                    part.value = value
                elif isinstance(part, widgets.Dropdown) and any(value is c or value == c for c in self._choices):
                    part.value = value
            if self._pair and isinstance(value, tuple) and len(value) == len(self._pair) and _all_finite(value):
                for slider, item in zip(self._pair, value):
                    slider.min, slider.max = min(slider.min, item), max(slider.max, item)
                    slider.value = item
            if self._slider is not None:
                self._fit_slider(value)
            if self._text is not None:
                self._text.value = text_of(value)


def _describe(hp: HyperParam) -> str:
    parts = [f"{hp.name} ({hp.kind})"]
    if hp.torch_default is not MISSING:
        parts.append(f"torch default: {text_of(hp.torch_default)}")
    if hp.valid is not None:
        parts.append(f"torch documents: {hp.valid.describe()}")
    if hp.run_length is not None:
        parts.append("a run length: '= steps' makes it follow the number of steps")
    return "; ".join(parts)


def widget_for(
    hp: HyperParam, value: Any = None, *, steps: int = 100, label: str | None = None, follows: bool | None = None
) -> HyperParamControl:
    """The control for ``hp``: a log or linear slider with a text box, a checkbox, a dropdown or a text box.

    ``follows`` (for a run length) adds a visible "= steps" checkbox bound to ``control.follows``.
    """
    return HyperParamControl(hp, value, steps=steps, label=label, follows=follows)
