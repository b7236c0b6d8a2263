"""Load the processed tables once (cached) for notebooks, dashboard and CLI."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from helpers import config
from helpers.errors import CineError
from helpers.schema import MANIFEST, TABLES


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
