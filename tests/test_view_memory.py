"""1000 consecutive updates add no figure, no widget and (almost) no memory."""

from __future__ import annotations

import gc

import matplotlib.pyplot as plt
from widget_registry import live_widgets

from lr_widgets import Explorer


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_a_thousand_updates_leak_no_figure_no_widget_and_under_5_mb() -> None:
    explorer = Explorer(steps=1_000)
    try:
        lr, step = explorer.controls["optimizer.lr"], explorer.controls["step"]
        # The cursor stays near the start: each new schedule trains the panel's optimizer up to it.
        for i in range(50):  # matplotlib and torch fill their caches on the first updates
            lr.value = 0.01 * (1 + i % 5)
            step.value = (7 * i) % 40
        gc.collect()
        figures, comms, before = len(plt.get_fignums()), len(live_widgets()), _rss_mb()
        for i in range(1_000):
            lr.value = 0.01 * (1 + i % 5)
            if i % 10 == 0:
                step.value = (7 * i) % 40
        gc.collect()
        grown = _rss_mb() - before
        assert len(plt.get_fignums()) == figures
        assert len(live_widgets()) == comms
        assert grown < 5, f"RSS grew by {grown:.1f} MB over 1000 updates"
        assert explorer.status == ""
    finally:
        explorer.close()
