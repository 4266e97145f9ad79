"""The notebooks run top to bottom with a real kernel, and are committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_there_is_a_main_notebook() -> None:
    assert "lr_explorer.ipynb" in [path.name for path in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} carries outputs"
            assert cell.execution_count is None, f"{path.name} carries execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{path.name}: {output.get('ename')}: {output.get('evalue')}"
            if output.output_type == "stream":
                assert output.name != "stderr" or "Warning" not in output.text, output.text


def _run(cells: list[str], tmp_path: Path) -> list[list[dict]]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    return [cell.outputs for cell in notebook.cells]


def test_with_matplotlib_inline_the_explorer_is_a_picture_and_a_hint_not_two_figures(tmp_path: Path) -> None:
    (setup, shown, probe) = _run(
        [
            "%matplotlib inline",
            "from lr_widgets import explore\nexplorer = explore()\nexplorer",
            "explorer.controls['optimizer.lr'].value = 0.5\n"
            "print(type(explorer.figure_view.static).__name__, explorer.trace.optimizer_kwargs['lr'],"
            " repr(explorer.status))\n"
            "print(explorer.figure_view.hint)",
        ],
        tmp_path,
    )
    assert not [o for o in setup + shown + probe if o.output_type == "error"]
    kinds = [o.get("data", {}).keys() for o in shown]
    assert any("application/vnd.jupyter.widget-view+json" in k for k in kinds), "the Explorer is shown"
    assert not any("image/png" in k for k in kinds), "matplotlib does not add a second, inline figure"
    text = "".join(o.get("text", "") for o in probe)
    assert text.startswith("Image 0.5 ''"), text
    assert "%matplotlib widget" in text


def test_a_kernel_without_ipympl_gets_a_picture_and_the_hint(tmp_path: Path) -> None:
    (hide, magic, probe) = _run(
        [
            "import sys\nsys.modules['ipympl'] = None  # as if ipympl were not installed in this kernel",
            "%matplotlib widget",
            "from lr_widgets import Explorer\nexplorer = Explorer()\n"
            "print(type(explorer.figure_view.static).__name__, explorer.figure_view.hint)",
        ],
        tmp_path,
    )
    errors = [o for o in magic if o.output_type == "error"]
    assert errors and errors[0].ename in ("ModuleNotFoundError", "ImportError"), magic
    assert not [o for o in probe if o.output_type == "error"], probe
    text = "".join(o.get("text", "") for o in probe)
    assert text.startswith("Image ") and "%matplotlib widget" in text, text
