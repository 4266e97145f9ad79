"""One generic mapping from a :class:`~lr_widgets.core.specs.HyperParam` to a widget.

The decisions (slider range, step, log scale, how text becomes a value) are pure
functions, tested without any widget; :func:`widget_for` only assembles ipywidgets.
Every control keeps whatever it is given in ``.value`` — even a value torch will
refuse — so the Explorer can say what is wrong while the control stays as typed.
"""

from __future__ import annotations

import html
import math
import numbers
from typing import Any

import ipywidgets as widgets
import traitlets

from ..core.expressions import Formula
from ..core.specs import MISSING, HyperParam
from .sheet import FULL_ROW

__all__ = [
    "HyperParamControl",
    "widget_for",
    "slider_range",
    "value_from_text",
    "significant",
    "text_of",
    "UNSET",
    "LABEL_WIDTH",
    "name_width",
]

LABEL_WIDTH = "120px"


def name_width(*names: str, at_least: str = LABEL_WIDTH) -> str:
    """A label width (CSS px) with room for the longest of ``names`` in the labels' 13 px monospace."""
    return f"{max(int(at_least.removesuffix('px')), *(8 * len(name) + 4 for name in names))}px"


_SLIDER_POSITIONS = 400


def _finite_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _all_finite(values: Any) -> bool:
    return isinstance(values, tuple) and all(_finite_number(v) for v in values)


def significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits (``0.0012022644`` -> ``0.0012``)."""
    if not _finite_number(value) or value == 0:
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


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


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: ``HyperParamControl.proposed`` when nothing is proposed.
UNSET: Any = _Unset()


class HyperParamControl(widgets.HBox):
    """A labelled control for one hyperparameter: ``.value`` is what it shows and the core is given.

    A control can *follow* a value it is told (``proposed``): a run length that follows the number
    of steps, a group's lr that follows the optimizer's, an argument torch fills in. While
    ``follows`` is true its value is the proposal; a value set by hand (one that differs from the
    proposal) stops it following, and whoever reads ``follows`` knows whose value it is -- so
    nothing outside ever writes into ``value``, and no echo needs suppressing.

    Its parts (slider, text box, checkbox, dropdown) show ``value``; a part's change that only
    repeats it is not news, which is how the parts keep in step with no flag.

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
    follows
        Whether it starts following ``proposed`` (``None``: it never follows anything).
    follow_label
        A visible checkbox bound to ``follows``, with this text (``"= steps"``); none if left out.
    """

    value = traitlets.Any(allow_none=True)
    #: What the control takes while it follows (a run length tied to steps, torch's filled-in value).
    proposed = traitlets.Any(UNSET, allow_none=True)
    #: Whether its value is ``proposed`` rather than one the user set; ``None`` for a control that never follows.
    follows = traitlets.Bool(None, allow_none=True)

    def __init__(
        self,
        hp: HyperParam,
        value: Any = None,
        *,
        steps: int = 100,
        label: str | None = None,
        follows: bool | None = None,
        follow_label: str | None = None,
        label_width: str = LABEL_WIDTH,
    ) -> None:
        self.hp = hp
        self._steps = steps
        #: The slider, where the hyperparameter has one (None otherwise).
        self.slider: widgets.Widget | None = None
        #: The text box, where the hyperparameter has one (None otherwise).
        self.text_box: widgets.Text | None = None
        #: The "= steps" checkbox of a run length (None otherwise).
        self.checkbox: widgets.Checkbox | None = None
        self._parts: list[widgets.Widget] = []  # the widgets that show the value
        self._pair: list[widgets.FloatSlider] = []
        start = hp.default if value is None and not hp.optional else value
        inner = [*self._build(start)]  # a copy: the follow checkbox is not one of the value's parts
        self._label = label or hp.name
        if label_width.endswith("px"):  # room for a long name ("decoupled_weight_decay")
            label_width = name_width(self._label, at_least=label_width)
        self._title = title = widgets.HTML(layout=widgets.Layout(width=label_width, min_width=label_width))
        if follow_label is not None:
            self.checkbox = widgets.Checkbox(
                value=bool(follows),
                description=follow_label,
                indent=False,
                tooltip=f"{hp.name} follows the number of steps while ticked; untick to keep the value you set",
                layout=widgets.Layout(width="74px"),
            )
            if self.slider is not None:  # room for the checkbox in a form's column (390 px and more)
                self.slider.layout.width = "104px"
            self.checkbox.observe(lambda c: self._ticked(c["new"]), "value")
            self.observe(lambda c: setattr(self.checkbox, "value", bool(c["new"])), "follows")
            inner.append(self.checkbox)
        super().__init__([title, *inner], layout=widgets.Layout(align_items="center"))
        self.add_class("lr-widgets-control")
        if hp.kind == "formula":
            self.add_class(FULL_ROW)  # room for a formula
        #: What the control is: type, torch's default, what torch documents.
        self.help = _describe(hp, follow_label)
        self._hover(self.help)
        self.set_trait("value", start)
        self.set_trait("follows", follows)
        self._show()
        self.observe(self._value_set, "value")
        self.observe(lambda _: self._follow(), ["proposed", "follows"])

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
            dropdown.observe(lambda c: self._take(c["new"]), "value")
            self._parts = [dropdown]
            return [dropdown]
        if hp.kind == "bool":
            box = widgets.Checkbox(value=bool(value), indent=False, layout=widgets.Layout(width="auto"))
            box.observe(lambda c: self._take(bool(c["new"])), "value")
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
            for index, slider in enumerate(self._pair):
                slider.observe(lambda c, i=index: self._pair_moved(i, c["new"]), "value")
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
            slider.observe(lambda c: self._slid(c["new"]), "value")
            self.slider = slider
        # a formula gets the room of a warmup + cosine one (its control takes a whole row of a form)
        width = "90px" if self.slider else "min(520px, 70vw)" if self.hp.kind == "formula" else "230px"
        text = widgets.Text(continuous_update=False, layout=widgets.Layout(width=width))
        text.observe(lambda c: self._typed(c["new"]), "value")
        self.text_box = text
        self._parts = [part for part in (self.slider, text) if part is not None]
        return self._parts

    def overwrite(self, why: str | None, *, entirely: bool = True) -> None:
        """Say that the current choice overwrites this argument (``why``), greyed out if ``entirely``.

        ``why=None``: the argument counts again.
        """
        for part in [*self._parts, *([self.checkbox] if self.checkbox is not None else [])]:
            part.disabled = bool(why) and entirely
        self._hover(f"{why}. {self.help}" if why else self.help)

    def _hover(self, text: str) -> None:
        """Show ``text`` on hover: on the label (a title attribute) and on the parts that take a tooltip.

        Not ``tooltip`` on the row: a Box has no description, and ipywidgets 8.1's view of a Box with
        a tooltip fails to render; a slider or an HTML label puts its tooltip on a hidden label.
        """
        #: The text a hover over the control shows.
        self.hover = text
        self._title.value = f"<code title='{html.escape(text, quote=True)}'>{html.escape(self._label)}</code>"
        for part in self._parts:
            if isinstance(part, (widgets.Text, widgets.Dropdown, widgets.Checkbox)) and not part.description:
                part.tooltip = text

    def set_steps(self, steps: int) -> None:
        """Widen a run-length slider to the number of steps."""
        self._steps = steps
        self._fit_slider(self.value)

    # -- the user's hand --------------------------------------------------------------
    def _take(self, value: Any) -> None:
        """A part moved: news only if it differs from what the control shows."""
        if not _equal(value, self.value):
            self.value = value

    def _slid(self, value: Any) -> None:
        """The slider moved: a number a person would type (3 significant digits), not 0.0012022644346174143."""
        if not _equal(value, self.value):
            self._take(value if self.hp.kind == "int" else significant(value))

    def _pair_moved(self, index: int, item: float) -> None:
        if not _equal(self._pair_with(index, item), self.value):
            self._take(self._pair_with(index, significant(item)))

    def _pair_with(self, index: int, item: float) -> tuple[float, ...]:
        """The value with one slider's item replaced (the others keep what the value holds, not a stale slider)."""
        value = self.value
        if not (isinstance(value, tuple) and len(value) == len(self._pair)):
            value = tuple(slider.value for slider in self._pair)
        return value[:index] + (item,) + value[index + 1 :]

    def _typed(self, text: str) -> None:
        if text == text_of(self.value):
            return  # the box shows the value again
        value = value_from_text(text, self.hp)
        if not _equal(value, self.value):
            self.value = value  # which stops any following
        elif self.follows:
            self.follows = False  # typed is set, even when it equals what the control followed

    def _ticked(self, ticked: bool) -> None:
        if ticked != bool(self.follows):
            self.follows = ticked

    def _value_set(self, change: dict[str, Any]) -> None:
        if self.follows and not _equal(change["new"], self.proposed):
            self.follows = False  # a value set by hand stops the following
        self._show()

    def _follow(self) -> None:
        if self.follows and self.proposed is not UNSET:
            self.value = self.proposed

    # -- showing ----------------------------------------------------------------------
    def _fit_slider(self, value: Any) -> None:
        slider = self.slider
        if slider is None:
            return
        low, high, step = slider_range(self.hp, value, self._steps)
        if self.hp.log:  # a hair wider: 10 ** log10(x) can miss x by a rounding error, and the slider would clamp x
            low, high = low - 1e-9, high + 1e-9
        # widen, move, then narrow: the slider never clamps (and so never reports) a value in between
        slider.max = max(slider.max, high)
        slider.min = min(slider.min, low)
        if self._slider_holds(value):
            slider.value = value
            slider.min, slider.max, slider.step = low, high, step
        else:
            slider.step = step  # a value the slider cannot hold exactly (text, None, 2.5 steps): it only widens

    def _slider_holds(self, value: Any) -> bool:
        """Whether the slider can hold ``value`` exactly (so that it reports back nothing new)."""
        if not _finite_number(value) or (self.hp.log and value <= 0):
            return False
        return self.hp.kind != "int" or float(value).is_integer()

    def _show(self) -> None:
        value = self.value
        for part in self._parts:
            if isinstance(part, widgets.Checkbox) and isinstance(value, bool):
                part.value = value
            elif isinstance(part, widgets.Dropdown) and any(value is c or value == c for c in self._choices):
                part.value = value
        if self._pair and isinstance(value, tuple) and len(value) == len(self._pair) and _all_finite(value):
            for slider, item in zip(self._pair, value):
                slider.min, slider.max = min(slider.min, item), max(slider.max, item)
                slider.value = item
        self._fit_slider(value)
        if self.text_box is not None:
            self.text_box.value = text_of(value)


