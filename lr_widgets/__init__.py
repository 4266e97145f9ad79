"""lr_widgets: see how PyTorch optimizers and learning-rate schedulers behave.

The numbers shown are always what torch itself computes: :func:`simulate` runs
the real optimizer and scheduler and records every step. :func:`explore` opens
the Explorer widget on top of it.
"""

from typing import Any

from . import core
from .core import *  # noqa: F403 -- the core's public names are the package's

__version__ = "0.1.0"

__all__ = ["Explorer", "explore", "fixed", "interact", "Interact", "plot_schedule", *core.__all__]  # noqa: F405 -- see __getattr__


def __getattr__(name: str) -> Any:
    # The widget side is imported on first use, so that `import lr_widgets.core`
    # (and scripts that only simulate) never load ipywidgets or matplotlib.
    if name in ("Explorer", "explore"):
        from . import app

        return getattr(app, name)
    if name == "plot_schedule":
        from .view.plot import plot_schedule

        return plot_schedule
    if name in ("interact", "Interact"):
        from . import interaction

        return getattr(interaction, name)
    if name == "fixed":
        from .view.abbreviations import fixed

        return fixed
    raise AttributeError(f"module 'lr_widgets' has no attribute {name!r}")
