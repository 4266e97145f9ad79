"""A small, safe formula language for LambdaLR / MultiplicativeLR ``lr_lambda``, CyclicLR ``scale_fn``
and the loss landscapes of :func:`~lr_widgets.core.trajectory.trajectory`.

A formula such as ``0.95 ** epoch`` or ``min(1, (epoch + 1) / 10)`` is parsed with
:mod:`ast` and checked against a whitelist; it is then computed by walking the tree: on floats
(``Formula(text)(3)``), on numpy arrays (:meth:`Formula.on_array`) or with torch's operations on
tensors, so that autograd follows it (:meth:`Formula.on_tensors`, for landscapes of ``x`` and ``y``).
Nothing a user types is ever passed to ``eval`` or ``exec``.

The language: numbers, the variables (``epoch``, ``x``, or ``x`` and ``y``), ``pi`` and ``e``,
``+ - * / // % **``, parentheses, comparisons, ``and`` / ``or`` / ``not``, the
conditional expression ``a if cond else b`` and the functions ``min, max, abs,
exp, log, sqrt, cos, sin, floor, ceil``. All arithmetic is done in floats, so
``10**10**10`` overflows at once instead of building a huge integer.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from .errors import FormulaError, FormulaEvaluationError

__all__ = ["Formula", "FUNCTIONS", "CONSTANTS", "MAX_LENGTH", "exact_cos", "exactly_as_python"]

MAX_LENGTH = 500

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "cos": math.cos,
    "sin": math.sin,
    "floor": math.floor,
    "ceil": math.ceil,
}
_ARITY = {"min": (2, None), "max": (2, None), "log": (1, 2)}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def _elementwise(function: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """``function`` (Python's own, as torch's loop calls it) on every element of arrays that broadcast together;
    nan where it raises or gives a complex number (the caller then computes point by point)."""

    def safe(*args: float) -> float:
        try:
            value = function(*args)
        except (ValueError, OverflowError, ZeroDivisionError):
            return math.nan
        return math.nan if isinstance(value, complex) else value

    def on_arrays(*arrays: Any) -> np.ndarray:
        parts = np.broadcast_arrays(*(np.asarray(array, dtype=np.float64) for array in arrays))
        flat = [part.ravel().tolist() for part in parts]
        return np.fromiter(map(safe, *flat), dtype=np.float64, count=parts[0].size).reshape(parts[0].shape)

    return on_arrays


def exactly_as_python(
    ufunc: Callable[..., Any], function: Callable[..., Any], *sample: np.ndarray
) -> Callable[..., Any]:
    """numpy's ``ufunc`` where it gives the very floats ``function`` gives on ``sample``, else ``function`` element
    by element. Some numpy builds compute cos, exp, log or ** with their own SIMD code, which differs from the C
    library Python's math calls in the last bit (numpy 1.24 on AVX-512: cos(pi) is not -1): lr_widgets shows
    torch's numbers, and torch's loop calls Python's."""
    python = _elementwise(function)
    with np.errstate(all="ignore"):
        same = np.array_equal(ufunc(*sample), python(*sample), equal_nan=True)
    return ufunc if same else python


_ANGLES = np.linspace(0.0, 40.0, 4097)
#: cos with the values of ``math.cos`` (numpy's where they are the same).
exact_cos = exactly_as_python(np.cos, math.cos, _ANGLES)
_BASES, _POWERS = np.meshgrid(np.geomspace(1e-3, 10.0, 64), np.linspace(-100.0, 1000.0, 64))

_ARRAY_BINARY = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: exactly_as_python(np.power, operator.pow, _BASES, _POWERS),
}
_ARRAY_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": lambda *args: functools.reduce(np.minimum, args),
    "max": lambda *args: functools.reduce(np.maximum, args),
    "abs": np.abs,
    "exp": exactly_as_python(np.exp, math.exp, np.linspace(-50.0, 50.0, 4097)),
    "log": exactly_as_python(np.log, math.log, np.geomspace(1e-6, 1e6, 4097)),
    "sqrt": np.sqrt,  # correctly rounded everywhere (IEEE 754)
    "cos": exact_cos,
    "sin": exactly_as_python(np.sin, math.sin, _ANGLES),
    "floor": np.floor,
    "ceil": np.ceil,
}


