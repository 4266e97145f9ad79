"""The side panel: param_groups, state and scheduler of the real optimizer at the inspected step.

:func:`panel_content` reads a replay into :class:`Section` tables once; the panel widget renders them
as HTML tables (values that changed since the previous inspected step highlighted) and
:func:`panel_text` as plain text (what ``explorer.panel`` returns and the tests compare).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ..core.introspect import ParamInfo, TensorInfo, param_groups_summary, state_summary
from ..core.simulate import Replay

__all__ = ["panel_content", "panel_text", "Panel", "PanelContent", "Section", "scheduler_attributes"]

_KEY_WIDTH = 16
_CHANGED = "#ffe89a"


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


def _lines(params: list[ParamInfo]) -> str:
    """A group's params, one a line."""
    return "\n".join(str(p) for p in params)


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


@dataclass(frozen=True)
class Section:
    """One table of the panel: a title, and rows of ``(key, cells)``.

    A section without ``columns`` is a key/value table (one cell a row); ``optimizer.state`` has a
    column per state entry (``step``, ``exp_avg`` ...) and a row per parameter, with ``""`` where a
    parameter has no such entry. ``note`` stands in for the rows when there are none.
    """

    title: str
    rows: tuple[tuple[str, tuple[str, ...]], ...] = ()
    columns: tuple[str, ...] = ()
    note: str = ""

    def cells(self) -> dict[tuple[str, str, str], str]:
        """Every cell by ``(section title, row key, column)``: what a change is measured against."""
        columns = self.columns or ("",)
        return {(self.title, key, column): cell for key, cells in self.rows for column, cell in zip(columns, cells)}


@dataclass(frozen=True)
class PanelContent:
    """The panel at one step: a heading and its sections."""

    heading: str
    sections: tuple[Section, ...]

    def cells(self) -> dict[tuple[str, str, str], str]:
        return {place: cell for section in self.sections for place, cell in section.cells().items()}


def _state_section(state: Mapping[str, Mapping[str, Any]]) -> Section:
    columns: list[str] = []
    for entries in state.values():
        columns += [key for key in entries if key not in columns]
    rows = tuple(
        (param, tuple(_show(entries[key]) if key in entries else "" for key in columns))
        for param, entries in state.items()
        if entries
    )
    return Section("optimizer.state", rows, tuple(columns), "" if rows else "(empty until the first step)")


def panel_content(replay: Replay, group_names: tuple[str, ...]) -> PanelContent:
    """What the panel shows for the optimizer and scheduler of ``replay``."""
    optimizer, scheduler = replay.optimizer, replay.scheduler
    sections = []
    for g, group in enumerate(param_groups_summary(optimizer, replay.names)):
        name = group_names[g] if g < len(group_names) else str(g)
        rows = [(key, (_lines(value) if key == "params" else _show(value),)) for key, value in group.items()]
        sections.append(Section(f"optimizer.param_groups[{g}]  ({name})", tuple(rows)))
    if replay.left_out:
        sections.append(Section(f"left out (not 2-D): {', '.join(replay.left_out)}"))
    sections.append(_state_section(state_summary(optimizer, replay.names)))
    if scheduler is not None:
        rows = [(attribute, (_show(value),)) for attribute, value in scheduler_attributes(scheduler).items()]
        if hasattr(scheduler, "get_last_lr"):
            rows.append(("get_last_lr()", (_show([float(v) for v in scheduler.get_last_lr()]),)))
        sections.append(Section(f"scheduler: {type(scheduler).__name__}", tuple(rows)))
    else:
        sections.append(Section("no scheduler: the LR stays as set"))
    return PanelContent(f"at step {replay.step}: {type(optimizer).__name__}", tuple(sections))


def _row(key: str, value: str, indent: str = "  ") -> str:
    return f"{indent}{key:<{_KEY_WIDTH}} {value}"


