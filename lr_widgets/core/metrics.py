"""The metric ReduceLROnPlateau is fed: one value per step, or a built-in curve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import MetricError

__all__ = ["SYNTHETIC_METRICS", "synthetic_metric", "check_metric"]


def _falling(steps: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(steps, dtype=np.float64)
    return 0.2 + 0.8 * np.exp(-t / max(steps / 8, 1.0)) + rng.normal(0.0, 0.004, steps)


def _rising(steps: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(steps, dtype=np.float64)
    return 0.9 - 0.8 * np.exp(-t / max(steps / 8, 1.0)) + rng.normal(0.0, 0.004, steps)


#: Built-in metric curves for ReduceLROnPlateau: a validation loss that falls and then
#: plateaus (for ``mode="min"``), and an accuracy that rises and plateaus (``mode="max"``).
SYNTHETIC_METRICS: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "loss": _falling,
    "accuracy": _rising,
}


def synthetic_metric(name: str, steps: int, seed: int = 0) -> np.ndarray:
    """The built-in metric curve ``name`` over ``steps`` steps, with seeded noise."""
    if name not in SYNTHETIC_METRICS:
        raise MetricError(
            f"there is no built-in metric called {name!r}: choose one of "
            + ", ".join(repr(n) for n in SYNTHETIC_METRICS)
            + " or pass one value per step",
            "metric",
        )
    return SYNTHETIC_METRICS[name](steps, np.random.default_rng(seed))


def check_metric(metric: Any, steps: int) -> np.ndarray:
    """The ``steps`` values fed to ReduceLROnPlateau (read-only), or a :class:`MetricError`."""
    if metric is None:
        raise MetricError(
            "ReduceLROnPlateau lowers the LR when a metric stops improving, so it needs one: "
            "pass metric='loss' (a built-in curve) or one value per step",
            "metric",
        )
    if isinstance(metric, str):
        values = synthetic_metric(metric, steps)
    else:
        try:
            values = np.array(metric, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise MetricError(
                "metric must be numbers, one per step, or the name of a built-in curve", "metric"
            ) from None
    if values.shape[0] != steps:
        raise MetricError(
            f"metric has {values.shape[0]} values but {steps} steps are simulated: give one value per step", "metric"
        )
    if not np.all(np.isfinite(values)):
        raise MetricError("metric must be finite numbers: it contains nan or inf", "metric")
    values.flags.writeable = False
    return values
