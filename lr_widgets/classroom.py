"""The kernel manager classroom mode's Voilà runs with (``voila.json`` names it).

Voilà keeps a pool of warm kernels that have run the notebook already; a visitor's page takes one and
connects to it once its JavaScript has loaded. jupyter_server's culler counts a kernel idle since its
last message, which for a warm kernel is the end of its warm-up, possibly many minutes ago: a kernel
just taken, whose page is still loading, has no connection yet and was culled under the visitor
(seen with ten visitors at once on a 2-core server, their pages taking over a minute to connect).

:class:`ClassroomKernelManager` culls only the kernels a page has connected to and then left (a tab
that vanished without closing: a laptop lid shut, a lost network), and dead ones. A closed tab's
kernel needs no culling: Voilà shuts it down when the page unloads.

Imported by Voilà's server only (it needs jupyter_server); the rest of lr_widgets never imports it.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

__all__ = ["ClassroomKernelManager"]


class ClassroomKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager, culling only kernels a page connected to and left (see the module)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The kernels a page has connected to at least once.
        self.visited: set[str] = set()

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self.visited.add(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        kernel = self._kernels.get(kernel_id)
        dead = getattr(kernel, "execution_state", None) == "dead"
        if kernel_id in self.visited or dead:
            await super().cull_kernel_if_idle(kernel_id)
