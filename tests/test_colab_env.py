"""Issue 10: the notebooks run with Google Colab's own package versions, and their Colab
cell (``%pip install --quiet -e .``) upgrades none of Colab's packages.

The slow test runs ``tests/colab/check.py`` (a fresh venv with Colab's set installed first,
then notebooks 01-04 executed there, their Colab cell included); the others check its
logic and that pyproject's lower bounds stay within Colab's versions.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import require
from packaging.requirements import Requirement

from helpers import config

SCRIPT = config.PROJECT_ROOT / "tests" / "colab" / "check.py"
spec = importlib.util.spec_from_file_location("colab_check", SCRIPT)
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def project() -> dict:
    with open(config.PROJECT_ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]


def test_colab_pins_hold_kernel_widgets_and_data_stack() -> None:
    pins = check.pins()
    assert {n: pins[n] for n in ("ipykernel", "ipython", "ipywidgets", "pandas", "numpy",
                                 "scikit-learn", "nbclient")} == {
        "ipykernel": "6.17.1", "ipython": "7.34.0", "ipywidgets": "7.7.1", "pandas": "2.2.2",
        "numpy": "2.0.2", "scikit-learn": "1.6.1", "nbclient": "0.10.2"}
    assert set(check.PROBED) <= set(pins)


def test_core_lower_bounds_are_satisfied_by_colab() -> None:
    """Raising a minimum above Colab's version would make the Colab cell upgrade it."""
    pins = check.pins()
    outside = []
    for line in project()["dependencies"]:
        req = Requirement(line)
        colab = pins.get(check.canonical(req.name))
        if colab is not None and not req.specifier.contains(colab):
            outside.append(f"{line} (Colab: {colab})")
    assert outside == []
    assert {check.canonical(Requirement(d).name) for d in project()["dependencies"]} \
        - set(pins) == {"rapidfuzz"}  # the only core package Colab lacks


def test_inventory_diff_names_every_change() -> None:
    before = {"ipykernel": "6.17.1", "pandas": "2.2.2", "tornado": "6.4.2"}
    after = {"ipykernel": "7.4.0", "pandas": "2.2.2", "rapidfuzz": "3.14.6"}
    assert check.diff(before, after) == {"changed": [["ipykernel", "6.17.1", "7.4.0"]],
                                         "removed": ["tornado"],
                                         "added": [["rapidfuzz", "3.14.6"]]}


def test_install_cell_errors_are_caught() -> None:
    assert check.CELL_ERRORS.search("ERROR: Could not find a version that satisfies")
    assert check.CELL_ERRORS.search("fatal: repository 'x' not found")
    assert check.CELL_ERRORS.search("[Errno 2] No such file or directory: 'cine-creuse'")
    assert not check.CELL_ERRORS.search(
        "/content/cine-creuse\nNote: you may need to restart the kernel to use updated packages.")


@pytest.mark.slow
def test_notebooks_run_with_colab_versions_and_upgrade_nothing(tmp_path: Path) -> None:
    require(shutil.which("python3.11") is not None, "python3.11 is needed for the Colab venv")
    require(shutil.which("git") is not None, "git is needed (the Colab cell clones)")
    out = tmp_path / "colab.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--python", "python3.11",
                           "--json", str(out)], capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["failures"] == []
    install = report["install"]
    assert install["changed"] == [] and install["removed"] == []
    assert [name for name, _ in install["added"]] == ["cine-creuse", "rapidfuzz"]
    pins = check.pins()
    assert report["kernel"]["versions"] == {name: pins[name] for name in check.PROBED}
    assert report["kernel"]["colab"] is True
    assert list(report["notebooks"]) == check.NOTEBOOKS
    for nb in report["notebooks"].values():
        assert (nb["error"], nb["unfilled"], nb["cloned"]) == (None, [], True)
