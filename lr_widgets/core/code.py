"""The Python that reproduces a trace: imports, a model, the optimizer, the scheduler and the loop.

The snippet uses torch only (and lr_widgets for a built-in metric curve); run as
shown, its ``lrs`` equals ``trace.lr``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

import torch

from .errors import IncompatibleError
from .expressions import CONSTANTS, FUNCTIONS, Formula
from .simulate import Trace
from .specs import optimizer_spec, scheduler_spec
from .toy import GROUP_LAYERS

__all__ = ["python_code"]

_LAYERS = ("input", "hidden", "head")
#: The modules of torch.optim that schedulers come from.
_MODULES = {"lr_scheduler", "swa_utils"}
_MATH = {name for name in FUNCTIONS if name not in ("min", "max", "abs")} | set(CONSTANTS)


class _MathNames(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _MATH:
            return ast.copy_location(ast.Attribute(ast.Name("math", ast.Load()), node.id, ast.Load()), node)
        return node


def _python_formula(formula: Formula) -> str:
    tree = _MathNames().visit(ast.parse(formula.text, mode="eval"))
    return f"lambda {formula.variable}: {ast.unparse(tree)}"


def _value(value: Any, needs: set[str]) -> str:
    if isinstance(value, torch.Tensor):
        return f"torch.tensor({value.item()!r})"
    if isinstance(value, Formula):
        if any(name in formula_names(value) for name in _MATH):
            needs.add("math")
        return _python_formula(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v, needs) for v in value) + "]"
    if callable(value):
        name = getattr(value, "__name__", "function")
        return f"{name}  # a Python function you passed: define it above"
    return repr(value)


def formula_names(formula: Formula) -> set[str]:
    """The names a formula uses."""
    return {node.id for node in ast.walk(ast.parse(formula.text, mode="eval")) if isinstance(node, ast.Name)}


def _call(prefix: str, first: str, kwargs: Mapping[str, Any], needs: set[str]) -> str:
    args = [first, *(f"{key}={_value(value, needs)}" for key, value in kwargs.items())]
    one_line = f"{prefix}({', '.join(args)})"
    if len(one_line) <= 100:
        return one_line
    return f"{prefix}(\n" + "".join(f"    {arg},\n" for arg in args) + ")"


def _class_path(name: str, needs: set[str]) -> str:
    """``lr_scheduler.StepLR``, or ``swa_utils.SWALR`` for a scheduler torch keeps elsewhere."""
    module = scheduler_spec(name).cls.__module__.rsplit(".", 1)[-1]
    needs.add(module)
    return f"{module}.{name}"


def _scheduler_lines(name: str, kwargs: Mapping[str, Any], target: str, needs: set[str]) -> list[str]:
    spec = scheduler_spec(name)
    if spec.composite:
        lines, children = [], []
        for index, (child, child_kwargs) in enumerate(kwargs["schedulers"]):
            variable = f"{target}_{index}"
            lines += _scheduler_lines(child, child_kwargs, variable, needs)
            children.append(variable)
        rest = {k: v for k, v in kwargs.items() if k != "schedulers"}
        first = f"[{', '.join(children)}]"
        path = _class_path(name, needs)
        if not spec.sequential:  # ChainedScheduler takes the optimizer after its children
            lines.append(f"{target} = " + _call(path, first, {**rest, "optimizer": _Raw("optimizer")}, needs))
        else:
            lines.append(f"{target} = " + _call(path, "optimizer, " + first, rest, needs))
        return lines
    return [f"{target} = " + _call(_class_path(name, needs), "optimizer", kwargs, needs)]


class _Raw(str):
    def __repr__(self) -> str:
        return str(self)


def python_code(trace: Trace) -> str:
    """Runnable Python that builds the optimizer and scheduler of ``trace`` and steps them.

    After it runs, ``lrs`` is the list of ``get_last_lr()`` values, equal to ``trace.lr``.
    """
    if trace.config is None:
        raise IncompatibleError("this trace was recorded from your own objects: its code is the code that built them")
    spec = optimizer_spec(trace.optimizer)
    needs: set[str] = set()
    layer = "nn.Embedding({}, sparse=True)" if spec.sparse_gradients else "nn.Linear({})"
    sizes = ("16, 8", "16, 8", "16, 1") if spec.sparse_gradients else ("4, 8", "8, 8", "8, 1")
    body = [
        "# A stand-in for your model: three layers, split into param groups.",
        "layers = {" + ", ".join(f'"{n}": {layer.format(s)}' for n, s in zip(_LAYERS, sizes)) + "}",
    ]
    keep = " if p.ndim == 2" if spec.only_2d else ""
    if spec.only_2d:
        body.append(f"# {trace.optimizer} takes only 2-D parameters: the biases are left out.")
    groups = []
    for (group_name, layers), overrides in zip(GROUP_LAYERS[len(trace.param_groups)].items(), trace.param_groups):
        names = ", ".join(f'"{n}"' for n in layers)
        params = f"[p for name in [{names}] for p in layers[name].parameters(){keep}]"
        entries = [f'"params": {params}', *(f'"{k}": {_value(v, needs)}' for k, v in overrides.items())]
        groups.append(f"    {{{', '.join(entries)}}},  # {group_name}")
    body.append("param_groups = [\n" + "\n".join(groups) + "\n]")
    body.append("optimizer = " + _call(f"torch.optim.{trace.optimizer}", "param_groups", trace.optimizer_kwargs, needs))
    if trace.scheduler is not None:
        body += _scheduler_lines(trace.scheduler, trace.scheduler_kwargs, "scheduler", needs)
    if trace.metric is not None:
        if trace.metric_source is not None:
            needs.add("lr_widgets")
            body.append(f'metric = synthetic_metric("{trace.metric_source}", {trace.steps})  # a validation loss')
        else:
            body.append(f"metric = {[float(v) for v in trace.metric]!r}")
    body.append("")
    if trace.scheduler is not None:
        body.append("lrs = [scheduler.get_last_lr()]")
    else:
        body.append('lrs = [[group["lr"] for group in optimizer.param_groups]]')
    body.append(f"for step in range({trace.steps}):")
    if spec.needs_closure:
        body.append("    # LBFGS needs a closure; this one has no gradients, so only the schedule moves.")
        body.append("    optimizer.step(lambda: torch.zeros(()))")
    else:
        body.append("    optimizer.step()  # in training: after loss.backward()")
    if trace.scheduler is not None:
        body.append("    scheduler.step(metric[step])" if trace.metric is not None else "    scheduler.step()")
        body.append("    lrs.append(scheduler.get_last_lr())")
    else:
        body.append('    lrs.append([group["lr"] for group in optimizer.param_groups])')
    sections = [
        ["import math"] if "math" in needs else [],
        ["import torch", "from torch import nn"]
        + ([f"from torch.optim import {', '.join(sorted(needs & _MODULES))}"] if needs & _MODULES else []),
        ["from lr_widgets import synthetic_metric"] if "lr_widgets" in needs else [],
    ]
    head = "\n\n".join("\n".join(section) for section in sections if section)
    return head + "\n\n" + "\n".join(body) + "\n"
