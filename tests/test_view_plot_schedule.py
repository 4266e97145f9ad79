"""plot_schedule draws a trace on any matplotlib axes, the same numbers as a plain ax.plot of trace.lr."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from lr_widgets import plot_schedule, record, simulate


def test_plot_schedule_on_given_axes_draws_each_group_and_the_tail() -> None:
    trace = simulate("AdamW", None, "OneCycleLR", {"max_lr": 0.01}, steps=50, param_groups=[{"lr": 1e-4}, {}])
    fig, (left, right) = plt.subplots(1, 2)
    try:
        assert plot_schedule(trace, right) is right and not left.lines
        solid = [line for line in right.lines if line.get_linestyle() == "-"]
        assert [line.get_label() for line in solid] == ["lr · body", "lr · head"]
        for g, line in enumerate(solid):
            np.testing.assert_array_equal(line.get_ydata(), trace.lr[:-1, g])
        dotted = [line for line in right.lines if line.get_linestyle() == ":" and len(line.get_xdata()) == 2]
        assert len(dotted) == 2 and dotted[0].get_ydata()[-1] == trace.lr[-1, 0]
        assert right.get_xlabel() == "optimizer step" and "OneCycleLR" in right.get_title()
    finally:
        plt.close(fig)


def test_plot_schedule_on_the_current_axes_with_epochs_and_marks() -> None:
    trace = simulate("SGD", None, "MultiStepLR", {"milestones": [20, 40]}, steps=60)
    fig = plt.figure()
    try:
        ax = plot_schedule(trace, steps_per_epoch=10, in_epochs=True)
        assert ax is plt.gca()
        verticals = [line for line in ax.lines if len(set(line.get_xdata())) == 1]
        assert sorted(line.get_xdata()[0] for line in verticals) == [2.0, 4.0]
        assert ax.get_xlabel() == "epoch (10 steps each)"
    finally:
        plt.close(fig)


def test_plot_schedule_draws_a_recorded_trace() -> None:
    optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.9**step)
    fig, ax = plt.subplots()
    try:
        plot_schedule(record(optimizer, scheduler, steps=20), ax)
        np.testing.assert_allclose(ax.lines[0].get_ydata(), 0.1 * 0.9 ** np.arange(20), rtol=1e-12)
    finally:
        plt.close(fig)
