"""Every widget with an open comm, in whichever ipywidgets 8 is installed."""

from __future__ import annotations

import ipywidgets as widgets

try:  # ipywidgets >= 8.1
    from ipywidgets.widgets.widget import _instances as _REGISTRY
except ImportError:  # ipywidgets 8.0
    _REGISTRY = widgets.Widget._active_widgets


def live_widgets() -> dict:
    """Widgets ipywidgets keeps until they are closed."""
    return _REGISTRY
