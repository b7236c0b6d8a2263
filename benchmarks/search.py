"""``python -m helpers bench search``: title search speed and accuracy, naive side by side.

Catalogue: the films with at least ``--min-votes`` votes of a synthetic replica
(``full`` by default). Queries are what customers type: popular films more often,
accents dropped, typos, partial input (type-ahead), ``Title (year)``, IMDb ids.
Naive baselines: rapidfuzz over the raw titles re-processed at every query, and a
pandas ``str.contains`` scan.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from benchmarks.common import ensure_processed, mb, measure, summarise_ms, wall_and_cpu_ms
from helpers.data.catalog import load_movies
from helpers.reco.search import TitleIndex, fold_accents, title_key, typo

#: Share of each query kind (customers mostly type whole titles, often sloppily).
KINDS = {"accents": 0.25, "typo": 0.30, "partial": 0.30, "year": 0.10, "id": 0.05}


@dataclass(frozen=True)
class Query:
    text: str
    expected: str  # tconst of the film the customer means
    kind: str


def make_queries(movies: pd.DataFrame, n: int, seed: int = 0) -> list[Query]:
    """``n`` realistic queries, films drawn with probability proportional to sqrt(votes)."""
    rng = np.random.default_rng(seed)
    weights = np.sqrt(movies["num_votes"].fillna(0).to_numpy(float)) + 1e-9
    rows = rng.choice(len(movies), size=n, p=weights / weights.sum())
    kinds = rng.choice(list(KINDS), size=n, p=list(KINDS.values()))
    queries = []
    for row, kind in zip(rows, kinds, strict=True):
        film = movies.iloc[row]
        french = film["french_title"]
        title = french if isinstance(french, str) and french and rng.random() < 0.8 \
            else film["primary_title"]
        text = fold_accents(title)
        if kind == "typo":
            text = typo(text, rng)
        elif kind == "partial":
            text = text[:int(rng.integers(3, 11))]
        elif kind == "year":
            text = f"{title} ({int(film['year'])})" if pd.notna(film["year"]) else title
        elif kind == "id":
            text = film["tconst"].upper()
        queries.append(Query(text, film["tconst"], kind))
    return queries


def ours(index: TitleIndex, query: Query) -> list[str]:
    """Film ids our search returns (type-ahead for partial input, else a full search)."""
    if query.kind == "partial":
        return [m.tconst for m in index.complete(query.text)]
    result = index.search(query.text)
    return [m.tconst for m in result.matches or result.suggestions]


class NaiveFuzzy:
    """rapidfuzz WRatio over every raw title, processed again at each query (no index)."""

    def __init__(self, movies: pd.DataFrame) -> None:
        titles = movies[["french_title", "original_title", "primary_title"]]
        long = titles.stack().dropna()
        self.titles = long.tolist()
        self.ids = movies["tconst"].to_numpy()[long.index.get_level_values(0)]

    def __call__(self, query: Query) -> list[str]:
        found = process.extract(query.text, self.titles, scorer=fuzz.WRatio,
                                processor=utils.default_process, limit=24)
        return list(dict.fromkeys(self.ids[j] for _, _, j in found))[:8]


class NaiveContains:
    """pandas ``str.contains`` (case-insensitive substring) on French and primary titles."""

    def __init__(self, movies: pd.DataFrame) -> None:
        self.movies = movies.sort_values("num_votes", ascending=False)
        self.text = (self.movies["french_title"].fillna("") + " | "
                     + self.movies["primary_title"].fillna(""))

    def __call__(self, query: Query) -> list[str]:
        hit = self.text.str.contains(query.text, case=False, regex=False)
        return self.movies.loc[hit, "tconst"].head(8).tolist()


def title_keys(movies: pd.DataFrame) -> dict[str, set[str]]:
    """Normalised titles of each film (homonyms share one)."""
    titles = movies[["french_title", "original_title", "primary_title"]].to_numpy()
    return {t: {title_key(x) for x in row if isinstance(x, str)} - {""}
            for t, row in zip(movies["tconst"], titles, strict=True)}


def accuracy(results: list[list[str]], queries: list[Query],
             keys: dict[str, set[str]]) -> tuple[float, float, float]:
    """Share of queries whose film comes first, whose title comes first (the film or a
    homonym: only the year tells them apart), and whose film is within the first 8."""
    pairs = list(zip(results, queries, strict=True))
    first = np.mean([bool(r) and r[0] == q.expected for r, q in pairs])
    title = np.mean([bool(r) and bool(keys[r[0]] & keys[q.expected]) for r, q in pairs])
    top8 = np.mean([q.expected in r[:8] for r, q in pairs])
    return float(first), float(title), float(top8)


def report(name: str, func, queries: list[Query], keys: dict[str, set[str]]) -> None:
    """Print latency percentiles (wall clock, and CPU time: robust when other jobs share the
    cores) and accuracy of a search function over the queries."""
    results: list[list[str]] = []
    wall, cpu = wall_and_cpu_ms(lambda q: results.append(func(q)), queries)
    first, title, top8 = accuracy(results, queries, keys)
    print(f"  {name:<30} {summarise_ms(wall)}   CPU p95 {np.percentile(cpu, 95):6.2f} ms   "
          f"film first {first:4.0%}   title first {title:4.0%}   in top 8 {top8:4.0%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench search", description=__doc__)
    parser.add_argument("--scale", default="full", choices=("tiny", "small", "full"))
    parser.add_argument("--processed", type=Path, default=None,
                        help="use this processed folder instead of the synthetic replica")
    parser.add_argument("--min-votes", type=int, default=200)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--naive-queries", type=int, default=100,
                        help="queries for the (slow) naive baselines")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    movies = load_movies(args.processed or ensure_processed(args.scale))
    source = args.processed or f"synthetic '{args.scale}' replica"
    movies = movies[movies["num_votes"].fillna(0) >= args.min_votes].reset_index(drop=True)
    print(f"search benchmark: {len(movies):,} films with >= {args.min_votes} votes "
          f"({source})")
    with measure() as built:
        index = TitleIndex.from_movies(movies)
    start = time.perf_counter()
    TitleIndex.from_movies(movies)
    rebuild = time.perf_counter() - start
    print(f"  index build: {built.seconds:.2f} s (again: {rebuild:.2f} s), "
          f"process peak RSS {mb(built.peak_rss)}")

    keys = title_keys(movies)
    owners = Counter(k for film_keys in keys.values() for k in film_keys)
    shared = np.mean([any(owners[k] > 1 for k in film_keys) for film_keys in keys.values()])
    print(f"  {shared:.0%} of the films share a title with another film (homonyms: only the "
          "year tells them apart, so 'film first' is bounded; 'title first' counts a homonym)")

    queries = make_queries(movies, args.queries, args.seed)
    print(f"\n{len(queries)} queries ({', '.join(f'{k} {v:.0%}' for k, v in KINDS.items())}):")
    report("ours (normalised index)", lambda q: ours(index, q), queries, keys)
    for kind in KINDS:
        subset = [q for q in queries if q.kind == kind]
        if subset:
            report(f"  ours, {kind} ({len(subset)})", lambda q: ours(index, q), subset, keys)

    naive = queries[:args.naive_queries]
    print(f"\nnaive baselines on the first {len(naive)} queries (same mix):")
    report("ours, same queries", lambda q: ours(index, q), naive, keys)
    report("rapidfuzz WRatio, raw titles", NaiveFuzzy(movies), naive, keys)
    report("pandas str.contains scan", NaiveContains(movies), naive, keys)
    return 0
