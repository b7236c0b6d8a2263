"""Offline demo: synthetic raw files, ingest and model fit, clearly labelled.

The processed manifest records that the data is synthetic, so the dashboard and
the report show a banner saying so.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from helpers import config


def build_demo(data_dir: Path | None = None, scale: str = "small", seed: int = 0) -> Path:
    """Write synthetic raw data, ingest it and fit the recommender under ``data_dir``."""
    from helpers.ingest import ingest
    from helpers.recommender import fit_and_save
    from helpers.synthetic import generate

    data = Path(data_dir) if data_dir is not None else config.data_dir()
    raw, processed = data / "raw", data / "processed"
    generate(raw, scale=scale, seed=seed)
    ingest(raw, processed)
    fit_and_save(processed, data / "models" / config.model_path().name)
    return data


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", default="small", choices=("tiny", "small", "full"))
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    data = build_demo(scale=args.scale, seed=args.seed)
    print(f"demo data ready in {data} (SYNTHETIC, not real IMDb/TMDB data)")
    print("serve it with: python -m helpers serve")
    return 0


def ensure_data() -> Path:
    """Make sure processed tables exist (notebooks, Colab): build real data, else the demo.

    Falls back to the synthetic demo only when the real sources cannot be reached,
    and says so loudly.
    """
    from helpers.errors import CineError
    from helpers.pipeline import build

    if (config.processed_dir() / "manifest.json").is_file():
        return config.processed_dir()
    try:
        build()
    except CineError as exc:
        print(f"Données réelles indisponibles ({exc}).\n"
              "=> Jeu de démonstration SYNTHÉTIQUE utilisé (pas de vraies données IMDb/TMDB).")
        build_demo()
    return config.processed_dir()
