"""Downloads that reach the person at the browser: links the browser saves, in JupyterLab, Voilà and Binder.

Files written by the kernel land on the server, where a Voilà or Binder visitor cannot get them.
A link with the file inside it (a ``data:`` URL and the ``download`` attribute) is saved by the
browser itself, with no JavaScript of ours. The files are made when asked for (a PNG costs a
render), and the links are taken away when the schedule they hold is no longer on screen.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

__all__ = ["Downloads", "download_link"]


def download_link(name: str, data: bytes, mime: str) -> str:
    """An ``<a>`` that makes the browser save ``data`` as the file ``name``."""
    href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return (
        f"<a download='{html.escape(name, quote=True)}' href='{href}' "
        "style='margin-right: 14px; text-decoration: underline'>"
        f"⬇ {html.escape(name)}</a>"
    )


class Downloads(widgets.HBox):
    """A "downloads" button, and the links it offers for the schedule on screen.

    Parameters
    ----------
    files
        Makes the files when the button is pressed: ``{file name: (bytes, MIME type)}``.
    guard
        Runs a callback so that its mistakes reach the owner's status line.
    """

    def __init__(
        self,
        files: Callable[[], Mapping[str, tuple[bytes, str]]],
        guard: Callable[[Callable[..., Any]], Callable[..., None]],
    ) -> None:
        self._files = files
        button = widgets.Button(
            description="downloads",
            icon="download",
            tooltip="links that save the figure (PNG), the numbers (CSV) and the Python code of this schedule",
            layout=widgets.Layout(width="120px"),
        )
        button.on_click(guard(lambda _: self.offer()))
        #: The links (empty until asked for, and again when the schedule changes).
        self.links = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px"))
        super().__init__([button, self.links], layout=widgets.Layout(align_items="center"))

    def offer(self) -> dict[str, tuple[bytes, str]]:
        """Make the files now and show a link for each; returns them."""
        files = dict(self._files())
        self.links.value = "".join(download_link(name, data, mime) for name, (data, mime) in files.items())
        return files

    def clear(self) -> None:
        """Take the links away (they hold a schedule no longer on screen)."""
        self.links.value = ""
