"""The exported Python, run in a fresh interpreter, gives exactly the trace's LRs."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from lr_widgets import Loop, simulate
from lr_widgets.core.code import python_code

CONFIGURATIONS = [
    ("SGD", {"lr": 0.1, "momentum": 0.9}, "CosineAnnealingLR", {"T_max": 100}, 110, None, None),
    ("Adam", None, "OneCycleLR", {"max_lr": 0.01, "anneal_strategy": "linear"}, 80, [{"lr": 1e-4}, {}], None),
    (
        "AdamW",
        {"weight_decay": 0.05},
        "SequentialLR",
        {
            "schedulers": [("LinearLR", {"start_factor": 0.01}), ("CosineAnnealingLR", {"eta_min": 1e-5})],
            "milestones": [15],
        },
        90,
        None,
        None,
    ),
    (
        "SGD",
        {"lr": 0.5},
        "ChainedScheduler",
        {"schedulers": [("ConstantLR", {"factor": 0.5, "total_iters": 4}), ("ExponentialLR", {"gamma": 0.97})]},
        40,
        None,
        None,
    ),
    ("SGD", {"lr": 0.1}, "ReduceLROnPlateau", {"patience": 3, "factor": 0.5}, 120, None, "loss"),
    ("RMSprop", None, "ReduceLROnPlateau", {"mode": "max"}, 30, None, list(np.linspace(0.1, 0.2, 30) ** 2)),
    (
        "SGD",
        {"momentum": 0.9},
        "CyclicLR",
        {"base_lr": 1e-3, "max_lr": 1e-2, "step_size_up": 7, "mode": "exp_range", "gamma": 0.99},
        60,
        None,
        None,
    ),
    ("Adagrad", None, "LambdaLR", {"lr_lambda": "min(1, (epoch + 1) / 10) * exp(-epoch / 50)"}, 70, None, None),
    ("NAdam", None, "MultiplicativeLR", {"lr_lambda": "0.97 if epoch < 20 else 1.0"}, 40, [{}, {}, {"lr": 0.01}], None),
    ("LBFGS", None, "StepLR", {"step_size": 5, "gamma": 0.5}, 20, None, None),
    ("SparseAdam", None, "CosineAnnealingWarmRestarts", {"T_0": 7, "T_mult": 2}, 50, [{}, {"lr": 0.01}], None),
    ("Muon", {"lr": 0.02}, "PolynomialLR", {"total_iters": 30, "power": 2.0}, 40, [{}, {}], None),
    ("Adafactor", None, None, None, 10, None, None),
    ("ASGD", None, "MultiStepLR", {"milestones": [5, 15]}, 25, None, None),
    ("SGD", None, "MultiStepLR", {"milestones": [15, 5, 15]}, 25, None, None),
    ("SGD", None, "SWALR", {"swa_lr": [0.01, 0.02], "anneal_epochs": 4}, 20, [{}, {"lr": 0.5}], None),
    ("Adam", {"lr": torch.tensor(0.01)}, "StepLR", {"step_size": 3}, 12, None, None),
    (
        "SGD",
        {"momentum": 0.9},
        "CyclicLR",
        {"base_lr": 0, "max_lr": [0.1, 0.2], "step_size_up": 4, "base_momentum": [0.8, 0.7], "max_momentum": 1.5},
        20,
        [{}, {}],
        None,
    ),
]


@pytest.mark.parametrize("config", CONFIGURATIONS, ids=[f"{i}-{c[0]}-{c[2]}" for i, c in enumerate(CONFIGURATIONS)])
def test_exported_code_reproduces_the_trace(config, tmp_path) -> None:
    optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps, groups, metric = config
    trace = simulate(
        optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps, param_groups=groups, metric=metric
    )
    code = python_code(trace)
    script = tmp_path / "snippet.py"
    script.write_text(code + "\nimport json\nprint(json.dumps([[float(v) for v in row] for row in lrs]))\n")
    result = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", str(script)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + "\n" + code
    np.testing.assert_allclose(np.array(json.loads(result.stdout)), trace.lr, rtol=1e-12, atol=0)


LOOPS = [
    Loop(scheduler_first=True),
    Loop(skip_optimizer_steps=[0, 4, 5], scheduler_every=3),
    Loop(resume_at=12, resume="full"),
    Loop(resume_at=12, resume="optimizer_only"),
    Loop(resume_at=12, resume="nothing", scheduler_first=True),
    Loop(resume_at=12, resume="last_epoch", skip_optimizer_steps=[3]),
    Loop.gradient_accumulation(4, 40, scheduler_first=True),
]
#: Each loop with a scheduler of its own, in one subprocess each (torch's import is most of a run's time).
LOOP_CASES = list(zip(LOOPS, [CONFIGURATIONS[i] for i in (2, 3, 4, -1, 7, 2, 3)]))


@pytest.mark.parametrize(
    "loop, config", LOOP_CASES, ids=[f"{c[2]}: {', '.join(loop.describe())}" for loop, c in LOOP_CASES]
)
def test_exported_code_writes_the_loop_and_marks_what_differs(config, loop, tmp_path) -> None:
    """Issue 15: the exported code runs this loop (its lrs are the trace's rows), with a comment at each
    line that differs from the intended loop."""
    optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps, groups, metric = config
    trace = simulate(
        optimizer, optimizer_kwargs, scheduler, scheduler_kwargs, steps, param_groups=groups, metric=metric, loop=loop
    )
    code = python_code(trace)
    script = tmp_path / "snippet.py"
    script.write_text(code + "\nimport json\nprint(json.dumps([[float(v) for v in row] for row in lrs]))\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + "\n" + code
    np.testing.assert_allclose(np.array(json.loads(result.stdout)), trace.lr, rtol=1e-12, atol=0)
    marked = [line for line in code.splitlines() if "differs from the intended loop" in line]
    assert len(marked) == len(loop.describe()), code
    if loop.skip_optimizer_steps == Loop.gradient_accumulation(4, steps).skip_optimizer_steps:
        assert "skipped = " not in code and "(step + 1) % 4 == 0:" in code, "accumulation written as what it is"
