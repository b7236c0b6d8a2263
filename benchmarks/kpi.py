"""``python -m helpers bench kpi``: every KPI on the full-scale replica, timed against 2 s.

Each KPI of :mod:`helpers.analysis.kpi` runs several times on the processed tables (median
wall time reported); for the heavy ones, the naive row-by-row approach (Python
loops over rows, ``DataFrame.apply(axis=1)``) runs once on the same data, side by
side, and its result is checked against the vectorised one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import ensure_processed
from helpers.analysis import findings, kpi
from helpers.audience import CREUSE
from helpers.data import catalog
from helpers.schema import TABLES, decade_of

LIMIT_S = 2.0


# ------------------------------------------------------------------ naive approaches
def naive_actor_careers(credits: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Row loop with dictionaries, as a first version would do."""
    names = dict(zip(people["nconst"], people["name"], strict=True))
    films: dict[str, set] = defaultdict(set)
    years: dict[str, list] = defaultdict(list)
    for row in credits.itertuples(index=False):
        if row.title_kind == "movie" and row.tconst not in films[row.nconst]:
            films[row.nconst].add(row.tconst)
            years[row.nconst].append(row.year)
    rows = []
    for person, ys in years.items():
        decades = Counter(decade_of(y) for y in ys)
        peak = min(decades, key=lambda d: (-decades[d], d))
        rows.append({"nconst": person, "name": names.get(person, person), "n_films": len(ys),
                     "first_year": min(ys), "last_year": max(ys), "peak_decade": peak})
    return pd.DataFrame(rows).sort_values(["n_films", "name", "nconst"],
                                          ascending=[False, True, True], ignore_index=True)


def naive_runtime_by_year(movies: pd.DataFrame) -> pd.DataFrame:
    """One boolean mask and Python statistics per year."""
    rows = []
    for year in sorted(movies["year"].dropna().unique()):
        values = [float(v) for v in movies.loc[movies["year"] == year, "runtime"].dropna()]
        rows.append({"year": int(year), "n_films": len(values),
                     "mean": statistics.mean(values), "median": statistics.median(values)})
    return pd.DataFrame(rows)


def naive_weighted_ratings(movies: pd.DataFrame) -> pd.DataFrame:
    """Bayesian score through ``apply(axis=1)``."""
    rated = movies[movies["average_rating"].notna() & (movies["num_votes"] > 0)]
    m, c = rated["num_votes"].quantile(catalog.VOTES_QUANTILE), rated["average_rating"].mean()
    score = rated.apply(lambda r: r["num_votes"] / (r["num_votes"] + m) * r["average_rating"]
                        + m / (r["num_votes"] + m) * c, axis=1)
    return rated.assign(score=score).sort_values(["score", "num_votes", "tconst"],
                                                 ascending=[False, False, True],
                                                 ignore_index=True)


