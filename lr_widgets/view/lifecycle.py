"""Closing widgets for good: every widget a tree holds, down to layouts and styles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets

__all__ = ["close_tree", "replace_children"]


def _parts(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    """The widgets a widget holds in its synced traits: children, layout, style, toolbar ..."""
    for name in widget.keys:
        value = getattr(widget, name, None)
        if isinstance(value, widgets.Widget):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (item for item in value if isinstance(item, widgets.Widget))


def close_tree(*roots: widgets.Widget) -> None:
    """Close each widget and every widget it holds, down to layouts and styles.

    ``Widget.close()`` closes one comm; a slider's ``layout`` and ``style`` and a box's
    children keep theirs (and their place in ipywidgets' registry) until closed too.
    """
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        stack.extend(_parts(widget))
        widget.close()


def replace_children(box: widgets.Box, children: Any) -> None:
    """Show ``children`` in ``box`` and close the children it stops showing."""
    new = list(children)
    old = [child for child in box.children if all(child is not kept for kept in new)]
    box.children = new
    close_tree(*old)
