"""Replayer (snapshots) gives exactly what replay() (training from step 0) gives, for every optimizer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lr_widgets import Replayer, optimizer_specs, replay, simulate
from lr_widgets.core.toy import toy_problem

# (scheduler, kwargs) each optimizer is replayed with; the order of visits goes back and forth
SCHEDULERS = [
    ("CosineAnnealingLR", {}),
    ("OneCycleLR", {"max_lr": 0.05, "cycle_momentum": False}),
    ("SequentialLR", None),
    ("ReduceLROnPlateau", {"patience": 2}),
    ("LambdaLR", {"lr_lambda": "0.97 ** epoch"}),
    ("CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5, "cycle_momentum": False, "scale_fn": "1/x"}),
]
VISITS = [25, 3, 38, 14, 14, 0, 40, 21, 22, 7]


def _equal(x, y) -> None:
    if isinstance(x, torch.Tensor):
        assert isinstance(y, torch.Tensor) and torch.equal(x, y)
    elif isinstance(x, dict):
        assert x.keys() == y.keys()
        for k in x:
            _equal(x[k], y[k])
    elif isinstance(x, (list, tuple)):
        assert len(x) == len(y)
        for xi, yi in zip(x, y):
            _equal(xi, yi)
    else:
        assert x == y


def _same(a, b) -> None:
    """Two Replay objects hold bit-identical parameters, optimizer state and scheduler state."""
    assert a.step == b.step
    params_a = [p for g in a.optimizer.param_groups for p in g["params"]]
    params_b = [p for g in b.optimizer.param_groups for p in g["params"]]
    for pa, pb in zip(params_a, params_b, strict=True):
        assert torch.equal(pa, pb)
    sa, sb = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert [{k: v for k, v in g.items()} for g in sa["param_groups"]] == [dict(g) for g in sb["param_groups"]]
    assert [list(g) for g in a.optimizer.param_groups] == [list(g) for g in b.optimizer.param_groups], "same order"
    assert sa["state"].keys() == sb["state"].keys()
    for key in sa["state"]:
        _equal(sa["state"][key], sb["state"][key])
    if a.scheduler is not None:
        assert a.scheduler.last_epoch == b.scheduler.last_epoch
        assert a.scheduler.get_last_lr() == b.scheduler.get_last_lr()


@pytest.mark.parametrize("optimizer", list(optimizer_specs()))
def test_replayer_equals_replay_from_zero_for_every_optimizer(optimizer: str) -> None:
    scheduler, kwargs = (
        SCHEDULERS[hash(optimizer) % len(SCHEDULERS)]
        if False
        else SCHEDULERS[list(optimizer_specs()).index(optimizer) % len(SCHEDULERS)]
    )
    trace = simulate(optimizer, None, scheduler, kwargs, steps=40, metric="loss")
    replayer = Replayer(trace, every=6)
    for step in VISITS:
        _same(replayer.at(step), replay(trace, step))


def test_replayer_on_your_own_parameters() -> None:
    toy = toy_problem(2)
    groups = [[(name, p) for name, p in members] for members in toy.groups]
    before = [p.detach().clone() for members in toy.groups for _, p in members]
    trace = simulate("Adam", None, "StepLR", {"step_size": 5}, steps=30, param_groups=[{}, {"lr": 0.01}])
    replayer = Replayer(trace, parameters=groups, every=4)
    for step in (17, 2, 30, 9):
        _same(replayer.at(step), replay(trace, step, parameters=groups))
    after = [p.detach() for members in toy.groups for _, p in members]
    assert all(torch.equal(x, y) for x, y in zip(before, after)), "the given parameters are never trained"


def test_cursor_moves_cost_at_most_a_snapshot_interval() -> None:
    trace = simulate("SGD", {"momentum": 0.9}, "CosineAnnealingLR", None, steps=2_000)
    replayer = Replayer(trace)
    assert replayer.every == 100
    assert replayer.cost(1_500) == 1_500
    replayer.at(1_500)
    assert replayer.cost(1_501) == 1
    assert replayer.cost(1_234) == 34, "back to the snapshot at step 1200"
    assert replayer.cost(0) == 0
    assert not replayer.advance(1_999, limit=10) and replayer.cost(1_999) == 1_999 - 1_510
    np.testing.assert_array_equal([g["lr"] for g in replayer.at(1_999).optimizer.param_groups], trace.lr[1_999])


def test_snapshots_of_a_large_model_are_spaced_to_fit_the_memory_budget() -> None:
    big = [[("weight", torch.zeros(1_000, 1_000, requires_grad=True))]]
    trace = simulate("Adam", None, "CosineAnnealingLR", None, steps=10_000)
    replayer = Replayer(trace, parameters=big, memory=100 * 2**20)
    # 12 MB per snapshot (the weight and Adam's two moments): 8 fit in 100 MB
    assert replayer.every == 1_250


def test_a_trace_that_trains_the_same_way_keeps_the_snapshots() -> None:
    short = simulate("Adam", None, "StepLR", {"step_size": 30}, steps=600)
    longer = simulate("Adam", None, "StepLR", {"step_size": 30}, steps=900)
    replayer = Replayer(short)
    assert replayer.cost(550) == 550
    assert replayer.prepare(10_000) and not replayer.prepare(10_000), "trained ahead to the end, then nothing to do"
    assert replayer.retrace(longer) and replayer.trace is longer
    assert replayer.cost(550) <= 100 and replayer.cost(850) > 100
    _same(replayer.at(850), replay(longer, 850))
    _same(replayer.at(420), replay(longer, 420))
    assert replayer.retrace(short) and replayer.cost(599) <= 100, "back to the shorter run: snapshots up to its end"
    # another lr, or a run length that follows steps, trains another way
    assert not replayer.retrace(simulate("Adam", {"lr": 0.01}, "StepLR", {"step_size": 30}, steps=600))
    follows = simulate("Adam", None, "CosineAnnealingLR", None, steps=600)
    assert not Replayer(follows).retrace(simulate("Adam", None, "CosineAnnealingLR", None, steps=900))
    plateau = simulate("SGD", None, "ReduceLROnPlateau", None, steps=300, metric=[1.0] * 300)
    assert Replayer(plateau).retrace(simulate("SGD", None, "ReduceLROnPlateau", None, steps=400, metric=[1.0] * 400))
    assert not Replayer(plateau).retrace(
        simulate("SGD", None, "ReduceLROnPlateau", None, steps=300, metric=[1.0] * 299 + [0.5])
    )


def test_training_ahead_stops_where_it_is_told() -> None:
    replayer = Replayer(simulate("SGD", {"momentum": 0.9}, "StepLR", {"step_size": 50}, steps=1_000))
    while replayer.prepare(64, until=450):
        pass
    assert replayer.cost(449) <= 100 and replayer.cost(999) > 500


def test_training_ahead_leaves_the_visited_run_where_it_is() -> None:
    trace = simulate("Adam", None, "CosineAnnealingLR", None, steps=1_000)
    replayer = Replayer(trace)
    replayer.at(150)
    while replayer.prepare(64):
        pass
    assert replayer.cost(151) == 1, "the next step on from the visited one is one step away"
    _same(replayer.at(151), replay(trace, 151))
    _same(replayer.at(977), replay(trace, 977))


def test_toy_work_runs_with_one_thread_and_gives_back_the_users_setting(monkeypatch) -> None:
    seen = []
    trace = simulate("AdamW", None, "OneCycleLR", None, steps=40)
    expected = replay(trace, 40)
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        original = Replayer.advance

        def watched(self, step, limit=None):
            seen.append(torch.get_num_threads())  # outside the scope: the user's setting
            return original(self, step, limit)

        monkeypatch.setattr(Replayer, "advance", watched)
        monkeypatch.setattr(torch.optim.AdamW, "step", _counting(torch.optim.AdamW.step, seen))
        at = Replayer(trace).at(40)
        assert torch.get_num_threads() == 3, "the user's setting is back"
    finally:
        torch.set_num_threads(before)
    assert seen[0] == 3 and set(seen[1:]) == {1}, "each training step ran with one thread"
    _same(at, expected)


def _counting(step, seen):
    def counted(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return step(self, *args, **kwargs)

    return counted
