"""The safe formula language: same numbers as Python, and hostile text refused without running it."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lr_widgets import Formula, FormulaError, FormulaEvaluationError, simulate
from lr_widgets.core.expressions import MAX_LENGTH

# (formula, the same thing as a Python function)
EQUIVALENTS = [
    ("0.95 ** epoch", lambda epoch: 0.95**epoch),
    ("min(1, (epoch + 1) / 10)", lambda epoch: min(1, (epoch + 1) / 10)),
    ("0.1 ** (epoch // 30)", lambda epoch: 0.1 ** (epoch // 30)),
    ("1 if epoch < 10 else 0.5", lambda epoch: 1 if epoch < 10 else 0.5),
    ("0.5 * (1 + cos(pi * epoch / 100))", lambda epoch: 0.5 * (1 + math.cos(math.pi * epoch / 100))),
    ("exp(-epoch / 20)", lambda epoch: math.exp(-epoch / 20)),
    ("sqrt(1 / (epoch + 1))", lambda epoch: math.sqrt(1 / (epoch + 1))),
    ("max(0.01, 1 - epoch / 50)", lambda epoch: max(0.01, 1 - epoch / 50)),
    ("abs(sin(epoch / 10)) + e - e", lambda epoch: abs(math.sin(epoch / 10)) + math.e - math.e),
    (
        "floor(epoch / 7) % 3 + ceil(log(epoch + 1))",
        lambda epoch: math.floor(epoch / 7) % 3 + math.ceil(math.log(epoch + 1)),
    ),
    (
        "1 if 5 <= epoch < 20 and not epoch == 7 else 0.2",
        lambda epoch: 1 if 5 <= epoch < 20 and not epoch == 7 else 0.2,
    ),
    ("-(-epoch) * +1e-3 + 1", lambda epoch: -(-epoch) * +1e-3 + 1),
    ("log(epoch + 2, 2)", lambda epoch: math.log(epoch + 2, 2)),
]


@pytest.mark.parametrize("text,python", EQUIVALENTS, ids=[t for t, _ in EQUIVALENTS])
def test_formulas_compute_what_python_computes(text: str, python) -> None:
    formula = Formula(text)
    for epoch in range(0, 200, 7):
        assert formula(epoch) == pytest.approx(python(epoch), rel=1e-15, abs=0)


HOSTILE = [
    ("__import__('os').system('echo pwned')", "attribute access"),
    ("__import__('os')", "unknown function '__import__'"),
    ("epoch.__class__", "attribute access"),
    ("(1).__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("lambda epoch: 0.95 ** epoch", "lambda is not allowed"),
    ("[x for x in range(10)]", "comprehensions are not allowed"),
    ("sum(x for x in range(10))", "comprehensions are not allowed"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("exec('1')", "unknown function 'exec'"),
    ("globals()", "unknown function 'globals'"),
    ("x", "unknown name 'x'"),
    ("'a' * 10", "only numbers are allowed"),
    ("epoch[0]", "indexing"),
    ("(y := 3)", "assignment"),
    ("f'{epoch}'", "strings are not allowed"),
    ("True + epoch", "only numbers are allowed"),
    ("min(epoch)", "min() takes at least 2 arguments"),
    ("exp(epoch, base=2)", "takes no keyword arguments"),
    ("epoch if", "not a valid formula"),
    ("import os", "not a valid formula"),
    ("", "is empty"),
    ("1 << epoch", "only + - * / // % ** are allowed"),
    ("epoch is 1", "comparisons are allowed"),
]


@pytest.mark.parametrize("text,message", HOSTILE, ids=[t or "empty" for t, _ in HOSTILE])
def test_hostile_text_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(FormulaError) as refused:
        Formula(text)
    assert message in str(refused.value)
    assert refused.value.argument == "lr_lambda"


def test_huge_powers_overflow_at_once_instead_of_hanging() -> None:
    formula = Formula("10**10**10")
    started = time.perf_counter()
    with pytest.raises(FormulaEvaluationError, match="too large"):
        formula(0)
    assert time.perf_counter() - started < 1.0
    with pytest.raises(FormulaEvaluationError, match="too large"):
        Formula("9 ** 9 ** 9 ** 9")(1)


def test_long_and_deeply_nested_text_is_refused() -> None:
    with pytest.raises(FormulaError, match=f"at most {MAX_LENGTH}"):
        Formula("1 + " * 25_000 + "epoch")  # 100 kB
    try:  # short enough to read: refused by the parser's nesting limit, or computed
        assert Formula("(" * 200 + "epoch" + ")" * 200)(3) == 3
    except FormulaError as refused:
        assert "lr_lambda" in str(refused)
    ok = Formula("(" * 50 + "epoch" + ")" * 50)
    assert ok(3) == 3


def test_errors_while_computing_name_the_step() -> None:
    with pytest.raises(FormulaEvaluationError, match="divides by zero at epoch = 5"):
        Formula("1 / (epoch - 5)")(5)
    with pytest.raises(FormulaEvaluationError, match="domain"):
        Formula("log(epoch - 10)")(3)
    with pytest.raises(FormulaEvaluationError, match="fractional power"):
        Formula("(epoch - 10) ** 0.5")(3)
    with pytest.raises(FormulaEvaluationError, match="gives inf"):
        Formula("1e308 * 10")(0)


def test_a_formula_failing_mid_run_surfaces_from_simulate() -> None:
    with pytest.raises(FormulaEvaluationError, match="lr_lambda divides by zero at epoch = 12"):
        simulate("SGD", None, "LambdaLR", {"lr_lambda": "1 / (epoch - 12)"}, steps=30)
    with pytest.raises(FormulaEvaluationError, match="scale_fn divides by zero"):
        simulate(
            "SGD",
            {"momentum": 0.9},
            "CyclicLR",
            {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 4, "scale_fn": "1 / (x - 2)"},
            steps=30,
        )


def test_scale_fn_uses_x() -> None:
    with pytest.raises(FormulaError, match="unknown name 'epoch'"):
        simulate("SGD", {"momentum": 0.9}, "CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "scale_fn": "epoch"})


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_either_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        formula = Formula(text)
    except FormulaError:
        return
    try:
        result = formula(3)
    except FormulaEvaluationError:
        return
    assert math.isfinite(result)


def test_array_math_is_pythons_to_the_last_bit_where_numpy_differs() -> None:
    """Some numpy builds compute cos, exp, log, ** with SIMD code a last bit away from the C library Python's math
    uses (numpy 1.24 on AVX-512: cos(pi) is not -1, so a cosine to zero ends at 1.7e-18): the fast path then uses
    Python's functions, element by element."""
    import math
    import operator

    import numpy as np

    from lr_widgets.core.expressions import exact_cos, exactly_as_python

    angles = np.linspace(0.0, 40.0, 999)
    assert np.array_equal(exact_cos(angles), [math.cos(a) for a in angles])
    a_bit_off = exactly_as_python(lambda a: np.nextafter(np.cos(a), 2.0), math.cos, angles)
    np.testing.assert_array_equal(a_bit_off(angles), [math.cos(a) for a in angles])
    power = exactly_as_python(lambda a, b: np.power(a, b) * (1 + 1e-15), operator.pow, angles, angles)
    result = power(np.array([-8.0, 2.0, 1e300]), np.array([0.5, 0.5, 2.0]))
    assert np.isnan(result[0]) and result[1] == 2.0**0.5 and np.isnan(result[2])  # complex, ok, overflow
    cosine = Formula("0.5 * (1 + cos(pi * epoch / 100))")
    epochs = np.arange(0.0, 201.0)
    np.testing.assert_array_equal(cosine.on_array(epochs), [cosine(e) for e in epochs])
    assert cosine.on_array(epochs)[100] == 0.0
