"""interact(factory): controls for your own code that builds an optimizer and a scheduler, checked against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as S

from lr_widgets import Interact, InvalidValueError, fixed, interact
from lr_widgets.view.panel import panel_text


def _loop(optimizer: torch.optim.Optimizer, scheduler, steps: int) -> np.ndarray:
    rows = [[float(g["lr"]) for g in optimizer.param_groups]]
    for _ in range(steps):
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        rows.append([float(g["lr"]) for g in optimizer.param_groups])
    return np.array(rows)


def warmup_cosine(model, lr=1e-3, warmup=10, steps=100, min_ratio=0.0):
    """A warmup + cosine SequentialLR, as a training script writes it."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    warm = S.LinearLR(optimizer, start_factor=0.01, total_iters=warmup)
    cosine = S.CosineAnnealingLR(optimizer, T_max=steps - warmup, eta_min=lr * min_ratio)
    return optimizer, S.SequentialLR(optimizer, [warm, cosine], milestones=[warmup])


def get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, num_cycles=0.5):
    """The Hugging Face way: a LambdaLR over a closure (written out here, as transformers has it)."""

    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        progress = float(current_step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))

    return S.LambdaLR(optimizer, lr_lambda)


def hugging_face(model, lr=3e-4, warmup=20, steps=200, schedule=["cosine", "constant"]):  # noqa: B006 -- options
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    if schedule == "constant":
        return optimizer
    return optimizer, get_cosine_schedule_with_warmup(optimizer, warmup, steps)


@pytest.fixture
def made():
    widgets_made: list[Interact] = []
    yield widgets_made
    for widget in widgets_made:
        widget.close()


def test_a_warmup_cosine_factory_gets_controls_and_torchs_numbers(made) -> None:
    widget = interact(warmup_cosine, steps=120, lr=(1e-5, 1e-2), warmup=(0, 50), min_ratio=fixed(0.1))
    made.append(widget)
    assert set(widget.controls) == {"steps", "step", "arg.lr", "arg.warmup"}, "fixed: no control; steps: passed in"
    assert (widget.controls["arg.lr"].hp.bounds, widget.controls["arg.lr"].hp.log) == ((1e-5, 1e-2), True)
    assert widget.status == "", widget.status
    widget.controls["arg.warmup"].value = 20
    assert widget.kwargs == {"lr": 1e-3, "warmup": 20, "min_ratio": 0.1, "steps": 120}
    np.testing.assert_allclose(widget.trace.lr, _loop(*warmup_cosine(torch.nn.Linear(2, 1), 1e-3, 20, 120, 0.1), 120),
                               rtol=1e-12)  # fmt: skip
    line = widget.plot.lr_lines[0]
    np.testing.assert_array_equal(line.get_ydata(), widget.trace.lr[:-1, 0])


def test_a_hugging_face_style_lambda_closure_with_a_dropdown_the_panel_pins_and_code(made) -> None:
    widget = interact(hugging_face, steps=200, warmup=(0, 100))
    made.append(widget)
    expected = _loop(*hugging_face(torch.nn.Linear(2, 1)), 200)
    np.testing.assert_allclose(widget.trace.lr, expected, rtol=1e-12)
    assert widget.controls["arg.schedule"].hp.choices == ("cosine", "constant"), "a list default is a dropdown"
    widget.step = 30
    assert widget.replay(30).optimizer.state, "the panel's optimizer has trained 30 real steps"
    assert "exp_avg" in widget.panel and "at step 30" in widget.panel
    first = widget.pin()
    assert first.label == "lr=0.0003, warmup=20, schedule='cosine', steps=200"
    widget.controls["arg.schedule"].value = "constant"
    assert widget.trace.scheduler is None and np.all(widget.trace.lr == 3e-4)
    assert [pin.label for pin in widget.pins] == [first.label]
    assert widget.pin_name(first) == "schedule='cosine'", "named by what differs from the schedule on screen"
    assert widget.pin_name(widget.pin("mine")) == "mine"
    code = widget.code()
    assert "def hugging_face(model" in code and "made = hugging_face(model, lr=0.0003" in code
    namespace = {"torch": torch, "S": S, "math": math, "model": torch.nn.Linear(2, 1)}
    namespace["get_cosine_schedule_with_warmup"] = get_cosine_schedule_with_warmup
    exec(compile(code, "export", "exec"), namespace)  # our own export, not user input
    np.testing.assert_allclose(np.array(namespace["lrs"]), widget.trace.lr, rtol=1e-12)


