"""Where people run lr_widgets: a CPU shared with a browser and a Jupyter server.

Run from the repository root (a few minutes)::

    python benchmarks/bench_contention.py            # print the table
    python benchmarks/bench_contention.py --write    # and put it into benchmarks/README.md

Each measurement runs twice in one run, side by side: on the quiet machine, and with ``--busy``
(default 2) busy processes competing for the cores, as a JupyterLab server, a browser and a
kernel do. The busy processes are started here, bounded in time, and stopped afterwards.
The targets are read under contention.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib

matplotlib.use("module://ipympl.backend_nbagg")  # the Explorer's canvas, as in a notebook

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from lr_widgets import Explorer, simulate, trajectory  # noqa: E402
from lr_widgets.core.simulate import Replayer  # noqa: E402
from lr_widgets.view.pacing import running_loop  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_schedule import bare_figure, machine, median_ms  # noqa: E402

#: The module, not the function ``lr_widgets.core.simulate`` that its package exports under the same name.
core_simulate = importlib.import_module("lr_widgets.core.simulate")
HERE = Path(__file__).resolve().parent
START, END = "<!-- contention table: start -->", "<!-- contention table: end -->"
#: The longest a busy process lives, should this script be killed before it stops them.
BUSY_LIMIT = 1_800


@contextlib.contextmanager
def busy(n: int) -> Iterator[None]:
    """``n`` processes spinning on a core each, for as long as the block runs."""
    spin = f"import time\nend = time.monotonic() + {BUSY_LIMIT}\nwhile time.monotonic() < end:\n    pass\n"
    spinners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(n)]
    time.sleep(0.5)  # let them get going
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def median_s(run: Callable[[], object], repeats: int) -> float:
    return median_ms(run, repeats) / 1e3


@contextlib.contextmanager
def default_threads() -> Iterator[None]:
    """The panel's training as before: with torch's default number of threads."""
    one = core_simulate.one_thread
    core_simulate.one_thread = contextlib.nullcontext  # type: ignore[assignment]
    try:
        yield
    finally:
        core_simulate.one_thread = one


def panel_cold(steps: int, at: int) -> float:
    """The panel at step ``at`` of a fresh AdamW + OneCycleLR run, nothing trained ahead (the worst case)."""
    explorer = Explorer("AdamW", "OneCycleLR", steps=steps)
    try:
        start = time.perf_counter()
        explorer.step = at
        return time.perf_counter() - start
    finally:
        explorer.close()


def panel_after_idle(steps: int, at: int) -> tuple[float, float, float]:
    """The Explorer in a running event loop, as in a kernel: how long until training ahead covers
    the run, the longest slice of it (what a control change may wait), and then the panel at ``at``."""

    async def main() -> tuple[float, float, float]:
        explorer = Explorer("AdamW", "OneCycleLR", steps=steps)
        loop = asyncio.get_running_loop()
        start = loop.time()
        longest = 0.0
        try:
            while explorer.inspector.cost(steps - 1) > 100:
                asked = loop.time()
                await asyncio.sleep(0)
                longest = max(longest, loop.time() - asked)
            covered = loop.time() - start
            visit = time.perf_counter()
            explorer.step = at
            return covered, longest, time.perf_counter() - visit
        finally:
            explorer.close()

    assert running_loop() is None
    return asyncio.run(main())


def training_step_ms() -> tuple[float, float]:
    """One real training step of the toy model (AdamW + OneCycleLR): torch's default threads, and one."""
    trace = simulate("AdamW", None, "OneCycleLR", None, steps=3_000)

    def steps() -> None:
        Replayer(trace).at(500)

    with default_threads():
        default = median_s(steps, 3) / 500
    return default * 1e3, median_s(steps, 3) / 500 * 1e3


STARTUP = """
import time
start = time.perf_counter()
import lr_widgets
imported = time.perf_counter()
from matplotlib.backends.backend_agg import FigureCanvasAgg
explorer = lr_widgets.explore()
FigureCanvasAgg.draw(explorer.figure.canvas)
assert explorer.panel
print(imported - start, time.perf_counter() - start)
"""


def startup_s() -> tuple[float, float]:
    """``import lr_widgets``, and import + the first Explorer with its panel, drawn: in a new process."""
    runs = []
    env = {**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg"}
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, check=True, env=env)
        runs.append([float(x) for x in out.stdout.split()])
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def render_ms(steps: int = 10_000) -> tuple[float, float]:
    """Explorer update + the Agg render ipympl sends, and a bare one-line figure redrawn the same way."""
    bare, bare_update = bare_figure((5.0, 3.6))  # the Explorer's size
    values = iter(range(10**9))
    explorer = Explorer(steps=steps)
    lr = explorer.controls["optimizer.lr"]

    def update() -> None:
        lr.value = 0.01 * (1 + next(values) % 7)
        FigureCanvasAgg.draw(explorer.figure.canvas)

    update()
    bare_update()
    # interleaved, so that both see the same machine
    ours, floor = [], []
    for _ in range(15):
        ours.append(median_s(update, 1))
        floor.append(median_s(bare_update, 1))
    explorer.close()
    plt.close(bare)
    return statistics.median(ours) * 1e3, statistics.median(floor) * 1e3


def effect_ms(steps: int = 1_000) -> tuple[float, float]:
    """Explorer update with the effect view shown (Adam on Rosenbrock): the schedule, the path of ``steps`` steps
    on the landscape, both figures rendered with Agg; and the path alone (``trajectory``, the torch loop)."""
    values = iter(range(10**9))
    explorer = Explorer("Adam", "CosineAnnealingLR", optimizer_kwargs={"lr": 0.05}, steps=steps, show="both")
    lr = explorer.controls["optimizer.lr"]

    def update() -> None:
        lr.value = 0.05 * (1 + next(values) % 7 / 10)
        FigureCanvasAgg.draw(explorer.figure.canvas)
        FigureCanvasAgg.draw(explorer.effect.plot.figure.canvas)

    update()
    shown = median_s(update, 9)
    path = median_s(lambda: trajectory(explorer.trace.config), 9)
    explorer.close()
    return shown * 1e3, path * 1e3


