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
from .loop import RESUMES, Loop
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


def _scheduler_lines(
    name: str, kwargs: Mapping[str, Any], target: str, needs: set[str], *, last_epoch: bool = False
) -> list[str]:
    """The lines that build scheduler ``name`` into ``target``; with ``last_epoch``, each class that takes
    one is given the variable ``last_epoch`` (a run resumed from a checkpoint)."""
    spec = scheduler_spec(name)
    if last_epoch and spec.takes_last_epoch:
        kwargs = {**kwargs, "last_epoch": _Raw("last_epoch")}
    if spec.composite:
        lines, children = [], []
        for index, (child, child_kwargs) in enumerate(kwargs["schedulers"]):
            variable = f"{target}_{index}"
            lines += _scheduler_lines(child, child_kwargs, variable, needs, last_epoch=last_epoch)
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


def _indented(lines: list[str]) -> list[str]:
    return ["\n".join("    " + line for line in block.split("\n")) for block in lines]


def _optimizer_step(needs_closure: bool, indent: str) -> list[str]:
    if needs_closure:
        return [
            f"{indent}# LBFGS needs a closure; this one has no gradients, so only the schedule moves.",
            f"{indent}optimizer.step(lambda: torch.zeros(()))",
        ]
    return [f"{indent}optimizer.step()  # in training: after loss.backward()"]


def _scheduler_step(trace: Trace, indent: str, comment: str = "") -> str:
    call = "scheduler.step(metric[step])" if trace.metric is not None else "scheduler.step()"
    return f"{indent}{call}{comment}"


def _classic_loop(trace: Trace, needs_closure: bool) -> list[str]:
    """The classic loop: ``optimizer.step()`` then ``scheduler.step()``, recording ``get_last_lr()``."""
    body = []
    if trace.scheduler is not None:
        body.append("lrs = [scheduler.get_last_lr()]")
    else:
        body.append('lrs = [[group["lr"] for group in optimizer.param_groups]]')
    body.append(f"for step in range({trace.steps}):")
    body += _optimizer_step(needs_closure, "    ")
    if trace.scheduler is not None:
        body.append(_scheduler_step(trace, "    "))
        body.append("    lrs.append(scheduler.get_last_lr())")
    else:
        body.append('    lrs.append([group["lr"] for group in optimizer.param_groups])')
    return body


#: The comment at each line where the loop differs from the intended (classic) one.
_DIFFERS = "  # <- differs from the intended loop: "


def _loop(trace: Trace, loop: Loop, needs_closure: bool) -> list[str]:
    """``loop`` written out (see :mod:`~lr_widgets.core.loop`), recording each group's ``lr`` before a step."""
    scheduler = trace.scheduler is not None
    body = ['lrs = [[group["lr"] for group in optimizer.param_groups]]']
    accumulation = _accumulation(loop, trace.steps)
    if loop.skip_optimizer_steps and accumulation is None:
        body.append(f"skipped = {set(loop.skip_optimizer_steps)!r}  # e.g. GradScaler found inf/nan gradients")
    body.append(f"for step in range({trace.steps}):")
    if loop.resume_at is not None and loop.resume_at < trace.steps:
        body.append(f"    if step == {loop.resume_at}:{_DIFFERS}resumed from a checkpoint, {RESUMES[loop.resume]}")
        saved = "optimizer.state_dict()"
        if loop.resume == "full" and scheduler:
            saved = '{"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}'
        if loop.resume != "nothing":
            body.append(f"        checkpoint = {saved}")
        body.append("        optimizer = make_optimizer()")
        if scheduler and loop.resume != "last_epoch":
            body.append("        scheduler = make_scheduler(optimizer)")
        if loop.resume == "full" and scheduler:
            body.append('        optimizer.load_state_dict(checkpoint["optimizer"])')
            body.append('        scheduler.load_state_dict(checkpoint["scheduler"])')
        elif loop.resume != "nothing":
            body.append("        optimizer.load_state_dict(checkpoint)")
        if scheduler and loop.resume == "last_epoch":
            body.append("        scheduler = make_scheduler(optimizer, last_epoch=step - 1)")
    every = f"(step + 1) % {loop.scheduler_every} == 0"
    per_epoch = f"{_DIFFERS}the scheduler steps once every {loop.scheduler_every} steps"

    def scheduler_lines(first: bool) -> list[str]:
        if not scheduler:
            return []
        comment = f"{_DIFFERS}before optimizer.step()" if first else ""
        if loop.scheduler_every == 1:
            return [_scheduler_step(trace, "    ", comment)]
        return [f"    if {every}:{per_epoch}", _scheduler_step(trace, "        ", comment)]

    if loop.scheduler_first:
        body += scheduler_lines(True)
    if accumulation is not None:
        body.append(
            f"    if (step + 1) % {accumulation} == 0:{_DIFFERS}gradients accumulated over {accumulation} micro-batches"
        )
        body += _optimizer_step(needs_closure, "        ")
    elif loop.skip_optimizer_steps:
        body.append(f"    if step not in skipped:{_DIFFERS}{len(loop.skip_optimizer_steps)} optimizer steps skipped")
        body += _optimizer_step(needs_closure, "        ")
    else:
        body += _optimizer_step(needs_closure, "    ")
    if not loop.scheduler_first:
        body += scheduler_lines(False)
    body.append('    lrs.append([group["lr"] for group in optimizer.param_groups])')
    return body


