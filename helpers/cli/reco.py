"""Recommender commands: fit, evaluate, learn (``recommend`` is in :mod:`helpers.cli.recommend`)."""

from __future__ import annotations

import argparse
import dataclasses
import json
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
    from helpers.reco.evaluate import NOTE, K, evaluate, format_hubs, format_table

    table = evaluate(args.real, users=args.users)
    if args.json:
        print(table.to_json(orient="records", force_ascii=False, indent=1))
    else:
        print(f"ML-LOO, utilisateurs {args.users} ({table['utilisateurs'].iloc[0]} utilisateurs, "
              f"{table['cas'].iloc[0]} cas par variante)\n")
        print(format_table(table.drop(columns=["utilisateurs", "cas"])))
        print(f"\nFilms présents dans le plus de listes « tous les films » (top {K} de chaque "
              f"film du catalogue) :\n{format_hubs(table)}")
        print(f"\n{NOTE}")
    return 0


def add_learn_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--real", type=Path, default=None,
                        help="real samples folder (default: helpers.config.real_data_dir())")
    parser.add_argument("--rerank", action="store_true",
                        help="train the re-ranking trees instead (with the shipped weights) "
                             "and write them to helpers/reco/reranker.npz (about 5 min)")


def run_learn(args: argparse.Namespace) -> int:
    from helpers.reco.learn import LEARNED, learn, learn_reranker

    if args.rerank:
        learn_reranker(args.real or config.real_data_dir())
        return 0
    weights = learn(args.real or config.real_data_dir())
    learned = {k: v for k, v in dataclasses.asdict(weights).items()
               if k in LEARNED or k in ("quality", "popularity", "prior_scale", "recency")}
    print("learned weights (FeatureWeights defaults):")
    print(json.dumps(learned, indent=1))
    return 0
