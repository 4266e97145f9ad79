"""Issue 16 (core): the recipes equal their formulas (Hugging Face transformers' schedules, written out
here), layerwise_groups on a real model, and trajectory equal to a hand-written torch loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from lr_widgets import FormulaError, InvalidValueError, simulate
from lr_widgets.core.trajectory import trajectory
from lr_widgets.recipes import inverse_sqrt, layerwise_groups, warmup_cosine, warmup_linear, warmup_stable_decay


# -- the formulas, as the issue gives them ----------------------------------------------------------
def f_warmup_cosine(step: int, steps: int, warmup: int, min_lr_ratio: float = 0.0) -> float:
    if step < warmup:
        return step / max(1, warmup)
    p = (step - warmup) / max(1, steps - warmup)
    c = 0.5 * (1 + math.cos(math.pi * p))
    return max(0, c * (1 - min_lr_ratio) + min_lr_ratio)


def f_warmup_linear(step: int, steps: int, warmup: int) -> float:
    if step < warmup:
        return step / max(1, warmup)
    return max(0, (steps - step) / max(1, steps - warmup))


def f_wsd(step: int, steps: int, warmup: int, decay: int, min_lr_ratio: float = 0.0, shape: str = "linear") -> float:
    stable = steps - warmup - decay
    if step < warmup:
        return step / max(1, warmup)
    if step < warmup + stable:
        return 1
    if step < steps:
        p = (step - warmup - stable) / max(1, decay)
        g = {"linear": 1 - p, "cosine": 0.5 * (1 + math.cos(math.pi * p)), "1-sqrt": 1 - math.sqrt(p)}[shape]
        return max(0, g * (1 - min_lr_ratio) + min_lr_ratio)
    return min_lr_ratio


def f_inverse_sqrt(step: int, warmup: int, timescale: int | None = None) -> float:
    if step < warmup:
        return step / max(1, warmup)
    timescale = timescale or warmup or 10000
    shift = timescale - warmup
    return 1 / math.sqrt((step + shift) / timescale)


BASE_LR = 0.3
CASES = [
    (warmup_cosine(200, 20), lambda s: f_warmup_cosine(s, 200, 20)),
    (warmup_cosine(200, 20, 0.1), lambda s: f_warmup_cosine(s, 200, 20, 0.1)),
    (warmup_cosine(200, 0, 0.05), lambda s: f_warmup_cosine(s, 200, 0, 0.05)),
    (warmup_linear(200, 30), lambda s: f_warmup_linear(s, 200, 30)),
    (warmup_linear(200, 0), lambda s: f_warmup_linear(s, 200, 0)),
    *[
        (warmup_stable_decay(200, 20, 50, ratio, shape), lambda s, r=ratio, h=shape: f_wsd(s, 200, 20, 50, r, h))
        for shape in ("linear", "cosine", "1-sqrt")
        for ratio in (0.0, 0.1)
    ],
    (warmup_stable_decay(200, 0, 200), lambda s: f_wsd(s, 200, 0, 200)),
    (inverse_sqrt(25), lambda s: f_inverse_sqrt(s, 25)),
    (inverse_sqrt(25, 100), lambda s: f_inverse_sqrt(s, 25, 100)),
    (inverse_sqrt(0), lambda s: f_inverse_sqrt(s, 0)),
]


@pytest.mark.parametrize("recipe, factor", CASES, ids=[f"{i}-{c[0][1]['lr_lambda'][:30]}" for i, c in enumerate(CASES)])
def test_each_recipe_is_its_formula_times_the_base_lr(recipe, factor) -> None:
    steps = 240  # past the end of the schedule: what each formula says there too
    trace = simulate("AdamW", {"lr": BASE_LR}, *recipe, steps=steps)
    expected = np.array([BASE_LR * factor(s) for s in range(steps + 1)])
    np.testing.assert_allclose(trace.lr[:, 0], expected, rtol=1e-12, atol=0)
    assert trace.scheduler == "LambdaLR" and not trace.notes


def test_a_recipe_is_torch_in_the_exported_code() -> None:
    from lr_widgets.core.code import python_code

    trace = simulate("SGD", {"lr": 0.1}, *warmup_stable_decay(100, 10, 20, shape="cosine"), steps=100)
    code = python_code(trace)
    assert "lr_scheduler.LambdaLR(" in code and "lr_lambda=lambda epoch: " in code and "math.cos(math.pi" in code
    namespace: dict = {}
    exec(compile(code, "exported", "exec"), namespace)  # lr_widgets' own exported code, not user input
    np.testing.assert_allclose(np.array(namespace["lrs"]), trace.lr, rtol=1e-12, atol=0)


def test_recipes_refuse_what_cannot_be_computed_in_words() -> None:
    with pytest.raises(InvalidValueError, match="more than the 100 steps"):
        warmup_stable_decay(100, 60, 50)
    with pytest.raises(InvalidValueError, match="shape is one of"):
        warmup_stable_decay(100, 10, 10, shape="square")
    with pytest.raises(InvalidValueError, match="warmup is a whole number"):
        warmup_cosine(100, -1)


def test_layerwise_groups_decay_from_the_head_down_on_a_real_model() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    groups = layerwise_groups(model, 1e-3, 0.5)
    assert [g["name"] for g in groups] == ["0", "2", "4"], "children without parameters have no group"
    assert [g["lr"] for g in groups] == [1e-3 * 0.5**2, 1e-3 * 0.5**1, 1e-3 * 0.5**0]
    for group, layer in zip(groups, (model[0], model[2], model[4])):
        assert [p for p in group["params"]] == list(layer.parameters())
    optimizer = torch.optim.AdamW(groups)
    assert [g["lr"] for g in optimizer.param_groups] == [g["lr"] for g in groups]
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))


# -- trajectory against the torch loop ---------------------------------------------------------------
def _by_hand(optimizer, kwargs, make_scheduler, steps, f, start, plateau=False, memory=None):
    """The issue's loop, written out; ``memory`` (a dict) gets each state tensor's norm per row."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([p], **kwargs)
    sched = make_scheduler(opt) if make_scheduler else None
    xy, losses = [], []
    for t in range(steps + 1):
        if memory is not None:
            for key, value in opt.state[p].items():
                if torch.is_tensor(value) and value.shape == p.shape:
                    memory.setdefault(key, [np.nan] * (steps + 1))[t] = float(value.norm())
        if t == steps:
            break
        xy.append(p.detach().clone().numpy())
        if optimizer == "LBFGS":

            def closure():
                opt.zero_grad()
                loss = f(p[0], p[1])
                loss.backward()
                return loss

            with torch.no_grad():
                losses.append(float(f(p[0], p[1])))
            opt.step(closure)
        else:
            opt.zero_grad()
            loss = f(p[0], p[1])
            losses.append(float(loss.detach()))
            loss.backward()
            opt.step()
        if sched is not None:
            sched.step(losses[-1]) if plateau else sched.step()
    xy.append(p.detach().clone().numpy())
    with torch.no_grad():
        losses.append(float(f(p[0], p[1])))
    return np.array(xy), np.array(losses)


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def quadratic(x, y):
    return 0.5 * (x**2 + 20 * y**2)


