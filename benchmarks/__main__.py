"""``python -m benchmarks <name>|all [options]``."""

import argparse
import importlib
import sys

from benchmarks import BENCHMARKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench",
                                     description="benchmarks printing figures")
    parser.add_argument("name", choices=(*BENCHMARKS, "all"), help="which benchmark to run")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="options of that benchmark")
    args = parser.parse_args(argv)
    status = 0
    for name in BENCHMARKS if args.name == "all" else (args.name,):
        module = importlib.import_module(f"benchmarks.{name}")
        status |= int(module.main(list(args.options)) or 0)
    return status


sys.exit(main())