def _equal(a: Any, b: Any) -> bool:
    """``a == b`` as a control means it: ``True`` is not ``1``, values that cannot be compared differ."""
    if a is b:
        return True
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 -- values that cannot be compared (tensors, arrays) are different
        return False


def _describe(hp: HyperParam, follow_label: str | None = None) -> str:
    parts = [f"{hp.name} ({hp.kind})"]
    if hp.torch_default is not MISSING:
        parts.append(f"torch default: {text_of(hp.torch_default)}")
    if hp.valid is not None:
        parts.append(f"torch documents: {hp.valid.describe()}")
    if follow_label is not None:  # only a control with the checkbox can say so (not a composer child's)
        parts.append(f"a run length: '{follow_label}' makes it follow the number of steps")
    return "; ".join(parts)


def widget_for(
    hp: HyperParam,
    value: Any = None,
    *,
    steps: int = 100,
    label: str | None = None,
    follows: bool | None = None,
    follow_label: str | None = None,
    label_width: str = LABEL_WIDTH,
) -> HyperParamControl:
    """The control for ``hp``: a log or linear slider with a text box, a checkbox, a dropdown or a text box.

    ``follows`` makes it show ``control.proposed`` until a value is set by hand; ``follow_label``
    (``"= steps"`` for a run length) adds a visible checkbox bound to ``control.follows``; ``label_width``
    is the room of the name (a CSS width; the forms line their names up at :data:`LABEL_WIDTH`).
    """
    return HyperParamControl(
        hp, value, steps=steps, label=label, follows=follows, follow_label=follow_label, label_width=label_width
    )