S = torch.optim.lr_scheduler
TRAJECTORIES = [
    ("SGD", {"lr": 1e-3}, "CosineAnnealingLR", {"T_max": 150}, lambda o: S.CosineAnnealingLR(o, T_max=150)),
    ("SGD", {"lr": 1e-3, "momentum": 0.9}, "StepLR", {"step_size": 40}, lambda o: S.StepLR(o, step_size=40)),
    ("Adam", {"lr": 0.05}, "OneCycleLR", {"max_lr": 0.1, "total_steps": 150},
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=150)),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.01}, "LinearLR", {"start_factor": 0.1, "total_iters": 20},
     lambda o: S.LinearLR(o, start_factor=0.1, total_iters=20)),
    ("RMSprop", {"lr": 0.01}, "ExponentialLR", {"gamma": 0.98}, lambda o: S.ExponentialLR(o, gamma=0.98)),
    ("Adagrad", {"lr": 0.5}, None, None, None),
    ("LBFGS", {"lr": 0.5}, "StepLR", {"step_size": 10, "gamma": 0.5}, lambda o: S.StepLR(o, step_size=10, gamma=0.5)),
]  # fmt: skip


@pytest.mark.parametrize("problem, f", [("rosenbrock", rosenbrock), ("quadratic", quadratic)])
@pytest.mark.parametrize("case", TRAJECTORIES, ids=[c[0] + "-" + str(c[2]) for c in TRAJECTORIES])
def test_trajectory_is_the_torch_loop(case, problem, f) -> None:
    optimizer, kwargs, scheduler, scheduler_kwargs, make = case
    steps = 150
    path = trajectory(optimizer, kwargs, scheduler, scheduler_kwargs, steps, problem=problem)
    start = {"rosenbrock": (-1.5, 2.0), "quadratic": (-2.0, 1.0)}[problem]
    xy, loss = _by_hand(optimizer, kwargs, make, steps, f, start)
    assert path.xy.shape == (steps + 1, 2) and path.loss.shape == (steps + 1,)
    np.testing.assert_allclose(path.xy, xy, rtol=1e-12, atol=0)
    np.testing.assert_allclose(path.loss, loss, rtol=1e-12, atol=0)


