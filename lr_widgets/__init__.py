"""lr_widgets: see how PyTorch optimizers and learning-rate schedulers behave.

The numbers shown are always what torch itself computes: :func:`simulate` runs
the real optimizer and scheduler and records every step.
"""

from . import core
from .core import *  # noqa: F403 -- the core's public names are the package's

__version__ = "0.1.0"

__all__ = [*core.__all__]
