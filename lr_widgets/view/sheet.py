"""The Explorer's style sheet: CSS only, no JavaScript, placed inside the widget it styles.

Two things a widget's own ``Layout`` cannot do are done here:

- **A form's full-width rows.** The arguments are a grid; the SequentialLR / ChainedScheduler composer
  takes a whole row of it. ipywidgets' front end leaves a grid item's ``grid_column`` unapplied, so
  the rule is written here, for the class the composer carries.
- **A compact row of buttons.** The figures' switch shares the status line's row; at ipywidgets' 28 px it
  would make that row taller than the line (and push the figure down): the class sets the height its
  parts take from ipywidgets' own variable, ``--jp-widgets-inline-height``.
- **Projector mode**, type a back row can read. The figure and the panel are drawn large by their own
  settings (:data:`~lr_widgets.view.plot.PROJECTOR`, the panel's ``font_px``). Everything else -- the
  choices bar, the arguments, the step slider, pins, downloads -- is made of ipywidgets controls at
  JupyterLab's 13 px with widths in pixels; the sheet scales those parts whole (type, widths, slider
  handles alike) with CSS ``zoom``, so nothing is cut short that fits at the normal size. The figure
  itself is never zoomed: ipympl's canvas stays sharp and its mouse positions exact.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["COMPACT", "FULL_ROW", "LARGE", "PROJECTOR_ROOT", "SCALE", "TEXT_PX", "style_sheet"]

#: The class of a part that takes a whole row of its form's grid.
FULL_ROW = "lr-widgets-full-row"
#: The class of controls as tall as a line of text (24 px, not ipywidgets' 28 px).
COMPACT = "lr-widgets-compact"
#: The class of the widget that projector mode applies to.
PROJECTOR_ROOT = "lr-widgets-projector"
#: The class of the parts projector mode scales.
LARGE = "lr-widgets-large"
#: JupyterLab's controls are 13 px; the back row needs at least 18 px.
SCALE = 1.4
#: The type of the text projector mode draws itself (the panel, the hint, the readout), in CSS pixels.
TEXT_PX = 18

_RULES = (
    f".{FULL_ROW} {{ grid-column: 1 / -1; }}",
    f".{COMPACT} {{ --jp-widgets-inline-height: 24px; }}",
    f".{PROJECTOR_ROOT} .{LARGE} {{ zoom: {SCALE}; }}",
)


def style_sheet() -> widgets.HTML:
    """The sheet, as a widget to place inside the widget it styles (it shows nothing itself)."""
    return widgets.HTML(f"<style>{' '.join(_RULES)}</style>", layout=widgets.Layout(height="0px", margin="0"))
