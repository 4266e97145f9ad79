"""lr_widgets: see how PyTorch optimizers and learning-rate schedulers behave.

The numbers shown are always what torch itself computes: :func:`simulate` runs
the real optimizer and scheduler and records every step.
"""

from .core import (
    MAX_STEPS,
    SYNTHETIC_METRICS,
    Formula,
    FormulaError,
    FormulaEvaluationError,
    HyperParam,
    IncompatibleError,
    InvalidValueError,
    LrWidgetsError,
    MetricError,
    OptimizerSpec,
    ParamInfo,
    Replay,
    RunLengthError,
    SchedulerSpec,
    TensorInfo,
    TorchRefusedError,
    Trace,
    UnknownNameError,
    optimizer_specs,
    param_groups_summary,
    replay,
    scheduler_specs,
    simulate,
    state_summary,
    synthetic_metric,
)

__version__ = "0.1.0"

__all__ = [
    "simulate",
    "replay",
    "Trace",
    "Replay",
    "synthetic_metric",
    "SYNTHETIC_METRICS",
    "MAX_STEPS",
    "param_groups_summary",
    "state_summary",
    "TensorInfo",
    "ParamInfo",
    "optimizer_specs",
    "scheduler_specs",
    "HyperParam",
    "OptimizerSpec",
    "SchedulerSpec",
    "Formula",
    "LrWidgetsError",
    "UnknownNameError",
    "InvalidValueError",
    "FormulaError",
    "FormulaEvaluationError",
    "IncompatibleError",
    "RunLengthError",
    "MetricError",
    "TorchRefusedError",
]
