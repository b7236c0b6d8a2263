"""Analysis and report commands: market, report, notebooks."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_market_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shared", type=Path, default=None,
                        help="shared fact sheet "
                             "(default: $CINE_SHARED_DIR/market/creuse_market_facts.csv)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output CSV (default: data/market/market_figures.csv)")


def run_market(args: argparse.Namespace) -> int:
    from helpers.analysis.market import build_market_figures, write_market_figures

    table = build_market_figures(args.shared)
    path = write_market_figures(table, args.out)
    print(f"{len(table)} sourced figures written to {path} "
          f"(confidence A/B/C: {', '.join(str((table['confidence'] == c).sum()) for c in 'ABC')})")
    return 0


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: report/)")
    parser.add_argument("--no-execute", action="store_true",
                        help="export the notebooks as they are, without running them")
    parser.add_argument("--no-evaluate", action="store_true",
                        help="skip the offline evaluation shown in the presentation")


def run_report(args: argparse.Namespace) -> int:
    from helpers.report.build import build_report
    from helpers.report.export import data_statement

    index = build_report(args.out, execute_notebooks=not args.no_execute,
                         evaluate=not args.no_evaluate)
    kind, _ = data_statement()
    print(f"report written: {index} ({'SYNTHETIC demo data' if kind == 'synthetic' else kind})")
    return 0


def add_notebooks_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Write the Google Colab setup cell (helpers.report.notebooks) as the "
                          "first cell of every numbered notebook.")


def run_notebooks(args: argparse.Namespace) -> int:
    from helpers.report.notebooks import sync_colab_cells

    changed = sync_colab_cells()
    print(f"{len(changed)} notebook(s) updated" + "".join(f"\n  {p.name}" for p in changed))
    return 0
