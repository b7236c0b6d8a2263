"""Synthetic replica of the 7 IMDb files and the TMDB table, at any scale, from a seed.

Same formats as the real files (tab separated, ``\\N`` nulls, comma-joined lists,
gzip, bare quotes; TMDB CSV with Python-literal lists) and coherent ids across
files, with distributions close enough to the real dumps that every analysis has
something true to find: title types, careers, heavy-tailed credits and votes,
runtime trend, French akas and productions, series with episodes, directors with
their favourite actors and genres, TMDB posters and money columns.

Everything is vectorised (numpy for the draws, pyarrow for the text), generated
by chunks of titles computed ahead in threads while the files are gzipped, so
``full`` (12M titles, 95M principals) takes minutes in a few GB. Every chunk has
its own random stream: the bytes depend only on ``(scale, seed)``. ``plan(scale)``
gives every file's exact row count without generating anything.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers import config, files
from helpers.data import synthetic_words as words
from helpers.errors import CineError
from helpers.schema import IMDB_COLUMNS, SYNTHETIC_MARKER, TMDB_COLUMNS

# --- scales -------------------------------------------------------------------------

TITLE_TYPES = ("tvEpisode", "short", "movie", "video", "tvSeries", "tvMovie",
               "tvMiniSeries", "tvSpecial", "videoGame", "tvShort")
(EPISODE, SHORT, MOVIE, VIDEO, SERIES, TVMOVIE, MINISERIES, SPECIAL, GAME, TVSHORT) = range(10)
#: Share of each title type in the real dump (about 2024).
REAL_SHARES = (0.75, 0.102, 0.06, 0.033, 0.025, 0.015, 0.005, 0.004, 0.003, 0.003)
#: Share of each title type that has an IMDb rating (title.ratings).
RATED_SHARES = (0.075, 0.18, 0.50, 0.30, 0.40, 0.40, 0.40, 0.30, 0.35, 0.20)


@dataclass(frozen=True)
class Scale:
    """Sizes of one scale; ``plan`` derives every file's exact row count from them."""

    titles: int
    people: int
    principals: int
    akas: int
    shares: tuple[float, ...] = REAL_SHARES
    rated: tuple[float, ...] = RATED_SHARES
    kept_movies: int = 65_000  # movies with >= 200 votes (approximately)
    top_votes: int = 2_900_000
    tmdb_share: float = 0.45  # TMDB rows per rated movie


SCALES: dict[str, Scale] = {
    # Tiny and small over-represent rated movies so that the catalogue is usable.
    "tiny": Scale(1_000, 1_500, 9_000, 4_000,
                  shares=(0.40, 0.08, 0.30, 0.04, 0.06, 0.05, 0.03, 0.01, 0.02, 0.01),
                  rated=(0.3, 0.3, 0.90, 0.4, 0.8, 0.5, 0.6, 0.5, 0.5, 0.3),
                  kept_movies=170, top_votes=600_000, tmdb_share=0.80),
    "small": Scale(60_000, 70_000, 475_000, 270_000,
                   shares=(0.64, 0.10, 0.12, 0.03, 0.04, 0.02, 0.01, 0.01, 0.02, 0.01),
                   rated=(0.1, 0.25, 0.6, 0.3, 0.5, 0.4, 0.4, 0.3, 0.35, 0.2),
                   kept_movies=2_000, top_votes=1_500_000, tmdb_share=0.65),
    "medium": Scale(1_200_000, 1_400_000, 9_500_000, 5_400_000, kept_movies=6_500,
                    top_votes=2_000_000),
    "full": Scale(12_000_000, 14_000_000, 95_000_000, 54_000_000),
}

T = TypeVar("T")
CHUNK = 1 << 18  # titles (or people) per generated chunk
GZIP_LEVEL = 1  # fast: the real dumps are ~30% smaller, decompression costs the same
MIN_VOTES_KEPT = 200


def _type_counts(spec: Scale) -> np.ndarray:
    """Exact number of titles of each type (largest remainder)."""
    return _allocate(spec.titles, np.asarray(spec.shares, dtype=float))


def plan(scale: str) -> dict[str, int]:
    """Exact row count of every file a scale generates, computed without generating."""
    spec = _scale(scale)
    counts = _type_counts(spec)
    rated = np.floor(counts * np.asarray(spec.rated)).astype(np.int64)
    return {
        "title.basics.tsv.gz": spec.titles,
        "title.akas.tsv.gz": spec.akas,
        "title.crew.tsv.gz": spec.titles,
        "title.principals.tsv.gz": spec.principals,
        "title.ratings.tsv.gz": int(rated.sum()),
        "name.basics.tsv.gz": spec.people,
        "title.episode.tsv.gz": int(counts[EPISODE]),
        config.TMDB_FILE: int(rated[MOVIE] * spec.tmdb_share),
    }


def _scale(scale: str) -> Scale:
    if scale not in SCALES:
        raise CineError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    return SCALES[scale]


# --- small vectorised tools ---------------------------------------------------------


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer parts proportional to ``weights`` (exact sum)."""
    share = weights * (total / weights.sum())
    out = np.floor(share).astype(np.int64)
    rest = int(total - out.sum())
    if rest:
        out[np.argpartition(out - share, rest - 1)[:rest]] += 1
    return out


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def _strings(values: Iterable[str]) -> pa.Array:
    return pa.array(list(values), pa.string())


def _take(pool: pa.Array, idx: np.ndarray) -> pa.Array:
    return pool.take(pa.array(idx))


def _join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation; a null part makes the result null."""
    return pc.binary_join_element_wise(*parts, sep)


def _ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pc.cast(pa.array(values, mask=null), pa.string())


