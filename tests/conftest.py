"""Shared test setup: the widget tests run with ipympl as matplotlib's backend, as `%matplotlib widget` does."""

from __future__ import annotations

import matplotlib

matplotlib.use("module://ipympl.backend_nbagg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


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
