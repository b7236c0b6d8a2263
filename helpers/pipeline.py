"""The main job's data part: download the real files, ingest them, fit the model."""

from __future__ import annotations

import argparse

from helpers import config


def build() -> None:
    """Everything the dashboard needs, from the configured real sources."""
    from helpers.download import download_all
    from helpers.ingest import ingest
    from helpers.recommender import fit_and_save

    download_all(config.raw_dir())
    ingest(config.raw_dir(), config.processed_dir())
    fit_and_save(config.processed_dir(), config.model_path())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Download (cached), ingest and fit. Sources follow CINE_IMDB_SOURCE and CINE_TMDB_SOURCE; "
        "without internet use `python -m helpers demo`."
    )


def run(args: argparse.Namespace) -> int:
    build()
    return 0