def _ids(prefix: str, index: np.ndarray) -> pa.Array:
    """IMDb ids from 0-based indexes: ``tt0000001`` (7 digits at least)."""
    return _join(prefix, pc.utf8_lpad(_ints(index + 1), width=7, padding="0"))


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` is far slower on large int64 arrays)."""
    values = np.sort(values)
    return values[np.concatenate([values[:1] == values[:1], values[1:] != values[:-1]])]


def _starts(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def _rank_in_group(counts: np.ndarray) -> np.ndarray:
    """0..n-1 inside each group of consecutive rows of sizes ``counts``."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(_starts(counts), counts)


def _list_join(values: pa.Array, counts: np.ndarray, sep: str) -> pa.Array:
    """Join consecutive groups of ``values`` (sizes ``counts``); empty groups give null."""
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    lists = pa.ListArray.from_arrays(offsets, values, mask=pa.array(counts == 0))
    return pc.binary_join(lists, sep)


def _py_list(values: pa.Array, counts: np.ndarray) -> pa.Array:
    """Python-literal lists like the TMDB file: ``['FR', 'BE']`` or ``[]``."""
    joined = _list_join(values, counts, "', '")
    return pc.if_else(pa.array(counts == 0), "[]", _join("['", joined, "']"))


def _pick_weighted(cum: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    return np.searchsorted(cum, rng.random(size) * cum[-1], side="right")


def _tsv_lines(columns: list[pa.Array | str]) -> memoryview:
    """Tab-joined lines (null -> ``\\N``) as one contiguous UTF-8 buffer."""
    lines = pc.binary_join_element_wise(*columns, "\t", null_handling="replace",
                                        null_replacement="\\N")
    lines = pc.binary_join_element_wise(lines, "", "\n")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], np.int32)
    offsets = offsets[lines.offset: lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0]: offsets[-1]]


class _GzTsv:
    """A gzip TSV (mtime 0) written atomically (:func:`helpers.files.atomic_file`)."""

    def __init__(self, path: Path, header: tuple[str, ...]) -> None:
        self.path, self.header, self.rows = path, header, 0

    def __enter__(self) -> _GzTsv:
        self.file = files.atomic_file(self.path, "wb")
        self.raw = self.file.__enter__()
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw,
                                compresslevel=GZIP_LEVEL, mtime=0)
        self.gz.write(("\t".join(self.header) + "\n").encode())
        return self

    def write(self, chunk: memoryview) -> None:
        self.rows += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == 10))
        self.gz.write(chunk)

    def __exit__(self, *exc: object) -> None:
        self.gz.close()
        self.file.__exit__(*exc)


def _write_gz(path: Path, header: tuple[str, ...], chunks: Iterable[memoryview]) -> int:
    """Write a gzip TSV atomically from its chunks of lines; return the row count."""
    with _GzTsv(path, header) as out:
        for chunk in chunks:
            out.write(chunk)
    return out.rows


def _ranges(n: int) -> Iterator[tuple[int, int, int]]:
    for k, lo in enumerate(range(0, n, CHUNK)):
        yield k, lo, min(n, lo + CHUNK)


def _chunks(make: Callable[[int, int, int], T], n: int, ahead: int = 2) -> Iterator[T]:
    """``make(k, lo, hi)`` for every chunk of ``n`` rows, in order, ``ahead`` computed in
    parallel (each chunk has its own random stream, so the result does not depend on it)."""
    with ThreadPoolExecutor(max_workers=ahead) as pool:
        pending: deque = deque()
        for k, lo, hi in _ranges(n):
            pending.append(pool.submit(make, k, lo, hi))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# --- the world: every title- and person-level attribute ----------------------------

ROLES = ("actor", "actress", "director", "writer", "producer", "composer",
         "cinematographer", "editor", "self", "crew")
ROLE_SHARES = (0.34, 0.24, 0.06, 0.09, 0.09, 0.03, 0.03, 0.03, 0.07, 0.02)
(ACTOR, ACTRESS, DIRECTOR, WRITER, PRODUCER, COMPOSER, CINEMATOGRAPHER, EDITOR, SELF,
 CREW) = range(10)
WINDOW = 12  # half-width (years) of the era in which a person is cast
DIRECTOR_WINDOW = 15
YEAR0, YEAR1 = 1800, 2100  # calendar years of the window tables
TROUPE = 8  # favourite actors of a director, regulars of a series
LANGS = ("en", "fr", "de", "es", "it", "ja", "hi", "ko", "sv", "pt", "da", "pl")
LANG_SHARES = (0.55, 0.10, 0.05, 0.06, 0.04, 0.05, 0.05, 0.03, 0.02, 0.02, 0.01, 0.02)
KIND = np.array([1, 2, 0, 0, 1, 0, 1, 1, 3, 2])  # type -> genre profile: film, tv, short, game
KIND_NAMES = ("film", "tv", "short", "game")
SELF_GENRES = [words.GENRES.index(g) for g in ("Documentary", "Talk-Show", "Reality-TV",
                                                 "News", "Game-Show")]
NO_GENRE = 99


@dataclass
class World:
    """Title and person attributes shared by all file writers (read-only once built)."""

    spec: Scale
    seed: int
    ttype: np.ndarray  # int8 type per title
    year: np.ndarray  # latent start year (int16)
    year_null: np.ndarray
    end_year: np.ndarray  # int16, 0 = null
    runtime: np.ndarray  # int16, 0 = null
    adult: np.ndarray
    genres: np.ndarray  # (n, 3) int8 sorted, NO_GENRE padding
    lang: np.ndarray  # int8 index in LANGS
    director: np.ndarray  # person id of the main director (-1 none)
    group: np.ndarray  # row in troupe table (-1 none)
    parent: np.ndarray  # parent series title index of episodes (-1 otherwise)
    season: np.ndarray  # int32, 0 = null
    episode: np.ndarray
    rated: np.ndarray  # bool
    votes: np.ndarray  # int32
    rating: np.ndarray  # int16 tenths
    has_fr: np.ndarray  # bool: a French aka
    n_principals: np.ndarray
    n_akas: np.ndarray
    tmdb: np.ndarray  # title indexes with a TMDB row, sorted
    # people
    role: np.ndarray
    centre: np.ndarray  # float32 centre year of the career
    birth: np.ndarray  # int16, 0 = null
    death: np.ndarray
    pools: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per role: ids, centres, cum weights
    troupe: np.ndarray  # (groups, TROUPE) person ids


def _year_pmf(start: int, growth: float, early: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    years = np.arange(1890, 2032)
    w = np.exp((years - start) / growth) * (years >= start)
    w[years > 2025] = w[years == 2025] * 0.4 ** (years[years > 2025] - 2025)
    w[years == 2020] *= 0.75
    w += early * ((years >= 1894) & (years <= 1920)) * w[years == 1960]
    return years, w / w.sum()


YEAR_MODELS = {  # type -> (start, growth, early bump)
    EPISODE: (1947, 12.0, 0.0), SHORT: (1894, 22.0, 0.25), MOVIE: (1896, 30.0, 0.06),
    VIDEO: (1975, 14.0, 0.0), SERIES: (1947, 14.0, 0.0), TVMOVIE: (1950, 18.0, 0.0),
    MINISERIES: (1955, 16.0, 0.0), SPECIAL: (1950, 16.0, 0.0), GAME: (1975, 10.0, 0.0),
    TVSHORT: (1950, 16.0, 0.0),
}


def _draw_types_years(spec: Scale, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ttype = np.repeat(np.arange(len(TITLE_TYPES), dtype=np.int8), _type_counts(spec))
    rng.shuffle(ttype)
    year = np.zeros(len(ttype), np.int16)
    for t, (start, growth, early) in YEAR_MODELS.items():
        idx = np.flatnonzero(ttype == t)
        years, p = _year_pmf(start, growth, early)
        year[idx] = rng.choice(years, size=len(idx), p=p)
    return ttype, year


def _build_people(spec: Scale, title_years: np.ndarray, rng: np.random.Generator) -> dict:
    n = spec.people
    role = np.repeat(np.arange(len(ROLES), dtype=np.int8), _allocate(n, np.array(ROLE_SHARES)))
    rng.shuffle(role)
    centre = (title_years[rng.integers(0, len(title_years), n)]
              + rng.normal(0, 4, n)).astype(np.float32)
    cap = max(20.0, (n * 0.3) ** 0.6)
    weight = np.minimum((1 - rng.random(n)) ** (-1 / 1.3), cap)
    age_lo = np.array([32, 30, 35, 33, 35, 30, 30, 30, 30, 30])[role]
    age_hi = np.array([52, 40, 55, 60, 60, 55, 55, 55, 55, 55])[role]
    birth = np.round(centre - rng.uniform(age_lo, age_hi)).astype(np.int16)
    death = np.maximum(birth + rng.uniform(45, 100, n), centre + WINDOW + 1).astype(np.int16)
    death[death > 2025] = 0
    known = rng.random(n) < np.clip(0.05 + 0.2 * np.log(weight), 0.05, 0.95)  # prolific: known
    birth[~known] = 0
    death[~known & (rng.random(n) < 0.9)] = 0  # death year without birth year is rare
    pools = []
    for r in range(len(ROLES)):
        ids = np.flatnonzero(role == r)
        ids = ids[np.argsort(centre[ids], kind="stable")]
        pools.append((ids, centre[ids], np.cumsum(weight[ids])))
        for window in (WINDOW, DIRECTOR_WINDOW):  # stand-ins for empty eras: age unknown
            lo, _, empty = _windows(centre[ids], window)
            birth[ids[lo[empty]]] = death[ids[lo[empty]]] = 0
    return {"role": role, "centre": centre, "birth": birth, "death": death, "pools": pools}


def _pick(pools: list, role: np.ndarray | int, years: np.ndarray, rng: np.random.Generator,
          window: float = WINDOW) -> np.ndarray:
    """Person ids of the given roles whose career centre is within ``window`` of ``years``.

    Drawn proportionally to each person's weight (heavy-tailed): a few people get
    thousands of credits, most get one or two, always within their active years.
    """
    role = np.broadcast_to(np.asarray(role), years.shape)
    out = np.empty(len(years), np.int64)
    u = rng.random(len(years))
    year = np.clip(np.round(years).astype(np.int64), YEAR0, YEAR1) - YEAR0
    for r in np.flatnonzero(np.bincount(role.ravel())):
        m = role == r
        ids, centres, cum = pools[r]
        lo, hi, _ = _windows(centres, window)
        base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
        y = year[m]
        target = base[y] + u[m] * (cum[hi - 1] - base)[y]
        order = np.argsort(target)  # sorted needles: searchsorted is ~10x faster
        k = np.empty(len(target), np.int64)
        k[order] = np.searchsorted(cum, target[order], side="right")
        out[m] = ids[np.clip(k, lo[y], hi[y] - 1)]
    return out


def _windows(centres: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per calendar year YEAR0..YEAR1: index range of the careers centred within ``window``.

    Where nobody is active (``empty``), the range holds the nearest earlier career.
    """
    grid = np.arange(YEAR0, YEAR1 + 1, dtype=np.float32)
    lo = np.searchsorted(centres, grid - window)
    hi = np.searchsorted(centres, grid + window, side="right")
    empty = hi <= lo
    lo = np.where(empty, np.clip(lo - 1, 0, len(centres) - 1), lo)
    return lo, np.where(empty, lo + 1, hi), empty


def _cast_roles(rng: np.random.Generator, size: int, first_billed: np.ndarray | None = None
                ) -> np.ndarray:
    p_actor = np.full(size, 0.56) if first_billed is None else np.where(first_billed, 0.64, 0.54)
    return np.where(rng.random(size) < p_actor, ACTOR, ACTRESS)


def _draw_genres(ttype: np.ndarray, fav: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Up to 3 IMDb genres per title, sorted (IMDb order), NO_GENRE padding."""
    n = len(ttype)
    g = np.full((n, 3), NO_GENRE, np.int16)
    for k, name in enumerate(KIND_NAMES):
        idx = np.flatnonzero(KIND[ttype] == k)
        p = np.asarray(words.GENRE_WEIGHTS[name], float)
        g[idx] = rng.choice(len(p), size=(len(idx), 3), p=p / p.sum())
    use_fav = (fav >= 0) & (rng.random(n) < 0.55)
    g[use_fav, 0] = fav[use_fav]
    n_genres = rng.choice(4, size=n, p=(0.03, 0.40, 0.29, 0.28))
    g[np.arange(3)[None, :] >= n_genres[:, None]] = NO_GENRE
    short = KIND[ttype] == 2
    g[short & (n_genres > 0), 2] = words.GENRES.index("Short")
    g.sort(axis=1)
    dup = np.zeros_like(g, dtype=bool)
    dup[:, 1:] = g[:, 1:] == g[:, :-1]
    g[dup] = NO_GENRE
    g.sort(axis=1)
    return g


def _votes_by_rank(rank: np.ndarray, top: float, kept: float, rng: np.random.Generator
                   ) -> np.ndarray:
    """Zipf-like votes: ``top`` for the best known title, ~200 at rank ``kept``."""
    alpha = np.log(top / MIN_VOTES_KEPT) / np.log(max(kept, 2.0))
    v = top * (rank + 1.0) ** -alpha * rng.lognormal(0, 0.3, len(rank))
    return np.maximum(np.round(v), 5).astype(np.int32)


def build_world(scale: str = "tiny", seed: int = 0) -> World:
    """Draw every title- and person-level attribute of a scale (no text yet)."""
    spec = _scale(scale)
    rng = _rng(seed, 1)
    ttype, year = _draw_types_years(spec, rng)
    n = len(ttype)
    people = _build_people(spec, year, _rng(seed, 2))
    pools = people["pools"]

    # Series and their episodes: season/episode numbers, years inside the series' run.
    series = np.flatnonzero((ttype == SERIES) | (ttype == MINISERIES))
    episodes = np.flatnonzero(ttype == EPISODE)
    mini = ttype[series] == MINISERIES
    sw = rng.lognormal(0, 1.4, len(series)) * np.where(mini, 0.05, 1.0)
    parent_local = _pick_weighted(np.cumsum(sw), rng, len(episodes))
    order = np.lexsort((episodes, parent_local))
    per_series = np.bincount(parent_local, minlength=len(series))
    rank = np.empty(len(episodes), np.int64)
    rank[order] = _rank_in_group(per_series)
    per_season = np.where(mini, 1000, rng.choice([6, 8, 10, 12, 13, 20, 22, 24], len(series)))
    season_l = rank // per_season[parent_local] + 1
    parent = np.full(n, -1, np.int64)
    parent[episodes] = series[parent_local]
    season = np.zeros(n, np.int32)
    episode = np.zeros(n, np.int32)
    numbered = rng.random(len(episodes)) > 0.08
    season[episodes] = np.where(numbered, season_l, 0)
    episode[episodes] = np.where(numbered, rank % per_season[parent_local] + 1, 0)
    year[episodes] = np.minimum(year[series][parent_local] + season_l - 1, 2026)
    last = np.zeros(len(series), np.int64)
    np.maximum.at(last, parent_local, season_l)
    run = np.where(per_series > 0, last - 1, rng.integers(0, 6, len(series)))
    end_year = np.zeros(n, np.int16)
    ended = (year[series] + run < 2024) & (rng.random(len(series)) < 0.9)
    end_year[series] = np.where(ended, year[series] + run, 0)
    series_local = np.full(n, -1, np.int64)
    series_local[series] = np.arange(len(series))

    # Main directors (films and episodes) with a favourite genre and a troupe of actors.
    has_director = (ttype != SERIES) & (ttype != MINISERIES)
    director = np.full(n, -1, np.int64)
    director[has_director] = _pick(pools, DIRECTOR, year[has_director], rng,
                                   window=DIRECTOR_WINDOW)
    dir_ids = pools[DIRECTOR][0]
    dir_local = np.full(spec.people, -1, np.int64)
    dir_local[dir_ids] = np.arange(len(dir_ids))
    film_p = np.asarray(words.GENRE_WEIGHTS["film"], float)
    fav_of_dir = rng.choice(len(film_p), size=len(dir_ids), p=film_p / film_p.sum())
    fav = np.full(n, -1, np.int64)
    films = has_director & (KIND[ttype] != 1)
    fav[films] = fav_of_dir[dir_local[director[films]]]
    genres = _draw_genres(ttype, fav, rng)
    genres[episodes] = genres[series[parent_local]]
    genres[episodes[rng.random(len(episodes)) < 0.4]] = NO_GENRE

    group_years = np.concatenate([people["centre"][dir_ids], year[series] + 2.0])
    troupe = _pick(pools, _cast_roles(rng, len(group_years) * TROUPE),
                   np.repeat(group_years, TROUPE), rng).reshape(-1, TROUPE)
    group = np.full(n, -1, np.int64)
    group[films] = dir_local[director[films]]
    group[series] = len(dir_ids) + np.arange(len(series))
    group[episodes] = len(dir_ids) + parent_local

    adult = (np.isin(ttype, (MOVIE, VIDEO))) & (rng.random(n) < 0.012)
    genres[adult, 0] = words.GENRES.index("Adult")
    lang = rng.choice(len(LANGS), size=n, p=LANG_SHARES).astype(np.int8)
    lang[episodes] = lang[series[parent_local]]

    # Fame decides who is rated and how many votes; rated films have runtime and year.
    fame = rng.normal(0, 1, n) + 0.5 * np.clip((year - 1950) / 50, -1, 1)
    fame[(year > 2025) | adult] = -np.inf
    rated = np.zeros(n, bool)
    votes = np.zeros(n, np.int32)
    vote_rank = np.full(n, np.iinfo(np.int64).max)
    n_rated = np.floor(_type_counts(spec) * np.asarray(spec.rated)).astype(np.int64)
    for t in range(len(TITLE_TYPES)):
        idx = np.flatnonzero(ttype == t)
        top = idx[np.argsort(-fame[idx], kind="stable")[: n_rated[t]]]
        rated[top] = True
        vote_rank[top] = np.arange(len(top))
        kept = spec.kept_movies if t == MOVIE else 0.15 * len(top)
        top_votes = spec.top_votes * (1.0 if t in (MOVIE, SERIES) else 0.1)
        votes[top] = _votes_by_rank(np.arange(len(top)), top_votes, kept, rng)
    fame_z = np.zeros(n)
    fame_z[rated] = (np.log(votes[rated]) - 4.0) / 2.0
    skew = rng.gamma(2.2, 0.6, n)  # left-skewed: many 6-7, a tail of flops
    rating = 7.3 - skew + 0.25 * fame_z + rng.normal(0, 0.75, n) + 0.8 * (ttype == EPISODE)
    rating = np.round(np.clip(rating, 1.0, 10.0) * 10).astype(np.int16)

    runtime = _draw_runtime(ttype, year, rng)
    famous_movie = (ttype == MOVIE) & (vote_rank < 1.3 * spec.kept_movies)
    null_p = np.array([0.55, 0.15, 0.30, 0.45, 0.40, 0.30, 0.35, 0.40, 0.95, 0.30])[ttype]
    runtime[(rng.random(n) < null_p) & ~famous_movie] = 0
    runtime[famous_movie & (rng.random(n) < 0.01)] = 0
    year_null = ~rated & (rng.random(n) < np.where(ttype == EPISODE, 0.10, 0.04))

    fr_p = np.array([0.08, 0.15, 0.30, 0.15, 0.50, 0.30, 0.50, 0.20, 0.30, 0.10])[ttype]
    fr_p = np.where((ttype == MOVIE) & rated, 0.88, fr_p)
    has_fr = rng.random(n) < fr_p

    base_p = np.array([7, 5, 14, 7, 10, 10, 10, 6, 6, 4], float)[ttype]
    boost = 1 + rated * 0.8
    n_principals = _allocate(spec.principals,
                             np.minimum(base_p * boost * rng.lognormal(0, 0.35, n), 40))
    base_a = np.array([3.3, 2, 10, 2.5, 7, 5, 6, 3, 4, 2], float)[ttype]
    n_akas = _allocate(spec.akas, base_a * (1 + rated * 1.5 + has_fr) * rng.lognormal(0, 0.5, n))

    movies = np.flatnonzero(rated & (ttype == MOVIE))
    # ~78% of the catalogue-range films have a TMDB row, then the best known of the rest.
    score = vote_rank[movies] / max(len(movies), 1) + rng.normal(0, 0.2, len(movies))
    top_range = vote_rank[movies] < spec.kept_movies
    score[top_range] = np.where(rng.random(int(top_range.sum())) < 0.78, -1.0, 10.0)
    tmdb = np.sort(movies[np.argsort(score, kind="stable")[: int(len(movies) * spec.tmdb_share)]])

    return World(spec=spec, seed=seed, ttype=ttype, year=year, year_null=year_null,
                 end_year=end_year, runtime=runtime, adult=adult, genres=genres, lang=lang,
                 director=director, group=group, parent=parent, season=season,
                 episode=episode, rated=rated, votes=votes, rating=rating, has_fr=has_fr,
                 n_principals=n_principals, n_akas=n_akas, tmdb=tmdb, role=people["role"],
                 centre=people["centre"], birth=people["birth"], death=people["death"],
                 pools=pools, troupe=troupe)


def _draw_runtime(ttype: np.ndarray, year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Minutes: films shorter in the 1910s-20s, ~95 later, longer lately; shorts, episodes."""
    n = len(ttype)
    film_mean = np.interp(year, [1900, 1915, 1925, 1935, 1950, 1970, 2000, 2015, 2025],
                          [40, 60, 75, 82, 92, 98, 102, 106, 112])
    mean = np.select(
        [ttype == MOVIE, ttype == TVMOVIE, ttype == VIDEO, ttype == SPECIAL,
         np.isin(ttype, (SHORT, TVSHORT)), ttype == EPISODE],
        [film_mean, 88.0, 75.0, 75.0, 11.0, rng.choice([22.0, 25, 30, 44, 45, 50, 60], n)],
        default=np.where(rng.random(n) < 0.5, 30.0, 55.0))
    sigma = np.where(np.isin(ttype, (SHORT, TVSHORT)), 0.6, 0.17)
    minutes = mean * rng.lognormal(0, sigma, n)
    movie = ttype == MOVIE
    odd = rng.random(n)
    minutes = np.where(movie & (odd < 0.02), rng.uniform(20, 39, n), minutes)
    minutes = np.where(movie & (odd > 0.998), rng.uniform(301, 900, n), minutes)
    shorts = np.isin(ttype, (SHORT, TVSHORT))
    minutes = np.where(shorts, np.minimum(minutes, 45), minutes)
    return np.clip(np.round(minutes), 1, 5000).astype(np.int16)


# --- text ---------------------------------------------------------------------------


class Text:
    """Word pools as Arrow arrays, for vectorised text building."""

    def __init__(self) -> None:
        self.en = [_strings(x) for x in (words.EN_ARTICLES, words.EN_ADJECTIVES,
                                         words.EN_NOUNS, words.EN_TAILS)]
        self.pools = {k: (_strings(h), _strings(t)) for k, (h, t) in words.TITLE_POOLS.items()}
        self.male, self.female = _strings(words.MALE_FIRST), _strings(words.FEMALE_FIRST)
        self.last, self.suffix = _strings(words.LAST_NAMES), _strings(words.NAME_SUFFIXES)
        # Every possible ``characters`` value, so a row costs one ``take``.
        firsts = (words.MALE_FIRST, words.FEMALE_FIRST)
        chars = [f'["{f}"]' for pool in firsts for f in pool]
        chars += [f'["{f} {la}"]' for pool in firsts for f in pool for la in words.LAST_NAMES]
        chars += [f'["{c}"]' for c in words.CHARACTERS_NEUTRAL]
        chars += list(words.SELF_CHARACTERS)
        self.characters = _strings(chars)
        jobs = [words.JOBS.get(c, ("",)) for c in CATEGORIES]
        self.jobs = pa.array([j or None for pool in jobs for j in pool], pa.string())
        self.job_sizes = np.array([len(pool) for pool in jobs])

    def titles(self, lang: np.ndarray, rng: np.random.Generator) -> pa.Array:
        """One title per row in the row's language (English word pools for the others)."""
        n = len(lang)
        if n == 0:
            return pa.array([], pa.string())
        parts = []
        order = np.argsort(lang, kind="stable")
        for code in np.flatnonzero(np.bincount(lang)):
            m = int(np.count_nonzero(lang == code))
            name = LANGS[code]
            if name in self.pools:
                heads, tails = self.pools[name]
                tail_idx = np.where(rng.random(m) < 0.5, 0, rng.integers(0, len(tails), m))
                parts.append(_join(_take(heads, rng.integers(0, len(heads), m)),
                                   _take(tails, tail_idx)))
            else:
                parts.append(_join(*(_take(p, rng.integers(0, len(p), m)) for p in self.en)))
        out = pa.concat_arrays(parts).take(pa.array(np.argsort(order)))
        quoted = rng.random(n) < 0.004  # the real files' stray quotes: The "Big" Night
        return pc.if_else(pa.array(quoted),
                          pc.replace_substring_regex(out, r"^(The |La |Le |Les |)([^ ]+)",
                                                     r'\1"\2"'),
                          out)

    def names(self, female: np.ndarray, rng: np.random.Generator) -> pa.Array:
        n = len(female)
        first = pc.if_else(pa.array(female),
                           _take(self.female, rng.integers(0, len(self.female), n)),
                           _take(self.male, rng.integers(0, len(self.male), n)))
        return _join(first, " ", _take(self.last, rng.integers(0, len(self.last), n)),
                     _take(self.suffix, rng.integers(0, len(self.suffix), n)))


def _title_texts(world: World, text: Text, lo: int, hi: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Primary, original and French titles of titles ``lo:hi`` (same for every caller)."""
    rng = _rng(world.seed, 10, lo // CHUNK)
    lang = world.lang[lo:hi]
    original = text.titles(lang, rng)
    english = text.titles(np.zeros(hi - lo, np.int8), rng)
    french = text.titles(np.full(hi - lo, LANGS.index("fr"), np.int8), rng)
    is_fr = lang == LANGS.index("fr")
    primary = pc.if_else(pa.array((lang != 0) & (rng.random(hi - lo) < 0.5)), english, original)
    french = pc.if_else(pa.array(is_fr), original, french)
    # Episodes: "Episode #2.5" for a good share, like the real dump.
    ep = world.ttype[lo:hi] == EPISODE
    numbered = ep & (world.season[lo:hi] > 0) & (rng.random(hi - lo) < 0.35)
    label = _join("Episode #", _ints(world.season[lo:hi]), ".", _ints(world.episode[lo:hi]))
    primary = pc.if_else(pa.array(numbered), label, primary)
    original = pc.if_else(pa.array(numbered), label, original)
    return primary, original, french


# --- file writers ---------------------------------------------------------------------


def _basics_chunk(world: World, text: Text, k: int, lo: int, hi: int) -> memoryview:
    primary, original, _ = _title_texts(world, text, lo, hi)
    g = world.genres[lo:hi]
    present = g != NO_GENRE
    genres = _list_join(_take(_strings(words.GENRES), g[present]), present.sum(axis=1), ",")
    return _tsv_lines([
        _ids("tt", np.arange(lo, hi)), _take(_strings(TITLE_TYPES), world.ttype[lo:hi]),
        primary, original, _ints(world.adult[lo:hi].astype(np.int8)),
        _ints(world.year[lo:hi], world.year_null[lo:hi]),
        _ints(world.end_year[lo:hi], world.end_year[lo:hi] == 0),
        _ints(world.runtime[lo:hi], world.runtime[lo:hi] == 0), genres])


AKA_REGIONS = ("US", "GB", "DE", "ES", "IT", "BR", "CA", "JP", "IN", "MX", "AR", "PT", "SE",
               "PL", "RU", "GR", "TR", "HU", "FI", "XWW", "BE", "NL", "AU", "DK", "RO")
AKA_REGION_P = np.array([14, 8, 8, 7, 6, 6, 5, 4, 3, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 4, 2, 2, 2, 1,
                         1], float)
REGION_LANG = {"DE": "de", "ES": "es", "MX": "es", "AR": "es", "IT": "it", "JP": "ja",
               "BE": "fr", "CA": "fr"}
AKA_TYPES = ("imdbDisplay", "imdbDisplay", "imdbDisplay", "", "", "alternative", "working",
             "festival", "dvd", "tv", "video")
AKA_ATTRIBUTES = ("literal English title", "reissue title", "complete title",
                  "alternative spelling", "informal title", "new title", "short title")


def _akas_chunk(world: World, text: Text, k: int, lo: int, hi: int) -> memoryview:
    primary, original, french = _title_texts(world, text, lo, hi)
    rng = _rng(world.seed, 11, k)
    counts = world.n_akas[lo:hi]
    title = np.repeat(np.arange(hi - lo), counts)
    rank = _rank_in_group(counts)
    m = len(title)
    fr_slot = np.where(counts[title] >= 2, 1, 0)
    is_fr = world.has_fr[lo:hi][title] & (rank == fr_slot)
    is_orig = (rank == 0) & ~is_fr
    region_idx = rng.choice(len(AKA_REGIONS), size=m, p=AKA_REGION_P / AKA_REGION_P.sum())
    # Regions with a word pool get a translated title half of the time.
    rlang = np.array([LANGS.index(REGION_LANG.get(r, "en")) for r in AKA_REGIONS])[region_idx]
    use_tr = (rlang != 0) & (rng.random(m) < 0.5) & ~is_orig & ~is_fr
    translated = text.titles(rlang[use_tr].astype(np.int8), rng)
    n = hi - lo
    pick = np.where(is_fr, 2 * n + title, np.where(is_orig, n + title, title))
    pick[use_tr] = 3 * n + np.arange(int(use_tr.sum()))
    aka = pa.concat_arrays([primary, original, french, translated]).take(pa.array(pick))
    region_codes = pa.array([*AKA_REGIONS, "FR"], pa.string())
    region = region_codes.take(pa.array(np.where(is_fr, len(AKA_REGIONS), region_idx),
                                        mask=is_orig))
    lang_idx = np.where(is_fr, LANGS.index("fr"), rlang)
    lang_null = ~((is_fr & (rng.random(m) < 0.2)) | (~is_fr & (rlang != 0) & (rng.random(m) < 0.3)))
    language = _strings(LANGS).take(pa.array(lang_idx, mask=lang_null))
    type_idx = rng.integers(0, len(AKA_TYPES), m)
    type_idx = np.where(is_fr, 0, np.where(is_orig, len(AKA_TYPES), type_idx))
    types = pa.array([t or None for t in (*AKA_TYPES, "original")], pa.string())
    types = types.take(pa.array(type_idx))
    attr = _strings(AKA_ATTRIBUTES).take(pa.array(
        rng.integers(0, len(AKA_ATTRIBUTES), m), mask=is_orig | (rng.random(m) > 0.05)))
    return _tsv_lines([_ids("tt", lo + title), _ints(rank + 1), aka, region, language,
                       types, attr, _ints(is_orig.astype(np.int8))])


CATEGORIES = ("actor", "actress", "director", "writer", "producer", "composer",
              "cinematographer", "editor", "self", "production_designer", "casting_director")
CAT_ROLE = np.array([ACTOR, ACTRESS, DIRECTOR, WRITER, PRODUCER, COMPOSER, CINEMATOGRAPHER,
                     EDITOR, SELF, CREW, CREW])
#: Crew slots after the cast, by pattern: films, films with 2 directors, series, episodes.
CREW_PATTERNS = np.array([
    [2, 3, 4, 5, 6, 7, 3, 4, 9, 10],
    [2, 2, 3, 4, 5, 6, 7, 3, 9, 10],
    [3, 4, 5, 4, 3, 7, 6, 9, 10, 4],
    [2, 3, 3, 4, 5, 7, 6, 4, 9, 10],
])


def _principal_slots(world: World, lo: int, hi: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of titles ``lo:hi``: local title, ordering, category, person."""
    counts = world.n_principals[lo:hi]
    ttype = world.ttype[lo:hi]
    title = np.repeat(np.arange(hi - lo), counts)
    rank = _rank_in_group(counts)
    series = np.isin(ttype, (SERIES, MINISERIES))
    pattern = np.where(series, 2, np.where(ttype == EPISODE, 3,
                                           np.where(rng.random(hi - lo) < 0.06, 1, 0)))
    n_crew = np.minimum(np.round(counts * rng.uniform(0.25, 0.45, hi - lo)), 10)
    n_crew = np.where(counts >= 2, np.maximum(n_crew, 1), 0).astype(np.int64)
    n_cast = counts - n_crew
    crew_pos = rank - n_cast[title]
    is_cast = crew_pos < 0
    category = np.zeros(len(title), np.int64)
    category[~is_cast] = CREW_PATTERNS[pattern[title[~is_cast]], crew_pos[~is_cast]]
    years = world.year[lo:hi][title].astype(np.float64)
    g = world.genres[lo:hi]
    self_title = np.isin(g, SELF_GENRES).any(axis=1)[title]
    cast_role = _cast_roles(rng, len(title), rank == 0)
    cast_role = np.where(self_title & (rng.random(len(title)) < 0.6), SELF, cast_role)
    role = np.where(is_cast, cast_role, CAT_ROLE[np.maximum(category, 0)])
    person = _pick(world.pools, role, years, rng)
    # Films: the title's main director; favourite actors and series regulars.
    first_dir = ~is_cast & (category == 2) & (crew_pos == 0)
    person[first_dir] = world.director[lo:hi][title[first_dir]]
    group = world.group[lo:hi][title]
    p_troupe = np.where(np.isin(ttype, (EPISODE, SERIES, MINISERIES)), 0.75, 0.30)[title]
    use = is_cast & (group >= 0) & (rng.random(len(title)) < p_troupe)
    cand = world.troupe[group[use], rng.integers(0, TROUPE, int(use.sum()))]
    ok = np.abs(world.centre[cand] - years[use]) <= WINDOW
    person[np.flatnonzero(use)[ok]] = cand[ok]
    auteur = ~is_cast & (category == 3) & (rng.random(len(title)) < 0.3)
    auteur &= world.director[lo:hi][title] >= 0
    person[auteur] = world.director[lo:hi][title[auteur]]
    category = np.where(is_cast, np.where(role == SELF, 8, world.role[person]), category)
    category = np.where(is_cast & self_title, 8, category)
    kind = np.select([is_cast, category == 2, category == 3], [0, 1, 2], 3)
    for _ in range(5):  # the same person twice in the same part of a title: redraw
        key = (title * len(world.role) + person) * 4 + kind
        order = np.argsort(key, kind="stable")
        dup = np.zeros(len(key), bool)
        dup[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not dup.any():
            break
        person[dup] = _pick(world.pools, role[dup], years[dup], rng)
        category[dup & is_cast] = np.where(self_title[dup & is_cast], 8,
                                           world.role[person[dup & is_cast]])
    return title, rank + 1, category, person


def _principals_chunk(world: World, text: Text, k: int, lo: int, hi: int
                      ) -> tuple[memoryview, memoryview, np.ndarray]:
    """Principals lines, crew lines and (person << 32 | known-for title) pairs of a chunk."""
    rng = _rng(world.seed, 12, k)
    title, ordering, category, person = _principal_slots(world, lo, hi, rng)
    m = len(title)
    nconst = _ids("nm", person)
    # characters: index into Text.characters (first names, full names, roles, self).
    n_male, n_female, n_last = len(words.MALE_FIRST), len(words.FEMALE_FIRST), len(words.LAST_NAMES)
    female = category == 1
    n_first = np.where(female, n_female, n_male)
    first = (rng.random(m) * n_first).astype(np.int64)
    first_idx = np.where(female, n_male, 0) + first
    full_idx = (n_male + n_female + np.where(female, n_male * n_last, 0)
                + first * n_last + rng.integers(0, n_last, m))
    neutral0 = (n_male + n_female) * (1 + n_last)
    self0 = neutral0 + len(words.CHARACTERS_NEUTRAL)
    u = rng.random(m)
    idx = np.where(u < 0.25, full_idx, first_idx)
    idx = np.where(u > 0.85, neutral0 + rng.integers(0, len(words.CHARACTERS_NEUTRAL), m), idx)
    idx = np.where(category == 8, self0 + rng.integers(0, len(words.SELF_CHARACTERS), m), idx)
    no_char = ((category > 1) & (category != 8)) | (u > 0.97)
    chars = text.characters.take(pa.array(idx, mask=no_char))
    job_idx = _starts(text.job_sizes)[category] + (rng.random(m) * text.job_sizes[category])
    job = text.jobs.take(pa.array(job_idx.astype(np.int64)))
    tconst = _ids("tt", np.arange(lo, hi))
    lines = _tsv_lines([tconst.take(pa.array(title)), _ints(ordering), nconst,
                        _take(_strings(CATEGORIES), category), job, chars])
    crew = _crew_lines(tconst, title, category, nconst, hi - lo)
    parent = world.parent[lo:hi][title]
    keep = (parent < 0) | (ordering <= 3)
    pairs = (person[keep] << 32) | np.where(parent < 0, lo + title, parent)[keep]
    return lines, crew, _distinct(pairs)


def _crew_lines(tconst: pa.Array, title: np.ndarray, category: np.ndarray, nconst: pa.Array,
                n: int) -> memoryview:
    cols = [tconst]
    for c in (2, 3):  # director, writer: rows are already sorted by title
        m = category == c
        counts = np.bincount(title[m], minlength=n)
        cols.append(_list_join(nconst.filter(pa.array(m)), counts, ","))
    return _tsv_lines(cols)


def _known_for(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique ``person << 32 | title`` pairs -> (person, title), 4 titles at most each."""
    person, titles = pairs >> 32, pairs & 0xFFFFFFFF
    first = np.ones(len(pairs), bool)
    first[1:] = person[1:] != person[:-1]
    rank = np.arange(len(pairs)) - np.maximum.accumulate(np.where(first, np.arange(len(pairs)), 0))
    return person[rank < 4], titles[rank < 4]


def _names_chunk(world: World, text: Text, known: tuple[np.ndarray, np.ndarray], k: int,
                 lo: int, hi: int) -> memoryview:
    person, titles = known
    rng = _rng(world.seed, 13, k)
    role = world.role[lo:hi]
    female = (role == ACTRESS) | (~np.isin(role, (ACTOR, ACTRESS)) & (rng.random(hi - lo) < 0.3))
    pools = [words.PROFESSIONS[name] for name in ROLES]
    sizes = np.array([len(pool) for pool in pools])
    prof = pa.array([p or None for pool in pools for p in pool], pa.string())
    profession = prof.take(pa.array(_starts(sizes)[role]
                                    + (rng.random(hi - lo) * sizes[role]).astype(np.int64)))
    a, b = np.searchsorted(person, [lo, hi])
    counts = np.bincount(person[a:b] - lo, minlength=hi - lo)
    known_for = _list_join(_ids("tt", titles[a:b]), counts, ",")
    return _tsv_lines([_ids("nm", np.arange(lo, hi)), text.names(female, rng),
                       _ints(world.birth[lo:hi], world.birth[lo:hi] == 0),
                       _ints(world.death[lo:hi], world.death[lo:hi] == 0),
                       profession, known_for])


def _ratings_chunks(world: World) -> Iterator[memoryview]:
    idx = np.flatnonzero(world.rated)
    r = world.rating[idx]
    yield _tsv_lines([_ids("tt", idx), _join(_ints(r // 10), ".", _ints(r % 10)),
                      _ints(world.votes[idx])])


def _episode_chunks(world: World) -> Iterator[memoryview]:
    idx = np.flatnonzero(world.ttype == EPISODE)
    s, e = world.season[idx], world.episode[idx]
    yield _tsv_lines([_ids("tt", idx), _ids("tt", world.parent[idx]), _ints(s, s == 0),
                      _ints(e, e == 0)])


# --- TMDB -------------------------------------------------------------------------

#: language -> (main production country, the alternative one a quarter of the time)
TMDB_COUNTRY = {"en": ("US", "GB"), "fr": ("FR", "FR"), "de": ("DE", "AT"), "es": ("ES", "MX"),
                "it": ("IT", "IT"), "ja": ("JP", "JP"), "hi": ("IN", "IN"), "ko": ("KR", "KR"),
                "sv": ("SE", "SE"), "pt": ("BR", "PT"), "da": ("DK", "DK"), "pl": ("PL", "PL")}
CO_PRODUCERS = ("FR", "BE", "CA", "DE", "IT", "GB", "US", "ES", "CH")


def _random_paths(rng: np.random.Generator, n: int, empty: float) -> pa.Array:
    alphabet = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                             np.uint8)
    chars = alphabet[rng.integers(0, len(alphabet), (n, 27))]
    body = pa.array(chars.view("S27").ravel(), pa.binary()).cast(pa.string())
    path = _join("/", body, ".jpg")
    return pc.if_else(pa.array(rng.random(n) < empty), "", path)


def _overviews(genres: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Two sentences from the vocabulary of the film's genres (signal for TF-IDF)."""
    names = [g for g in words.GENRES if g in words.OVERVIEW_WORDS]
    slot = {words.GENRES.index(g): i for i, g in enumerate(names)}
    parts = [[], [], []]
    offsets = np.zeros((3, len(names) + 1), np.int64)
    for i, g in enumerate(names):
        for j in range(3):
            parts[j].extend(words.OVERVIEW_WORDS[g][j])
            offsets[j, i + 1] = len(parts[j])
    pools = [_strings(p) for p in parts]
    lookup = np.full(NO_GENRE + 1, slot[words.GENRES.index("Drama")])
    for gi, i in slot.items():
        lookup[gi] = i
    n = len(genres)
    g1 = lookup[genres[:, 0]]
    second = np.where(genres[:, 1] != NO_GENRE, genres[:, 1], genres[:, 0])
    g2 = lookup[second]

    def word(j: int, g: np.ndarray) -> pa.Array:
        size = offsets[j, g + 1] - offsets[j, g]
        return _take(pools[j], offsets[j, g] + (rng.random(n) * size).astype(np.int64))

    sentence1 = _join(pc.utf8_capitalize(word(0, g1)), " ", word(1, g1), " ", word(2, g1), ".")
    sentence2 = _join(" Along the way, ", word(0, g2), " ", word(1, g2), " ", word(2, g2), ".")
    text = _join(sentence1, sentence2)
    return pc.if_else(pa.array(rng.random(n) < 0.03), "", text)


def _tmdb_table(world: World, text: Text) -> pd.DataFrame:
    idx = world.tmdb
    n = len(idx)
    rng = _rng(world.seed, 14)
    primary, original = [], []
    for _, lo, hi in _ranges(len(world.ttype)):
        a, b = np.searchsorted(idx, [lo, hi])
        if b > a:
            p, o, _ = _title_texts(world, text, lo, hi)
            primary.append(p.take(pa.array(idx[a:b] - lo)))
            original.append(o.take(pa.array(idx[a:b] - lo)))
    lang = np.array(LANGS)[world.lang[idx]]
    year = world.year[idx].astype(np.int64)
    votes = world.votes[idx].astype(np.float64)
    fame = np.clip(np.log10(votes) / 6.0, 0, 1)

    # genres: TMDB names, first occurrence only.
    tm_names = sorted(set(words.TMDB_GENRE.values()))
    tm_of = np.array([tm_names.index(words.TMDB_GENRE[g]) if g in words.TMDB_GENRE else -1
                      for g in words.GENRES] + [-1] * (NO_GENRE + 1 - len(words.GENRES)))
    tg = tm_of[world.genres[idx]]
    tg[:, 1][tg[:, 1] == tg[:, 0]] = -1
    tg[:, 2][(tg[:, 2] == tg[:, 0]) | (tg[:, 2] == tg[:, 1])] = -1
    present = tg >= 0
    genres = _py_list(_take(_strings(tm_names), tg[present]), present.sum(axis=1))

    # countries and companies, consistent with the original language.
    main = np.array([TMDB_COUNTRY[c] for c in LANGS])[world.lang[idx], (rng.random(n) < 0.25) * 1]
    n_co = rng.choice(3, size=n, p=(0.72, 0.22, 0.06))
    co = rng.choice(CO_PRODUCERS, size=(n, 2))
    co[co == main[:, None]] = "US"
    country_rows = np.concatenate([main[:, None], co], axis=1)
    c_mask = np.arange(3)[None, :] <= n_co[:, None]
    c_mask[:, 1:] &= country_rows[:, 1:] != country_rows[:, :1]
    c_mask[:, 2] &= country_rows[:, 2] != country_rows[:, 1]
    countries = _py_list(pa.array(country_rows[c_mask]), c_mask.sum(axis=1))
    n_comp = rng.choice(4, size=n, p=(0.10, 0.45, 0.30, 0.15))
    comp_country = np.where(rng.random((n, 3)) < 0.7, main[:, None], country_rows[:, [1, 2, 0]])
    codes = np.array(sorted(words.COMPANIES))
    all_names = [name for code in codes for name in words.COMPANIES[code]]
    sizes = np.array([len(words.COMPANIES[code]) for code in codes])
    comp_country = np.where(np.isin(comp_country, codes), comp_country, "US")
    which = np.searchsorted(codes, comp_country)
    comp_idx = _starts(sizes)[which] + (rng.random((n, 3)) * sizes[which]).astype(np.int64)
    cm = np.arange(3)[None, :] < n_comp[:, None]
    cm[:, 1] &= comp_idx[:, 1] != comp_idx[:, 0]
    cm[:, 2] &= (comp_idx[:, 2] != comp_idx[:, 0]) & (comp_idx[:, 2] != comp_idx[:, 1])
    comp_names = _py_list(_take(_strings(all_names), comp_idx[cm]), cm.sum(axis=1))
    codes_shown = np.where(rng.random((n, 3)) < 0.08, "", comp_country)
    comp_countries = _py_list(pa.array(codes_shown[cm]), cm.sum(axis=1))
    spoken = np.where(rng.random(n) < 0.2, np.char.add(lang, "', 'en"), lang)
    spoken = np.where(lang == "en", "en", spoken)

    budget_known = rng.random(n) < 0.08 + 0.6 * fame
    scale = 1e6 * 1.045 ** (year - 1960) * np.where(lang == "fr", 0.4, 1.0)
    budget = np.round(scale * rng.lognormal(0.8, 1.0, n) * (1 + 4 * fame) / 1000) * 1000
    budget = np.where(budget_known, np.clip(budget, 10_000, 380_000_000), 0).astype(np.int64)
    revenue_known = (budget_known & (rng.random(n) < 0.75)) | (rng.random(n) < 0.04)
    base = np.where(budget > 0, budget, scale)
    revenue = np.round(base * rng.lognormal(0.3 + 1.2 * fame, 1.1, n))
    revenue = np.where(revenue_known, revenue, 0).astype(np.int64)
    month, day = rng.integers(1, 13, n), rng.integers(1, 29, n)
    release = pd.Series(year).astype(str).str.cat(
        [pd.Series(v).astype(str).str.zfill(2) for v in (month, day)], sep="-")
    release = release.where(rng.random(n) > 0.02, "")
    runtime = world.runtime[idx].astype(np.int64)
    runtime = np.where(runtime > 0, runtime + rng.integers(-2, 3, n) * (rng.random(n) < 0.2), 0)
    vote_count = np.round(votes * 0.03 * rng.lognormal(0, 0.4, n)).astype(np.int64)
    vote_avg = np.clip(world.rating[idx] / 10 + rng.normal(0, 0.35, n), 0, 10).round(3)
    vote_avg = np.where(vote_count > 0, vote_avg, 0.0)
    popularity = np.round(0.6 + votes ** 0.45 / 15 * rng.lognormal(0, 0.5, n), 3)
    title = pa.concat_arrays(primary) if primary else pa.array([], pa.string())
    slug = pc.replace_substring_regex(pc.utf8_lower(title), "[^a-z0-9]+", "")
    homepage = pc.if_else(pa.array(rng.random(n) < 0.1),
                          _join("https://www.", slug, "-movie.com/"), "")
    taglines = _strings(words.TAGLINES)
    tagline = pc.if_else(pa.array(rng.random(n) < 0.45),
                         _take(taglines, rng.integers(0, len(taglines), n)), "")
    tmdb_id = np.sort(rng.choice(max(8 * n, 10), size=n, replace=False) + 2)
    tmdb_id = tmdb_id[rng.permutation(n)]
    columns = {
        "adult": np.zeros(n, bool), "backdrop_path": _random_paths(rng, n, 0.25),
        "budget": budget, "genres": genres, "homepage": homepage, "id": tmdb_id,
        "imdb_id": _ids("tt", idx), "original_language": lang,
        "original_title": pa.concat_arrays(original) if original else pa.array([], pa.string()),
        "overview": _overviews(world.genres[idx], rng), "popularity": popularity,
        "poster_path": _random_paths(rng, n, 0.05), "production_countries": countries,
        "release_date": release, "revenue": revenue, "runtime": runtime,
        "spoken_languages": _join("['", pa.array(spoken), "']"), "status": "Released",
        "tagline": tagline, "title": title, "video": np.zeros(n, bool),
        "vote_average": vote_avg, "vote_count": vote_count,
        "production_companies_name": comp_names,
        "production_companies_country": comp_countries,
    }
    return pd.DataFrame({k: v.to_pandas() if isinstance(v, pa.Array) else v
                         for k, v in columns.items()}, columns=list(TMDB_COLUMNS))


# --- public API ---------------------------------------------------------------------


def refuse_real_folder(out: Path) -> None:
    """Raise CineError when ``out`` holds files fetched by :mod:`helpers.data.download`
    (each has a ``.meta.json`` sidecar): synthetic files never replace real ones."""
    real = sorted(m.name.removesuffix(".meta.json") for m in Path(out).glob("*.meta.json")
                  if m.with_name(m.name.removesuffix(".meta.json")).is_file())
    if real:
        raise CineError(f"{out} holds downloaded data ({', '.join(real[:3])}...): synthetic files "
                        f"are never written there; use another folder (the demo uses "
                        f"{config.demo_dir()})")


def generate(out_dir: Path, scale: str = "tiny", seed: int = 0) -> dict[str, Path]:
    """Write the 7 IMDb files, the TMDB table and ``SYNTHETIC.json`` into ``out_dir``."""
    spec = _scale(scale)
    out = Path(out_dir)
    refuse_real_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / SYNTHETIC_MARKER).unlink(missing_ok=True)
    world = build_world(scale, seed)
    text = Text()
    paths = {name: out / name for name in (*config.IMDB_FILES, config.TMDB_FILE)}
    n_titles, n_people = len(world.ttype), len(world.role)
    known: list[np.ndarray] = []
    crew_name, principals_name = "title.crew.tsv.gz", "title.principals.tsv.gz"

    def principals_and_crew() -> tuple[int, int]:
        """Both files in one pass; collects the known-for pairs of name.basics."""
        with _GzTsv(paths[crew_name], IMDB_COLUMNS[crew_name]) as crew, \
                _GzTsv(paths[principals_name], IMDB_COLUMNS[principals_name]) as principals:
            for lines, crew_lines, pairs in _chunks(partial(_principals_chunk, world, text),
                                                    n_titles):
                principals.write(lines)
                crew.write(crew_lines)
                known.append(pairs)
        return principals.rows, crew.rows

    def write(name: str, chunks: Iterable[memoryview]) -> int:
        return _write_gz(paths[name], IMDB_COLUMNS[name], chunks)

    with ThreadPoolExecutor(max_workers=3) as pool:
        both = pool.submit(principals_and_crew)
        futures = {
            "title.basics.tsv.gz": pool.submit(
                write, "title.basics.tsv.gz",
                _chunks(partial(_basics_chunk, world, text), n_titles, ahead=1)),
            "title.akas.tsv.gz": pool.submit(
                write, "title.akas.tsv.gz",
                _chunks(partial(_akas_chunk, world, text), n_titles, ahead=1)),
            "title.episode.tsv.gz": pool.submit(write, "title.episode.tsv.gz",
                                                _episode_chunks(world)),
            "title.ratings.tsv.gz": pool.submit(write, "title.ratings.tsv.gz",
                                                _ratings_chunks(world)),
            config.TMDB_FILE: pool.submit(_write_tmdb, paths[config.TMDB_FILE], world, text),
        }
        rows = dict(zip((principals_name, crew_name), both.result(), strict=True))
        pairs = _distinct(np.concatenate(known))
        known.clear()
        names = partial(_names_chunk, world, text, _known_for(pairs))
        del pairs
        futures["name.basics.tsv.gz"] = pool.submit(write, "name.basics.tsv.gz",
                                                    _chunks(names, n_people))
        rows.update({name: f.result() for name, f in futures.items()})
    expected = plan(scale)
    if rows != expected:  # a bug, not a user error: never leave data that looks complete
        raise RuntimeError(f"synthetic row counts {rows} differ from the plan {expected}")
    marker = {"generator": "helpers.data.synthetic", "scale": scale, "seed": seed,
              "rows": {name: rows[name] for name in paths}, "spec": dataclasses.asdict(spec)}
    files.write_text(out / SYNTHETIC_MARKER, json.dumps(marker, indent=2, default=list) + "\n")
    return {**paths, SYNTHETIC_MARKER: out / SYNTHETIC_MARKER}


def _write_tmdb(path: Path, world: World, text: Text) -> int:
    frame = _tmdb_table(world, text)
    with files.atomic_file(path, "w", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")
    return len(frame)