def _accumulation(loop: Loop, steps: int) -> int | None:
    """The n of gradient accumulation over n micro-batches, when the skipped steps are exactly that pattern."""
    skipped = [t for t in loop.skip_optimizer_steps if t < steps]
    taken = next((t for t in range(steps) if not loop.skips(t)), None)
    if not skipped or taken is None:
        return None
    n = taken + 1
    return n if skipped == list(Loop.gradient_accumulation(n, steps).skip_optimizer_steps) else None


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
    making = ["param_groups = [\n" + "\n".join(groups) + "\n]"]
    making.append(
        "optimizer = " + _call(f"torch.optim.{trace.optimizer}", "param_groups", trace.optimizer_kwargs, needs)
    )
    loop = trace.loop
    resumes = loop.resume_at is not None and loop.resume_at < trace.steps
    if resumes:  # built again at the resume: functions that build them as at the start
        body.append("def make_optimizer():")
        body += _indented(making) + ["    return optimizer", ""]
        if trace.scheduler is not None:
            body.append("def make_scheduler(optimizer, last_epoch=-1):")
            made = _scheduler_lines(trace.scheduler, trace.scheduler_kwargs, "scheduler", needs, last_epoch=True)
            body += _indented(made) + ["    return scheduler", ""]
        body.append("optimizer = make_optimizer()")
        if trace.scheduler is not None:
            body.append("scheduler = make_scheduler(optimizer)")
    else:
        body += making
        if trace.scheduler is not None:
            body += _scheduler_lines(trace.scheduler, trace.scheduler_kwargs, "scheduler", needs)
    if trace.metric is not None:
        if trace.metric_source is not None:
            needs.add("lr_widgets")
            body.append(f'metric = synthetic_metric("{trace.metric_source}", {trace.steps})  # a validation loss')
        else:
            body.append(f"metric = {[float(v) for v in trace.metric]!r}")
    body.append("")
    body += _classic_loop(trace, spec.needs_closure) if loop.classic else _loop(trace, loop, spec.needs_closure)
    sections = [
        ["import math"] if "math" in needs else [],
        ["import torch", "from torch import nn"]
        + ([f"from torch.optim import {', '.join(sorted(needs & _MODULES))}"] if needs & _MODULES else []),
        ["from lr_widgets import synthetic_metric"] if "lr_widgets" in needs else [],
    ]
    head = "\n\n".join("\n".join(section) for section in sections if section)
    return head + "\n\n" + "\n".join(body) + "\n"
