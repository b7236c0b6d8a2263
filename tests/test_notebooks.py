"""Every notebook executes top to bottom on the tiny synthetic data, without error."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import config
from helpers.report.notebooks import colab_cell

NOTEBOOKS = sorted(p.name for p in config.PROJECT_ROOT.glob("*.ipynb"))


def execute(name: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel with CINE_DATA_DIR pointing at ``data_dir``."""
    monkeypatch.setenv("CINE_DATA_DIR", str(data_dir))
    nb = nbformat.read(config.PROJECT_ROOT / name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(config.PROJECT_ROOT)}}).execute()
    return nb


def test_all_top_level_notebooks_are_listed() -> None:
    assert NOTEBOOKS == [
        "01_market_study.ipynb",
        "02_cleaning.ipynb",
        "03_exploration.ipynb",
        "04_recommender.ipynb",
        "dashboard.ipynb",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes_on_tiny_data(name: str, tiny_data_dir: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    nb = execute(name, tiny_data_dir, monkeypatch)  # raises CellExecutionError on an error
    assert unfilled_prose(nb) == []


#: What a number missing from the data looks like once formatted into a sentence.
UNFILLED = re.compile(r"\bnan\b|\bNaN\b|\bNone\b|\bn\.d\.|\{[a-z_]+\}")


def unfilled_prose(nb: nbformat.NotebookNode) -> list[str]:
    """Sentences of the computed French prose (Markdown outputs) showing a missing value."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("data", {}).get("text/markdown", "")
            found += [line.strip() for line in text.splitlines() if UNFILLED.search(line)]
    return found


def test_unfilled_prose_is_caught() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("display_data", {"text/markdown": "Durée médiane : n.d.\nOK"}),
        nbformat.v4.new_output("display_data", {"text/markdown": "Note moyenne : nan/10"})])])
    assert unfilled_prose(nb) == ["Durée médiane : n.d.", "Note moyenne : nan/10"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(config.PROJECT_ROOT / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook needs code cells"
    assert all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.parametrize("name", [n for n in NOTEBOOKS if n[:2].isdigit()])
def test_colab_cell_is_the_shared_one(name: str) -> None:
    """Written by ``python -m helpers notebooks`` from one template and one repository URL."""
    nb = nbformat.read(config.PROJECT_ROOT / name, as_version=4)
    assert nb.cells[0].source == colab_cell()
    assert config.repository_url() in colab_cell()


def test_colab_install_leaves_colab_kernel_and_widgets_alone() -> None:
    """The notebooks install the core only; ipykernel, ipywidgets and Voilà (which Colab
    ships in its own versions) come only with the ``dashboard`` extra."""
    with open(config.PROJECT_ROOT / "pyproject.toml", "rb") as handle:
        project = tomllib.load(handle)["project"]
    core = {re.split(r"[<>=!~ \[]", d)[0].lower() for d in project["dependencies"]}
    assert not core & {"ipykernel", "ipywidgets", "voila", "jupyter-server", "notebook",
                       "jupyterlab-widgets"}
    assert {"ipykernel", "ipywidgets", "voila"} <= {
        re.split(r"[<>=]", d)[0] for d in project["optional-dependencies"]["dashboard"]}
    assert "%pip install --quiet -e .\n" in colab_cell() + "\n"  # no extra asked for
