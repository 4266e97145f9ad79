"""The registry: every optimizer and scheduler of the installed torch, hyperparameters as data."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import pytest
import torch

from lr_widgets import HyperParam, UnknownNameError, optimizer_specs, scheduler_specs
from lr_widgets.core.specs import KINDS, MISSING, Interval, optimizer_spec, scheduler_spec

TORCH_2_13_OPTIMIZERS = {
    "ASGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "LBFGS",
    "Muon",
    "NAdam",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGD",
    "SparseAdam",
}
TORCH_2_13_SCHEDULERS = {
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "StepLR",
    "SWALR",  # from torch.optim.swa_utils
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
}


def test_core_imports_no_widget_or_plotting_library() -> None:
    code = (
        "import sys, lr_widgets.core, lr_widgets\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'matplotlib', 'ipympl', 'IPython'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_class_of_the_installed_torch_is_found() -> None:
    optimizers = {
        name
        for name, obj in vars(torch.optim).items()
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer
    }
    assert set(optimizer_specs()) == optimizers
    if torch.__version__.startswith("2.13."):
        assert set(optimizer_specs()) == TORCH_2_13_OPTIMIZERS
        assert set(scheduler_specs()) == TORCH_2_13_SCHEDULERS
    for name, spec in {**optimizer_specs(), **scheduler_specs()}.items():
        assert spec.name == name and spec.cls.__name__ == name


@pytest.mark.parametrize("spec", [*optimizer_specs().values(), *scheduler_specs().values()], ids=lambda s: s.name)
def test_hyperparameters_are_torchs_arguments_with_torchs_defaults(spec) -> None:
    signature = inspect.signature(spec.cls)
    expected = [name for name in signature.parameters if name not in ("params", "optimizer", "self")]
    assert [hp.name for hp in spec.hyperparams] == expected
    for hp in spec.hyperparams:
        assert isinstance(hp, HyperParam)
        assert hp.kind in KINDS
        torch_default = signature.parameters[hp.name].default
        if torch_default is inspect.Parameter.empty:
            assert hp.required and hp.torch_default is MISSING
            assert hp.default is not None, f"{spec.name}.{hp.name} needs a suggested start value"
        else:
            assert not hp.required
            assert hp.default == torch_default and hp.torch_default == torch_default
        if hp.bounds is not None:
            low, high = hp.bounds
            assert low < high
            if hp.log:
                assert low > 0
        if hp.kind == "choice":
            assert hp.default in hp.choices
        if hp.kind in ("pair", "tuple"):
            assert hp.length == len(hp.default)


def test_implementation_switches_are_advanced() -> None:
    for spec in optimizer_specs().values():
        for hp in spec.hyperparams:
            assert hp.advanced == (hp.name in {"foreach", "fused", "capturable", "differentiable"}), (
                spec.name,
                hp.name,
            )
    sgd = optimizer_spec("SGD")
    assert sgd.hyperparam("foreach").optional and sgd.hyperparam("foreach").default is None


def test_run_length_arguments_are_marked() -> None:
    marked = {
        (spec.name, hp.name)
        for spec in scheduler_specs().values()
        for hp in spec.hyperparams
        if hp.run_length is not None
    }
    assert {
        ("CosineAnnealingLR", "T_max"),
        ("OneCycleLR", "total_steps"),
        ("CyclicLR", "step_size_up"),
        ("CosineAnnealingWarmRestarts", "T_0"),
        ("LinearLR", "total_iters"),
        ("ConstantLR", "total_iters"),
        ("PolynomialLR", "total_iters"),
    } <= marked
    assert ("StepLR", "step_size") not in marked


def test_kinds_scales_and_choices() -> None:
    adam = optimizer_spec("Adam")
    assert adam.hyperparam("lr").log and adam.hyperparam("eps").log
    assert adam.hyperparam("betas").kind == "pair"
    assert adam.momentum_key == "betas" and optimizer_spec("SGD").momentum_key == "momentum"
    assert optimizer_spec("Adagrad").momentum_key is None
    assert scheduler_spec("MultiStepLR").hyperparam("milestones").kind == "list"
    assert scheduler_spec("LambdaLR").hyperparam("lr_lambda").kind == "formula"
    assert scheduler_spec("CyclicLR").hyperparam("scale_fn").variable == "x"
    # choices are read from torch's Literal[...] annotations
    assert scheduler_spec("CyclicLR").hyperparam("mode").choices == ("triangular", "triangular2", "exp_range")
    assert scheduler_spec("OneCycleLR").hyperparam("anneal_strategy").choices == ("cos", "linear")
    assert scheduler_spec("ReduceLROnPlateau").hyperparam("mode").choices == ("min", "max")
    assert scheduler_spec("SequentialLR").composite and scheduler_spec("ReduceLROnPlateau").needs_metric
    assert scheduler_spec("OneCycleLR").cycles_momentum and not scheduler_spec("StepLR").cycles_momentum
    assert optimizer_spec("LBFGS").needs_closure and optimizer_spec("SparseAdam").sparse_gradients
    assert optimizer_spec("Muon").only_2d


def test_unknown_names_get_a_suggestion() -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'SGD'"):
        optimizer_spec("sgd")
    with pytest.raises(UnknownNameError, match="did you mean 'CosineAnnealingLR'"):
        scheduler_spec("CosineAnealingLR")
    with pytest.raises(UnknownNameError, match="SGD has no argument 'betas'"):
        optimizer_spec("SGD").hyperparam("betas")


def test_a_torch_without_some_classes_gives_a_registry_without_them() -> None:
    """Older torch releases lack Muon and Adafactor: the registry adapts to what is there."""
    fake = types.ModuleType("torch_optim_without_new_classes")
    for name in ("SGD", "Adam", "Optimizer"):
        setattr(fake, name, getattr(torch.optim, name))
    fake.__all__ = ["SGD", "Adam", "Optimizer"]
    assert set(optimizer_specs(fake)) == {"SGD", "Adam"}
    assert "Muon" in optimizer_specs()


def test_interval_notation() -> None:
    half_open = Interval.parse("[0, 1)")
    assert 0 in half_open and 0.5 in half_open and 1 not in half_open
    assert half_open.describe() == "in [0, 1)"
    positive = Interval.parse("(0, inf)")
    assert 0 not in positive and 1e-9 in positive
    assert positive.describe() == "greater than 0"
    assert Interval.parse("[1, inf)").describe() == "at least 1"


def test_public_api_is_explicit_and_complete() -> None:
    import lr_widgets

    assert len(lr_widgets.__all__) == len(set(lr_widgets.__all__))
    for name in lr_widgets.__all__:
        assert getattr(lr_widgets, name) is not None
    assert {"simulate", "replay", "Trace", "param_groups_summary", "state_summary", "LrWidgetsError"} <= set(
        lr_widgets.__all__
    )
