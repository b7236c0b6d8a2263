"""Load the processed tables once (cached) for notebooks, dashboard and CLI, and the one
vote-weighted (Bayesian) rating used by both the KPIs and the recommender."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import config
from helpers.errors import CineError
from helpers.schema import MANIFEST, TABLES

#: Votes quantile of the rating prior ``m``: a film needs as many votes as three quarters of
#: the rated films for its own rating to weigh as much as the mean (IMDb top-250 style).
VOTES_QUANTILE = 0.75


def rating_prior(rating: pd.Series, votes: pd.Series,
                 quantile: float = VOTES_QUANTILE) -> tuple[float, float]:
    """``(m, C)`` of the vote-weighted rating: ``m`` the ``quantile`` of the votes of the
    rated films (rating known, votes > 0), ``C`` their mean rating; (nan, nan) without any."""
    r = pd.to_numeric(rating, errors="coerce").astype("float64")
    v = pd.to_numeric(votes, errors="coerce").astype("float64")
    rated = r.notna() & (v > 0)
    if not rated.any():
        return float("nan"), float("nan")
    return float(v[rated].quantile(quantile)), float(r[rated].mean())


def bayesian_rating(rating: pd.Series, votes: pd.Series, m: float | None = None,
                    c: float | None = None) -> np.ndarray:
    """``v/(v+m)·R + m/(v+m)·C`` per film, so a 9/10 from 20 votes does not beat 8.5/10 from
    500,000 votes; a film without rating or votes gets ``C``. ``m``/``C`` default to
    :func:`rating_prior` (no rated film at all: 6.0)."""
    prior_m, prior_c = rating_prior(rating, votes)
    m = prior_m if m is None else m
    c = prior_c if c is None else c
    m, c = (0.0, 6.0) if np.isnan(c) else (m, c)
    r = pd.to_numeric(rating, errors="coerce").astype("float64").to_numpy()
    v = pd.to_numeric(votes, errors="coerce").astype("float64").fillna(0).clip(lower=0).to_numpy()
    r = np.where(np.isnan(r), c, r)
    total = v + m
    return np.where(total > 0, (v * r + m * c) / np.where(total > 0, total, 1), c)


def _folder(processed: Path | str | None) -> Path:
    return Path(processed) if processed is not None else config.processed_dir()


@lru_cache(maxsize=32)
def _load(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise CineError(
            f"{path} is missing: build the tables with `python -m helpers build` "
            "(real data) or `python -m helpers demo` (offline synthetic data)"
        )
    return pd.read_parquet(path, schema=TABLES[name])


def load_table(name: str, processed: Path | str | None = None) -> pd.DataFrame:
    """One processed table as a DataFrame (a copy of the cached one: safe to modify)."""
    if name not in TABLES:
        raise CineError(f"unknown table {name!r}; expected one of {sorted(TABLES)}")
    return _load(_folder(processed).resolve(), name).copy()


def load_movies(processed: Path | str | None = None) -> pd.DataFrame:
    """The film catalogue (schema :data:`helpers.schema.MOVIES`)."""
    return load_table("movies", processed)


def load_manifest(processed: Path | str | None = None) -> dict:
    """The ingest manifest: sources, date, parameters and row counts."""
    path = _folder(processed) / MANIFEST
    if not path.is_file():
        raise CineError(f"{path} is missing: run `python -m helpers ingest` first")
    return json.loads(path.read_text(encoding="utf-8"))


def is_synthetic(processed: Path | str | None = None) -> bool:
    """True when the processed tables come from the synthetic demo generator."""
    return bool(load_manifest(processed).get("synthetic"))


def clear_cache() -> None:
    """Forget cached tables (after a rebuild)."""
    _load.cache_clear()