def measure() -> dict[str, float]:
    results: dict[str, float] = {}
    results["step_default_ms"], results["step_one_ms"] = training_step_ms()
    with default_threads():
        results["panel_1k_default_threads"] = panel_cold(1_000, 900)
    results["panel_1k_cold"] = panel_cold(1_000, 900)
    results["ahead_1k"], results["slice_1k"], results["panel_1k_warm"] = panel_after_idle(1_000, 900)
    results["panel_10k_cold"] = panel_cold(10_000, 9_000)
    results["ahead_10k"], results["slice_10k"], results["panel_10k_warm"] = panel_after_idle(10_000, 9_000)
    results["import"], results["startup"] = startup_s()
    results["render"], results["bare"] = render_ms()
    results["effect"], results["path"] = effect_ms()
    return results


ROWS: list[tuple[str, str, Callable[[dict[str, float]], str], str]] = [
    # (what, target, how a value is written, key)
    (
        "a toy training step (AdamW + OneCycleLR), torch's default threads",
        "",
        lambda r: f"{r['step_default_ms']:.2f} ms",
        "",
    ),
    ("a toy training step, one thread (what lr_widgets runs)", "", lambda r: f"{r['step_one_ms']:.2f} ms", ""),
    (
        "panel at step 900 of 1k, nothing trained ahead, default threads",
        "",
        lambda r: f"{r['panel_1k_default_threads']:.2f} s",
        "",
    ),
    (
        "panel at step 900 of 1k, nothing trained ahead",
        "<= 0.5 s",
        lambda r: f"{r['panel_1k_cold']:.2f} s",
        "panel_1k_cold",
    ),
    ("training ahead covers the 1k run (kernel idle)", "", lambda r: f"{r['ahead_1k']:.2f} s", ""),
    (
        "panel at step 900 of 1k, after training ahead",
        "<= 0.5 s",
        lambda r: f"{r['panel_1k_warm']:.3f} s",
        "panel_1k_warm",
    ),
    (
        "panel at step 9,000 of 10k, nothing trained ahead",
        "<= 2 s",
        lambda r: f"{r['panel_10k_cold']:.2f} s",
        "panel_10k_cold",
    ),
    ("training ahead covers the 10k run (kernel idle)", "", lambda r: f"{r['ahead_10k']:.1f} s", ""),
    (
        "panel at step 9,000 of 10k, after training ahead",
        "<= 2 s",
        lambda r: f"{r['panel_10k_warm']:.3f} s",
        "panel_10k_warm",
    ),
    (
        "longest slice of training ahead (what a control change waits)",
        "short",
        lambda r: f"{1e3 * max(r['slice_1k'], r['slice_10k']):.0f} ms",
        "",
    ),
    ("import lr_widgets (new process)", "", lambda r: f"{r['import']:.2f} s", ""),
    ("import + first Explorer drawn with its panel", "<= 3 s", lambda r: f"{r['startup']:.2f} s", "startup"),
    ("Explorer update + Agg render, 10k steps", "", lambda r: f"{r['render']:.1f} ms", ""),
    ("bare one-line figure, set_ydata + Agg render", "", lambda r: f"{r['bare']:.1f} ms", ""),
    ("ratio update+render / bare", "<= 1.5x", lambda r: f"{r['render'] / r['bare']:.2f}x", "ratio"),
    ("the path of 1k steps on the landscape (Adam, the torch loop)", "", lambda r: f"{r['path']:.0f} ms", ""),
    (
        "Explorer update with the effect view shown, 1k steps: both figures rendered",
        "<= 250 ms",
        lambda r: f"{r['effect']:.0f} ms",
        "effect",
    ),
]

LIMITS = {
    "panel_1k_cold": 0.5,
    "panel_1k_warm": 0.5,
    "panel_10k_cold": 2.0,
    "panel_10k_warm": 2.0,
    "startup": 3.0,
    "ratio": 1.5,
    "effect": 250.0,
}


def met(results: dict[str, float], key: str) -> str:
    if not key:
        return ""
    value = results["render"] / results["bare"] if key == "ratio" else results[key]
    return "met" if value <= LIMITS[key] else "**not met**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=2, help="busy processes competing for the cores (default 2)")
    parser.add_argument("--write", action="store_true", help="put the table into benchmarks/README.md")
    args = parser.parse_args()
    print(machine(), flush=True)
    print("quiet ...", flush=True)
    quiet = measure()
    print(f"with {args.busy} busy processes ...", flush=True)
    with busy(args.busy):
        loaded = measure()
    rows = [
        f"| | quiet | {args.busy} busy processes | target (under contention) | |",
        "|---|---:|---:|---|---|",
    ]
    for what, target, show, key in ROWS:
        rows.append(f"| {what} | {show(quiet)} | {show(loaded)} | {target} | {met(loaded, key)} |")
    block = "\n".join(
        [
            START,
            f"Measured {time.strftime('%Y-%m-%d')} on: {machine()}; torch threads by default: "
            f"{torch.get_num_threads()}.",
            "",
            *rows,
            END,
        ]
    )
    print(block)
    if args.write:
        readme = HERE / "README.md"
        text = readme.read_text(encoding="utf-8")
        if START in text:
            text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
        else:
            text += "\n" + block + "\n"
        readme.write_text(text, encoding="utf-8")
        print(f"wrote {readme}")


if __name__ == "__main__":
    sys.exit(main())
