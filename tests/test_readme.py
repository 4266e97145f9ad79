"""The README opens with the two commands, CI runs the same test command, and its example runs."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_python_example_runs() -> None:
    example = next(code for lang, code in BLOCKS if lang == "python")
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # our own documentation, not user input
    assert namespace["trace"].lr.shape == (501, 2)
