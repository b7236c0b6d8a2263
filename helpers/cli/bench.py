"""``bench``: run the benchmarks package (kept outside the runtime import path)."""

from __future__ import annotations

import argparse
import subprocess
import sys

from helpers import config


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name",
                        help="ingest, kpi, search, recommend, dashboard, notify, page or all")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="options of that benchmark")


def run_bench(args: argparse.Namespace) -> int:
    command = [sys.executable, "-m", "benchmarks", args.name, *args.options]
    return subprocess.call(command, cwd=config.PROJECT_ROOT)
