"""Every path, source and cleaning parameter of the project, in one place.

Paths derive from the project root; each can be overridden by an environment
variable so that notebooks, tests, CI and Colab never assume a local path.

- ``CINE_DATA_DIR``: data folder, default ``<project>/data``.
- ``CINE_DEMO_DIR``: the synthetic demo's own data folder, default ``<data folder>/demo``
  (never the real one: the demo cannot overwrite downloaded files).
- ``CINE_IMDB_SOURCE``: base URL or local folder of the IMDb files,
  default ``https://datasets.imdbws.com/``.
- ``CINE_TMDB_SOURCE``: Google Drive file id, URL or local path of ``tmdb_full.csv``,
  default the seed's Drive file.
- ``CINE_SHARED_DIR``: shared inputs (real samples, market facts), default ``<project>/../shared``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

IMDB_DEFAULT_SOURCE = "https://datasets.imdbws.com/"
TMDB_DEFAULT_DRIVE_ID = "1VB5_gl1fnyBDzcIOXZ5vUSbCY68VZN1v"

#: The seven IMDb non-commercial files, in the order they are fetched.
IMDB_FILES: tuple[str, ...] = (
    "title.basics.tsv.gz",
    "title.akas.tsv.gz",
    "title.crew.tsv.gz",
    "title.principals.tsv.gz",
    "title.ratings.tsv.gz",
    "name.basics.tsv.gz",
    "title.episode.tsv.gz",
)
#: Name of the complementary TMDB table in ``data/raw``.
TMDB_FILE = "tmdb_full.csv"


def repository_url() -> str:
    """The project's git repository (``[project.urls] Repository`` of pyproject.toml, the one
    place it is written): the notebooks' Colab cell clones it."""
    with open(PROJECT_ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["urls"]["Repository"]


def data_dir() -> Path:
    """Root data folder (``CINE_DATA_DIR`` or ``<project>/data``)."""
    return Path(os.environ.get("CINE_DATA_DIR") or PROJECT_ROOT / "data").resolve()


def demo_dir() -> Path:
    """The offline demo's data folder (same layout as :func:`data_dir`), apart from real data."""
    return Path(os.environ.get("CINE_DEMO_DIR") or data_dir() / "demo").resolve()


def raw_dir() -> Path:
    """Raw downloaded (or synthetic) files."""
    return data_dir() / "raw"


def processed_dir() -> Path:
    """Light Parquet tables written by the ingest."""
    return data_dir() / "processed"


def models_dir() -> Path:
    """Fitted model artifacts."""
    return data_dir() / "models"


def model_path() -> Path:
    """Where the fitted recommender is saved (``Recommender.save``/``load``)."""
    return models_dir() / "recommender"


def posters_dir() -> Path:
    """Local poster cache."""
    return data_dir() / "posters"


def shared_dir() -> Path:
    """Folder of shared inputs (real samples, market facts) beside the project."""
    return Path(os.environ.get("CINE_SHARED_DIR") or PROJECT_ROOT.parent / "shared").resolve()


def real_data_dir() -> Path:
    """Real public data samples, read in place (never copied into the project)."""
    return shared_dir() / "data" / "real"


def imdb_source() -> str:
    """Base URL or local folder holding the seven IMDb ``.tsv.gz`` files."""
    return os.environ.get("CINE_IMDB_SOURCE") or IMDB_DEFAULT_SOURCE


def tmdb_source() -> str:
    """Google Drive file id, URL or local path of the TMDB table."""
    return os.environ.get("CINE_TMDB_SOURCE") or TMDB_DEFAULT_DRIVE_ID


@dataclass(frozen=True)
class CleaningParams:
    """Cleaning choices of the ingest; each is explained in 02_cleaning.ipynb.

    Attributes:
        movie_types: IMDb ``titleType`` values kept as cinema films.
        series_types: ``titleType`` values kept as series (films vs series analysis).
        min_votes: minimum IMDb votes for a film to enter the catalogue; below it
            ratings are noise and most titles are unknown to a cinema audience.
        min_series_votes: same threshold for series.
        min_year, max_year: release-year bounds (inclusive).
        min_runtime, max_runtime: runtime bounds in minutes; outside them a
            "movie" is a mislabelled short or a marathon installation.
        title_regions: akas regions searched for the French title, by preference.
        top_cast: number of top-billed actors kept per film for the recommender.
        exclude_adult: drop ``isAdult`` titles.
    """

    movie_types: tuple[str, ...] = ("movie",)
    series_types: tuple[str, ...] = ("tvSeries", "tvMiniSeries")
    min_votes: int = 200
    min_series_votes: int = 200
    min_year: int = 1900
    max_year: int = 2030
    min_runtime: int = 40
    max_runtime: int = 300
    title_regions: tuple[str, ...] = ("FR",)
    top_cast: int = 8
    exclude_adult: bool = True


DEFAULT_PARAMS = CleaningParams()
