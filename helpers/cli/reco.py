"""Recommender commands: fit, evaluate (``recommend`` is in :mod:`helpers.cli.recommend`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from helpers import config


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--processed", type=Path, default=None,
                        help="processed tables folder (default: helpers.config.processed_dir())")
    parser.add_argument("--out", type=Path, default=None,
                        help="model folder (default: helpers.config.model_path())")


def run_fit(args: argparse.Namespace) -> int:
    from helpers.reco.model import fit_and_save

    processed = args.processed or config.processed_dir()
    out = args.out or config.model_path()
    model = fit_and_save(processed, out)
    print(f"recommender fitted on {len(model.index_):,} films, saved to {out}")
    return 0


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", choices=("tuning", "reporting"), default="reporting",
                        help="user half: odd ids (tuning) or even ids (reporting, default)")
    parser.add_argument("--json", action="store_true", help="print the table as JSON records")
    parser.add_argument("--real", type=Path, default=None,
                        help="real samples folder (default: helpers.config.real_data_dir())")


def run_evaluate(args: argparse.Namespace) -> int:
    from helpers.reco.evaluate import NOTE, evaluate, format_table

    table = evaluate(args.real, users=args.users)
    if args.json:
        print(table.to_json(orient="records", force_ascii=False, indent=1))
    else:
        print(f"ML-LOO, utilisateurs {args.users} ({table['utilisateurs'].iloc[0]} utilisateurs, "
              f"{table['cas'].iloc[0]} cas par variante)\n")
        print(format_table(table.drop(columns=["utilisateurs", "cas"])))
        print(f"\n{NOTE}")
    return 0
