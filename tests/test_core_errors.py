"""Every mistake gets a specific lr_widgets error whose message names the argument and what to change."""

from __future__ import annotations

import pytest

from lr_widgets import (
    MAX_STEPS,
    FormulaError,
    FormulaEvaluationError,
    IncompatibleError,
    InvalidValueError,
    LrWidgetsError,
    MetricError,
    RunLengthError,
    UnknownNameError,
    replay,
    simulate,
)

# (id, simulate arguments, error type, words the message must contain)
MISTAKES = [
    ("unknown optimizer", dict(optimizer="sgd"), UnknownNameError, "no optimizer called 'sgd': did you mean 'SGD'?"),
    (
        "unknown scheduler",
        dict(scheduler="Cosine"),
        UnknownNameError,
        "no scheduler called 'Cosine': the schedulers are ChainedScheduler, ConstantLR",
    ),
    (
        "unknown argument",
        dict(optimizer_kwargs={"betas": (0.9, 0.99)}),
        UnknownNameError,
        "SGD has no argument 'betas'",
    ),
    (
        "negative lr",
        dict(optimizer_kwargs={"lr": -0.1}),
        InvalidValueError,
        "SGD refuses lr = -0.1 (torch says: Invalid learning rate: -0.1)",
    ),
    ("nan lr", dict(optimizer_kwargs={"lr": float("nan")}), InvalidValueError, "lr must be a finite number: got nan"),
    ("infinite lr", dict(optimizer_kwargs={"lr": float("inf")}), InvalidValueError, "lr must be a finite number"),
    ("text lr", dict(optimizer_kwargs={"lr": "fast"}), InvalidValueError, "lr must be a number: got 'fast'"),
    ("bool lr", dict(optimizer_kwargs={"lr": True}), InvalidValueError, "lr must be a number"),
    (
        "betas at 1",
        dict(optimizer="Adam", optimizer_kwargs={"betas": (0.9, 1.0)}),
        InvalidValueError,
        "Adam refuses betas = 1.0 (torch says: Invalid beta parameter at index 1: 1.0)",
    ),
    (
        "betas negative",
        dict(optimizer="AdamW", optimizer_kwargs={"betas": (-0.1, 0.99)}),
        InvalidValueError,
        "AdamW refuses betas = -0.1",
    ),
    (
        "betas one number",
        dict(optimizer="Adam", optimizer_kwargs={"betas": 0.9}),
        InvalidValueError,
        "betas must be 2 numbers",
    ),
    (
        "nesterov without momentum",
        dict(optimizer_kwargs={"nesterov": True}),
        IncompatibleError,
        "nesterov=True unless momentum > 0 and dampening = 0",
    ),
    (
        "nesterov with dampening",
        dict(optimizer_kwargs={"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
        IncompatibleError,
        "nesterov",
    ),
    (
        "milestones not numbers",
        dict(scheduler="MultiStepLR", scheduler_kwargs={"milestones": "30, sixty"}),
        InvalidValueError,
        "milestones must be whole numbers separated by commas",
    ),
    (
        "milestones fractional",
        dict(scheduler="MultiStepLR", scheduler_kwargs={"milestones": [10.5]}),
        InvalidValueError,
        "each of milestones must be a whole number",
    ),
    (
        "T_max zero",
        dict(scheduler_kwargs={"T_max": 0}),
        InvalidValueError,
        "CosineAnnealingLR divides by zero at step 1",
    ),
    (
        "step_size zero",
        dict(scheduler="StepLR", scheduler_kwargs={"step_size": 0}),
        InvalidValueError,
        "StepLR divides by zero at step 1",
    ),
    (
        "power negative",
        dict(scheduler="PolynomialLR", scheduler_kwargs={"power": -1}),
        InvalidValueError,
        "PolynomialLR divides by zero at step",
    ),
    (
        "T_0 zero",
        dict(scheduler="CosineAnnealingWarmRestarts", scheduler_kwargs={"T_0": 0}),
        InvalidValueError,
        "CosineAnnealingWarmRestarts refuses T_0 = 0: torch expects positive integer T_0",
    ),
    (
        "T_mult zero",
        dict(scheduler="CosineAnnealingWarmRestarts", scheduler_kwargs={"T_0": 5, "T_mult": 0}),
        InvalidValueError,
        "refuses T_mult = 0: torch expects integer T_mult >= 1",
    ),
    (
        "mode unknown",
        dict(scheduler="CyclicLR", scheduler_kwargs={"mode": "sideways"}),
        InvalidValueError,
        "mode must be one of 'triangular', 'triangular2', 'exp_range': got 'sideways'",
    ),
    (
        "one cycle overrun",
        dict(scheduler="OneCycleLR", scheduler_kwargs={"max_lr": 0.1, "total_steps": 100}, steps=110),
        RunLengthError,
        "OneCycleLR was built for 100 steps but 110 were simulated: raise total_steps or lower steps",
    ),
    (
        "one cycle overrun by epochs",
        dict(scheduler="OneCycleLR", scheduler_kwargs={"max_lr": 0.1, "epochs": 2, "steps_per_epoch": 10}, steps=30),
        RunLengthError,
        "built for 20 steps but 30 were simulated",
    ),
    (
        "cyclic on adagrad",
        dict(optimizer="Adagrad", scheduler="CyclicLR"),
        IncompatibleError,
        "CyclicLR cycles momentum but Adagrad has none: set cycle_momentum=False",
    ),
    (
        "one cycle on rprop",
        dict(optimizer="Rprop", scheduler="OneCycleLR"),
        IncompatibleError,
        "OneCycleLR cycles momentum but Rprop has none",
    ),
    (
        "sequential milestones",
        dict(
            scheduler="SequentialLR",
            scheduler_kwargs={
                "schedulers": [("LinearLR", {}), ("ExponentialLR", {"gamma": 0.9})],
                "milestones": [5, 10],
            },
        ),
        IncompatibleError,
        "SequentialLR with 2 schedulers needs 1 milestone",
    ),
    (
        "sequential with plateau",
        dict(
            scheduler="SequentialLR",
            scheduler_kwargs={"schedulers": [("LinearLR", {}), ("ReduceLROnPlateau", {})], "milestones": [5]},
        ),
        IncompatibleError,
        "cannot hold ReduceLROnPlateau",
    ),
    (
        "sequential bad child",
        dict(scheduler="SequentialLR", scheduler_kwargs={"schedulers": [42]}),
        InvalidValueError,
        "each of schedulers must be (scheduler name, arguments)",
    ),
    (
        "sequential child mistake",
        dict(
            scheduler="ChainedScheduler",
            scheduler_kwargs={"schedulers": [("ConstantLR", {}), ("StepLR", {"step_size": 0})]},
        ),
        InvalidValueError,
        "ChainedScheduler divides by zero at step 1",
    ),
    ("plateau without metric", dict(scheduler="ReduceLROnPlateau"), MetricError, "needs one"),
    (
        "plateau unknown curve",
        dict(scheduler="ReduceLROnPlateau", metric="lost"),
        MetricError,
        "no built-in metric called 'lost'",
    ),
    (
        "plateau metric nan",
        dict(scheduler="ReduceLROnPlateau", metric=[float("nan")] * 100),
        MetricError,
        "finite numbers",
    ),
    (
        "lbfgs groups",
        dict(optimizer="LBFGS", param_groups=[{}, {}]),
        IncompatibleError,
        "LBFGS takes a single param group",
    ),
    ("too many groups", dict(param_groups=[{}, {}, {}, {}]), IncompatibleError, "1 to 3 param groups: got 4"),
    ("groups not a list", dict(param_groups={"lr": 0.1}), InvalidValueError, "param_groups must be a list"),
    ("steps zero", dict(steps=0), RunLengthError, "steps must be at least 1: got 0"),
    ("steps fractional", dict(steps=2.5), RunLengthError, "steps must be a whole number"),
    ("steps huge", dict(steps=10_000_000), RunLengthError, f"more than lr_widgets simulates ({MAX_STEPS:,})"),
    (
        "formula import",
        dict(scheduler="LambdaLR", scheduler_kwargs={"lr_lambda": "__import__('os')"}),
        FormulaError,
        "unknown function '__import__'",
    ),
    (
        "formula attribute",
        dict(scheduler="LambdaLR", scheduler_kwargs={"lr_lambda": "epoch.real"}),
        FormulaError,
        "lr_lambda: attribute access with '.' is not allowed",
    ),
    (
        "formula lambda",
        dict(scheduler="LambdaLR", scheduler_kwargs={"lr_lambda": "lambda epoch: 0.9"}),
        FormulaError,
        "lambda is not allowed: write only the expression",
    ),
    (
        "formula comprehension",
        dict(scheduler="LambdaLR", scheduler_kwargs={"lr_lambda": "[0.9 for e in range(3)]"}),
        FormulaError,
        "comprehensions are not allowed",
    ),
    (
        "formula overflow",
        dict(scheduler="LambdaLR", scheduler_kwargs={"lr_lambda": "10**10**10"}),
        FormulaEvaluationError,
        "lr_lambda gives a number too large for a float at epoch = 0",
    ),
    (
        "formula divides by zero at a step",
        dict(scheduler="LambdaLR", scheduler_kwargs={"lr_lambda": "1 / (epoch - 50)"}),
        FormulaEvaluationError,
        "lr_lambda divides by zero at epoch = 50",
    ),
    (
        "formula 100 kB",
        dict(scheduler="LambdaLR", scheduler_kwargs={"lr_lambda": "1+" * 50_000 + "1"}),
        FormulaError,
        "lr_lambda is 100001 characters long; a formula may have at most 500",
    ),
    (
        "formula not text",
        dict(scheduler="LambdaLR", scheduler_kwargs={"lr_lambda": 42}),
        FormulaError,
        "lr_lambda must be a formula as text",
    ),
    (
        "kwargs not a dict",
        dict(optimizer_kwargs=[("lr", 0.1)]),
        InvalidValueError,
        "the arguments of SGD must be a dict",
    ),
    (
        "last_epoch without initial_lr",
        dict(scheduler="StepLR", scheduler_kwargs={"step_size": 3, "last_epoch": 5}),
        InvalidValueError,
        "StepLR: last_epoch must stay -1 for a fresh run",
    ),
    (
        "torch refuses in its own words",
        dict(optimizer="Rprop", optimizer_kwargs={"etas": (0.5, 0.9)}),
        InvalidValueError,
        "Rprop refuses etas = 0.5, 0.9 (torch says: Invalid eta values: 0.5, 0.9)",
    ),
]


@pytest.mark.parametrize("arguments,error,words", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_has_its_message(arguments: dict, error: type, words: str) -> None:
    with pytest.raises(LrWidgetsError) as raised:
        simulate(**arguments)
    assert type(raised.value) is error, f"{type(raised.value).__name__}: {raised.value}"
    assert words in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_errors_name_their_argument() -> None:
    with pytest.raises(InvalidValueError) as raised:
        simulate(optimizer="Adam", optimizer_kwargs={"betas": (1.0, 0.9)})
    assert raised.value.argument == "betas"
    with pytest.raises(InvalidValueError) as raised:
        simulate(scheduler="CosineAnnealingWarmRestarts", scheduler_kwargs={"T_0": 0})
    assert raised.value.argument == "T_0"
    with pytest.raises(IncompatibleError) as raised:
        simulate(optimizer="Adagrad", scheduler="CyclicLR")
    assert raised.value.argument == "cycle_momentum"


def test_errors_are_value_errors_so_plain_except_clauses_still_work() -> None:
    with pytest.raises(ValueError):
        simulate(optimizer_kwargs={"lr": -1})


def test_replay_refuses_a_step_outside_the_trace() -> None:
    trace = simulate(steps=5)
    with pytest.raises(RunLengthError, match="from 0 to 5: got 6"):
        replay(trace, 6)
    with pytest.raises(RunLengthError):
        replay(trace, -1)
