"""The throwaway toy problem that simulations run the real torch optimizers on.

Small, seeded and deterministic: every call builds the same model with the same
weights and data, from its own random generator, so the user's global random
state is never touched. Its layers are ``input``, ``hidden`` and ``head``; they
are split into 1, 2 (``body`` / ``head``) or 3 param groups.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import torch
from torch import nn

from .errors import IncompatibleError

__all__ = [
    "ToyProblem",
    "toy_problem",
    "copied_problem",
    "numbered_groups",
    "quadratic_loss",
    "NamedGroups",
    "GROUP_LAYERS",
    "MAX_GROUPS",
    "one_thread",
]

#: The layers in each param group, by number of groups.
GROUP_LAYERS: dict[int, dict[str, tuple[str, ...]]] = {
    1: {"all": ("input", "hidden", "head")},
    2: {"body": ("input", "hidden"), "head": ("head",)},
    3: {"input": ("input",), "hidden": ("hidden",), "head": ("head",)},
}
MAX_GROUPS = max(GROUP_LAYERS)
SEED = 0


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch with one intra-op thread inside, and the caller's setting again afterwards.

    The toy problem's tensors are tiny: more threads only fight a browser and a Jupyter server for
    the CPU (a training step costs 20-60 ms with torch's default threads on a busy 2-core machine,
    0.7 ms with one). The toy model's results do not change: torch splits an operation over threads
    only from tens of thousands of elements on, and its tensors have a few dozen.
    """
    before = torch.get_num_threads()
    if before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass
class ToyProblem:
    """A model, its param groups and a loss on fixed data.

    Attributes
    ----------
    model
        The toy ``nn.Module``; ``model.named_parameters()`` names every parameter.
    groups
        Per param group, the ``(name, parameter)`` pairs it holds.
    group_names
        One name per group: ``("all",)``, ``("body", "head")`` ...
    left_out
        Names of parameters the optimizer cannot take (Muon: the 1-D biases).
    loss
        Computes the loss on the fixed data (no backward).
    """

    @property
    def names(self) -> dict[torch.Tensor, str]:
        """Each trained parameter's name."""
        return {parameter: name for members in self.groups for name, parameter in members}

    model: nn.Module | None
    groups: list[list[tuple[str, torch.Tensor]]]
    group_names: tuple[str, ...]
    left_out: tuple[str, ...]
    loss: Callable[[], torch.Tensor]


class _DenseToy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.input = nn.utils.skip_init(nn.Linear, 4, 8)
        self.hidden = nn.utils.skip_init(nn.Linear, 8, 8)
        self.head = nn.utils.skip_init(nn.Linear, 8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.hidden(torch.tanh(self.input(x)))))


class _SparseToy(nn.Module):
    """Embeddings with sparse gradients, for SparseAdam."""

    def __init__(self) -> None:
        super().__init__()
        self.input = nn.utils.skip_init(nn.Embedding, 16, 8, sparse=True)
        self.hidden = nn.utils.skip_init(nn.Embedding, 16, 8, sparse=True)
        self.head = nn.utils.skip_init(nn.Embedding, 16, 1, sparse=True)

    def forward(self, index: torch.Tensor) -> torch.Tensor:
        return (self.input(index) * self.hidden(index)).sum(-1, keepdim=True) + self.head(index)


@cache
def _pristine(sparse: bool) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """The toy model as seeded, and its fixed data (never trained: toy_problem hands out copies)."""
    generator = torch.Generator().manual_seed(SEED)
    model: nn.Module = _SparseToy() if sparse else _DenseToy()
    with torch.no_grad():
        for _, parameter in model.named_parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    if sparse:
        inputs = torch.randint(0, 16, (32,), generator=generator)
    else:
        inputs = torch.randn(32, 4, generator=generator)
    targets = torch.randn(32, 1, generator=generator)
    return model, inputs, targets


def toy_problem(n_groups: int = 1, *, sparse: bool = False, only_2d: bool = False) -> ToyProblem:
    """Build the toy problem.

    Parameters
    ----------
    n_groups
        How many param groups to split the model into (1 to ``MAX_GROUPS``).
    sparse
        Use embeddings with sparse gradients (SparseAdam needs them).
    only_2d
        Leave out parameters that are not 2-D matrices (Muon takes only those).
    """
    if n_groups not in GROUP_LAYERS:
        raise IncompatibleError(
            f"the toy model has {MAX_GROUPS} layers, so it can be split into 1 to {MAX_GROUPS} param groups: "
            f"got {n_groups}",
            "param_groups",
        )
    pristine, inputs, targets = _pristine(sparse)
    model = copy.deepcopy(pristine)  # a copy of a model built once: building one costs more than the rest

    def loss() -> torch.Tensor:
        return torch.mean((model(inputs) - targets) ** 2)

    named = dict(model.named_parameters())
    groups, left_out = [], []
    for layers in GROUP_LAYERS[n_groups].values():
        members = []
        for name, parameter in named.items():
            if name.split(".")[0] not in layers:
                continue
            if only_2d and parameter.ndim != 2:
                left_out.append(name)
            else:
                members.append((name, parameter))
        groups.append(members)
    return ToyProblem(model, groups, tuple(GROUP_LAYERS[n_groups]), tuple(left_out), loss)


#: Named parameters per param group: ``[[("layer.weight", tensor), ...], ...]``.
NamedGroups = list[list[tuple[str, torch.Tensor]]]


def copied_problem(groups: NamedGroups, *, only_2d: bool = False) -> ToyProblem:
    """A problem on copies of someone's own parameters, so the state has *their* names and shapes.

    The parameters are cloned (the originals are never touched) and trained on a
    simple quadratic loss, ``sum((p - 1)**2) / 2``, whose gradients are never zero.
    """
    copies: NamedGroups = []
    left_out = []
    for members in groups:
        kept = []
        for name, parameter in members:
            if only_2d and parameter.ndim != 2:
                left_out.append(name)
                continue
            kept.append((name, parameter.detach().clone().requires_grad_(True)))
        copies.append(kept)

    loss = quadratic_loss([p for members in copies for _, p in members])
    return ToyProblem(None, copies, numbered_groups(len(copies)), tuple(left_out), loss)


def quadratic_loss(parameters: list[torch.Tensor]) -> Callable[[], torch.Tensor]:
    """``sum((p - 1)**2) / 2`` over ``parameters``: a loss for anyone's parameters whose gradients are never zero."""

    def loss() -> torch.Tensor:
        return sum(((p - 1) ** 2).sum() / 2 for p in parameters)  # type: ignore[return-value]

    return loss


def numbered_groups(n: int) -> tuple[str, ...]:
    """Names for the param groups of someone's own optimizer: ``("all",)``, or ``("group 0", "group 1", ...)``."""
    return tuple(f"group {g}" for g in range(n)) if n > 1 else ("all",)
