"""param_groups / state summaries and replay(), checked against the optimizers torch builds."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn
from torch_reference import SGD_LESSON_KEYS

from lr_widgets import ParamInfo, TensorInfo, optimizer_specs, param_groups_summary, replay, simulate, state_summary

# State entries whose shape is not the parameter's, as torch keeps them.
NOT_PARAMETER_SHAPED = {
    ("Adafactor", "row_var"),
    ("Adafactor", "col_var"),
    ("Adafactor", "step"),
    ("LBFGS", "d"),
    ("LBFGS", "H_diag"),
    ("LBFGS", "prev_flat_grad"),
}


def _state_dict_copy(opt: torch.optim.Optimizer) -> dict:
    return copy.deepcopy(opt.state_dict())


def _assert_same_state_dict(a: dict, b: dict) -> None:
    assert a["param_groups"] == b["param_groups"]
    assert a["state"].keys() == b["state"].keys()
    for index in a["state"]:
        for key, value in a["state"][index].items():
            other = b["state"][index][key]
            if isinstance(value, torch.Tensor):
                assert torch.equal(value, other)
            elif isinstance(value, list):
                assert len(value) == len(other)
            else:
                assert value == other


@pytest.mark.parametrize("optimizer", list(optimizer_specs()))
def test_state_after_one_step_is_described_as_torch_holds_it(optimizer: str) -> None:
    kwargs = {"momentum": 0.9} if optimizer == "SGD" else None  # SGD keeps no state without momentum
    at1 = replay(simulate(optimizer, kwargs, "StepLR", {"step_size": 1}, steps=3), 1)
    opt = at1.optimizer
    before = _state_dict_copy(opt)
    summary = state_summary(opt, at1.model)
    _assert_same_state_dict(before, _state_dict_copy(opt))  # describing changes nothing

    names = dict(at1.model.named_parameters())
    trained = [p for group in opt.param_groups for p in group["params"]]
    assert list(summary) == [name for name, p in names.items() if any(p is q for q in trained)]
    for name, entries in summary.items():
        parameter = names[name]
        torch_state = opt.state.get(parameter, {})
        assert list(entries) == list(torch_state), "every key torch keeps, in torch's order"
        # LBFGS keeps all of its state on the first parameter.
        assert bool(entries) == (optimizer != "LBFGS" or name == "input.weight"), (optimizer, name)
        for key, info in entries.items():
            value = torch_state[key]
            if isinstance(value, torch.Tensor):
                assert isinstance(info, TensorInfo)
                assert info.shape == tuple(value.shape)
                assert info.dtype == str(value.dtype).removeprefix("torch.")
                if value.dim() == 0:
                    assert info.value == value.item()
                elif (optimizer, key) not in NOT_PARAMETER_SHAPED:
                    assert info.shape == tuple(parameter.shape), (optimizer, key)
            elif isinstance(value, list):
                assert len(info) == len(value)
            else:
                assert info == value and type(info) is type(value)


def test_adam_keeps_a_0d_step_and_parameter_shaped_averages() -> None:
    at1 = replay(simulate("Adam", steps=2), 1)
    entry = state_summary(at1.optimizer, at1.model)["input.weight"]
    assert entry["step"] == TensorInfo((), "float32", 1.0)
    assert entry["exp_avg"].shape == entry["exp_avg_sq"].shape == (8, 4)
    assert str(entry["exp_avg"]) == "float32 (8, 4)"


def test_adafactor_keeps_factored_row_and_column_variances() -> None:
    at1 = replay(simulate("Adafactor", steps=2), 1)
    entry = state_summary(at1.optimizer, at1.model)["input.weight"]
    assert entry["row_var"].shape == (8, 1) and entry["col_var"].shape == (1, 4)


def test_rmsprop_state_and_lbfgs_plain_entries() -> None:
    at2 = replay(simulate("RMSprop", {"momentum": 0.9}, steps=3), 2)
    assert set(state_summary(at2.optimizer, at2.model)["head.weight"]) == {"step", "square_avg", "momentum_buffer"}
    lbfgs = replay(simulate("LBFGS", steps=2), 1)
    entry = state_summary(lbfgs.optimizer, lbfgs.model)["input.weight"]
    assert isinstance(entry["n_iter"], int) and isinstance(entry["func_evals"], int)
    assert isinstance(entry["old_dirs"], list)


def test_state_is_empty_before_the_first_step() -> None:
    at0 = replay(simulate("Adam", steps=5), 0)
    summary = state_summary(at0.optimizer, at0.model)
    assert summary and all(entries == {} for entries in summary.values())


def test_param_groups_summary_has_every_key_in_torchs_order() -> None:
    at3 = replay(
        simulate(
            "SGD", {"momentum": 0.9}, "OneCycleLR", {"max_lr": 0.1}, steps=20, param_groups=[{"weight_decay": 1e-4}, {}]
        ),
        3,
    )
    summary = param_groups_summary(at3.optimizer, at3.model)
    assert len(summary) == 2
    for entry, group in zip(summary, at3.optimizer.param_groups):
        assert list(entry) == list(group)
        assert set(SGD_LESSON_KEYS) <= set(entry)
        assert entry["initial_lr"] == group["initial_lr"]  # added by the scheduler
        assert entry["momentum"] == group["momentum"]  # rewritten by OneCycleLR
        assert all(isinstance(p, ParamInfo) for p in entry["params"])
    assert [str(p) for p in summary[0]["params"]] == [
        "input.weight (8, 4)",
        "input.bias (8,)",
        "hidden.weight (8, 8)",
        "hidden.bias (8,)",
    ]
    assert [p.name for p in summary[1]["params"]] == ["head.weight", "head.bias"]
    assert summary[0]["weight_decay"] == 1e-4
    # a group without overrides lists torch's defaults in torch's order, as in the lesson
    assert list(summary[1])[: len(SGD_LESSON_KEYS)] == SGD_LESSON_KEYS


def test_names_for_a_users_optimizer() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    plain = torch.optim.Adam(model.parameters())
    fallback = [p.name for p in param_groups_summary(plain)[0]["params"]]
    assert fallback == ["group 0 · param 0", "group 0 · param 1", "group 0 · param 2", "group 0 · param 3"]
    assert [p.name for p in param_groups_summary(plain, model)[0]["params"]] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    by_tensor = {p: n for n, p in model.named_parameters()}
    assert list(state_summary(plain, by_tensor)) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    named = torch.optim.SGD(model.named_parameters(), lr=0.1)  # torch keeps param_names itself
    assert [p.name for p in param_groups_summary(named)[0]["params"]] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_tensor_lr_is_described_not_copied() -> None:
    opt = torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=torch.tensor(0.01))
    assert param_groups_summary(opt)[0]["lr"] == TensorInfo((), "float32", pytest.approx(0.01))


@pytest.mark.parametrize(
    "scheduler,kwargs",
    [
        ("CosineAnnealingLR", {"T_max": 10}),
        ("OneCycleLR", {"max_lr": 0.1}),
        ("ReduceLROnPlateau", {"patience": 1}),
        ("SequentialLR", None),
    ],
)
def test_replay_is_the_trace_at_step_k(scheduler: str, kwargs) -> None:
    trace = simulate(
        "Adam", None, scheduler, kwargs, steps=15, param_groups=[{"lr": 1e-3}, {"lr": 1e-2}], metric="loss"
    )
    for k in (0, 1, 7, 15):
        at = replay(trace, k)
        lrs = [group["lr"] for group in at.optimizer.param_groups]
        np.testing.assert_allclose(lrs, trace.lr[k], rtol=1e-12)
        np.testing.assert_allclose([g["betas"][0] for g in at.optimizer.param_groups], trace.momentum[k], rtol=1e-12)
        assert at.scheduler.last_epoch == k or scheduler == "SequentialLR"
        if k:
            steps_taken = {float(s["step"]) for s in at.optimizer.state.values()}
            assert steps_taken == {float(k)}


def test_replay_is_deterministic_and_really_trains() -> None:
    trace = simulate("SGD", {"lr": 0.1, "momentum": 0.9}, "StepLR", {"step_size": 5}, steps=10)
    first, second = replay(trace, 6), replay(trace, 6)
    for a, b in zip(first.model.parameters(), second.model.parameters()):
        assert torch.equal(a, b)
    start = replay(trace, 0)
    assert any(not torch.equal(a, b) for a, b in zip(first.model.parameters(), start.model.parameters()))
    rng = torch.get_rng_state()
    replay(trace, 3)
    assert torch.equal(rng, torch.get_rng_state())