def test_trajectory_feeds_plateau_the_loss_and_takes_a_start() -> None:
    path = trajectory("SGD", {"lr": 0.01}, "ReduceLROnPlateau", {"patience": 2}, 80, problem="quadratic", start=(3, -1))
    xy, loss = _by_hand(
        "SGD", {"lr": 0.01}, lambda o: S.ReduceLROnPlateau(o, patience=2), 80, quadratic, (3.0, -1.0), plateau=True
    )
    np.testing.assert_allclose(path.xy, xy, rtol=1e-12, atol=0)
    np.testing.assert_allclose(path.loss, loss, rtol=1e-12, atol=0)
    with pytest.raises(InvalidValueError, match="problem is one of"):
        trajectory(problem="himmelblau")


def test_trajectory_takes_a_config_and_runs_one_group_on_the_classic_loop() -> None:
    from lr_widgets import Config, Loop

    config = Config("Adam", {"lr": 0.05}, "CosineAnnealingLR", None, 120, param_groups=[{}, {"lr": 1.0}],
                    loop=Loop(scheduler_first=True))  # fmt: skip
    path = trajectory(config, problem="quadratic")
    xy, loss = _by_hand("Adam", {"lr": 0.05}, lambda o: S.CosineAnnealingLR(o, T_max=120), 120, quadratic, (-2.0, 1.0))
    np.testing.assert_allclose(path.xy, xy, rtol=1e-12, atol=0)
    np.testing.assert_allclose(path.loss, loss, rtol=1e-12, atol=0)


# -- what the optimizer remembers ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "optimizer, kwargs, kinds",
    [
        ("SGD", {"lr": 1e-3, "momentum": 0.9}, ["momentum_buffer"]),
        ("Adam", {"lr": 0.05}, ["exp_avg", "exp_avg_sq"]),
        ("AdamW", {"lr": 0.05, "amsgrad": True}, ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
        ("RMSprop", {"lr": 0.01, "momentum": 0.5}, ["square_avg", "momentum_buffer"]),
        ("Adagrad", {"lr": 0.5}, ["sum"]),
        ("Adadelta", {}, ["square_avg", "acc_delta"]),
        ("LBFGS", {"lr": 0.5}, ["d", "prev_flat_grad"]),
        ("SGD", {"lr": 1e-3}, []),
    ],
)
def test_the_memory_is_the_norm_of_each_state_tensor_after_each_step(optimizer, kwargs, kinds) -> None:
    path = trajectory(optimizer, kwargs, "StepLR", {"step_size": 20}, 60, problem="rosenbrock")
    memory = {}
    xy, _ = _by_hand(optimizer, kwargs, lambda o: S.StepLR(o, step_size=20), 60, rosenbrock, (-1.5, 2.0), memory=memory)
    np.testing.assert_allclose(path.xy, xy, rtol=1e-12, atol=0)
    assert set(path.memory) == set(kinds) == set(memory)
    for kind in kinds:
        np.testing.assert_allclose(path.memory[kind], memory[kind], rtol=1e-12, atol=0)
        # before the first step the optimizer remembers nothing (Adagrad's sum is made with the optimizer)
        assert np.isnan(path.memory[kind][0]) == (optimizer != "Adagrad")


