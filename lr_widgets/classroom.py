"""The kernel manager classroom mode's Voilà runs with (``voila.json`` names it).

Voilà keeps a pool of warm kernels that have run the notebook already; a visitor's page takes one and
connects to it once its JavaScript has loaded. jupyter_server's culler counts a kernel idle since its
last message, which for a warm kernel is the end of its warm-up, possibly many minutes ago: a kernel
just taken, whose page is still loading, has no connection yet and was culled under the visitor
(seen with ten visitors at once on a 2-core server, their pages taking over a minute to connect).

:class:`ClassroomKernelManager` culls the kernels a page has connected to and then left (a tab
that vanished without closing: a laptop lid shut, a lost network), dead ones, and a kernel no page
has connected to only :data:`GRACE` seconds after the culler first found it so (a page closed while
loading). A closed tab's kernel needs no culling: Voilà shuts it down when the page unloads.

Imported by Voilà's server only (it needs jupyter_server); the rest of lr_widgets never imports it.
"""

from __future__ import annotations

import time
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

__all__ = ["ClassroomKernelManager", "GRACE"]

#: Seconds a kernel no page has connected to is left alone (Voilà's pool protects its own): a page
#: that takes one and never connects (closed while loading) leaves it to be culled after this.
GRACE = 600.0


class ClassroomKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager, culling only kernels a page connected to and left (see the module)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The kernels a page has connected to at least once.
        self.visited: set[str] = set()
        self._unvisited_since: dict[str, float] = {}  # when the culler first found a kernel with no visit

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self.visited.add(kernel_id)
        self._unvisited_since.pop(kernel_id, None)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        try:
            dead = getattr(self.get_kernel(kernel_id), "execution_state", None) == "dead"
        except KeyError:
            return  # gone meanwhile
        if kernel_id not in self.visited and not dead:
            since = self._unvisited_since.setdefault(kernel_id, time.monotonic())
            if time.monotonic() - since < GRACE:
                return  # a page may still be on its way to it
        await super().cull_kernel_if_idle(kernel_id)
        if kernel_id not in self:
            self.visited.discard(kernel_id)
            self._unvisited_since.pop(kernel_id, None)
