"""The service's data jobs: build from the real sources, or the offline synthetic demo.

``build`` is the main job's data part (download, ingest, fit); ``build_demo`` writes
synthetic raw files and builds from them, and the processed manifest records that the
data is synthetic so the dashboard and the report say so; ``ensure_data`` gives the
notebooks (and Colab) processed tables either way.
"""

from __future__ import annotations

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
    """Write synthetic raw data, ingest it and fit the recommender under ``data_dir``."""
    from helpers.data.ingest import ingest
    from helpers.data.synthetic import generate
    from helpers.reco.model import fit_and_save

    data = Path(data_dir) if data_dir is not None else config.data_dir()
    raw, processed = data / "raw", data / "processed"
    generate(raw, scale=scale, seed=seed)
    ingest(raw, processed)
    fit_and_save(processed, data / "models" / config.model_path().name)
    return data


def ensure_data() -> Path:
    """Make sure processed tables exist (notebooks, Colab): build real data, else the demo.

    Falls back to the synthetic demo only when the real sources cannot be reached,
    and says so loudly.
    """
    from helpers.errors import CineError

    if (config.processed_dir() / "manifest.json").is_file():
        return config.processed_dir()
    try:
        build()
    except CineError as exc:
        print(f"Données réelles indisponibles ({exc}).\n"
              "=> Jeu de démonstration SYNTHÉTIQUE utilisé (pas de vraies données IMDb/TMDB).")
        build_demo()
    return config.processed_dir()
