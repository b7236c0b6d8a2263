"""Check that the notebooks run in a Google-Colab-like environment (issue 10).

1. Makes a git repository of the project as it would be pushed (tracked and new, not
   ignored, files: no .venv, no data): the notebooks' Colab cell clones it, its GitHub URL
   redirected there (git ``insteadOf``).
2. Creates a fresh venv and installs Colab's own package set FIRST
   (``tests/colab/constraints.txt``), as a Colab runtime has it before any notebook runs.
3. Executes notebooks 01-04 in that venv's kernel (Colab's nbclient, ipykernel, IPython),
   each in a fresh folder as a new Colab runtime, with ``google.colab`` present (an IPython
   startup file): their first cell really runs, ``!git clone``, ``%cd``, then
   ``%pip install --quiet -e .``. The tiny synthetic demo is built (``python -m helpers demo
   --scale tiny``, by that venv) after the first notebook installed the project; there are
   no real samples (Colab has none).
4. Fails when ``pip list`` after the notebooks differs from before for any package Colab
   had (upgraded, downgraded, removed), when a cell fails or the install cell printed an
   error, when the kernel is not the venv's or imports other versions than Colab's, or
   when the computed prose shows ``nan``/``None``/``n.d.``.

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
import tomllib
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
print(json.dumps({{"executable": sys.executable, "colab": "google.colab" in sys.modules,
                  "versions": {{name: version(name) for name in {PROBED!r}}}}}))"""
#: IPython startup file: what makes ``"google.colab" in sys.modules`` true, as in Colab.
FAKE_COLAB = """\
# tests/colab/check.py: the notebooks' Colab cell runs, as in Google Colab.
import sys
import types

sys.modules.setdefault("google.colab", types.ModuleType("google.colab"))
"""
#: What a failed step of the install cell prints (pip, git, IPython's %cd).
CELL_ERRORS = re.compile(r"^(ERROR|fatal|error):|No such file or directory", re.M)


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
    """Run a command; on failure raise with its output's tail."""
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


def make_origin(src: Path, dst: Path) -> int:
    """A one-commit git repository of what a push of the project holds (tracked and new
    unignored files, as they are in the worktree); return the number of files."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                 cwd=src).stdout.split("\0")
    count = 0
    for rel in filter(None, listed):
        source = src / rel
        if source.is_file():  # a tracked file deleted in the worktree is skipped
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dst / rel)
            count += 1
    git = ["git", "-c", "user.name=colab-check", "-c", "user.email=colab-check@localhost"]
    run(["git", "init", "--quiet", "--initial-branch=main"], cwd=dst)
    run([*git, "add", "--all"], cwd=dst)
    run([*git, "commit", "--quiet", "--no-verify", "-m", "snapshot for the Colab check"],
        cwd=dst)
    return count


def repository_url(project: Path) -> str:
    """The URL the Colab cell clones (``[project.urls] Repository``)."""
    with open(project / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["urls"]["Repository"]


class Check:
    """The outer run: venv, Colab's packages, the notebooks, the inventory comparison."""

    def __init__(self, python: str, work: Path) -> None:
        self.python, self.work = python, work
        self.origin, self.venv = work / "origin", work / "venv"
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
        """The notebooks' environment: the venv first on PATH, google.colab faked by an
        IPython startup file, the clone URL redirected to the local repository, the tiny
        data, no real samples; nothing inherited from the caller's venv or settings."""
        startup = self.work / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True, exist_ok=True)
        (startup / "00-google-colab.py").write_text(FAKE_COLAB, encoding="utf-8")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CINE_", "VIRTUAL_ENV", "PYTHON", "JUPYTER", "IPYTHON",
                                    "GIT_", "MPL"))}
        env.update(PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
                   IPYTHONDIR=str(self.work / "ipython"), JUPYTER_PLATFORM_DIRS="1",
                   GIT_CONFIG_COUNT="1",
                   GIT_CONFIG_KEY_0=f"url.file://{self.origin}.insteadOf",
                   GIT_CONFIG_VALUE_0=repository_url(self.origin),
                   CINE_DATA_DIR=str(self.work / "data"), CINE_DEMO_DIR=str(self.work / "data"),
                   CINE_SHARED_DIR=str(self.work / "no-shared-samples"))
        return env

    def install_colab(self) -> None:
        """The Colab runtime's packages (``--no-compile``: bytecode is not what is checked,
        and compiling it doubles the install's CPU time)."""
        run([self.python, "-m", "venv", str(self.venv)], cwd=self.work)
        run([str(self.venv_python), "-m", "pip", "install", "--quiet", "--no-compile",
             "--disable-pip-version-check", "-r", str(CONSTRAINTS)], cwd=self.work)

    def execute(self) -> None:
        out = self.work / "notebooks.json"
        run([str(self.venv_python), str(self.origin / "tests" / "colab" / "check.py"),
             "--in-venv", str(self.work), "--json", str(out)],
            cwd=self.work, env=self.env(), timeout=1800)
        result = json.loads(out.read_text(encoding="utf-8"))
        self.report["kernel"], self.report["notebooks"] = result["probe"], result["notebooks"]
        probe = result["probe"]
        if Path(probe["executable"]).parent != self.venv_python.parent:
            self.failures.append(f"kernel ran {probe['executable']}, not the venv's python")
        if not probe["colab"]:
            self.failures.append("google.colab was not in the kernel's sys.modules")
        for name, version in probe["versions"].items():
            if version != pins().get(name):
                self.failures.append(f"kernel imported {name} {version}, not {pins()[name]}")
        for name, nb in result["notebooks"].items():
            if nb["error"]:
                self.failures.append(f"{name}: {nb['error']}")
            if CELL_ERRORS.search(nb["setup_output"]):
                self.failures.append(f"{name}: the Colab cell printed: {nb['setup_output']}")
            self.failures += [f"{name}: unfilled prose: {line}" for line in nb["unfilled"]]

    def check_inventory(self, before: dict[str, str], after: dict[str, str]) -> None:
        for name, want in sorted(pins().items()):
            if before.get(name) != want:
                self.failures.append(f"Colab set not installed as pinned: {name} "
                                     f"{before.get(name)} != {want}")
        change = diff(before, after)
        self.report.update(colab=dict(sorted(before.items())), install=change)
        for name, old, new in change["changed"]:
            self.failures.append(f"the notebooks' install changed Colab's {name}: {old} -> {new}")
        for name in change["removed"]:
            self.failures.append(f"the notebooks' install removed Colab's {name}")
        if "cine-creuse" not in dict(change["added"]):
            self.failures.append("the notebooks' Colab cell did not install the project")

    def run_all(self) -> None:
        self.origin.mkdir(parents=True)
        self.report["files"] = self.step("snapshot the project", make_origin, ROOT, self.origin)
        self.step("install Colab's packages", self.install_colab)
        before = installed(self.venv_python)
        try:
            self.step("execute notebooks 01-04", self.execute)
        finally:
            self.check_inventory(before, installed(self.venv_python))
            conflicts = subprocess.run([str(self.venv_python), "-m", "pip", "check"],
                                       capture_output=True, text=True, cwd=self.work)
            self.report["pip_check"] = conflicts.stdout.strip().splitlines()  # recorded only