# -- a landscape of your own ---------------------------------------------------------------------------
def test_a_formula_landscape_is_the_same_function_written_in_torch() -> None:
    text = "(x - 1)**2 + 10 * (y + x)**2 + 0.1 * sin(3 * x) * exp(-y**2) + log(1 + abs(x * y))"

    def by_hand(x, y):
        return (
            (x - 1) ** 2
            + 10 * (y + x) ** 2
            + 0.1 * torch.sin(3 * x) * torch.exp(-(y**2))
            + torch.log(1 + torch.abs(x * y))
        )

    for optimizer, kwargs in [("SGD", {"lr": 1e-3, "momentum": 0.9}), ("Adam", {"lr": 0.05}), ("LBFGS", {"lr": 0.5})]:
        path = trajectory(optimizer, kwargs, "CosineAnnealingLR", None, 80, problem=text, start=(-1.0, 1.5))
        xy, loss = _by_hand(optimizer, kwargs, lambda o: S.CosineAnnealingLR(o, T_max=80), 80, by_hand, (-1.0, 1.5))
        np.testing.assert_allclose(path.xy, xy, rtol=1e-12, atol=0)
        np.testing.assert_allclose(path.loss, loss, rtol=1e-12, atol=0)
        assert path.problem == text
    # the built-in Rosenbrock written as a formula walks the same path
    formula = trajectory(
        "Adam", {"lr": 0.05}, None, None, 100, problem="(1 - x)**2 + 100 * (y - x**2)**2", start=(-1.5, 2)
    )
    built_in = trajectory("Adam", {"lr": 0.05}, None, None, 100, problem="rosenbrock")
    np.testing.assert_allclose(formula.xy, built_in.xy, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "text, by_hand",
    [
        ("x**2 + y**2 if x > 0 else abs(x) + y**4", lambda x, y: torch.where(x > 0, x**2 + y**2, torch.abs(x) + y**4)),
        ("max(x, y, 0.5) - min(x * y, 1) + (x < y)", lambda x, y: torch.maximum(torch.maximum(x, y), torch.tensor(0.5,
         dtype=torch.float64)) - torch.minimum(x * y, torch.tensor(1.0, dtype=torch.float64)) + (x < y).double()),
        ("sqrt(x**2 + y**2 + 1) * cos(pi * y) + log(x**2 + 2, 2) + floor(x) + e",
         lambda x, y: torch.sqrt(x**2 + y**2 + 1) * torch.cos(torch.pi * y)
         + torch.log(x**2 + 2) / np.log(2) + torch.floor(x) + np.e),
        ("-x // 0.5 + x % 0.7 + (x > 0 and y or 2)", lambda x, y: torch.div(-x, 0.5, rounding_mode="floor")
         + torch.remainder(x, 0.7) + torch.where((x > 0) & (y != 0), y, torch.full_like(x, 2.0))),
    ],
)  # fmt: skip
def test_a_formula_on_tensors_gives_torchs_values_and_gradients(text, by_hand) -> None:
    from lr_widgets.core.expressions import Formula

    formula = Formula(text, ("x", "y"), "problem")
    grid = torch.linspace(-2, 2, 21, dtype=torch.float64)
    x, y = torch.meshgrid(grid, torch.cat([grid.flip(0) * 0.9, torch.zeros(1, dtype=torch.float64)]), indexing="xy")
    ours_x, ours_y = x.clone().requires_grad_(), y.clone().requires_grad_()
    theirs_x, theirs_y = x.clone().requires_grad_(), y.clone().requires_grad_()
    ours, theirs = formula.on_tensors(x=ours_x, y=ours_y), by_hand(theirs_x, theirs_y)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours_y.grad.numpy(), theirs_y.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "problem, start, error, words",
    [
        ("x**2 + y**2", None, InvalidValueError, "needs a start point"),
        ("3 + pi", (0, 0), FormulaError, "must depend on x or y"),
        ("x**2 + z", (0, 0), FormulaError, "unknown name 'z'"),
        ("__import__('os').system('true')", (0, 0), FormulaError, "not allowed"),
        ("x.real + y", (0, 0), FormulaError, "attribute access"),
        ("x ** 2 +", (0, 0), FormulaError, "not a valid formula"),
        ("x**2", (0, float("nan")), InvalidValueError, "finite"),
        (3, (0, 0), InvalidValueError, "formula of x and y as text"),
    ],
)
def test_a_landscape_that_cannot_be_run_is_refused_in_words(problem, start, error, words) -> None:
    with pytest.raises(error, match=words):
        trajectory("SGD", {"lr": 0.01}, None, None, 10, problem=problem, start=start)


