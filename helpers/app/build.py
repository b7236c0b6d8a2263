"""The service's data jobs: build from the real sources, or the offline synthetic demo.

``build`` is the main job's data part (download, ingest, fit); ``build_demo`` writes
synthetic raw files and builds from them, and the processed manifest records that the
data is synthetic so the dashboard and the report say so; ``ensure_data`` gives the
notebooks (and Colab) processed tables either way.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers import config


def build() -> None:
    """Everything the dashboard needs, from the configured real sources."""
    from helpers.data.download import download_all
    from helpers.data.ingest import ingest
    from helpers.reco.model import fit_and_save

    download_all(config.raw_dir())
    ingest(config.raw_dir(), config.processed_dir())
    fit_and_save(config.processed_dir(), config.model_path())


def build_demo(data_dir: Path | None = None, scale: str = "small", seed: int = 0) -> Path:
    """Write synthetic raw data, ingest it and fit the recommender under ``data_dir``
    (default: the demo's own folder, :func:`helpers.config.demo_dir`)."""
    from helpers.data.ingest import ingest
    from helpers.data.synthetic import generate
    from helpers.reco.model import fit_and_save

    data = Path(data_dir) if data_dir is not None else config.demo_dir()
    raw, processed = data / "raw", data / "processed"
    generate(raw, scale=scale, seed=seed)
    ingest(raw, processed)
    fit_and_save(processed, data / "models" / config.model_path().name)
    return data


def ensure_data() -> Path:
    """Processed tables for the notebooks (and Colab); return their folder.

    Tables already built are used as they are; raw files already in the data folder are
    ingested; otherwise the real files are downloaded and built. Only when the sources
    cannot be reached at all does it build the synthetic demo, in its own folder, and
    point this process at it, saying so loudly. Any other error is raised: a failed
    ingest never replaces real files by synthetic ones.
    """
    from helpers.data.catalog import clear_cache
    from helpers.data.ingest import find_raw_file, ingest
    from helpers.errors import SourceUnreachable
    from helpers.schema import MANIFEST

    processed = config.processed_dir()
    if (processed / MANIFEST).is_file():
        return processed
    if find_raw_file(config.raw_dir(), "title.basics") is not None:
        ingest(config.raw_dir(), processed, require_all=False)
        return processed
    try:
        build()
    except SourceUnreachable as exc:
        print(f"Données réelles inaccessibles ({exc}).\n"
              "=> Jeu de démonstration SYNTHÉTIQUE utilisé (pas de vraies données IMDb/TMDB), "
              f"dans {config.demo_dir()}.")
        demo = build_demo()
        os.environ["CINE_DATA_DIR"] = str(demo)
        clear_cache()
    return config.processed_dir()
