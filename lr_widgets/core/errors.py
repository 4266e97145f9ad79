"""One exception type per kind of user mistake, each carrying a plain-language message.

Every message names the argument it is about and says what to change, so the
Explorer can show it as it is in its status line.
"""

from __future__ import annotations

__all__ = [
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


class LrWidgetsError(ValueError):
    """Base class: a setting lr_widgets or torch cannot use.

    Parameters
    ----------
    message
        A sentence a student understands.
    argument
        The torch argument it is about (``"milestones"``), if any.
    """

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.argument = argument

    def __str__(self) -> str:
        return self.message


class UnknownNameError(LrWidgetsError):
    """An optimizer, scheduler or argument name that the installed torch does not have."""


class InvalidValueError(LrWidgetsError):
    """A value of the wrong type, or outside the range torch documents."""


class FormulaError(LrWidgetsError):
    """A formula that is not in the safe formula language."""


class FormulaEvaluationError(FormulaError):
    """A formula that parses but cannot be computed at some step (division by zero, overflow)."""


class IncompatibleError(LrWidgetsError):
    """Choices that do not work together (CyclicLR cycling momentum on Adagrad, LBFGS with groups)."""


class RunLengthError(LrWidgetsError):
    """A number of steps that is too small, too large, or longer than a scheduler was built for."""


class MetricError(LrWidgetsError):
    """ReduceLROnPlateau without a usable metric."""


class TorchRefusedError(LrWidgetsError):
    """torch raised an error lr_widgets has no more specific message for; its text is kept."""
