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


#: In the data folder: the releases ``build`` makes (``releases/<stamp>/processed`` and
#: ``.../models``) and the symbolic link to the one in service (see helpers.data.releases).
RELEASES_DIR = "releases"
CURRENT_LINK = "current"


def release_dir(data: Path | None = None) -> Path:
    """The data release in service: where ``<data>/current`` points (``releases/<stamp>``),
    resolved, so that a process keeps the release it started with; the data folder itself
    when there is no release (the demo, or tables built by ``ingest`` and ``fit`` alone)."""
    data = Path(data) if data is not None else data_dir()
    link = data / CURRENT_LINK
    return link.resolve() if link.is_symlink() and link.exists() else data


def processed_dir(release: Path | None = None) -> Path:
    """Light Parquet tables written by the ingest (of ``release``, default the one in
    service: a process reading tables and model resolves the release once)."""
    return (release or release_dir()) / "processed"


def models_dir(release: Path | None = None) -> Path:
    """Fitted model artifacts (of ``release``, default the one in service)."""
    return (release or release_dir()) / "models"


def model_path(release: Path | None = None) -> Path:
    """Where the fitted recommender is saved (``Recommender.save``/``load``)."""
    return models_dir(release) / "recommender"


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


# ----------------------------------------------------------------- e-mail film ideas
#: Defaults of the cinema shown in every e-mail (override with CINE_CINEMA_NAME / _ADDRESS).
CINEMA_DEFAULT_NAME = "Ciné Creuse"
CINEMA_DEFAULT_ADDRESS = "23000 Guéret"
SMTP_SECURITIES = ("none", "starttls", "ssl")
_SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def subscribers_db_path() -> Path:
    """SQLite database of the e-mail subscriptions, in the data folder."""
    return data_dir() / "subscribers.sqlite3"


def outbox_dir() -> Path:
    """Where ``notify --dry-run`` writes its ``.eml`` files."""
    return data_dir() / "outbox"


def cinema_name() -> str:
    """The cinema's name in the e-mails (``CINE_CINEMA_NAME``)."""
    return os.environ.get("CINE_CINEMA_NAME") or CINEMA_DEFAULT_NAME


def cinema_address() -> str:
    """The cinema's postal address in the e-mails (``CINE_CINEMA_ADDRESS``)."""
    return os.environ.get("CINE_CINEMA_ADDRESS") or CINEMA_DEFAULT_ADDRESS


def public_url() -> str:
    """Public base URL of the dashboard, hence of the e-mails' links (``CINE_PUBLIC_URL``)."""
    return (os.environ.get("CINE_PUBLIC_URL") or "http://127.0.0.1:8866/").rstrip("/") + "/"


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP relay; see :func:`smtp_settings` for the variables."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    user: str = ""
    password: str = ""
    mail_from: str = "cine-creuse@localhost"
    cafile: str = ""
    timeout: float = 20.0

    def __repr__(self) -> str:  # never print the password
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
                f"user={'set' if self.user else 'unset'})")


def smtp_settings() -> SmtpSettings:
    """SMTP settings from ``CINE_SMTP_HOST``, ``CINE_SMTP_PORT``, ``CINE_SMTP_SECURITY``
    (none, starttls or ssl), ``CINE_SMTP_USER``, ``CINE_SMTP_PASSWORD``, ``CINE_MAIL_FROM``
    and ``CINE_SMTP_CAFILE`` (extra CA certificates, e.g. a self-signed relay)."""
    from helpers.errors import CineError

    security = (os.environ.get("CINE_SMTP_SECURITY") or "none").strip().lower()
    if security not in SMTP_SECURITIES:
        raise CineError(f"CINE_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITIES)}, "
                        f"not {security!r}")
    port_text = os.environ.get("CINE_SMTP_PORT") or str(_SMTP_DEFAULT_PORTS[security])
    try:
        port = int(port_text)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise CineError(f"CINE_SMTP_PORT must be a port number, not {port_text!r}") from None
    return SmtpSettings(
        host=os.environ.get("CINE_SMTP_HOST") or "127.0.0.1", port=port, security=security,
        user=os.environ.get("CINE_SMTP_USER", ""),
        password=os.environ.get("CINE_SMTP_PASSWORD", ""),
        mail_from=os.environ.get("CINE_MAIL_FROM") or "cine-creuse@localhost",
        cafile=os.environ.get("CINE_SMTP_CAFILE", ""))
