"""``lr_widgets.recipes``: the schedules modern training uses, in torch's own classes (see
:mod:`lr_widgets.core.recipes`), and layer-wise LR decay's param groups."""

from .core.recipes import (
    SHAPES,
    inverse_sqrt,
    layerwise_groups,
    warmup_cosine,
    warmup_linear,
    warmup_stable_decay,
)

__all__ = ["warmup_cosine", "warmup_linear", "warmup_stable_decay", "inverse_sqrt", "layerwise_groups", "SHAPES"]
