"""Summaries of any optimizer's ``param_groups`` and ``state``: ours or the user's.

Tensors are described by shape and dtype instead of their values, parameters by
their names, and nothing of the optimizer is changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .specs import momentum_of

__all__ = [
    "TensorInfo",
    "ParamInfo",
    "param_names",
    "param_groups_summary",
    "state_summary",
    "Names",
    "group_lrs",
    "group_momenta",
]

#: What names parameters: a model, ``model.named_parameters()``, or a dict either way round.
Names = nn.Module | Mapping[str, torch.Tensor] | Mapping[torch.Tensor, str] | Iterable[tuple[str, torch.Tensor]] | None


@dataclass(frozen=True)
class TensorInfo:
    """A tensor described by its shape and dtype (and its value, if it has one element and no dimensions)."""

    shape: tuple[int, ...]
    dtype: str
    value: float | None = None

    @classmethod
    def of(cls, tensor: torch.Tensor) -> TensorInfo:
        value = tensor.item() if tensor.dim() == 0 and not tensor.is_sparse else None
        return cls(tuple(tensor.shape), str(tensor.dtype).removeprefix("torch."), value)

    def __str__(self) -> str:
        if self.value is not None:
            return f"tensor({self.value:g}, {self.dtype})"
        return f"{self.dtype} {tuple(self.shape)}"


@dataclass(frozen=True)
class ParamInfo:
    """A parameter in a param group: its name, shape and dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    def __str__(self) -> str:
        return f"{self.name} {tuple(self.shape)}"


def _pairs(names: Names) -> Iterable[tuple[str, torch.Tensor]]:
    if names is None:
        return []
    if isinstance(names, nn.Module):
        return names.named_parameters()
    if isinstance(names, Mapping):
        items = list(names.items())
        if items and isinstance(items[0][0], torch.Tensor):
            return [(name, tensor) for tensor, name in items]
        return items
    return list(names)


def param_names(optimizer: torch.optim.Optimizer, names: Names = None) -> dict[int, str]:
    """A name for every parameter of ``optimizer``, keyed by ``id(parameter)``.

    Names come from ``names``, else from the ``param_names`` torch keeps when an
    optimizer is built from ``named_parameters()``, else ``"group g · param i"``.
    """
    known = {id(tensor): name for name, tensor in _pairs(names)}
    result = {}
    for g, group in enumerate(optimizer.param_groups):
        stored = group.get("param_names")
        for i, parameter in enumerate(group["params"]):
            if id(parameter) in known:
                result[id(parameter)] = known[id(parameter)]
            elif stored is not None and i < len(stored):
                result[id(parameter)] = str(stored[i])
            else:
                result[id(parameter)] = f"group {g} · param {i}"
    return result


def _describe(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return TensorInfo.of(value)
    if isinstance(value, list):
        return [_describe(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_describe(item) for item in value)
    if isinstance(value, dict):
        return {key: _describe(item) for key, item in value.items()}
    return value


def param_groups_summary(optimizer: torch.optim.Optimizer, names: Names = None) -> list[dict[str, Any]]:
    """Every param group as torch stores it, with tensors described instead of copied.

    Each dict has every key of the group in torch's order (``params``, ``lr``,
    ``momentum`` ..., and ``initial_lr`` once a scheduler has added it);
    ``params`` is a list of :class:`ParamInfo`, and tensor values (a tensor ``lr``)
    become :class:`TensorInfo`.
    """
    by_id = param_names(optimizer, names)
    summary = []
    for group in optimizer.param_groups:
        entry: dict[str, Any] = {}
        for key, value in group.items():
            if key == "params":
                entry[key] = [
                    ParamInfo(by_id[id(p)], tuple(p.shape), str(p.dtype).removeprefix("torch.")) for p in value
                ]
            else:
                entry[key] = _describe(value)
        summary.append(entry)
    return summary


def state_summary(optimizer: torch.optim.Optimizer, names: Names = None) -> dict[str, dict[str, Any]]:
    """What ``optimizer.state`` holds for each parameter, by parameter name.

    Tensors become :class:`TensorInfo` (shape, dtype; the value of 0-d tensors such
    as Adam's ``step``); plain Python entries (LBFGS's ``n_iter``, lists of tensors)
    are kept, with tensors inside them described. Parameters are in param-group
    order; one with no state yet (before the first step) maps to ``{}``.
    """
    by_id = param_names(optimizer, names)
    summary: dict[str, dict[str, Any]] = {}
    for group in optimizer.param_groups:
        for parameter in group["params"]:
            state = optimizer.state.get(parameter, {})
            summary[by_id[id(parameter)]] = {key: _describe(value) for key, value in state.items()}
    return summary


def group_lrs(optimizer: Any) -> np.ndarray:
    """Each param group's ``lr`` now, as float64 (a tensor lr read as its value)."""
    return np.array([float(group["lr"]) for group in optimizer.param_groups])


def group_momenta(optimizer: Any, key: str | None) -> np.ndarray | None:
    """Each param group's momentum (``group[key]``, or ``betas[0]``); ``None`` if a group has none."""
    if key is None or any(key not in group for group in optimizer.param_groups):
        return None
    return np.array([momentum_of(group, key) for group in optimizer.param_groups])
