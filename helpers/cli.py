"""Command line: ``python -m helpers <command> [options]``.

Each command lives in the module that owns the work; the module exposes
``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only
when their command runs, so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from helpers.errors import CineError

#: command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "download": ("helpers.download", "fetch the 7 IMDb files and the TMDB table into data/raw"),
    "synth": ("helpers.synthetic", "write synthetic raw files in the exact IMDb/TMDB formats"),
    "ingest": ("helpers.ingest", "raw files -> light Parquet tables in data/processed"),
    "fit": ("helpers.recommender", "fit the recommender on the processed movies and save it"),
    "recommend": ("helpers.recommend_cli", "recommend films from titles you liked"),
    "evaluate": ("helpers.evaluate", "offline evaluation (ML-LOO) on real MovieLens ratings"),
    "market": ("helpers.market", "build the sourced market-figures table"),
    "build": ("helpers.pipeline", "download + ingest + fit: everything the dashboard needs"),
    "demo": ("helpers.demo", "offline: synthetic data + ingest + fit (labelled as demo)"),
    "indicators": ("helpers.indicators", "draw the dashboard's KPI page for given filters"),
    "serve": ("helpers.serve", "serve the Voila dashboard (gzip, admission control, healthz)"),
    "report": ("helpers.report", "execute the notebooks and export the HTML report and slides"),
    "bench": ("helpers.bench", "benchmarks: ingest, kpi, search, recommend, dashboard"),
}


def _usage() -> str:
    lines = ["usage: python -m helpers <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run `python -m helpers <command> --help` for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the module owning the command; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, help_ = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"python -m helpers {name}", description=help_)
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args) or 0)
    except CineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
