"""Command line: ``python -m helpers <command> [options]``, the only place argparse lives.

A command is ``add_<name>_arguments(parser)`` and ``run_<name>(args) -> int`` in one of
this package's modules; they parse options and call the layers. Modules are imported
only when their command runs, so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from helpers.errors import CineError

#: command -> (module of helpers.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "download": ("data", "fetch the 7 IMDb files and the TMDB table into data/raw"),
    "synth": ("data", "write synthetic raw files in the exact IMDb/TMDB formats"),
    "ingest": ("data", "raw files -> light Parquet tables in data/processed"),
    "build": ("data", "download + ingest + fit: everything the dashboard needs"),
    "demo": ("data", "offline: synthetic data + ingest + fit (labelled as demo)"),
    "fit": ("reco", "fit the recommender on the processed movies and save it"),
    "recommend": ("recommend", "recommend films from titles you liked"),
    "evaluate": ("reco", "offline evaluation (ML-LOO) on real MovieLens ratings"),
    "learn": ("reco", "learn the recommender's weights from MovieLens tuning users"),
    "market": ("report", "build the sourced market-figures table"),
    "indicators": ("app", "draw the dashboard's KPI page for given filters"),
    "serve": ("app", "serve the Voila dashboard (gzip, admission control, healthz)"),
    "nginx": ("app", "write the nginx site for going online (TLS, caching, sticky backends)"),
    "report": ("report", "execute the notebooks and export the HTML report and slides"),
    "notebooks": ("report", "write the Colab setup cell into every numbered notebook"),
    "notify": ("mail", "e-mail the film-idea digests that are due"),
    "subscribers": ("mail", "list, export, delete or add e-mail subscribers"),
    "bench": ("bench", "benchmarks: ingest, kpi, search, recommend, dashboard, notify"),
}


def _usage() -> str:
    lines = ["usage: python -m helpers <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run `python -m helpers <command> --help` for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the command's options, run it and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, help_ = COMMANDS[name]
    module = importlib.import_module(f"helpers.cli.{module_name}")
    parser = argparse.ArgumentParser(prog=f"python -m helpers {name}", description=help_)
    getattr(module, f"add_{name}_arguments")(parser)
    args = parser.parse_args(rest)
    try:
        return int(getattr(module, f"run_{name}")(args) or 0)
    except CineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
