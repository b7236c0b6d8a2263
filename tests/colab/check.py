"""Check that the notebooks run in a Google-Colab-like environment (issue 10).

1. Copies the project as a clone would have it (git's tracked and untracked, not ignored,
   files: no .venv, no data) into a temporary folder.
2. Creates a fresh venv there and installs Colab's own package set FIRST
   (``tests/colab/constraints.txt``), as a Colab runtime has it before any notebook runs.
3. Runs exactly what the notebooks' Colab cell runs, ``pip install --quiet -e .`` from the
   copy (no extra), and compares ``pip list`` before and after: any package already
   installed that was upgraded, downgraded or removed fails the check.
4. Builds the tiny synthetic demo with that venv (``python -m helpers demo --scale tiny``),
   then executes notebooks 01-04 in that venv's kernel (Colab's nbclient, ipykernel and
   IPython), with no real samples (Colab has none), and fails on any cell error or any
   ``nan``/``None``/``n.d.`` in the computed prose.

Usage: ``python tests/colab/check.py [--python python3.11] [--json OUT] [--keep]``.
Only the standard library is used here; the ``--in-venv`` part runs inside the new venv.
Exit status 0 when everything holds, 1 otherwise (each failure printed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONSTRAINTS = HERE / "constraints.txt"
NOTEBOOKS = ["01_market_study.ipynb", "02_cleaning.ipynb", "03_exploration.ipynb",
             "04_recommender.ipynb"]
#: Distributions whose version the kernel itself reports (probe notebook).
PROBED = ["pandas", "numpy", "scipy", "scikit-learn", "matplotlib", "seaborn", "pyarrow",
          "duckdb", "ipython", "ipykernel", "ipywidgets", "jupyter-client", "tornado"]
PROBE_SOURCE = f"""\
import json, sys
from importlib.metadata import version
import IPython, ipykernel, ipywidgets, pandas, sklearn
print(json.dumps({{"executable": sys.executable,
                  "versions": {{name: version(name) for name in {PROBED!r}}}}}))"""


def canonical(name: str) -> str:
    """A distribution name as PEP 503 normalises it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path = CONSTRAINTS) -> dict[str, str]:
    """The ``name==version`` lines of the constraints file."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            found[canonical(name)] = version.strip()
    return found


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
        timeout: int = 900) -> subprocess.CompletedProcess:
    """Run a command; on failure print its output tail and raise."""
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        raise RuntimeError(f"command failed ({done.returncode}): {' '.join(cmd)}\n{tail}")
    return done


def installed(python: Path) -> dict[str, str]:
    """``pip list`` of a venv as {canonical name: version}."""
    out = run([str(python), "-m", "pip", "list", "--format=json",
               "--disable-pip-version-check"], cwd=python.parent).stdout
    return {canonical(p["name"]): p["version"] for p in json.loads(out)}


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list]:
    """What changed between two inventories."""
    return {
        "changed": sorted([n, before[n], after[n]] for n in before
                          if n in after and after[n] != before[n]),
        "removed": sorted(n for n in before if n not in after),
        "added": sorted([n, after[n]] for n in after if n not in before),
    }


def copy_project(src: Path, dst: Path) -> int:
    """Copy what a clone of the project holds (tracked and new unignored files)."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                 cwd=src).stdout.split("\0")
    count = 0
    for rel in filter(None, listed):
        source = src / rel
        if source.is_file():  # a tracked file deleted in the worktree is skipped
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dst / rel)
            count += 1
    return count


