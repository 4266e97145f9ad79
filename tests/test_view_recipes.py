"""Issue 16 in the Explorer, headless: a recipe is written into the scheduler as LambdaLR's formula."""

from __future__ import annotations

import numpy as np

from lr_widgets import simulate
from lr_widgets.core.recipes import RECIPES, recipe_for


def test_a_recipe_fills_the_scheduler_with_its_torch_form_to_edit(explorers) -> None:
    explorer = explorers("AdamW", "CosineAnnealingLR", steps=200, optimizer_kwargs={"lr": 3e-4})
    for name in RECIPES:
        explorer.controls["recipe"].value = name
        explorer.settle()
        scheduler, kwargs = recipe_for(name, 200)
        expected = simulate("AdamW", {"lr": 3e-4}, scheduler, kwargs, steps=200)
        assert explorer.trace.scheduler == "LambdaLR" and explorer.status == ""
        np.testing.assert_array_equal(explorer.trace.lr, expected.lr)
        assert explorer.scheduler_form.value["lr_lambda"] == kwargs["lr_lambda"], "the formula, to edit"
        assert explorer.controls["recipe"].value is None, "a menu: it asks again next time"
    # edited by hand from there: the user's formula rules
    explorer.controls["scheduler.lr_lambda"].value = "0.5"
    explorer.settle()
    np.testing.assert_allclose(explorer.trace.lr[:, 0], 1.5e-4, rtol=1e-12)


def test_layer_wise_decay_gives_each_group_decay_times_the_next_ones_lr(explorers) -> None:
    explorer = explorers("AdamW", "LinearLR", steps=50, optimizer_kwargs={"lr": 0.1})
    explorer.controls["groups"].value = 3
    explorer.controls["layerwise"].value = True
    explorer.controls["decay"].value = 0.5
    explorer.settle()
    expected = simulate(
        "AdamW",
        {"lr": 0.1},
        "LinearLR",
        explorer.trace.scheduler_kwargs,  # the run length the Explorer ties to steps
        50,
        param_groups=[{"lr": 0.1 * 0.5**2}, {"lr": 0.1 * 0.5}, {"lr": 0.1}],
    )
    np.testing.assert_array_equal(explorer.trace.lr, expected.lr)
    assert len([line for line in explorer.plot.lr_lines if line.get_visible()]) == 3, "one line per group"
    assert explorer.controls["group.input.lr"].proposed == 0.1 * 0.5**2, "the control shows the decayed lr"
    # the optimizer's lr moves: the decayed lrs follow; a group's lr set by hand stays
    explorer.controls["group.hidden.lr"].value = 0.02
    explorer.controls["optimizer.lr"].value = 0.2
    explorer.settle()
    np.testing.assert_allclose([g["lr"] for g in explorer.trace.param_groups], [0.2 * 0.25, 0.02, 0.2], rtol=1e-12)
    explorer.controls["layerwise"].value = False
    explorer.settle()
    assert [g.get("lr") for g in explorer.trace.param_groups] == [None, 0.02, None], "back to the optimizer's lr"
