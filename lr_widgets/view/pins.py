"""Pins: schedules kept on screen as faded lines. ``Pinned`` gives a widget the ``pins`` trait,
``PinsBar`` the buttons to pin, remove one pin or all of them.

The bar edits its owner's ``pins`` and nothing else; the owner observes ``pins`` and draws them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import traitlets

from .plot import Pin

__all__ = ["Pinned", "PinsBar"]


class Pinned(traitlets.HasTraits):
    """The ``pins`` of a widget (the Explorer, ``interact``'s), and how to remove them."""

    #: The schedules kept on screen as faded, labelled lines.
    pins = traitlets.List()

    def pin_name(self, pin: Pin) -> str:
        """What the legend and the list of pins call a pin (its label; owners name them by what differs)."""
        return pin.label

    def unpin(self, label: str | None) -> None:
        """Remove the pin called ``label``."""
        self.pins = [pin for pin in self.pins if pin.label != label]

    def clear_pins(self) -> None:
        """Remove every pin."""
        self.pins = []

    def _pinned(self, pin: Pin) -> Pin:
        self.pins = [*self.pins, pin]
        return pin


class PinsBar(widgets.HBox):
    """ "pin", a dropdown of the pins, "remove" and "remove all", for an owner with a ``pins`` trait and ``pin()``.

    Parameters
    ----------
    owner
        A :class:`Pinned` widget with a ``pin()`` method (and ``trace``, whose change renames the pins).
    guard
        Runs a callback so that its mistakes reach the owner's status line.
    """

    def __init__(self, owner: Any, guard: Callable[[Callable[..., Any]], Callable[..., None]]) -> None:
        self._owner = owner
        pin = widgets.Button(
            description="pin",
            icon="thumb-tack",
            tooltip="keep this schedule as a faded line",
            layout=widgets.Layout(width="80px"),
        )
        #: The pins by label; "remove" removes the one chosen here.
        self.choice = widgets.Dropdown(options=[], layout=widgets.Layout(width="240px"))
        unpin = widgets.Button(description="remove", layout=widgets.Layout(width="80px"))
        clear = widgets.Button(description="remove all", layout=widgets.Layout(width="100px"))
        pin.on_click(guard(lambda _: owner.pin()))
        unpin.on_click(guard(lambda _: owner.unpin(self.choice.value)))
        clear.on_click(guard(lambda _: owner.clear_pins()))
        super().__init__([pin, self.choice, unpin, clear])
        owner.observe(lambda change: self._listed(change["new"]), "pins")
        # a pin is named by what differs from the schedule on screen: a new one renames them
        owner.observe(lambda _: self._listed(owner.pins, keep=True), "trace")

    def _listed(self, pins: list[Any], keep: bool = False) -> None:
        """List the pins by the names the legend gives them (``owner.pin_name``); their labels are the values."""
        chosen = self.choice.value
        self.choice.options = [(self._owner.pin_name(pin), pin.label) for pin in pins]
        labels = [pin.label for pin in pins]
        # the newest, ready to be removed (or, when only the names change, the one chosen before)
        self.choice.value = chosen if keep and chosen in labels else labels[-1] if labels else None
