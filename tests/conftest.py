"""Shared test setup: the widget tests run with ipympl as matplotlib's backend, as `%matplotlib widget` does."""

from __future__ import annotations

import matplotlib

matplotlib.use("module://ipympl.backend_nbagg")

import os  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI runs the same generated examples on every run, so a change lands or not on its own merits; a run
# anywhere else draws new ones, and a case it finds is a bug to fix and to keep as a test of its own.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@pytest.fixture
def explorers():
    """Build Explorers that are closed at the end of the test, whatever happens."""
    from lr_widgets import Explorer

    made = []

    def make(*args, **kwargs):
        explorer = Explorer(*args, **kwargs)
        made.append(explorer)
        return explorer

    yield make
    for explorer in made:
        explorer.close()
    plt.close("all")