def in_venv(work: Path, out: Path) -> None:
    """Inside the Colab venv: probe the kernel, then run each notebook in a fresh folder
    (its Colab cell clones and installs the project); build the tiny demo after the first."""
    import nbformat

    sys.path.insert(0, str(ROOT))  # the runner's own imports; the kernels use the clones
    from helpers.report.export import execute
    from helpers.report.notebooks import unfilled_prose

    def run_in(content: Path, nb: nbformat.NotebookNode, name: str):
        """Execute ``nb`` with ``content`` as the kernel's folder (Colab's /content)."""
        content.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, content / name)
        return execute(content / name, timeout=600)

    probe, error = run_in(work / "content-probe", nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(PROBE_SOURCE)]), "probe.ipynb")
    if error:
        raise RuntimeError(f"the kernel probe failed: {error}")
    result = {"probe": json.loads(probe.cells[0].outputs[0]["text"]), "notebooks": {}}
    for number, name in enumerate(NOTEBOOKS, 1):
        content = work / f"content-{number:02d}"  # a new Colab runtime's /content
        if number > 1 and not Path(os.environ["CINE_DATA_DIR"], "processed").is_dir():
            run([sys.executable, "-m", "helpers", "demo", "--scale", "tiny", "--seed", "0"],
                cwd=work / "content-01" / "cine-creuse", env=os.environ.copy())
        start = time.perf_counter()
        nb, error = run_in(content, nbformat.read(ROOT / name, as_version=4), name)
        nbformat.write(nb, content / name)
        setup = "".join(o.get("text", "") for o in nb.cells[0].get("outputs", []))
        warnings = sorted({line.strip() for cell in nb.cells[1:] if cell.cell_type == "code"
                           for o in cell.get("outputs", []) if o.get("name") == "stderr"
                           for line in o.get("text", "").splitlines() if "Warning" in line})
        result["notebooks"][name] = {
            "seconds": round(time.perf_counter() - start, 1), "error": error,
            "setup_output": setup.strip(), "cloned": (content / "cine-creuse").is_dir(),
            "unfilled": unfilled_prose(nb), "warnings": warnings}
        print(f"[colab]   {name}: {result['notebooks'][name]['seconds']} s"
              f"{' ERROR ' + error if error else ''}", flush=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.environ.get("PYTHON", "python3.11"),
                        help="interpreter of the Colab-like venv (default python3.11)")
    parser.add_argument("--json", type=Path, help="write the full report there")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--in-venv", type=Path, metavar="WORKDIR", help=argparse.SUPPRESS)
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
    print(f"[colab] installed by the notebooks' Colab cell: {added or 'nothing'}")
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
