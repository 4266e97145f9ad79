"""The side panel: param_groups, state and scheduler of the real optimizer at the inspected step."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..core.introspect import ParamInfo, TensorInfo, param_groups_summary, state_summary
from ..core.simulate import Replay

__all__ = ["panel_text", "Panel", "scheduler_attributes"]

_KEY_WIDTH = 16


def _show(value: Any) -> str:
    if isinstance(value, (TensorInfo, ParamInfo)):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        if len(value) > 4 and all(isinstance(v, TensorInfo) for v in value):
            return f"list of {len(value)} tensors, e.g. {value[0]}"
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value)


def _row(key: str, value: str, indent: str = "  ") -> str:
    return f"{indent}{key:<{_KEY_WIDTH}} {value}"


def _plain(value: Any) -> bool:
    if isinstance(value, (bool, int, float, str)):
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(v, (bool, int, float)) for v in value)


def scheduler_attributes(scheduler: Any) -> dict[str, Any]:
    """The scheduler's public state as torch keeps it: ``base_lrs`` and ``last_epoch`` first, then the rest
    (ReduceLROnPlateau's ``best``, ``num_bad_epochs``, ``cooldown_counter`` ...); no optimizer, no functions."""
    public = {name: value for name, value in vars(scheduler).items() if not name.startswith("_") and _plain(value)}
    first = {name: public.pop(name) for name in ("base_lrs", "last_epoch") if name in public}
    return {**first, **public}


def panel_text(replay: Replay, group_names: tuple[str, ...]) -> str:
    """What the panel shows for the optimizer and scheduler of ``replay``, as plain text."""
    optimizer, scheduler = replay.optimizer, replay.scheduler
    lines = [f"at step {replay.step}: {type(optimizer).__name__}", ""]
    for g, group in enumerate(param_groups_summary(optimizer, replay.names)):
        name = group_names[g] if g < len(group_names) else str(g)
        lines.append(f"optimizer.param_groups[{g}]  ({name})")
        for key, value in group.items():
            if key == "params":
                lines.append(_row("params", ", ".join(str(p) for p in value)))
            else:
                lines.append(_row(key, _show(value)))
        lines.append("")
    if replay.left_out:
        lines += [f"left out (not 2-D): {', '.join(replay.left_out)}", ""]
    lines.append("optimizer.state")
    state = state_summary(optimizer, replay.names)
    if not any(state.values()):
        lines.append("  (empty until the first step)")
    for param, entries in state.items():
        if not entries:
            continue
        lines.append(f"  {param}")
        for key, value in entries.items():
            lines.append(_row(key, _show(value), indent="    "))
    lines.append("")
    if scheduler is not None:
        lines.append(f"scheduler: {type(scheduler).__name__}")
        for attribute, value in scheduler_attributes(scheduler).items():
            lines.append(_row(attribute, _show(value)))
        if hasattr(scheduler, "get_last_lr"):
            lines.append(_row("get_last_lr()", _show([float(v) for v in scheduler.get_last_lr()])))
    else:
        lines.append("no scheduler: the LR stays as set")
    return "\n".join(lines)


class Panel(widgets.HTML):
    """The panel widget: :func:`panel_text` in a monospace block."""

    def __init__(self, font_px: int = 12, width: str = "640px") -> None:
        self.font_px = font_px
        super().__init__(
            layout=widgets.Layout(
                width=width,
                max_height="480px",
                overflow="auto",
                border="1px solid #e0e0e0",
                padding="4px",
                margin="8px 0 0 0",
            )
        )
        self.text = ""
        self.add_class("lr-widgets-panel")

    def show(self, text: str) -> None:
        self.text = text
        self.value = self._pre(text)

    def note(self, message: str) -> None:
        """Say above the current text that new content is on its way (the text stays until it comes)."""
        self.value = f"<div style='color: #555; font-style: italic'>{html.escape(message)}</div>" + self._pre(self.text)

    def _pre(self, text: str) -> str:
        return (
            f"<pre style='font-family: monospace; font-size: {self.font_px}px; line-height: 1.35; margin: 0;"
            " white-space: pre-wrap; word-break: normal; overflow-wrap: break-word'>" + html.escape(text) + "</pre>"
        )
