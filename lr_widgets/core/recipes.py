"""Schedules modern training uses, as torch's own LambdaLR with a formula of lr_widgets' safe language.

Each recipe returns ``(scheduler_name, scheduler_kwargs)``, which :func:`~lr_widgets.simulate` takes and
``explore`` starts from: ``simulate("AdamW", {"lr": 3e-4}, *warmup_cosine(1000, 100), steps=1000)``.
The factor ``f(step)`` multiplies each group's base LR, and is the formula Hugging Face transformers'
schedule of the same purpose uses (written out in each function's docstring); the exported code is
plain torch (``LambdaLR(optimizer, lr_lambda=lambda epoch: ...)``), and the formula stays editable.

:func:`layerwise_groups` builds the param groups of layer-wise LR decay for a real model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from .errors import InvalidValueError

__all__ = [
    "warmup_cosine",
    "warmup_linear",
    "warmup_stable_decay",
    "inverse_sqrt",
    "layerwise_groups",
    "SHAPES",
    "RECIPES",
    "recipe_for",
]

Recipe = tuple[str, dict[str, Any]]

#: The cooldown shapes of :func:`warmup_stable_decay`, as ``g(p)`` for ``p`` from 0 to 1.
SHAPES: Mapping[str, str] = {"linear": "1 - {p}", "cosine": "0.5 * (1 + cos(pi * {p}))", "1-sqrt": "1 - sqrt({p})"}


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(f"{name} is a whole number of steps from 0 on: got {value!r}", name)
    return value


def _ratio(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValueError(f"{name} is a number: got {value!r}", name)
    return float(value)


def _warmup(warmup: int, rest: str) -> str:
    """``step / max(1, warmup)`` during the warmup, then ``rest``."""
    return f"epoch / {max(1, warmup)} if epoch < {warmup} else {rest}"


def _floor(g: str, min_lr_ratio: float) -> str:
    """``max(0, g * (1 - min_lr_ratio) + min_lr_ratio)``."""
    return f"max(0, ({g}) * {1 - min_lr_ratio!r} + {min_lr_ratio!r})"


def _lambda(text: str) -> Recipe:
    return "LambdaLR", {"lr_lambda": text}


def warmup_cosine(steps: int, warmup: int, min_lr_ratio: float = 0.0) -> Recipe:
    """Linear warmup, then a cosine down to ``min_lr_ratio`` of the base LR at ``steps``.

    ``f(step) = step / max(1, warmup)`` while ``step < warmup``; then with
    ``p = (step - warmup) / max(1, steps - warmup)`` and ``c = 0.5 * (1 + cos(pi * p))``:
    ``max(0, c * (1 - min_lr_ratio) + min_lr_ratio)``.
    """
    steps, warmup, ratio = _count(steps, "steps"), _count(warmup, "warmup"), _ratio(min_lr_ratio, "min_lr_ratio")
    p = f"((epoch - {warmup}) / {max(1, steps - warmup)})"
    return _lambda(_warmup(warmup, _floor(f"0.5 * (1 + cos(pi * {p}))", ratio)))


def warmup_linear(steps: int, warmup: int) -> Recipe:
    """Linear warmup, then a linear decay to 0 at ``steps`` (BERT's schedule).

    ``f(step) = step / max(1, warmup)`` while ``step < warmup``; then
    ``max(0, (steps - step) / max(1, steps - warmup))``.
    """
    steps, warmup = _count(steps, "steps"), _count(warmup, "warmup")
    return _lambda(_warmup(warmup, f"max(0, ({steps} - epoch) / {max(1, steps - warmup)})"))


def warmup_stable_decay(
    steps: int, warmup: int, decay: int, min_lr_ratio: float = 0.0, shape: str = "linear"
) -> Recipe:
    """Warmup, a stable phase at the base LR, then a cooldown of ``decay`` steps (WSD, for LLM pretraining).

    With ``stable = steps - warmup - decay``: ``f(step) = step / max(1, warmup)`` while ``step < warmup``;
    ``1`` while ``step < warmup + stable``; then with ``p = (step - warmup - stable) / max(1, decay)``
    while ``step < steps``: ``g = 1 - p`` (``"linear"``), ``0.5 * (1 + cos(pi * p))`` (``"cosine"``) or
    ``1 - sqrt(p)`` (``"1-sqrt"``), and ``max(0, g * (1 - min_lr_ratio) + min_lr_ratio)``;
    ``min_lr_ratio`` from ``steps`` on.
    """
    steps, warmup, decay = _count(steps, "steps"), _count(warmup, "warmup"), _count(decay, "decay")
    ratio = _ratio(min_lr_ratio, "min_lr_ratio")
    if shape not in SHAPES:
        raise InvalidValueError(f"shape is one of {', '.join(map(repr, SHAPES))}: got {shape!r}", "shape")
    stable = steps - warmup - decay
    if stable < 0:
        raise InvalidValueError(
            f"warmup + decay ({warmup} + {decay}) is more than the {steps} steps: shorten one of them", "decay"
        )
    p = f"((epoch - {warmup} - {stable}) / {max(1, decay)})"
    cooldown = _floor(SHAPES[shape].format(p=p), ratio)
    return _lambda(
        _warmup(warmup, f"(1 if epoch < {warmup + stable} else ({cooldown} if epoch < {steps} else {ratio!r}))")
    )


def inverse_sqrt(warmup: int, timescale: int | None = None) -> Recipe:
    """Linear warmup, then ``1 / sqrt`` of the steps (the original Transformer's schedule).

    ``f(step) = step / max(1, warmup)`` while ``step < warmup``; then with
    ``timescale = timescale or warmup or 10000`` and ``shift = timescale - warmup``:
    ``1 / sqrt((step + shift) / timescale)``.
    """
    warmup = _count(warmup, "warmup")
    if timescale is not None:
        _count(timescale, "timescale")
    timescale = timescale or warmup or 10000
    shift = timescale - warmup
    return _lambda(_warmup(warmup, f"1 / sqrt((epoch + {shift}) / {timescale})"))


def layerwise_groups(model: torch.nn.Module, lr: float, decay: float) -> list[dict[str, Any]]:
    """Param groups for layer-wise LR decay: one per top-level child module of ``model`` that has parameters,
    in order; the last gets ``lr``, each earlier one ``decay`` times the one after it (``lr * decay ** (n - 1 - i)``).

    Give them to any optimizer: ``torch.optim.AdamW(layerwise_groups(model, 1e-4, 0.8))``. Each group also
    says which child it holds (``"name"``: torch keeps keys it does not know in a param group).
    """
    if not isinstance(model, torch.nn.Module):
        raise InvalidValueError(
            f"layerwise_groups takes a torch model (nn.Module): got {type(model).__name__}", "model"
        )
    lr, decay = _ratio(lr, "lr"), _ratio(decay, "decay")
    children = [(name, [p for p in child.parameters()]) for name, child in model.named_children()]
    children = [(name, params) for name, params in children if params]
    if not children:
        raise InvalidValueError("the model has no child module with parameters to put in a group", "model")
    n = len(children)
    return [
        {"params": params, "lr": lr * decay ** (n - 1 - i), "name": name} for i, (name, params) in enumerate(children)
    ]


#: The recipes the Explorer offers, by the name it shows, each fitted to a run of ``steps``.
RECIPES: Mapping[str, Any] = {
    "warmup + cosine to 10%": lambda steps: warmup_cosine(steps, max(1, steps // 10), 0.1),
    "warmup + linear decay (BERT)": lambda steps: warmup_linear(steps, max(1, steps // 10)),
    "warmup-stable-decay (WSD)": lambda steps: warmup_stable_decay(steps, max(1, steps // 20), steps // 5, 0.1),
    "inverse square root": lambda steps: inverse_sqrt(max(1, steps // 10)),
}


def recipe_for(name: str, steps: int) -> Recipe:
    """The recipe the Explorer calls ``name`` (a key of :data:`RECIPES`), for a run of ``steps``."""
    if name not in RECIPES:
        raise InvalidValueError(f"the recipes are {', '.join(map(repr, RECIPES))}: got {name!r}", "recipe")
    return RECIPES[name](_count(steps, "steps"))
