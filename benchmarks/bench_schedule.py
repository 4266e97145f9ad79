"""Side-by-side timings: the classic loop vs lr_widgets.simulate, and the Explorer's update.

Run from the repository root (a few minutes)::

    python benchmarks/bench_schedule.py            # print the tables
    python benchmarks/bench_schedule.py --write    # and put them into benchmarks/README.md

Everything is measured in one run on one machine, and the targets are ratios or
budgets read from the same run: absolute times depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("module://ipympl.backend_nbagg")  # the Explorer's canvas, as in a notebook

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import lr_widgets  # noqa: E402
from lr_widgets import Explorer, scheduler_specs, simulate  # noqa: E402
from lr_widgets.core.config import Config  # noqa: E402
from lr_widgets.core.fast import FAST_SCHEDULERS  # noqa: E402
from lr_widgets.core.simulate import build  # noqa: E402

HERE = Path(__file__).resolve().parent
STEPS = (1_000, 10_000, 100_000)
REPEATS = {1_000: 5, 10_000: 3, 100_000: 1}
START, END = "<!-- benchmark tables: start -->", "<!-- benchmark tables: end -->"

#: What each scheduler is given (the rest: torch's defaults, run lengths following the steps).
KWARGS: dict[str, dict] = {
    "LambdaLR": {"lr_lambda": "0.9999 ** epoch"},
    "MultiplicativeLR": {"lr_lambda": "0.9999"},
    "CyclicLR": {"base_lr": 0.01, "max_lr": 0.1},
    "OneCycleLR": {"max_lr": 0.1},
    "ReduceLROnPlateau": {"patience": 5},
}


def median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def classic_loop(name: str, steps: int) -> list[list[float]]:
    """The seed helper: build the optimizer and scheduler, then ``opt.step(); sched.step(); get_last_lr()``."""
    config = Config("SGD", {"lr": 0.1, "momentum": 0.9}, name, KWARGS.get(name), steps, None, "loss").resolved()
    built = build(config)
    opt, sched = built.optimizer, built.scheduler
    metric = config.metric
    lrs = [sched.get_last_lr()]
    for t in range(steps):
        opt.step()
        if metric is not None:
            sched.step(float(metric[t]))
        else:
            sched.step()
        lrs.append(sched.get_last_lr())
    return lrs


def ours(name: str, steps: int) -> object:
    return simulate("SGD", {"lr": 0.1, "momentum": 0.9}, name, KWARGS.get(name), steps, metric="loss")


def schedule_table() -> tuple[list[str], dict[str, float]]:
    rows = [
        "| scheduler | fast path | "
        + " | ".join(f"classic {n // 1000}k | simulate {n // 1000}k | ratio" for n in STEPS)
        + " |",
        "|---|---|" + "---:|---:|---:|" * len(STEPS),
    ]
    ratios_100k = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in scheduler_specs():
            cells = [name, "yes" if name in FAST_SCHEDULERS else "no (torch loop)"]
            for steps in STEPS:
                repeats = REPEATS[steps]
                classic = median_ms(lambda name=name, steps=steps: classic_loop(name, steps), repeats)
                mine = median_ms(lambda name=name, steps=steps: ours(name, steps), max(repeats, 3))
                cells += [f"{classic:,.1f} ms", f"{mine:,.1f} ms", f"{classic / mine:,.0f}x"]
                if steps == 100_000:
                    ratios_100k[name] = classic / mine
            rows.append("| " + " | ".join(cells) + " |")
            print(rows[-1], flush=True)
    return rows, ratios_100k


def bare_figure(figsize: tuple[float, float]) -> tuple[Figure, Callable[[], None]]:
    """A bare one-line figure, and a redraw of it the way the Explorer redraws (new data, rescale, Agg draw):
    the floor of what any redraw of a figure this size costs on the machine."""
    with plt.ioff():
        bare, ax = plt.subplots(figsize=figsize)
    x = np.linspace(0.0, 1.0, 100)
    (line,) = ax.plot(x, x)
    values = iter(range(10**9))

    def update() -> None:
        line.set_ydata(x * (1 + next(values) % 7))
        ax.relim()
        ax.autoscale_view()
        FigureCanvasAgg.draw(bare.canvas)

    return bare, update


def explorer_table() -> tuple[list[str], dict[int, float]]:
    rows = [
        "| steps | update (simulate + artists + panel) | update + Agg draw | cursor move + Agg draw |"
        " bare one-line figure: set_ydata + Agg draw |",
        "|---:|---:|---:|---:|---:|",
    ]
    bare, bare_update = bare_figure((6.4, 4.0))
    bare_ms = median_ms(bare_update, 15)
    updates = {}
    for steps in STEPS:
        explorer = Explorer(steps=steps)
        lr = explorer.controls["optimizer.lr"]
        values = iter(range(10**9))

        def update(lr=lr, values=values) -> None:
            lr.value = 0.01 * (1 + next(values) % 7)

        def update_and_draw(explorer=explorer, update=update) -> None:
            update()
            FigureCanvasAgg.draw(explorer.figure.canvas)

        rng = np.random.default_rng(0)

        def cursor(explorer=explorer, rng=rng, steps=steps) -> None:
            explorer.controls["step"].value = int(rng.integers(0, min(steps, 2_000)))
            FigureCanvasAgg.draw(explorer.figure.canvas)

        update_and_draw()
        only = median_ms(update, 15)
        drawn = median_ms(update_and_draw, 15)
        explorer.controls["step"].value = 1_999 if steps > 2_000 else steps  # the snapshots of the first 2000 steps
        moved = median_ms(cursor, 15)
        explorer.close()
        updates[steps] = drawn
        rows.append(f"| {steps:,} | {only:,.1f} ms | {drawn:,.1f} ms | {moved:,.1f} ms | {bare_ms:,.1f} ms |")
        print(rows[-1], flush=True)
    plt.close(bare)
    return rows, updates


def rss_after_updates(n: int = 1_000) -> tuple[float, int]:
    explorer = Explorer(steps=1_000)
    lr = explorer.controls["optimizer.lr"]
    for i in range(50):
        lr.value = 0.01 * (1 + i % 5)
    gc.collect()
    before = _rss_mb()
    for i in range(n):
        lr.value = 0.01 * (1 + i % 5)
    gc.collect()
    grown = _rss_mb() - before
    figures = len(plt.get_fignums())
    explorer.close()
    return grown, figures


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return math.nan


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, torch {torch.__version__}, "
        f"numpy {np.__version__}, matplotlib {matplotlib.__version__}, lr_widgets {lr_widgets.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the tables into benchmarks/README.md")
    args = parser.parse_args()
    print(machine(), flush=True)
    explorer_rows, updates = explorer_table()
    schedule_rows, ratios = schedule_table()
    grown, figures = rss_after_updates()
    fast = [ratios[name] for name in FAST_SCHEDULERS]
    summary = [
        f"- Schedule recompute at 100k steps, fast-path schedulers: {min(fast):,.0f}x to {max(fast):,.0f}x faster "
        f"than the classic loop (target >= 100x): {'met' if min(fast) >= 100 else 'NOT met'}.",
        f"- Explorer update + Agg draw: {updates[10_000]:,.0f} ms at 10k steps (target <= 50 ms: "
        f"{'met' if updates[10_000] <= 50 else 'NOT met'}), {updates[100_000]:,.0f} ms at 100k steps "
        f"(target <= 100 ms: {'met' if updates[100_000] <= 100 else 'NOT met'}).",
        f"- 1000 consecutive updates: RSS grew by {grown:.1f} MB (target < 5 MB), {figures} figure open (target 1).",
    ]
    block = "\n".join(
        [
            START,
            f"Measured {time.strftime('%Y-%m-%d')} on: {machine()}.",
            "",
            *summary,
            "",
            "**Explorer** (SGD + CosineAnnealingLR; median of 15; the panel at the cursor's step included):",
            "",
            *explorer_rows,
            "",
            "**Schedule recompute** (SGD momentum 0.9; median of 5 / 3 / 1 runs of the classic loop at 1k / 10k / 100k,"
            " at least 3 of simulate):",
            "",
            *schedule_rows,
            END,
        ]
    )
    print("\n".join(summary))
    if args.write:
        readme = HERE / "README.md"
        text = readme.read_text(encoding="utf-8")
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
        readme.write_text(text, encoding="utf-8")
        print(f"wrote {readme}")


if __name__ == "__main__":
    sys.exit(main())