# torch's floor_divide has no derivative; div's floor rounding gives the same values and a zero gradient
_TENSOR_BINARY = {**_BINARY, ast.FloorDiv: lambda a, b: torch.div(a, b, rounding_mode="floor")}
_TENSOR_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": lambda *args: functools.reduce(torch.minimum, args),
    "max": lambda *args: functools.reduce(torch.maximum, args),
    "abs": torch.abs,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "cos": torch.cos,
    "sin": torch.sin,
    "floor": torch.floor,
    "ceil": torch.ceil,
}


class _NotFinite(Exception):
    """A step of an array computation left the finite floats somewhere."""


# What to say about constructs people try that the language leaves out on purpose.
_REFUSED = {
    ast.Attribute: "attribute access with '.' is not allowed",
    ast.Lambda: "lambda is not allowed: write only the expression, e.g. 0.95 ** epoch",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Subscript: "indexing with [ ] is not allowed",
    ast.NamedExpr: "assignment with := is not allowed",
    ast.Await: "await is not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Set: "sets are not allowed",
    ast.Starred: "* unpacking is not allowed",
}


class Formula:
    """A parsed formula, callable like the lambda torch expects (a formula of one variable).

    Parameters
    ----------
    text
        The formula, e.g. ``"0.95 ** epoch"``.
    variable
        The name of its variable: ``"epoch"`` for ``lr_lambda``, ``"x"`` for ``scale_fn``; or the names of
        its variables, ``("x", "y")`` for a loss landscape (computed with :meth:`on_tensors` only).
    argument
        The torch argument the formula is for, used in messages.

    Raises
    ------
    FormulaError
        If the text is not in the formula language.
    """

    def __init__(self, text: str, variable: str | Sequence[str] = "epoch", argument: str = "lr_lambda") -> None:
        #: The names of the variables, in order.
        self.variables: tuple[str, ...] = (variable,) if isinstance(variable, str) else tuple(variable)
        #: The (first) variable's name.
        self.variable = self.variables[0]
        self.argument = argument
        named = " and ".join(self.variables)
        example = (
            f"0.95 ** {self.variable}" if len(self.variables) == 1 else " + ".join(f"{v}**2" for v in self.variables)
        )
        if not isinstance(text, str):
            raise FormulaError(
                f"{argument} must be a formula as text, e.g. '{example}': got {type(text).__name__}", argument
            )
        self.text = text.strip()
        if not self.text:
            raise FormulaError(f"{argument} is empty: write a formula of {named}, e.g. {example}", argument)
        if len(self.text) > MAX_LENGTH:
            raise FormulaError(
                f"{argument} is {len(self.text)} characters long; a formula may have at most {MAX_LENGTH}",
                argument,
            )
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            where = f" near column {exc.offset}" if exc.offset else ""
            raise FormulaError(f"{argument} is not a valid formula{where}: {self.text!r}", argument) from None
        except (RecursionError, MemoryError, ValueError):
            raise FormulaError(f"{argument} is nested too deeply to read", argument) from None
        for node in ast.walk(tree.body):  # name the riskiest construct first, wherever it is
            if type(node) in _REFUSED:
                raise self._fail(_REFUSED[type(node)])
        self._check(tree.body)
        self._tree = tree.body

    def __repr__(self) -> str:
        variable = self.variable if len(self.variables) == 1 else self.variables
        return f"Formula({self.text!r}, variable={variable!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Formula) and (self.text, self.variables) == (other.text, other.variables)

    def __hash__(self) -> int:
        return hash((self.text, self.variables))

    @property
    def uses(self) -> frozenset[str]:
        """The variables the formula uses."""
        return frozenset(
            node.id for node in ast.walk(self._tree) if isinstance(node, ast.Name) and node.id in self.variables
        )

    def __call__(self, value: float) -> float:
        """Compute the formula at ``value`` (torch calls this with the epoch number)."""
        self._one_variable()
        try:
            result = self._evaluate(self._tree, float(value))
        except ZeroDivisionError:
            raise FormulaEvaluationError(
                f"{self.argument} divides by zero at {self.variable} = {value}: {self.text}", self.argument
            ) from None
        except OverflowError:
            raise FormulaEvaluationError(
                f"{self.argument} gives a number too large for a float at {self.variable} = {value}: {self.text}",
                self.argument,
            ) from None
        except (ValueError, TypeError) as exc:
            raise FormulaEvaluationError(
                f"{self.argument} cannot be computed at {self.variable} = {value} ({_explain(exc)}): {self.text}",
                self.argument,
            ) from None
        result = float(result)
        if not math.isfinite(result):
            raise FormulaEvaluationError(
                f"{self.argument} gives {result} at {self.variable} = {value}: {self.text}", self.argument
            )
        return result

    def on_array(self, values: np.ndarray) -> np.ndarray | None:
        """The formula at every point of ``values`` at once (float64), as ``__call__`` gives it point by point.

        ``None`` if any step of the computation is not a finite number anywhere: where
        ``__call__`` would raise (division by zero, overflow ...) or might differ, the
        caller computes point by point instead.
        """
        self._one_variable()
        try:
            with np.errstate(all="ignore"):
                result = np.asarray(self._on_array(self._tree, np.asarray(values, dtype=np.float64)), dtype=np.float64)
        except _NotFinite:
            return None
        return np.broadcast_to(result, np.shape(values)).astype(np.float64)

    def _on_array(self, node: ast.AST, values: np.ndarray) -> Any:
        result = self._array_node(node, values)
        if np.asarray(result).dtype.kind == "f" and not np.all(np.isfinite(result)):
            raise _NotFinite
        return result

    def _array_node(self, node: ast.AST, values: np.ndarray) -> Any:
        if isinstance(node, ast.Constant):
            return np.float64(node.value)
        if isinstance(node, ast.Name):
            return values if node.id == self.variable else np.float64(CONSTANTS[node.id])
        if isinstance(node, ast.BinOp):
            left = np.asarray(self._on_array(node.left, values), dtype=np.float64)
            right = np.asarray(self._on_array(node.right, values), dtype=np.float64)
            return _ARRAY_BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            operand = self._on_array(node.operand, values)
            if isinstance(node.op, ast.Not):
                return np.logical_not(operand)
            return -np.asarray(operand, dtype=np.float64) if isinstance(node.op, ast.USub) else +np.asarray(operand)
        if isinstance(node, ast.BoolOp):
            # Python's and/or give back one of their operands, not True/False.
            result = self._on_array(node.values[-1], values)
            for part in reversed(node.values[:-1]):
                value = self._on_array(part, values)
                truth = np.asarray(value).astype(bool)
                result = (
                    np.where(truth, result, value) if isinstance(node.op, ast.And) else np.where(truth, value, result)
                )
            return result
        if isinstance(node, ast.Compare):
            left = self._on_array(node.left, values)
            result = np.ones(np.shape(values), dtype=bool)
            for op, right_node in zip(node.ops, node.comparators):
                right = self._on_array(right_node, values)
                result = result & _COMPARE[type(op)](
                    np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)
                )
                left = right
            return result
        if isinstance(node, ast.IfExp):
            test = np.asarray(self._on_array(node.test, values)).astype(bool)
            return np.where(test, self._on_array(node.body, values), self._on_array(node.orelse, values))
        if isinstance(node, ast.Call):
            args = [np.asarray(self._on_array(arg, values), dtype=np.float64) for arg in node.args]
            return _called(_ARRAY_FUNCTIONS, node.func.id, args)  # type: ignore[attr-defined]
        raise AssertionError(f"unchecked node {node!r}")

    def _one_variable(self) -> None:
        if len(self.variables) != 1:
            raise TypeError(f"{self!r} has the variables {', '.join(self.variables)}: compute it with on_tensors()")

    def on_tensors(self, **values: torch.Tensor) -> torch.Tensor:
        """The formula with torch's operations on tensors: autograd follows it, so a landscape's gradient is torch's.

        Parameters
        ----------
        values
            One tensor per variable (``x=..., y=...``), of shapes that broadcast together.

        Returns
        -------
        torch.Tensor
            The formula at every point, in the tensors' dtype (at least float32). Where a step has no finite
            value (a division by zero, the log of a negative number) the result is torch's inf or nan. On
            single points (0-d tensors) ``a if test else b``, ``and`` and ``or`` compute only the operand Python
            would, so the branch not taken never spoils the gradient (on arrays both are computed and
            ``torch.where`` picks). Where the value does not depend on the variables (a constant branch)
            its gradient is 0, as torch.where's is.
        """
        missing = [name for name in self.variables if name not in values]
        if missing or len(values) != len(self.variables):
            raise TypeError(f"{self!r} takes the tensors {', '.join(self.variables)}: got {', '.join(values)}")
        tensors = {name: torch.as_tensor(value) for name, value in values.items()}
        dtype = torch.promote_types(next(iter(tensors.values())).dtype, torch.float32)
        shape = torch.broadcast_shapes(*(tensor.shape for tensor in tensors.values()))
        result = torch.broadcast_to(_tensor_number(self._tensor_node(self._tree, tensors, dtype), dtype), shape)
        followed = [tensor for tensor in tensors.values() if tensor.requires_grad]
        if followed and not result.requires_grad:  # a constant here: a gradient of 0, not an error in backward()
            result = result + sum((tensor * 0).sum() for tensor in followed)
        return result

    def _tensor_node(self, node: ast.AST, values: dict[str, torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
        def number(part: ast.AST) -> torch.Tensor:
            return _tensor_number(self._tensor_node(part, values, dtype), dtype)

        if isinstance(node, ast.Constant):
            return torch.tensor(float(node.value), dtype=dtype)
        if isinstance(node, ast.Name):
            return values[node.id] if node.id in self.variables else torch.tensor(CONSTANTS[node.id], dtype=dtype)
        if isinstance(node, ast.BinOp):
            return _TENSOR_BINARY[type(node.op)](number(node.left), number(node.right))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return torch.logical_not(self._tensor_node(node.operand, values, dtype))
            return _UNARY[type(node.op)](number(node.operand))
        if isinstance(node, ast.BoolOp) and _single(values):
            is_and = isinstance(node.op, ast.And)
            for part in node.values:  # as Python does: the first operand that decides, the rest not computed
                value = self._tensor_node(part, values, dtype)
                if bool(value) != is_and:
                    return value
            return value
        if isinstance(node, ast.BoolOp):
            # Python's and/or give back one of their operands, not True/False.
            result = self._tensor_node(node.values[-1], values, dtype)
            for part in reversed(node.values[:-1]):
                value = self._tensor_node(part, values, dtype)
                truth = value.bool()
                if value.dtype != result.dtype:
                    value, result = _tensor_number(value, dtype), _tensor_number(result, dtype)
                result = (
                    torch.where(truth, result, value)
                    if isinstance(node.op, ast.And)
                    else torch.where(truth, value, result)
                )
            return result
        if isinstance(node, ast.Compare):
            left = number(node.left)
            result = torch.tensor(True)
            for op, right_node in zip(node.ops, node.comparators):
                right = number(right_node)
                result = result & _COMPARE[type(op)](left, right)
                left = right
            return result
        if isinstance(node, ast.IfExp):
            test = self._tensor_node(node.test, values, dtype).bool()
            if _single(values):  # the branch taken only, so the other one's nan never reaches the gradient
                return number(node.body if bool(test) else node.orelse)
            return torch.where(test, number(node.body), number(node.orelse))
        if isinstance(node, ast.Call):
            return _called(_TENSOR_FUNCTIONS, node.func.id, [number(arg) for arg in node.args])  # type: ignore[attr-defined]
        raise AssertionError(f"unchecked node {node!r}")

    # -- checking ---------------------------------------------------------------------
    def _fail(self, what: str) -> FormulaError:
        return FormulaError(f"{self.argument}: {what} (in {self.text!r})", self.argument)

    def _check(self, node: ast.AST) -> None:
        if type(node) in _REFUSED:
            raise self._fail(_REFUSED[type(node)])
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self._fail(f"only numbers are allowed, not {node.value!r}")
        elif isinstance(node, ast.Name):
            if node.id not in self.variables and node.id not in CONSTANTS:
                allowed = ", ".join([*self.variables, *CONSTANTS])
                raise self._fail(f"unknown name '{node.id}': a formula may use {allowed}")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self._fail("only + - * / // % ** are allowed")
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                raise self._fail("only -, + and not are allowed before a value")
            self._check(node.operand)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._check(value)
        elif isinstance(node, ast.Compare):
            if any(type(op) not in _COMPARE for op in node.ops):
                raise self._fail("only < <= > >= == != comparisons are allowed")
            for value in (node.left, *node.comparators):
                self._check(value)
        elif isinstance(node, ast.IfExp):
            for part in (node.test, node.body, node.orelse):
                self._check(part)
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name is None:
                raise self._fail("only the functions " + ", ".join(FUNCTIONS) + " can be called")
            if name not in FUNCTIONS:
                raise self._fail(f"unknown function '{name}': allowed are " + ", ".join(FUNCTIONS))
            if node.keywords:
                raise self._fail(f"{name}() takes no keyword arguments")
            low, high = _ARITY.get(name, (1, 1))
            n = len(node.args)
            if n < low or (high is not None and n > high):
                wanted = f"{low}" if low == high else (f"at least {low}" if high is None else f"{low} or {high}")
                raise self._fail(f"{name}() takes {wanted} argument{'s' if wanted != '1' else ''}, got {n}")
            for arg in node.args:
                self._check(arg)
        else:
            raise self._fail(f"'{ast.unparse(node)}' is not allowed in a formula")

    # -- computing --------------------------------------------------------------------
    def _evaluate(self, node: ast.AST, value: float) -> Any:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return value if node.id == self.variable else CONSTANTS[node.id]
        if isinstance(node, ast.BinOp):
            left = self._evaluate(node.left, value)
            right = self._evaluate(node.right, value)
            result = _BINARY[type(node.op)](float(left), float(right))
            if isinstance(result, complex):
                raise ValueError("a negative number to a fractional power")
            return result
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._evaluate(node.operand, value))
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            result: Any = None
            for part in node.values:
                result = self._evaluate(part, value)
                if bool(result) != is_and:
                    return result
            return result
        if isinstance(node, ast.Compare):
            left = self._evaluate(node.left, value)
            for op, right_node in zip(node.ops, node.comparators):
                right = self._evaluate(right_node, value)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            branch = node.body if self._evaluate(node.test, value) else node.orelse
            return self._evaluate(branch, value)
        if isinstance(node, ast.Call):
            args = [float(self._evaluate(arg, value)) for arg in node.args]
            return FUNCTIONS[node.func.id](*args)  # type: ignore[attr-defined]
        raise AssertionError(f"unchecked node {node!r}")  # _check refuses every other node


def _called(functions: Mapping[str, Callable[..., Any]], name: str, args: list[Any]) -> Any:
    """A call of the language on arrays or tensors, with their ``functions``: ``log(a, b)`` is ``log(a) / log(b)``,
    as Python's ``math.log`` computes it."""
    if name == "log" and len(args) == 2:
        return functions["log"](args[0]) / functions["log"](args[1])
    return functions[name](*args)


def _single(values: dict[str, torch.Tensor]) -> bool:
    """Whether the formula is computed at one point (every variable a single number)."""
    return all(value.numel() == 1 for value in values.values())


def _tensor_number(value: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """A comparison's True/False as 1/0 where arithmetic takes it, as Python's bools are."""
    return value.to(dtype) if value.dtype == torch.bool else value


def _explain(exc: Exception) -> str:
    text = str(exc)
    if "math domain error" in text or "domain" in text:
        return "outside the function's domain, e.g. log or sqrt of a negative number"
    return text
