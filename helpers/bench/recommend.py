"""``python -m helpers bench recommend``: fit, artifact and query speed, naive side by side.

On the processed movies of a synthetic replica (``full`` by default): fit time and
memory, saved artifact size, load time, latency of single-film queries and of
five-film profiles (films drawn with probability proportional to sqrt(votes), as
customers name known films). Naive baselines: refitting the features at every
query, and a pandas row-wise similarity (the usual peer-project approach).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.bench.common import ensure_processed, latencies_ms, mb, measure, summarise_ms
from helpers.catalog import load_movies
from helpers.recommender import Recommender

#: Targets of issue 4 (seconds / milliseconds).
TARGETS = {"fit_s": 60.0, "load_s": 2.0, "single_p95_ms": 50.0, "profile_p95_ms": 100.0}


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def sample_queries(movies: pd.DataFrame, n: int, size: int, seed: int) -> list[list[str]]:
    """``n`` lists of ``size`` distinct film ids, drawn with probability ~ sqrt(votes)."""
    rng = np.random.default_rng(seed)
    weights = np.sqrt(movies["num_votes"].fillna(0).to_numpy(float)) + 1e-9
    p = weights / weights.sum()
    ids = movies["tconst"].to_numpy()
    return [list(ids[rng.choice(len(ids), size=size, replace=False, p=p)]) for _ in range(n)]


def _overlap(a: object, b: set) -> float:
    """Jaccard similarity of a list cell with a set."""
    items = set(a) if a is not None else set()
    union = items | b
    return len(items & b) / len(union) if union else 0.0


def naive_rowwise(movies: pd.DataFrame, liked: list[str], k: int = 10) -> list[str]:
    """Peer-project style: a pandas ``apply`` over every row summing Jaccard overlaps."""
    query = movies[movies["tconst"].isin(liked)]
    sets = {c: set().union(*map(set, query[c])) for c in ("genres", "directors", "cast")}
    score = movies.apply(lambda r: sum(_overlap(r[c], s) for c, s in sets.items()), axis=1)
    return movies.loc[score.drop(query.index).nlargest(k).index, "tconst"].tolist()


def naive_refit(movies: pd.DataFrame, liked: list[str], k: int = 10) -> list[str]:
    """Nothing precomputed: build every feature again for each query."""
    return Recommender().fit(movies).recommend(liked, k=k)["tconst"].tolist()


def verdict(value: float, target: float) -> str:
    return "OK" if value < target else "ABOVE TARGET"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench recommend",
                                     description=__doc__)
    parser.add_argument("--scale", default="full", choices=("tiny", "small", "full"))
    parser.add_argument("--processed", type=Path, default=None,
                        help="use this processed folder instead of the synthetic replica")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rowwise-queries", type=int, default=10,
                        help="queries for the pandas row-wise baseline (slow)")
    parser.add_argument("--refit-queries", type=int, default=2,
                        help="queries for the refit-per-query baseline (each is a full fit)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    movies = load_movies(args.processed or ensure_processed(args.scale))
    source = args.processed or f"synthetic '{args.scale}' replica"
    print(f"recommend benchmark: {len(movies):,} films ({source})")
    with measure() as fit:
        model = Recommender().fit(movies)
    print(f"  fit                 {fit.seconds:6.1f} s   peak RSS {mb(fit.peak_rss)}   "
          f"item matrix {model.items_.shape[0]:,} x {model.items_.shape[1]:,}, "
          f"{model.items_.nnz:,} non-zeros   [{verdict(fit.seconds, TARGETS['fit_s'])}]")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "recommender"
        start = time.perf_counter()
        model.save(path)
        saved = time.perf_counter() - start
        loads = []
        for _ in range(3):
            start = time.perf_counter()
            model = Recommender.load(path)
            loads.append(time.perf_counter() - start)
        load = float(np.median(loads))
        print(f"  save                {saved:6.2f} s   artifact {mb(folder_size(path))}")
        print(f"  load                {load:6.2f} s   (median of 3, warm file cache)   "
              f"[{verdict(load, TARGETS['load_s'])}]")

    single = sample_queries(movies, args.queries, 1, args.seed)
    profiles = sample_queries(movies, args.queries, 5, args.seed + 1)
    model.recommend(single[0])  # first call pays lazy imports and caches
    print(f"\nqueries (top 10 with reasons, default local preference), {args.queries} each:")
    times = latencies_ms(lambda q: model.recommend(q, k=10), single)
    p95 = float(np.percentile(times, 95))
    print(f"  single film          {summarise_ms(times)}   "
          f"[{verdict(p95, TARGETS['single_p95_ms'])}]")
    times = latencies_ms(lambda q: model.recommend(q, k=10), profiles)
    p95 = float(np.percentile(times, 95))
    print(f"  five-film profile    {summarise_ms(times)}   "
          f"[{verdict(p95, TARGETS['profile_p95_ms'])}]")
    times = latencies_ms(lambda q: model.recommend(q, k=10, french_only=True,
                                                  decades=(1960, 1999), min_rating=6.0), single)
    print(f"  single + filters     {summarise_ms(times)}   (French, 1960-1999, rating >= 6)")
    times = latencies_ms(lambda q: model.recommend(q, k=10, discovery=True), single)
    print(f"  single, discovery    {summarise_ms(times)}")

    rowwise = single[:args.rowwise_queries]
    print(f"\nnaive baselines (same single-film queries, first {len(rowwise)} / "
          f"{args.refit_queries}: they are slow):")
    times = latencies_ms(lambda q: naive_rowwise(movies, q), rowwise)
    print(f"  pandas row-wise Jaccard (genres, directors, cast)   {summarise_ms(times)}")
    times = latencies_ms(lambda q: naive_refit(movies, q), single[:args.refit_queries])
    print(f"  refit features at every query                      {summarise_ms(times)}")
    return 0
