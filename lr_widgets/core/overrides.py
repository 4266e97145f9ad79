"""Optimizer arguments a scheduler overwrites, so that setting them has no effect.

OneCycleLR and CyclicLR write each param group's ``lr`` when they are built (from ``max_lr /
div_factor``, from ``base_lr``), and with ``cycle_momentum`` (torch's default) they cycle the
group's ``momentum`` -- or the first of its ``betas`` -- between ``base_momentum`` and
``max_momentum``, whatever the optimizer was given (SGD's ``momentum=0`` included). Inside
SequentialLR or ChainedScheduler, a child that does so does it to the whole run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .arguments import check_value
from .specs import optimizer_spec, scheduler_spec

__all__ = ["overwritten", "Overwrite"]


class Overwrite(NamedTuple):
    """How a scheduler overwrites an optimizer argument."""

    #: The sentence that says how.
    why: str
    #: Whether nothing of the argument is left (``betas``: only beta1 is cycled, beta2 still counts).
    entirely: bool = True


def overwritten(optimizer: str, scheduler: str | None, scheduler_kwargs: Mapping[str, Any]) -> dict[str, Overwrite]:
    """The optimizer's arguments ``scheduler`` overwrites, each with how (``betas``: its first element only)."""
    if scheduler is None:
        return {}
    spec = scheduler_spec(scheduler)
    if spec.composite:
        found: dict[str, Overwrite] = {}
        for name, kwargs in _children(spec.hyperparam("schedulers"), scheduler_kwargs.get("schedulers")):
            for key, (why, entirely) in overwritten(optimizer, name, kwargs).items():
                found.setdefault(key, Overwrite(f"{why} (a child of {scheduler})", entirely))
        return found
    found = {}
    if spec.sets_lr:
        source = "max_lr / div_factor" if scheduler == "OneCycleLR" else "base_lr"
        found["lr"] = Overwrite(
            f"{scheduler} sets every group's lr to {source} when it is built: this lr has no effect"
        )
    key = optimizer_spec(optimizer).momentum_key
    if spec.cycles_momentum and scheduler_kwargs.get("cycle_momentum", True) and key is not None:
        what = "momentum" if key == "momentum" else "beta1 (betas[0])"
        found[key] = Overwrite(
            f"{scheduler} cycles {what} between base_momentum and max_momentum (cycle_momentum=True): "
            f"the {what} set here has no effect",
            entirely=key != "betas",
        )
    return found


def _children(hp: Any, children: Any) -> list[tuple[str, Mapping[str, Any]]]:
    if children is None:  # left out: lr_widgets' proposal, a LinearLR warmup into a cosine, overwrites nothing
        return []
    try:
        return check_value(hp, children)
    except Exception:  # noqa: BLE001 -- children torch would refuse: the update says why, not this
        return []
