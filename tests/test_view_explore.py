"""explore() on the user's own optimizer and scheduler: starts from their settings, changes nothing of theirs."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import traitlets
from torch import nn
from torch.optim import lr_scheduler as S

from lr_widgets import explore, simulate


def _snapshot(model, optimizer, scheduler):
    return (
        copy.deepcopy(optimizer.state_dict()),
        copy.deepcopy(scheduler.state_dict()) if scheduler is not None else None,
        [dict((k, v) for k, v in g.items() if k != "params") for g in optimizer.param_groups],
        [[id(p) for p in g["params"]] for g in optimizer.param_groups],
        [p.detach().clone() for p in model.parameters()],
        [None if p.grad is None else p.grad.clone() for p in model.parameters()],
    )


def _assert_unchanged(before, after) -> None:
    opt_a, sched_a, groups_a, ids_a, params_a, grads_a = before
    opt_b, sched_b, groups_b, ids_b, params_b, grads_b = after
    assert opt_a["param_groups"] == opt_b["param_groups"]
    assert opt_a["state"].keys() == opt_b["state"].keys()
    for index, state in opt_a["state"].items():
        for key, value in state.items():
            assert (
                torch.equal(value, opt_b["state"][index][key])
                if isinstance(value, torch.Tensor)
                else (value == opt_b["state"][index][key])
            )
    if sched_a is not None:
        assert set(sched_a) == set(sched_b)
        for key in sched_a:
            if key not in ("_schedulers", "lr_lambdas"):
                assert sched_a[key] == sched_b[key], key
    assert groups_a == groups_b and ids_a == ids_b
    assert all(torch.equal(a, b) for a, b in zip(params_a, params_b))
    assert all((a is None and b is None) or torch.equal(a, b) for a, b in zip(grads_a, grads_b))


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))


def _trained(optimizer, model, scheduler=None, steps=3) -> None:
    x = torch.randn(8, 1, 8, 8)
    for _ in range(steps):
        optimizer.zero_grad()
        model(x).square().mean().backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()


def test_explore_starts_from_the_users_adamw_and_one_cycle(explorers) -> None:
    model = _model()
    backbone, head = list(model[0].parameters()), list(model[3].parameters())
    optimizer = torch.optim.AdamW(
        [{"params": backbone, "lr": 1e-4}, {"params": head}], lr=1e-3, weight_decay=0.05, betas=(0.85, 0.99)
    )
    scheduler = S.OneCycleLR(optimizer, max_lr=[1e-3, 1e-2], epochs=4, steps_per_epoch=25, pct_start=0.25)
    _trained(optimizer, model, scheduler)
    before = _snapshot(model, optimizer, scheduler)

    explorer = explore(optimizer, scheduler, model=model)
    try:
        assert explorer.status == "", explorer.status
        assert explorer.trace.optimizer == "AdamW" and explorer.trace.scheduler == "OneCycleLR"
        assert explorer.trace.optimizer_kwargs == {"weight_decay": 0.05, "betas": (0.85, 0.99)}
        assert explorer.trace.steps == 100
        kwargs = explorer.trace.scheduler_kwargs
        assert kwargs["total_steps"] == 100 and kwargs["pct_start"] == 0.25
        assert explorer.controls["groups"].value == 2
        # drive it: the user's objects stay as they were
        explorer.controls["optimizer.lr"].value = 0.5
        explorer.controls["scheduler.pct_start"].value = 0.4
        explorer.controls["step"].value = 30
        explorer.controls["optimizer"].value = "SGD"
    finally:
        explorer.close()
    _assert_unchanged(before, _snapshot(model, optimizer, scheduler))


@pytest.mark.parametrize(
    "make_scheduler,expected",
    [
        (
            lambda o: S.CosineAnnealingLR(o, T_max=40, eta_min=1e-4),
            ("CosineAnnealingLR", {"T_max": 40, "eta_min": 1e-4}),
        ),
        (
            lambda o: S.MultiStepLR(o, milestones=[30, 10], gamma=0.5),
            ("MultiStepLR", {"milestones": [30, 10], "gamma": 0.5}),  # as given: torch runs them so
        ),
        (
            lambda o: S.CyclicLR(o, 1e-3, 1e-2, step_size_up=8, step_size_down=4, mode="triangular2"),
            (
                "CyclicLR",
                {"base_lr": 1e-3, "max_lr": 1e-2, "step_size_up": 8, "step_size_down": 4, "mode": "triangular2"},
            ),
        ),
        (
            lambda o: S.SequentialLR(
                o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.ExponentialLR(o, gamma=0.9)], milestones=[5]
            ),
            (
                "SequentialLR",
                {
                    "schedulers": [
                        ("LinearLR", {"start_factor": 0.1}),  # total_iters=5 is torch's default: kept, not filled
                        ("ExponentialLR", {"gamma": 0.9}),
                    ],
                    "milestones": [5],
                },
            ),
        ),
        (
            lambda o: S.ReduceLROnPlateau(o, patience=4, factor=0.5),
            ("ReduceLROnPlateau", {"patience": 4, "factor": 0.5}),
        ),
    ],
)
def test_explore_reads_the_schedulers_arguments(make_scheduler, expected) -> None:
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = make_scheduler(optimizer)
    before = _snapshot(model, optimizer, scheduler)
    explorer = explore(optimizer, scheduler, model=model, steps=60)
    try:
        name, kwargs = expected
        assert explorer.trace.scheduler == name
        for key, value in kwargs.items():
            assert explorer.trace.scheduler_kwargs[key] == value, key
        assert explorer.trace.optimizer_kwargs == {"lr": 0.1, "momentum": 0.9}
        assert explorer.status == "" or "ReduceLROnPlateau" not in explorer.status
    finally:
        explorer.close()
    _assert_unchanged(before, _snapshot(model, optimizer, scheduler))


def test_explore_with_a_lambda_reproduces_the_users_schedule() -> None:
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = S.LambdaLR(optimizer, lambda epoch: 0.5 ** (epoch // 10))
    explorer = explore(optimizer, scheduler, steps=40)
    try:
        np.testing.assert_allclose(explorer.trace.lr[:, 0], 0.1 * 0.5 ** (np.arange(41) // 10), rtol=1e-12)
    finally:
        explorer.close()


def test_explore_without_arguments_is_the_default_app() -> None:
    explorer = explore()
    try:
        np.testing.assert_array_equal(explorer.trace.lr, simulate().lr)
    finally:
        explorer.close()


def test_the_panel_shows_the_users_parameters_by_name() -> None:
    model = _model()
    optimizer = torch.optim.Adam([{"params": model[0].parameters()}, {"params": model[3].parameters(), "lr": 1e-2}])
    before = _snapshot(model, optimizer, None)
    explorer = explore(optimizer, model=model, steps=20)
    try:
        explorer.controls["step"].value = 3
        panel = explorer.panel
        assert "0.weight (4, 1, 3, 3)" in panel and "3.weight (10, 144)" in panel
        assert "exp_avg_sq       float32 (10, 144)" in panel
        assert "step             tensor(3, float32)" in panel
        # the groups are the user's: another split is not offered (it would swap in the toy model unseen)
        assert explorer.controls["groups"].disabled
        with pytest.raises(traitlets.TraitError):
            explorer.controls["groups"].value = 3
        assert "3.weight (10, 144)" in explorer.panel and "input.weight" not in explorer.panel
    finally:
        explorer.close()
    _assert_unchanged(before, _snapshot(model, optimizer, None))


def test_per_group_max_lr_is_kept() -> None:
    model = _model()
    optimizer = torch.optim.AdamW([{"params": model[0].parameters()}, {"params": model[3].parameters()}])
    scheduler = S.OneCycleLR(optimizer, max_lr=[1e-3, 1e-2], total_steps=50)
    explorer = explore(optimizer, scheduler, model=model)
    try:
        assert explorer.trace.scheduler_kwargs["max_lr"] == [1e-3, 1e-2]
        reference = torch.optim.AdamW([{"params": [torch.zeros(2, requires_grad=True)]} for _ in range(2)])
        reference_scheduler = S.OneCycleLR(reference, max_lr=[1e-3, 1e-2], total_steps=50)
        expected = [reference_scheduler.get_last_lr()]
        for _ in range(50):
            reference.step()
            reference_scheduler.step()
            expected.append(reference_scheduler.get_last_lr())
        np.testing.assert_allclose(explorer.trace.lr, expected, rtol=1e-12)
        assert explorer.controls["scheduler.max_lr"].text_box.value == "0.001, 0.01"
    finally:
        explorer.close()


def test_explore_takes_a_name_or_an_object_for_each_and_none_is_a_constant_lr() -> None:
    from lr_widgets import Explorer

    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.8)
    before = _snapshot(model, optimizer, None)
    mine = explore(optimizer, "StepLR")
    constant = explore("SGD", None)
    default = explore()
    forwarded = explore("AdamW", "ReduceLROnPlateau", steps=60, metric="accuracy", optimizer_kwargs={"lr": 0.01},
                        scheduler_kwargs={"mode": "max"}, param_groups=[{}, {"lr": 0.1}])  # fmt: skip
    try:
        assert (mine.trace.optimizer, mine.trace.scheduler) == ("SGD", "StepLR")
        assert mine.trace.optimizer_kwargs == {"lr": 0.05, "momentum": 0.8}
        assert constant.trace.scheduler is None and np.all(constant.trace.lr == constant.trace.lr[0])
        assert default.trace.scheduler == "CosineAnnealingLR"
        legacy = explore(None, "StepLR")  # the first version's spelling of the default optimizer
        assert (legacy.trace.optimizer, legacy.trace.scheduler) == ("SGD", "StepLR")
        legacy.close()
        assert isinstance(forwarded, Explorer) and forwarded.trace.metric_source == "accuracy"
        assert forwarded.trace.steps == 60 and len(forwarded.trace.param_groups) == 2
    finally:
        for explorer in (mine, constant, default, forwarded):
            explorer.close()
    _assert_unchanged(before, _snapshot(model, optimizer, None))


def test_explore_says_what_it_could_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from lr_widgets.core import private

    optimizer = torch.optim.SGD(_model().parameters(), lr=0.1, momentum=0.9)
    scheduler = S.OneCycleLR(optimizer, max_lr=0.1, total_steps=50)
    monkeypatch.setitem(private.PRIVATE, "schedule_phases", "_renamed_in_a_future_torch")
    explorer = explore(optimizer, scheduler)
    try:
        assert "could not read your OneCycleLR's settings" in explorer.status
        assert explorer.trace.scheduler == "OneCycleLR"
    finally:
        explorer.close()


def test_your_optimizers_groups_stay_yours_and_no_scheduler_reads_as_such() -> None:
    model = _model()
    conv, head = list(model[0].parameters()), list(model[3].parameters())
    optimizer = torch.optim.AdamW([{"params": conv, "lr": 1e-4}, {"params": head}], lr=1e-3)
    explorer = explore(optimizer, model=model)
    try:
        explorer.settle()
        choice = explorer.controls["scheduler"]
        assert choice.value is None and choice.label == "(none: constant LR)", "not a blank box"
        choice.value = "StepLR"
        choice.value = None  # from code, too
        assert choice.label == "(none: constant LR)" and explorer.trace.scheduler is None
        # the groups are the optimizer's: two, named by number, not the toy model's body / head
        groups = explorer.controls["groups"]
        assert groups.disabled and groups.value == 2 and "your optimizer" in groups.tooltips[0]
        assert explorer.trace.group_names == ("group 0", "group 1")
        assert "group.group 0.lr" in explorer.controls and "group.body.lr" not in explorer.controls
        assert "optimizer.param_groups[0]  (group 0)" in explorer.panel
        assert "0.weight (4, 1, 3, 3)" in explorer.panel and "3.weight (10, 144)" in explorer.panel
        explorer.controls["group.group 0.lr"].value = 5e-4
        assert explorer.trace.lr[0, 0] == 5e-4 and "3.weight (10, 144)" in explorer.panel, "still your parameters"
        labels = [line.get_label() for line in explorer.plot.lr_lines if line.get_visible()]
        assert labels == ["lr · group 0", "lr · group 1"]
    finally:
        explorer.close()
