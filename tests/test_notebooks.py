"""Every notebook executes top to bottom on the tiny synthetic data, without error."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import config

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
    nb = execute(name, tiny_data_dir, monkeypatch)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(config.PROJECT_ROOT / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook needs code cells"
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "google.colab" in code[0].source, "first cell must install the project on Colab"
