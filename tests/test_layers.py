"""The package's layers as the README draws them: imports point one way, no cycle.

Every import of a ``helpers`` module is read from the source (module-level and inside
functions, plus ``importlib.import_module("helpers...")`` calls), so a lazy import
cannot hide an arrow pointing the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import config

#: layer -> the layers it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "root": set(),
    "data": {"root"},
    "analysis": {"data", "root"},
    "reco": {"data", "root"},
    "app": {"reco", "analysis", "data", "root"},
    "report": {"reco", "analysis", "data", "root"},
    "cli": {"app", "report", "reco", "analysis", "data", "root"},
}
#: Modules only the entry point may import.
TOP = {"cli", "benchmarks"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    """``helpers.reco.model`` -> ``reco``; ``helpers.config`` -> ``root``."""
    parts = module.split(".")
    if parts[0] == "benchmarks":
        return "benchmarks"
    if len(parts) >= 2 and parts[1] in ALLOWED:
        return parts[1]
    return "root"


def imports_of(path: Path, module: str, package: bool) -> set[str]:
    """Absolute names of every module imported by a file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                node.func, "id", None)) == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the project modules it imports (``from helpers import x`` counts as x)."""
    files = {module_name(p, root): p for p in sorted((root / "helpers").rglob("*.py"))}
    files.update({module_name(p, root): p for p in sorted((root / "benchmarks").rglob("*.py"))})
    graph = {}
    for module, path in files.items():
        names = imports_of(path, module, path.name == "__init__.py")
        graph[module] = {n for n in names if n in files and n != module}
    return graph


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Arrows the layer rules forbid, as ``importer -> imported (why)``."""
    found = []
    for module, targets in graph.items():
        source = layer_of(module)
        for target in sorted(targets):
            dest = layer_of(target)
            if dest in TOP and source not in TOP and module != "helpers.__main__":
                found.append(f"{module} -> {target} (nothing imports {dest})")
            elif source in ALLOWED and dest != source and dest not in ALLOWED[source] | TOP:
                found.append(f"{module} -> {target} ({source} may not import {dest})")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles between modules (each found once, from a depth-first search)."""
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_package_follows_its_layers() -> None:
    graph = import_graph(config.PROJECT_ROOT)
    assert {"helpers.data.ingest", "helpers.reco.model", "helpers.app.dashboard",
            "helpers.cli", "benchmarks.common"} <= set(graph)
    assert "helpers.data.catalog" in graph["helpers.app.dashboard"]  # a lazy import is seen
    assert violations(graph) == []
    assert cycles(graph) == []


def test_every_module_belongs_to_a_known_layer() -> None:
    root = config.PROJECT_ROOT / "helpers"
    loose = sorted(p.name for p in root.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "audience.py", "config.py", "errors.py",
                     "files.py", "fmt.py", "schema.py"]
    assert sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != "__pycache__") == [
        "analysis", "app", "cli", "data", "reco", "report"]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "benchmarks").mkdir(exist_ok=True)
    return tmp_path


@pytest.mark.parametrize(("files", "expected"), [
    ({"helpers/data/ingest.py": "from helpers.reco import model\n",
      "helpers/reco/model.py": ""},
     ["helpers.data.ingest -> helpers.reco.model (data may not import reco)"]),
    ({"helpers/reco/model.py": "def f():\n    from helpers.app.dashboard import x\n",
      "helpers/app/dashboard.py": ""},
     ["helpers.reco.model -> helpers.app.dashboard (reco may not import app)"]),
    ({"helpers/analysis/kpi.py": "import importlib\n"
                                 "importlib.import_module('helpers.reco.search')\n",
      "helpers/reco/search.py": ""},
     ["helpers.analysis.kpi -> helpers.reco.search (analysis may not import reco)"]),
    ({"helpers/app/serve.py": "from helpers import cli\n", "helpers/cli/__init__.py": ""},
     ["helpers.app.serve -> helpers.cli (nothing imports cli)"]),
    ({"helpers/reco/model.py": "from benchmarks import common\n",
      "benchmarks/common.py": ""},
     ["helpers.reco.model -> benchmarks.common (nothing imports benchmarks)"]),
    ({"helpers/config.py": "from . import fmt\n", "helpers/fmt.py": ""}, []),
])
def test_a_forbidden_import_is_reported(tmp_path: Path, files: dict[str, str],
                                        expected: list[str]) -> None:
    assert violations(import_graph(_tree(tmp_path, files))) == expected


def test_an_import_cycle_is_reported(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "helpers/app/dashboard.py": "from helpers.app import indicators\n",
        "helpers/app/indicators.py": "def f():\n    from helpers.app.dashboard import esc\n",
    })
    assert cycles(import_graph(root)) == [
        ["helpers.app.dashboard", "helpers.app.indicators", "helpers.app.dashboard"]]
