"""``python -m helpers bench <name> [options]``: benchmarks printing figures.

Each benchmark is a module ``helpers.bench.<name>`` with ``main(argv) -> int``;
it prints its figures and the naive approach's side by side in the same run.
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = ("ingest", "kpi", "search", "recommend", "dashboard", "flood", "kernel")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=(*BENCHMARKS, "all"), help="which benchmark to run")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="options of that benchmark")


def run(args: argparse.Namespace) -> int:
    names = BENCHMARKS if args.name == "all" else (args.name,)
    status = 0
    for name in names:
        module = importlib.import_module(f"helpers.bench.{name}")
        status |= int(module.main(list(args.options)) or 0)
    return status
