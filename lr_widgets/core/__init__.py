"""The pure core of lr_widgets: torch, numpy and the standard library only.

Nothing here imports ipywidgets, matplotlib or IPython, so the core can be used
(and tested) anywhere torch runs.
"""

from . import errors
from .arguments import MAX_STEPS
from .config import Config
from .errors import *  # noqa: F403 -- one exception per kind of mistake
from .expressions import Formula
from .introspect import ParamInfo, TensorInfo, param_groups_summary, state_summary
from .loop import RESUMES, Loop
from .simulate import (
    SYNTHETIC_METRICS,
    Built,
    Replay,
    Replayer,
    Trace,
    build,
    record,
    replay,
    simulate,
    synthetic_metric,
)
from .specs import (
    HyperParam,
    Interval,
    OptimizerSpec,
    SchedulerSpec,
    optimizer_spec,
    optimizer_specs,
    scheduler_spec,
    scheduler_specs,
)
from .trajectory import PROBLEMS, Landscape, OptimizerPath, landscape, trajectory

__all__ = [
    "simulate",
    "record",
    "trajectory",
    "OptimizerPath",
    "landscape",
    "Landscape",
    "PROBLEMS",
    "Config",
    "Loop",
    "RESUMES",
    "build",
    "Built",
    "replay",
    "Trace",
    "Replay",
    "Replayer",
    "synthetic_metric",
    "SYNTHETIC_METRICS",
    "MAX_STEPS",
    "param_groups_summary",
    "state_summary",
    "TensorInfo",
    "ParamInfo",
    "optimizer_specs",
    "scheduler_specs",
    "optimizer_spec",
    "scheduler_spec",
    "HyperParam",
    "Interval",
    "OptimizerSpec",
    "SchedulerSpec",
    "Formula",
    *errors.__all__,
]
