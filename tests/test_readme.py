"""The README opens with the two commands, CI runs the same test command, and its example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_the_two_commands() -> None:
    (lang1, open_notebook), (lang2, run_tests) = BLOCKS[:2]
    assert lang1 == lang2 == "bash"
    before_first = README.split("```")[0]
    assert before_first.count("\n") < 6, "the commands come first"
    assert (
        "pip install torch==2.13.0" in open_notebook
        and "jupyter lab --allow-root notebooks/lr_explorer.ipynb" in open_notebook
    )
    assert (ROOT / "notebooks" / "lr_explorer.ipynb").exists()
    assert "pip install torch==2.13.0" in run_tests and '".[test]"' in run_tests and "pytest" in run_tests


def test_ci_runs_the_readmes_test_command() -> None:
    test_command = BLOCKS[1][1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    assert test_command in ci.splitlines()
    assert ci.index("torch==2.13.0") < ci.index(test_command)


def _run(example: str) -> dict:
    namespace: dict = {}
    code = "\n".join(line for line in example.splitlines() if not line.startswith("%"))  # IPython magics
    exec(compile(code, "README.md", "exec"), namespace)  # our own documentation, not user input
    return namespace


def test_core_example_runs() -> None:
    example = next(code for lang, code in BLOCKS if lang == "python" and "simulate(" in code)
    assert _run(example)["trace"].lr.shape == (501, 2)


def test_loop_example_runs() -> None:
    example = next(code for lang, code in BLOCKS if lang == "python" and "loop=Loop(" in code)
    trace = _run(example)["trace"]
    assert trace.lr[60:, 0].max() == pytest.approx(0.376, abs=5e-4)
    assert trace.planned.lr[60:, 0].max() == pytest.approx(0.0413, abs=5e-5)


def test_recipes_example_runs() -> None:
    example = next(code for lang, code in BLOCKS if lang == "python" and "layerwise_groups(" in code)
    namespace = _run(example)
    lr = namespace["wsd"].lr[[0, 50, 500, 900, 1000], 0]
    assert lr[0] == 0 and lr[2] == pytest.approx(3e-4) and lr[4] == pytest.approx(3e-5)
    assert [g["lr"] for g in namespace["optimizer"].param_groups] == pytest.approx([8e-4, 1e-3])
    assert namespace["path"].xy.shape == (301, 2)
    assert namespace["path"].memory["exp_avg_sq"].shape == (301,)
    assert namespace["own"].problem == "(x - 1)**2 + 10 * (y + x)**2" and namespace["own"].xy.shape == (201, 2)


def test_explorer_example_runs() -> None:
    example = next(code for lang, code in BLOCKS if lang == "python" and "explore(" in code)
    assert len(example.strip().splitlines()) <= 5
    explorer = _run(example)["explorer"]
    try:
        assert explorer.status == "" and explorer.trace.scheduler == "OneCycleLR"
    finally:
        explorer.close()


def test_readme_screenshot_exists() -> None:
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        if not image.startswith(("http://", "https://")):
            assert (ROOT / image).exists(), image


def test_interact_example_runs() -> None:
    example = next(code for lang, code in BLOCKS if lang == "python" and "@interact(" in code)
    widget = _run(example)["warmup_cosine"]
    try:
        assert widget.status == "" and widget.kwargs["min_ratio"] == 0.1 and widget.trace.steps == 200
        assert widget.controls["arg.lr"].hp.bounds == (1e-5, 1e-2)
    finally:
        widget.close()


def test_observe_example_runs() -> None:
    example = next(code for lang, code in BLOCKS if lang == "python" and ".observe(" in code)
    namespace = _run(example)
    explorer = namespace["explorer"]
    try:
        assert namespace["peaks"] == [explorer.trace.lr.max()] and explorer.trace.scheduler_kwargs["max_lr"] == 0.05
        assert explorer.status == ""
    finally:
        explorer.close()
