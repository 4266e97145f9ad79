"""Classroom mode's kernel manager: a kernel is culled once a page has connected to it and left, never
while a visitor's page is still on its way to it (jupyter_server counts a warm kernel idle since its
warm-up); one no page ever connects to goes after a grace period."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

pytest.importorskip("jupyter_server")

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager  # noqa: E402

from lr_widgets import classroom  # noqa: E402


def test_only_kernels_a_page_connected_to_are_culled_and_the_rest_after_a_grace(monkeypatch) -> None:
    asked: list[str] = []

    async def culls(self, kernel_id):  # jupyter_server's own rule (idle long enough, no connection)
        asked.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", culls)
    manager = classroom.ClassroomKernelManager()
    states = {"taken": "idle", "visited": "idle", "dead": "dead"}
    monkeypatch.setattr(manager, "get_kernel", lambda kernel_id: SimpleNamespace(execution_state=states[kernel_id]))

    async def cull(kernel_id: str) -> None:
        await manager.cull_kernel_if_idle(kernel_id)

    manager.notify_connect("visited")
    for kernel_id in states:
        asyncio.run(cull(kernel_id))
    assert asked == ["visited", "dead"], "a kernel just taken, whose page has not connected, is left alone"
    monkeypatch.setattr(classroom, "GRACE", 0.0)
    asyncio.run(cull("taken"))
    assert asked[-1] == "taken", "after the grace period, a kernel no page came to is culled too"