def _text(content: PanelContent) -> str:
    lines = [content.heading, ""]
    for section in content.sections:
        lines.append(section.title)
        if section.note:
            lines.append(f"  {section.note}")
        for key, cells in section.rows:
            if not section.columns:
                lines.append(_row(key, cells[0].replace("\n", ", ")))
                continue
            lines.append(f"  {key}")
            lines += [_row(column, cell, indent="    ") for column, cell in zip(section.columns, cells) if cell]
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def panel_text(replay: Replay, group_names: tuple[str, ...]) -> str:
    """What the panel shows for the optimizer and scheduler of ``replay``, as plain text."""
    return _text(panel_content(replay, group_names))


_CELL = "padding: 1px 8px 1px 0; vertical-align: top; text-align: left"


def _cell(tag: str, text: str, since: str | None = None, nowrap: bool = False) -> str:
    """A table cell, highlighted if it changed ``since``; a cell of several lines (a group's params) has one
    line each, read whole."""
    style = _CELL + ("; white-space: nowrap" if nowrap else "")
    mark = ""
    if since is not None:
        style += f"; background: {_CHANGED}"
        mark = f" class='lr-widgets-changed' title='changed since {html.escape(since, quote=True)}'"
    lines = text.split("\n")
    body = (
        html.escape(text)
        if len(lines) == 1
        else "<br>".join(f"<span style='white-space: nowrap'>{html.escape(line)}</span>" for line in lines)
    )
    return f"<{tag} style='{style}'{mark}>{body}</{tag}>"


def _html(content: PanelContent, changed: set[tuple[str, str, str]], since: str | None, font_px: int) -> str:
    parts = [
        f"<div style='font-family: var(--jp-code-font-family, monospace); font-size: {font_px}px; line-height: 1.35;"
        " overflow-wrap: normal; word-break: normal'>",
        f"<div style='font-weight: bold; margin-bottom: 4px'>{html.escape(content.heading)}</div>",
    ]
    if changed and since is not None:
        parts.append(
            f"<div style='margin-bottom: 4px'><span style='background: {_CHANGED}'>highlighted</span>:"
            f" changed since {html.escape(since)}</div>"
        )
    for section in content.sections:
        parts.append(
            "<table style='border-collapse: collapse; margin: 0 0 8px 0; font-size: inherit'>"
            f"<caption style='text-align: left; font-weight: bold; white-space: nowrap'>{html.escape(section.title)}"
            "</caption>"
        )
        if section.note:
            parts.append(f"<tr><td style='{_CELL}; color: #555'>{html.escape(section.note)}</td></tr>")
        if section.columns and section.rows:
            heads = "".join(_cell("th", column, nowrap=True) for column in ("parameter", *section.columns))
            parts.append(f"<tr style='border-bottom: 1px solid #ccc'>{heads}</tr>")
        for key, cells in section.rows:
            row = [_cell("th", key, nowrap=True)]
            for column, cell in zip(section.columns or ("",), cells):
                row.append(_cell("td", cell, since if (section.title, key, column) in changed else None))
            parts.append("<tr>" + "".join(row) + "</tr>")
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)


class Panel(widgets.HTML):
    """The panel widget: :class:`PanelContent` as HTML tables; :attr:`text` holds it as plain text.

    :meth:`show` with ``since`` highlights the cells that differ from what was shown before (a value
    that changed, or an entry that appeared, such as the optimizer's state after its first step).
    """

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
        #: The cells that differ from what the panel showed before, by ``(section title, row key, column)``.
        self.changed: set[tuple[str, str, str]] = set()
        self._content: PanelContent | None = None
        self._html = ""
        self.add_class("lr-widgets-panel")

    def show(self, content: PanelContent, since: str | None = None) -> None:
        """Show ``content``; with ``since`` (``"step 4"``, ``"your last change"``), highlight what differs
        from the content shown before. The same content again keeps its highlights."""
        if content == self._content and since is not None:
            return
        old = self._content.cells() if since is not None and self._content is not None else None
        self.changed = set() if old is None else {p for p, cell in content.cells().items() if old.get(p) != cell}
        self._content, self.text = content, _text(content)
        self._html = _html(content, self.changed, since, self.font_px)
        self.value = self._html

    def note(self, message: str) -> None:
        """Say above the current tables that new content is on its way (they stay until it comes)."""
        self.value = f"<div style='color: #555; font-style: italic'>{html.escape(message)}</div>" + self._html
