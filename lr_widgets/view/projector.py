"""Projector mode: type a back row can read, in a style sheet (CSS only, no JavaScript).

The figure and the panel are drawn large by their own settings (:data:`~lr_widgets.view.plot.PROJECTOR`,
the panel's ``font_px``). Everything else -- the choices bar, the arguments, the step slider, pins,
downloads -- is made of ipywidgets controls at JupyterLab's 13 px with widths in pixels; the sheet
scales those parts whole (type, widths, slider handles alike) with CSS ``zoom``, so nothing is
truncated that fits at the normal size. The figure itself is never zoomed: ipympl's canvas stays
sharp and its mouse positions exact.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["LARGE", "ROOT", "SCALE", "TEXT_PX", "style_sheet"]

#: The class of the widget that projector mode applies to.
ROOT = "lr-widgets-projector"
#: The class of the parts the sheet scales.
LARGE = "lr-widgets-large"
#: JupyterLab's controls are 13 px; the back row needs at least 18 px.
SCALE = 1.4
#: The type of the text projector mode draws itself (the panel, the hint, the readout), in CSS pixels.
TEXT_PX = 18


def style_sheet() -> widgets.HTML:
    """The sheet, as a widget to place inside the projector-mode widget (it shows nothing itself)."""
    css = f".{ROOT} .{LARGE} {{ zoom: {SCALE}; }}"
    return widgets.HTML(f"<style>{css}</style>", layout=widgets.Layout(height="0px", margin="0"))
