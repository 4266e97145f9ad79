"""binder/ launches what the README's badge promises, with pins that agree with pyproject.toml."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).parent.parent
BINDER = ROOT / "binder"


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"binder pins exact versions: {line}"
        pins[requirement.name.lower()] = Version(specifier.version)
    return pins


def test_every_runtime_dependency_is_pinned_compatibly() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for dependency in project["dependencies"] + project["optional-dependencies"]["classroom"]:
        requirement = Requirement(dependency)
        name = requirement.name.lower()
        assert name in pins, f"binder/requirements.txt lacks {name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} does not satisfy pyproject's {requirement.specifier}"
        )


def test_binder_takes_the_cpu_torch_and_installs_the_package() -> None:
    requirements = (BINDER / "requirements.txt").read_text()
    assert "torch==" in requirements and "+cpu" in requirements
    assert "/whl/cpu" in requirements, "a CPU-only index, so the image does not pull CUDA"
    post_build = (BINDER / "postBuild").read_text()
    assert "pip install --no-deps ." in post_build
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def test_badge_opens_a_notebook_that_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"\(https://mybinder\.org/v2/gh/[^)\s]*\?urlpath=lab/tree/([^)\s]+)\)", readme)
    assert badge, "the README has a Binder badge opening JupyterLab"
    assert (ROOT / badge.group(1)).exists(), badge.group(1)
    assert badge.group(1) == "notebooks/lr_explorer.ipynb"