def naive_credit_ages(credits: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Dictionary look-ups row by row."""
    birth = dict(zip(people["nconst"], people["birth_year"], strict=True))
    rows = []
    for row in credits.itertuples(index=False):
        b = birth.get(row.nconst)
        if row.title_kind == "movie" and b is not None and not pd.isna(b):
            age = int(row.year) - int(b)
            if kpi.MIN_AGE <= age <= kpi.MAX_AGE:
                rows.append({"tconst": row.tconst, "nconst": row.nconst, "age": age})
    return pd.DataFrame(rows)


def naive_person_kinds(credits: pd.DataFrame) -> pd.DataFrame:
    """Sets of titles per person, filled in a loop."""
    kinds: dict[str, dict[str, set]] = defaultdict(lambda: {"movie": set(), "series": set()})
    for row in credits.itertuples(index=False):
        kinds[row.nconst][row.title_kind].add(row.tconst)
    return pd.DataFrame([{"nconst": k, "n_films": len(v["movie"]), "n_series": len(v["series"])}
                         for k, v in kinds.items()]).sort_values("nconst", ignore_index=True)


def naive_films_by_genre(movies: pd.DataFrame) -> pd.DataFrame:
    """Counter over every film's genre list."""
    counts = Counter(g for genres in movies["genres"] for g in genres)
    return pd.DataFrame(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
                        columns=["genre", "n_films"])


def naive_top_directors(movies: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """Loop over films and their directors."""
    films: dict[str, int] = Counter()
    names: dict[str, str] = {}
    for ids, labels in zip(movies["directors"], movies["director_names"], strict=True):
        for i, director in enumerate(ids):
            films[director] += 1
            names.setdefault(director, labels[i] if len(labels) == len(ids) else director)
    rows = sorted(films.items(), key=lambda kv: (-kv[1], names[kv[0]], kv[0]))[:n]
    return pd.DataFrame([{"nconst": k, "name": names[k], "n_films": v} for k, v in rows])


# ----------------------------------------------------------------------- harness
def _same(fast: pd.DataFrame, slow: pd.DataFrame, cols: list[str]) -> bool:
    """Do the vectorised and naive results agree on ``cols``?"""
    a = fast[cols].reset_index(drop=True).astype("float64", errors="ignore")
    b = slow[cols].reset_index(drop=True).astype("float64", errors="ignore")
    try:
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False)
    except AssertionError:
        return False
    return True


def _cases(t: dict[str, pd.DataFrame]) -> list[tuple[str, int, Callable[[], object],
                                                      Callable[[], object] | None,
                                                      Callable[[object, object], bool] | None]]:
    """(name, input rows, vectorised call, naive call, result check)."""
    movies, people, credits, series = t["movies"], t["people"], t["credits"], t["series"]
    ages = kpi.credit_ages(credits, people)
    top = kpi.top_rated(movies, n=kpi.default_top_n(movies))
    nm, nc = len(movies), len(credits)
    return [
        ("filter_movies(1990-2009, Comedy)", nm,
         lambda: kpi.filter_movies(movies, (1990, 2009), "Comedy"), None, None),
        ("actor_careers", nc, lambda: kpi.actor_careers(credits, people),
         lambda: naive_actor_careers(credits, people),
         lambda f, s: _same(f, s, ["nconst", "n_films", "first_year", "last_year",
                                   "peak_decade"])),
        ("top_actors(n=15)", nc, lambda: kpi.top_actors(credits, people, n=15), None, None),
        ("top_actors_by_decade(n=3)", nc,
         lambda: kpi.top_actors_by_decade(credits, people, n=3), None, None),
        ("runtime_by_period(year)", nm, lambda: kpi.runtime_by_period(movies, "year"),
         lambda: naive_runtime_by_year(movies),
         lambda f, s: _same(f, s, ["year", "n_films", "mean", "median"])),
        ("runtime_by_period(decade)", nm, lambda: kpi.runtime_by_period(movies, "decade"),
         None, None),
        ("person_kinds", nc, lambda: kpi.person_kinds(credits),
         lambda: naive_person_kinds(credits),
         lambda f, s: _same(f, s, ["nconst", "n_films", "n_series"])),
        ("films_series_overlap", nc, lambda: kpi.films_series_overlap(credits), None, None),
        ("top_crossovers", nc, lambda: kpi.top_crossovers(credits, people), None, None),
        ("careers_by_group", nc, lambda: kpi.careers_by_group(credits), None, None),
        ("genres_by_group", nc, lambda: kpi.genres_by_group(credits, movies, series), None,
         None),
        ("credit_ages", nc, lambda: kpi.credit_ages(credits, people),
         lambda: naive_credit_ages(credits, people),
         lambda f, s: len(f) == len(s) and f["age"].sum() == s["age"].sum()),
        ("age_coverage", nc, lambda: kpi.age_coverage(credits, people), None, None),
        ("age_by(decade, category)", len(ages),
         lambda: kpi.age_by(ages, ["decade", "category"]), None, None),
        ("weighted_ratings", nm, lambda: kpi.weighted_ratings(movies),
         lambda: naive_weighted_ratings(movies),
         lambda f, s: _same(f.sort_values("tconst"), s.sort_values("tconst"),
                            ["tconst", "score"])),  # float32 noise reorders near-ties
        ("top_rated", nm, lambda: kpi.top_rated(movies, n=100), None, None),
        ("overrepresentation(genres)", nm, lambda: kpi.overrepresentation(top, movies, "genres"),
         None, None),
        ("overrepresentation(director_names)", nm,
         lambda: kpi.overrepresentation(top, movies, "director_names"), None, None),
        ("titles_by_type", len(t["title_counts"]),
         lambda: kpi.titles_by_type(t["title_counts"]), None, None),
        ("films_by_genre", nm, lambda: kpi.films_by_genre(movies),
         lambda: naive_films_by_genre(movies),
         lambda f, s: _same(f, s, ["genre", "n_films"])),
        ("films_by_decade", nm, lambda: kpi.films_by_decade(movies), None, None),
        ("runtime_distribution", nm, lambda: kpi.runtime_distribution(movies), None, None),
        ("rating_distribution", nm, lambda: kpi.rating_distribution(movies), None, None),
        ("votes_distribution", nm, lambda: kpi.votes_distribution(movies), None, None),
        ("french_by_decade", nm, lambda: kpi.french_by_decade(movies), None, None),
        ("top_countries", nm, lambda: kpi.top_countries(movies), None, None),
        ("money_by_decade", nm, lambda: kpi.money_by_decade(movies), None, None),
        ("top_directors", nm, lambda: kpi.top_directors(movies),
         lambda: naive_top_directors(movies),
         lambda f, s: _same(f, s, ["nconst", "n_films"])),
        ("audience_offer", nm, lambda: kpi.audience_offer(movies, CREUSE), None, None),
        ("audience_picks", nm, lambda: kpi.audience_picks(movies, CREUSE), None, None),
        ("key_figures", nm + nc,
         lambda: kpi.key_figures(movies, people, credits, series), None, None),
        ("(report text: findings.exploration)", nm + nc,
         lambda: findings.exploration(t), None, None),
    ]


def _median_s(func: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median wall time, median CPU time of this process (the machine may be shared:
    CPU time is what the KPI itself costs), and the result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return float(np.median(walls)), float(np.median(cpus)), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench kpi", description=__doc__)
    parser.add_argument("--scale", default="full", choices=("tiny", "small", "full"))
    parser.add_argument("--processed", type=Path, default=None,
                        help="time an existing processed folder instead of a synthetic scale")
    parser.add_argument("--repeat", type=int, default=5, help="runs per KPI (median kept)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive approaches")
    args = parser.parse_args(argv)

    folder = args.processed or ensure_processed(args.scale)
    start = time.perf_counter()
    t = {name: catalog.load_table(name, folder) for name in TABLES}
    load_s = time.perf_counter() - start
    print(f"KPI benchmark on {folder}")
    print("rows: " + ", ".join(f"{name} {len(df):,}" for name, df in t.items()))
    print(f"loading the five tables: {load_s:.2f} s\n")
    print(f"{'KPI':<36}{'rows in':>11}{'wall':>10}{'cpu':>10}{'naive':>10}{'speed-up':>9}"
          f"{'same':>6}  < {LIMIT_S:.0f} s")
    slow = []
    for name, rows, fast, naive, check in _cases(t):
        seconds, cpu, result = _median_s(fast, args.repeat)
        naive_txt = speed = same = ""
        if naive is not None and not args.no_naive:
            naive_s, _, naive_result = _median_s(naive, 1)
            naive_txt, speed = f"{naive_s * 1000:8.0f}ms", f"{naive_s / seconds:8.1f}x"
            same = "yes" if check(result, naive_result) else "NO"
        kpi_call = not name.startswith("(")
        ok = seconds < LIMIT_S
        if not ok and kpi_call:
            slow.append(name)
        verdict = ("ok" if ok else "TOO SLOW") if kpi_call else "n/a"
        print(f"{name:<36}{rows:>11,}{seconds * 1000:8.0f}ms{cpu * 1000:8.0f}ms{naive_txt:>10}"
              f"{speed:>9}{same:>6}  {verdict}")
    print(f"\nwall and cpu: median of {args.repeat} runs; naive approaches run once on the same "
          f"data (wall time). Load average during the run: {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores.")
    if slow:
        print(f"over {LIMIT_S} s: {', '.join(slow)}")
        return 1
    print(f"every KPI under {LIMIT_S} s")
    return 0