class Check:
    """The outer run: venv, installs, inventory comparison, notebook execution."""

    def __init__(self, python: str, work: Path) -> None:
        self.python, self.work = python, work
        self.project, self.venv = work / "cine-creuse", work / "venv"
        self.data, self.executed = work / "data", work / "executed"
        self.failures: list[str] = []
        self.timings: dict[str, float] = {}
        self.report: dict = {"python": python, "workdir": str(work)}

    def step(self, name: str, func, *args):
        print(f"[colab] {name} ...", flush=True)
        start = time.perf_counter()
        result = func(*args)
        self.timings[name] = round(time.perf_counter() - start, 1)
        print(f"[colab] {name}: {self.timings[name]} s", flush=True)
        return result

    @property
    def venv_python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self) -> dict[str, str]:
        """The notebooks' environment: the venv first on PATH, the tiny data, no real
        samples (Colab has none), no inherited virtualenv or Python path."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CINE_", "VIRTUAL_ENV", "PYTHON", "JUPYTER"))}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env.update(CINE_DATA_DIR=str(self.data), CINE_DEMO_DIR=str(self.data),
                   CINE_SHARED_DIR=str(self.work / "no-shared-samples"),
                   JUPYTER_PLATFORM_DIRS="1")
        return env

    def install_colab(self) -> None:
        run([self.python, "-m", "venv", str(self.venv)], cwd=self.work)
        run([str(self.venv_python), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", "-r", str(CONSTRAINTS)], cwd=self.work)

    def install_project(self) -> None:
        """The Colab cell's ``%pip install --quiet -e .`` (``%pip`` runs the kernel's
        ``python -m pip``), in the cloned folder."""
        run([str(self.venv_python), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", "-e", "."], cwd=self.project)

    def check_inventory(self, before: dict[str, str], after: dict[str, str]) -> None:
        expected = pins()
        wrong = {n: (v, before.get(n)) for n, v in expected.items() if before.get(n) != v}
        for name, (want, got) in sorted(wrong.items()):
            self.failures.append(f"Colab set not installed as pinned: {name} {got} != {want}")
        change = diff(before, after)
        self.report.update(colab=dict(sorted(before.items())), install=change)
        for name, old, new in change["changed"]:
            self.failures.append(f"`pip install -e .` changed Colab's {name}: {old} -> {new}")
        for name in change["removed"]:
            self.failures.append(f"`pip install -e .` removed Colab's {name}")
        if "cine-creuse" not in dict(change["added"]):
            self.failures.append("the project was not installed by `pip install -e .`")

    def execute(self) -> None:
        out = self.work / "notebooks.json"
        run([str(self.venv_python), str(self.project / "tests" / "colab" / "check.py"),
             "--in-venv", str(self.executed), "--json", str(out)],
            cwd=self.project, env=self.env(), timeout=1800)
        result = json.loads(out.read_text(encoding="utf-8"))
        self.report["kernel"], self.report["notebooks"] = result["probe"], result["notebooks"]
        if Path(result["probe"]["executable"]).parent != self.venv_python.parent:
            self.failures.append(f"kernel ran {result['probe']['executable']}, not the venv")
        for module, version in result["probe"]["versions"].items():
            pinned = pins().get(module)
            if version != pinned:
                self.failures.append(f"kernel imported {module} {version}, not {pinned}")
        for name, nb in result["notebooks"].items():
            if nb["error"]:
                self.failures.append(f"{name}: {nb['error']}")
            self.failures += [f"{name}: unfilled prose: {line}" for line in nb["unfilled"]]

    def run_all(self) -> None:
        self.project.mkdir(parents=True)
        self.report["files_copied"] = self.step("copy the project", copy_project, ROOT,
                                                self.project)
        self.step("install Colab's packages", self.install_colab)
        before = installed(self.venv_python)
        self.step("pip install -e . (the Colab cell)", self.install_project)
        self.check_inventory(before, installed(self.venv_python))
        conflicts = subprocess.run([str(self.venv_python), "-m", "pip", "check"],
                                   capture_output=True, text=True, cwd=self.work)
        self.report["pip_check"] = conflicts.stdout.strip().splitlines()  # recorded only
        self.step("build the tiny demo", run,
                  [str(self.venv_python), "-m", "helpers", "demo", "--scale", "tiny",
                   "--seed", "0"], self.project, self.env())
        self.step("execute notebooks 01-04", self.execute)


def in_venv(executed: Path, out: Path) -> None:
    """Inside the Colab venv: probe the kernel, execute each notebook, check its prose."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from helpers.report.notebooks import unfilled_prose

    def client(nb: nbformat.NotebookNode) -> NotebookClient:
        return NotebookClient(nb, timeout=600, kernel_name="python3",
                              resources={"metadata": {"path": str(ROOT)}})

    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE_SOURCE)])
    client(probe).execute()
    result = {"probe": json.loads(probe.cells[0].outputs[0]["text"]), "notebooks": {}}
    executed.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        nb = nbformat.read(ROOT / name, as_version=4)
        start, error = time.perf_counter(), None
        try:
            client(nb).execute()
        except CellExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue}".strip().splitlines()[0]
        except Exception as exc:  # a dead kernel or a timeout is reported, not raised
            error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        warnings = sorted({line.strip() for cell in nb.cells if cell.cell_type == "code"
                           for o in cell.get("outputs", []) if o.get("name") == "stderr"
                           for line in o.get("text", "").splitlines() if "Warning" in line})
        nbformat.write(nb, executed / name)
        result["notebooks"][name] = {"seconds": round(time.perf_counter() - start, 1),
                                     "error": error, "unfilled": unfilled_prose(nb),
                                     "warnings": warnings}
        print(f"[colab]   {name}: {result['notebooks'][name]['seconds']} s"
              f"{' ERROR ' + error if error else ''}", flush=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.environ.get("PYTHON", "python3.11"),
                        help="interpreter of the Colab-like venv (default python3.11)")
    parser.add_argument("--json", type=Path, help="write the full report there")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--in-venv", type=Path, metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.in_venv:
        in_venv(args.in_venv, args.json)
        return 0

    work = Path(tempfile.mkdtemp(prefix="cine-colab-"))
    check = Check(args.python, work)
    start = time.perf_counter()
    try:
        check.run_all()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        check.failures.append(str(exc))
    check.timings["total"] = round(time.perf_counter() - start, 1)
    check.report.update(timings=check.timings, failures=check.failures)
    if args.json:
        args.json.write_text(json.dumps(check.report, indent=1), encoding="utf-8")
    added = ", ".join(f"{n} {v}" for n, v in check.report.get("install", {}).get("added", []))
    print(f"[colab] installed by the project: {added or 'nothing'}")
    for failure in check.failures:
        print(f"[colab] FAIL: {failure}")
    if check.failures or args.keep:
        print(f"[colab] files kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"[colab] {'FAILED' if check.failures else 'OK'} in {check.timings['total']} s")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