def test_interact_as_a_decorator_shows_the_widget_and_a_model_is_copied(made, capsys) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
    before = [p.detach().clone() for p in model.parameters()]

    @interact(steps=30, model=model)
    def sgd(model, lr=0.1, gamma=(0.5, 0.99)):
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        return optimizer, S.ExponentialLR(optimizer, gamma)

    made.append(sgd)
    assert isinstance(sgd, Interact) and "Interact" in capsys.readouterr().out
    sgd.step = 10
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before)), "your model is never trained"
    assert "0.weight" in sgd.panel, "the panel names your model's parameters"


def test_a_mistake_in_the_factory_is_said_and_the_last_schedule_stays(made) -> None:
    widget = interact(warmup_cosine, steps=100)
    made.append(widget)
    good = widget.trace
    widget.controls["arg.lr"].value = -1.0  # AdamW refuses it
    assert widget.status == "warmup_cosine() raised ValueError: Invalid learning rate: -1.0"
    assert widget.trace is good
    np.testing.assert_array_equal(widget.plot.lr_lines[0].get_ydata(), good.lr[:-1, 0])
    with pytest.raises(InvalidValueError, match="needs a default or an abbreviation"):
        interact(lambda model, lr: torch.optim.SGD(model.parameters(), lr=lr))


def test_the_panel_continues_forward_and_equals_a_fresh_replay_and_pins_can_be_removed(made) -> None:
    widget = interact(hugging_face, steps=120, warmup=(0, 100))
    made.append(widget)
    for step in (10, 40, 25, 90):  # forward, forward, back (a fresh run), forward
        widget.step = step
        fresh = widget.replay(step)
        assert widget.panel == panel_text(fresh, widget.trace.group_names)
        assert f"step             tensor({step}, float32)" in widget.panel and fresh.scheduler.last_epoch == step
    widget.pin("first")
    widget.controls["arg.lr"].value = 1e-3
    widget.pin("second")
    widget.unpin("first")
    assert [pin.label for pin in widget.pins] == ["second"] and len(widget.plot.pin_lines) == 1
    widget.clear_pins()
    assert widget.pins == [] and widget.plot.pin_lines == []


def test_interacts_downloads_are_the_figure_the_numbers_and_code_that_reproduces_them(made) -> None:
    import base64
    import re

    widget = interact(warmup_cosine, steps=60, warmup=(0, 30))
    made.append(widget)
    files = widget.downloads.offer()
    assert list(files) == ["lr_warmup_cosine.png", "lr_warmup_cosine.csv", "lr_warmup_cosine.py"]
    links = dict(re.findall(r"download='([^']+)' href='data:[^;]+;base64,([^']+)'", widget.downloads.links.value))
    data = {name: base64.b64decode(encoded) for name, encoded in links.items()}
    assert data["lr_warmup_cosine.png"][:8] == b"\x89PNG\r\n\x1a\n"
    rows = data["lr_warmup_cosine.csv"].decode().splitlines()[1:]
    np.testing.assert_array_equal([float(row.split(",")[1]) for row in rows], widget.trace.lr[:, 0])
    namespace = {"torch": torch, "S": S, "model": torch.nn.Linear(2, 1)}
    exec(compile(data["lr_warmup_cosine.py"].decode(), "download", "exec"), namespace)  # our own export
    expected = _loop(*warmup_cosine(torch.nn.Linear(2, 1), warmup=10, steps=60), 60)  # torch's own numbers
    np.testing.assert_allclose(np.array(namespace["lrs"]), expected, rtol=1e-12)
    widget.controls["arg.warmup"].value = 5
    assert widget.downloads.links.value == "", "links of a schedule no longer on screen are taken away"


def test_interacts_pins_are_named_by_what_differs_in_the_legend_and_the_list(made) -> None:
    widget = interact(warmup_cosine, steps=60, warmup=(0, 30))
    made.append(widget)
    pin = widget.pin()
    widget.controls["arg.warmup"].value = 20
    legend = [entry.label for entry in widget.plot.legend]
    assert "pinned: warmup=10" in legend, legend
    assert widget.pin_name(pin) == "warmup=10"