def test_a_path_that_leaves_the_finite_numbers_is_run_as_torch_runs_it() -> None:
    path = trajectory("SGD", {"lr": 0.1}, None, None, 30, problem="rosenbrock")  # far too large for Rosenbrock
    xy, loss = _by_hand("SGD", {"lr": 0.1}, None, 30, rosenbrock, (-1.5, 2.0))
    np.testing.assert_array_equal(np.isfinite(path.xy), np.isfinite(xy))
    assert not np.isfinite(path.loss[-1])


def test_a_landscape_grid_is_the_function_and_the_view_holds_the_start() -> None:
    from lr_widgets.core.trajectory import landscape

    land = landscape("x**2 + 3 * y")
    assert land.view((5.0, -4.0)) == (-2.0, 5.5, -4.5, 2.0)
    X, Y, Z = land.grid(land.view(), n=7)
    np.testing.assert_allclose(Z, X**2 + 3 * Y, rtol=1e-12)
    X, Y, Z = landscape("log(x)").grid((-1.0, 1.0, 0.0, 1.0), n=5)
    assert np.isnan(Z[:, :2]).all() and np.isfinite(Z[:, 3:]).all()  # -inf at 0 and nan below: left undrawn


def test_a_branch_not_taken_never_spoils_the_gradient_and_a_flat_region_has_none() -> None:
    def by_hand(x, y):  # Python's branch, as a function written in torch would take it at one point
        return torch.sqrt(x) + y**2 if x > 0 else x**2 + 3 * y**2

    text = "sqrt(x) + y**2 if x > 0 else x**2 + 3 * y**2"
    path = trajectory("SGD", {"lr": 0.05}, None, None, 40, problem=text, start=(-1.0, 1.0))
    xy, loss = _by_hand("SGD", {"lr": 0.05}, None, 40, by_hand, (-1.0, 1.0))
    assert np.isfinite(path.xy).all(), "sqrt of a negative x, not taken, gives no nan gradient"
    np.testing.assert_allclose(path.xy, xy, rtol=1e-12, atol=0)
    np.testing.assert_allclose(path.loss, loss, rtol=1e-12, atol=0)
    # a constant branch: a gradient of 0 (as torch.where's), not an error in backward()
    flat = trajectory("Adam", {"lr": 0.1}, None, None, 5, problem="2 if x > 0 else x**2 + y**2", start=(1.0, 1.0))
    assert (flat.xy == [1.0, 1.0]).all() and (flat.loss == 2).all()
