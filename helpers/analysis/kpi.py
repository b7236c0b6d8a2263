"""Catalogue KPIs shared by 03_exploration.ipynb, the report and the dashboard.

Every function is pure: it takes processed tables (schemas in :mod:`helpers.schema`)
and returns a DataFrame or a number, without modifying its inputs. Rows are
sorted deterministically, ties broken explicitly (usually by name, then id), so
the same data always gives the same table. Everything is vectorised: each KPI
runs in well under 2 s on a catalogue the size of all IMDb films with a few
hundred votes (``python -m helpers bench kpi``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.audience import AudienceProfile
from helpers.data.catalog import bayesian_rating, rating_prior
from helpers.fmt import genre_fr
from helpers.schema import decade_of, decade_span

MOVIE, SERIES = "movie", "series"
#: Ages at release outside this range are data errors (wrong birth year or person).
MIN_AGE, MAX_AGE = 0, 100
#: 95 % normal quantile for the confidence band of a mean.
Z95 = 1.96
#: Films-vs-series groups: code -> French label.
GROUPS: dict[str, str] = {
    "both": "Films et séries",
    "films_only": "Films uniquement",
    "series_only": "Séries uniquement",
}
#: Runtime bands (minutes, left-closed) used to compare top films with the catalogue.
RUNTIME_BANDS = (0, 90, 120, 150, 10_000)
RUNTIME_BAND_LABELS = ("< 90 min", "90-119 min", "120-149 min", "≥ 150 min")


# --------------------------------------------------------------------------- helpers
def _decades(years: pd.Series) -> pd.Series:
    """Decade (1994 -> 1990, :func:`helpers.schema.decade_of`) of a year column, nullable."""
    return decade_of(years).astype("Int64")


def _explode(df: pd.DataFrame, column: str, keep: Iterable[str] = ()) -> pd.DataFrame:
    """One row per element of a list-of-strings column, original index repeated (empty and
    null lists dropped); through Arrow, several times faster than ``DataFrame.explode``."""
    lists = pa.array(df[column], type=pa.list_(pa.string()))
    rows = pc.list_parent_indices(lists).to_numpy()
    values = pc.list_flatten(lists).to_numpy(zero_copy_only=False)
    out = df[list(keep)].iloc[rows].assign(**{column: values})
    return out[out[column].notna()]


def _share(part: pd.Series, total: float) -> pd.Series:
    return part / total if total else part * np.nan


def filter_movies(movies: pd.DataFrame, decades: tuple[int, int] | None = None,
                  genre: str | None = None) -> pd.DataFrame:
    """Films of the decades ``decades`` (inclusive: ``(1990, 2009)`` keeps the 90s and 2000s)
    having the IMDb genre ``genre``; ``None`` means no filter. Used by the dashboard filters."""
    mask = pd.Series(True, index=movies.index)
    span = decade_span(decades)
    if span is not None:
        mask &= _decades(movies["year"]).between(*span).fillna(False).astype(bool)
    if genre:
        genres = _explode(movies, "genres")
        mask &= movies.index.isin(genres.index[genres["genres"] == genre])
    return movies[mask]


def filter_credits(credits: pd.DataFrame, movies: pd.DataFrame) -> pd.DataFrame:
    """Film credits of the given (filtered) films: feeds the actor KPIs under dashboard filters."""
    return credits[(credits["title_kind"] == MOVIE) & credits["tconst"].isin(movies["tconst"])]


class _Coded(NamedTuple):
    """Credits with integer codes instead of string ids, one row per (person, title).

    ``frame`` has columns person, title and category (codes), movie (bool), year and
    ordering (float, nan when unknown); ``persons``/``titles``/``categories`` give the
    value of each code (categories sorted, so code order is alphabetical).
    Grouping on integer codes is several times faster than on the string ids.
    """

    frame: pd.DataFrame
    persons: pd.Index
    titles: pd.Index
    categories: np.ndarray


def _coded(credits: pd.DataFrame) -> _Coded:
    person, persons = pd.factorize(credits["nconst"])
    title, titles = pd.factorize(credits["tconst"])
    key = person.astype(np.int64) * max(len(titles), 1) + title
    keep = ~pd.Series(key).duplicated().to_numpy()
    category, categories = pd.factorize(credits["category"], sort=True)
    frame = pd.DataFrame({
        "person": person[keep], "title": title[keep],
        "movie": (credits["title_kind"] == MOVIE).to_numpy(bool)[keep],
        "year": credits["year"].astype("float64").to_numpy()[keep],
        "ordering": credits["ordering"].astype("float64").to_numpy()[keep],
        "category": category[keep],
    })
    return _Coded(frame, pd.Index(persons), pd.Index(titles),
                  np.asarray(categories, dtype=object))


def _person_values(people: pd.DataFrame, ids: pd.Index, column: str) -> pd.Series:
    """``people[column]`` for each person id (null when the person is unknown)."""
    if people.empty:
        return pd.Series([None] * len(ids), dtype=object)
    pos = pc.index_in(pa.array(ids, type=pa.large_string()),
                      value_set=pa.array(people["nconst"], type=pa.large_string()))
    hit = pos.is_valid().to_numpy(zero_copy_only=False)
    rows = pc.fill_null(pos, 0).to_numpy()
    return people[column].take(rows).reset_index(drop=True).where(pd.Series(hit), None)


def _names(people: pd.DataFrame, ids: pa.Array) -> pa.Array:
    """Names of person ids (the id itself when the person is unknown)."""
    if people.empty:
        return ids
    pos = pc.index_in(ids, value_set=pa.array(people["nconst"], type=pa.large_string()))
    names = pa.array(people["name"], type=pa.large_string()).take(pos)
    return pc.coalesce(names, ids)


def _mode(group: np.ndarray, value: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """Most frequent value code (lowest on ties) and its count, per group code 0..max."""
    n_groups = int(group.max()) + 1 if len(group) else 0
    counts = np.bincount(group * n_values + value, minlength=n_groups * n_values)
    counts = counts.reshape(n_groups, n_values)
    best = counts.argmax(axis=1)
    return best, counts[np.arange(n_groups), best]


def _top_with_ties(values: pd.Series, n: int | None) -> pd.Series:
    """Mask of the rows whose value reaches the ``n``-th largest (ties at the cut kept)."""
    if n is None or len(values) <= n:
        return pd.Series(True, index=values.index)
    return values >= values.nlargest(n).iloc[-1]


def _finish_people(df: pd.DataFrame, coded: _Coded, people: pd.DataFrame,
                   keys: list[str], ascending: list[bool]) -> pd.DataFrame:
    """Add nconst and name to rows indexed by person code, sort by ``keys`` then name, id
    (an Arrow multi-key sort: much faster than pandas on string tie-breakers)."""
    codes, inverse = np.unique(df.index.to_numpy(), return_inverse=True)
    ids = pa.array(coded.persons[codes], type=pa.large_string())
    nconst, name = ids.take(inverse), _names(people, ids).take(inverse)
    table = pa.table({**{f"k{i}": pa.array(df[k].to_numpy()) for i, k in enumerate(keys)},
                      "name": name, "nconst": nconst})
    order = pc.sort_indices(table, sort_keys=[
        *((f"k{i}", "ascending" if asc else "descending") for i, asc in enumerate(ascending)),
        ("name", "ascending"), ("nconst", "ascending")]).to_numpy()
    return df.iloc[order].assign(nconst=nconst.take(order).to_numpy(zero_copy_only=False),
                                 name=name.take(order).to_numpy(zero_copy_only=False))


# ------------------------------------------------------------- 1. actors and periods
CAREER_COLUMNS = ["nconst", "name", "category", "n_films", "first_year", "last_year",
                  "span_years", "peak_decade", "peak_decade_films"]


def actor_careers(credits: pd.DataFrame, people: pd.DataFrame, n: int | None = None,
                  category: str | None = None) -> pd.DataFrame:
    """Actors/actresses with at least one film: number of films, first/last year, span,
    peak decade (most films; earliest decade on ties) and main category (most frequent,
    alphabetical on ties). ``category`` keeps "actor" or "actress"; ``n`` the first n.

    Sorted by number of films (desc), then name, then id. People without a film
    credit (directors, series-only actors) do not appear.
    """
    coded = _coded(credits)
    c = coded.frame[coded.frame["movie"]]
    if c.empty:
        return pd.DataFrame(columns=CAREER_COLUMNS)
    per = c.groupby("person").agg(n_films=("title", "size"), first_year=("year", "min"),
                                  last_year=("year", "max"))
    main, _ = _mode(c["person"].to_numpy(), c["category"].to_numpy(), len(coded.categories))
    per["category"] = coded.categories[main[per.index]]
    if category is not None:
        per = per[per["category"] == category]
    per = per[_top_with_ties(per["n_films"], n)]
    dec = c[c["person"].isin(per.index) & c["year"].notna()]
    persons, local = np.unique(dec["person"].to_numpy(), return_inverse=True)
    first = int(decade_of(dec["year"].min())) if len(dec) else 0
    step = ((decade_of(dec["year"].to_numpy()) - first) // 10).astype(np.int64)
    peak, films = _mode(local, step, int(step.max()) + 1 if len(step) else 1)
    per = per.join(pd.DataFrame({"peak_decade": first + 10 * peak,
                                 "peak_decade_films": films}, index=persons))
    per["span_years"] = per["last_year"] - per["first_year"]
    per = _finish_people(per, coded, people, ["n_films"], [False])
    per = per.astype({"n_films": "int64", "first_year": "Int64", "last_year": "Int64",
                      "span_years": "Int64", "peak_decade": "Int64",
                      "peak_decade_films": "Int64"})
    return per[CAREER_COLUMNS].head(len(per) if n is None else n).reset_index(drop=True)


def top_actors(credits: pd.DataFrame, people: pd.DataFrame, n: int = 10,
               category: str | None = None) -> pd.DataFrame:
    """The ``n`` actors/actresses with the most films (``category`` "actor"/"actress"
    restricts to one), with their active span: see :func:`actor_careers`."""
    return actor_careers(credits, people, n=n, category=category)


def top_actors_by_decade(credits: pd.DataFrame, people: pd.DataFrame,
                         n: int = 3) -> pd.DataFrame:
    """Who dominated each decade: the ``n`` people with the most films released in it.

    Columns decade, rank (1 = most films; ties broken by name then id), nconst, name,
    n_films.
    """
    coded = _coded(credits)
    c = coded.frame[coded.frame["movie"]]
    c = c.assign(decade=decade_of(c["year"])).dropna(subset=["decade"])
    counts = c.groupby(["decade", "person"]).size().rename("n_films").reset_index("decade")
    best = counts.groupby("decade")["n_films"].rank(method="min", ascending=False) <= n
    counts = _finish_people(counts[best], coded, people, ["decade", "n_films"], [True, False])
    counts["rank"] = counts.groupby("decade").cumcount() + 1
    out = counts[counts["rank"] <= n].astype({"decade": "int64", "n_films": "int64"})
    return out[["decade", "rank", "nconst", "name", "n_films"]].reset_index(drop=True)


# ----------------------------------------------------------------------- 2. runtime
def runtime_by_period(movies: pd.DataFrame, period: str = "year") -> pd.DataFrame:
    """Runtime of films per ``period`` ("year" or "decade"): number of films, mean,
    median, standard deviation and 95 % confidence band of the mean
    (mean ± 1.96·sd/√n; undefined for a single film)."""
    if period not in {"year", "decade"}:
        raise ValueError(f"period must be 'year' or 'decade', not {period!r}")
    m = movies[movies["runtime"].notna() & movies["year"].notna()]
    key = m["year"].astype("int64") if period == "year" else _decades(m["year"])
    g = m["runtime"].astype("float64").groupby(key.rename(period))
    out = g.agg(n_films="size", mean="mean", median="median", sd="std").reset_index()
    half = Z95 * out["sd"] / np.sqrt(out["n_films"])
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    return out.astype({period: "int64", "n_films": "int64"}).sort_values(period,
                                                                          ignore_index=True)


# --------------------------------------------------------------- 3. films vs series
def _groups(coded: _Coded) -> pd.DataFrame:
    """Per person code: distinct films, distinct series and group code."""
    f = coded.frame
    size = len(coded.persons)
    n_films = np.bincount(f["person"], weights=f["movie"], minlength=size).astype("int64")
    n_series = np.bincount(f["person"], minlength=size).astype("int64") - n_films
    group = np.select([(n_films > 0) & (n_series > 0), n_films > 0],
                      ["both", "films_only"], "series_only")
    return pd.DataFrame({"n_films": n_films, "n_series": n_series, "group": group})


def person_kinds(credits: pd.DataFrame) -> pd.DataFrame:
    """Per person: number of distinct films and series played in, and group
    ("both", "films_only", "series_only"); sorted by id."""
    coded = _coded(credits)
    out = _groups(coded)
    out.insert(0, "nconst", coded.persons.to_numpy(dtype=object))
    return out.sort_values("nconst", ignore_index=True)


def films_series_overlap(credits: pd.DataFrame) -> pd.DataFrame:
    """How many people act in films only, series only, or both (share of all actors).

    Always the three groups, in the order of :data:`GROUPS`, with a French label.
    """
    groups = _groups(_coded(credits))["group"]
    counts = groups.value_counts().reindex(list(GROUPS), fill_value=0)
    out = pd.DataFrame({"group": list(GROUPS), "label": list(GROUPS.values()),
                        "n_people": counts.to_numpy().astype("int64")})
    out["share"] = _share(out["n_people"], len(groups))
    return out


def top_crossovers(credits: pd.DataFrame, people: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` people with the most titles among those playing in both films and series,
    with the first year in each; sorted by total titles, films, name, id (desc, desc, asc)."""
    coded = _coded(credits)
    both = _groups(coded)
    both = both[both["group"] == "both"]
    both = both.assign(n_titles=both["n_films"] + both["n_series"])
    both = both[_top_with_ties(both["n_titles"], n)]
    f = coded.frame[coded.frame["person"].isin(both.index)]
    first = f.groupby(["person", "movie"])["year"].min().unstack().reindex(columns=[True, False])
    both = both.assign(first_film_year=first[True], first_series_year=first[False])
    both = _finish_people(both, coded, people, ["n_titles", "n_films"], [False, False])
    both = both.astype({"first_film_year": "Int64", "first_series_year": "Int64"})
    cols = ["nconst", "name", "n_films", "n_series", "n_titles", "first_film_year",
            "first_series_year"]
    return both[cols].head(n).reset_index(drop=True)


def careers_by_group(credits: pd.DataFrame) -> pd.DataFrame:
    """Careers per films/series group: people, mean and median titles, median span
    (years between first and last title), median first year."""
    coded = _coded(credits)
    kinds = _groups(coded)
    years = coded.frame.groupby("person")["year"].agg(["min", "max"])
    kinds = kinds.join(years)
    kinds["n_titles"] = kinds["n_films"] + kinds["n_series"]
    kinds["span"] = kinds["max"] - kinds["min"]
    g = kinds.groupby("group")
    out = pd.DataFrame({"n_people": g.size(), "mean_titles": g["n_titles"].mean(),
                        "median_titles": g["n_titles"].median(),
                        "median_span_years": g["span"].median(),
                        "median_first_year": g["min"].median()})
    out = out.reindex(list(GROUPS)).rename_axis("group").reset_index()
    out.insert(1, "label", list(GROUPS.values()))
    out["n_people"] = out["n_people"].fillna(0).astype("int64")
    return out


def genres_by_group(credits: pd.DataFrame, movies: pd.DataFrame,
                    series: pd.DataFrame) -> pd.DataFrame:
    """Genre mix of the titles each group plays in: for ``kind`` movie or series and
    each group, the share of that group's credits whose title has the genre.

    Sorted by kind, group (order of :data:`GROUPS`), share (desc), genre.
    """
    coded = _coded(credits)
    order = {k: i for i, k in enumerate(GROUPS)}
    f = coded.frame.assign(group=_groups(coded)["group"].map(order).to_numpy()[
        coded.frame["person"]])
    genres = pd.concat([_explode(movies, "genres", ["tconst"]),
                        _explode(series, "genres", ["tconst"])])
    genres = genres.assign(title=coded.titles.get_indexer(genres["tconst"]))
    genres = genres[genres["title"] >= 0].drop_duplicates(["title", "genres"])
    code, names = pd.factorize(genres["genres"])
    genres = pd.DataFrame({"title": genres["title"].to_numpy(), "genre": code})
    totals = f.groupby(["movie", "group"]).size().rename("n_total")
    g = f[["title", "movie", "group"]].merge(genres, on="title")
    out = g.groupby(["movie", "group", "genre"]).size().rename("n_credits").reset_index()
    out = out.join(totals, on=["movie", "group"])
    out["share"] = out["n_credits"] / out["n_total"]
    out["kind"] = np.where(out["movie"], MOVIE, SERIES)
    out["genre"] = np.asarray(names, dtype=object)[out["genre"]]
    out = out.sort_values(["kind", "group", "share", "genre"],
                          ascending=[True, True, False, True])
    out["group"] = np.asarray(list(GROUPS), dtype=object)[out["group"]]
    return out[["kind", "group", "genre", "n_credits", "share"]].reset_index(drop=True)


# --------------------------------------------------------------------------- 4. ages
def _film_ages(coded: _Coded, people: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Film credits with the age at release (nan when unknown), and birth year per person."""
    birth = pd.to_numeric(_person_values(people, coded.persons, "birth_year"))
    birth = birth.astype("float64").to_numpy()
    c = coded.frame[coded.frame["movie"]]
    return c.assign(age=c["year"].to_numpy() - birth[c["person"]]), birth


def credit_ages(credits: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Age at release of each film credit whose person's birth year is known
    (release year minus birth year), impossible ages (< 0 or > 100) dropped.

    ``leading`` is True for the first-billed actor of the film (lowest ordering
    among its acting credits). Rows in the order of the credits (film, then billing).
    """
    coded = _coded(credits)
    c, _ = _film_ages(coded, people)
    c = c.assign(leading=c["ordering"] == c.groupby("title")["ordering"].transform("min"))
    c = c[c["age"].between(MIN_AGE, MAX_AGE)].sort_values(["title", "ordering", "person"])
    out = pd.DataFrame({
        "tconst": coded.titles[c["title"]].to_numpy(dtype=object),
        "nconst": coded.persons[c["person"]].to_numpy(dtype=object),
        "category": coded.categories[c["category"].to_numpy()],
        "ordering": c["ordering"].to_numpy(),
        "leading": c["leading"].to_numpy(), "year": c["year"].to_numpy(),
        "decade": decade_of(c["year"]).to_numpy(), "age": c["age"].to_numpy(),
    })
    return out.astype({"ordering": "Int64", "year": "int64", "decade": "int64",
                       "age": "int64"})


def age_coverage(credits: pd.DataFrame, people: pd.DataFrame) -> dict[str, float]:
    """How far ages can be trusted: film actors, those with an unknown birth year and
    their share, film credits, credits with a usable age, credits with an impossible one."""
    return _age_coverage(_coded(credits), people)


def _age_coverage(coded: _Coded, people: pd.DataFrame) -> dict[str, float]:
    c, birth = _film_ages(coded, people)
    actors = np.unique(c["person"].to_numpy())
    unknown = int(np.isnan(birth[actors]).sum())
    known = c["age"].notna()
    plausible = c["age"].between(MIN_AGE, MAX_AGE)
    return {
        "n_actors": len(actors),
        "n_unknown_birth": unknown,
        "share_unknown_birth": unknown / len(actors) if len(actors) else float("nan"),
        "n_credits": len(c),
        "n_credits_with_age": int(plausible.sum()),
        "n_impossible_ages": int((known & ~plausible).sum()),
    }


def age_by(ages: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Number of credits, mean and median age per group of :func:`credit_ages`
    (e.g. ``"decade"``, ``"category"``, ``["category", "leading"]``), sorted by the keys."""
    keys = [by] if isinstance(by, str) else list(by)
    g = ages.groupby(keys)["age"]
    out = g.agg(n_credits="size", mean_age="mean", median_age="median").reset_index()
    return out.sort_values(keys, ignore_index=True)


# ----------------------------------------------------------------- 5. best-rated films
def bayes_prior(movies: pd.DataFrame) -> tuple[float, float]:
    """Prior ``(m, C)`` of the vote-weighted score (:func:`helpers.data.catalog.rating_prior`)."""
    return rating_prior(movies["average_rating"], movies["num_votes"])


def weighted_ratings(movies: pd.DataFrame, m: float | None = None,
                     c: float | None = None) -> pd.DataFrame:
    """Rated films with a Bayesian vote-weighted score ``v/(v+m)·R + m/(v+m)·C``, so a
    9/10 from 20 votes does not beat a 8.5/10 from 500,000 votes.

    ``m``/``c`` default to :func:`bayes_prior` (:func:`helpers.data.catalog.bayesian_rating`,
    the recommender's quality prior too). Films without rating are left out. Sorted by
    score, votes (desc), then id.
    """
    prior_m, prior_c = bayes_prior(movies)
    rated = movies[movies["average_rating"].notna() & (movies["num_votes"] > 0)]
    out = rated.assign(score=bayesian_rating(
        rated["average_rating"], rated["num_votes"], prior_m if m is None else m,
        prior_c if c is None else c))
    return out.sort_values(["score", "num_votes", "tconst"], ascending=[False, False, True],
                           ignore_index=True)


def top_rated(movies: pd.DataFrame, n: int = 20, m: float | None = None) -> pd.DataFrame:
    """The ``n`` best films by vote-weighted score (see :func:`weighted_ratings`)."""
    return weighted_ratings(movies, m).head(n)


def default_top_n(movies: pd.DataFrame) -> int:
    """Size of the "best-rated" group compared with the catalogue: a tenth of the films,
    at least 10 and at most 100."""
    return int(min(100, max(10, len(movies) // 10)))


def _attribute(movies: pd.DataFrame, column: str) -> pd.DataFrame:
    """(tconst, value) pairs of a film attribute: a list column, "decade" or "runtime_band"."""
    if column == "decade":
        out = movies[["tconst"]].assign(value=_decades(movies["year"]))
    elif column == "runtime_band":
        band = pd.cut(movies["runtime"].astype("float64"), RUNTIME_BANDS, right=False,
                      labels=RUNTIME_BAND_LABELS)
        out = movies[["tconst"]].assign(value=band.astype("object"))
    else:
        out = _explode(movies, column, ["tconst"]).rename(columns={column: "value"})
    return out[out["value"].notna()].drop_duplicates()


def overrepresentation(top: pd.DataFrame, catalogue: pd.DataFrame, column: str,
                       n: int | None = 10) -> pd.DataFrame:
    """What the top films share: for each value of ``column`` (genres, countries,
    director_names, decade, runtime_band) present in ``top``, its share among the top
    films, among the catalogue, and the ratio (> 1: over-represented).

    Sorted by ratio, films in the top (desc), then value; ``n`` rows at most.
    """
    t, c = _attribute(top, column), _attribute(catalogue, column)
    counts = pd.DataFrame({"n_top": t.groupby("value").size(),
                           "n_catalogue": c.groupby("value").size()})
    counts = counts[counts["n_top"].notna()].fillna(0).astype("int64")
    counts["share_top"] = counts["n_top"] / max(len(top), 1)
    counts["share_catalogue"] = counts["n_catalogue"] / max(len(catalogue), 1)
    counts["ratio"] = counts["share_top"] / counts["share_catalogue"].replace(0, np.nan)
    out = counts.rename_axis("value").reset_index()
    out["value"] = out["value"].astype(str) if column != "decade" else out["value"]
    out = out.sort_values(["ratio", "n_top", "value"], ascending=[False, False, True],
                          ignore_index=True)
    return out if n is None else out.head(n)


# ----------------------------------------------------------------- catalogue figures
def titles_by_type(title_counts: pd.DataFrame) -> pd.DataFrame:
    """All IMDb titles per type (before any filter), with their share; most frequent first."""
    g = title_counts.groupby("title_type")["n_titles"].sum().rename("n_titles").reset_index()
    g["share"] = _share(g["n_titles"], g["n_titles"].sum())
    return g.sort_values(["n_titles", "title_type"], ascending=[False, True], ignore_index=True)


def films_by_genre(movies: pd.DataFrame) -> pd.DataFrame:
    """Films per genre (a film counts in each of its genres), share of all films, French label."""
    g = _explode(movies, "genres").groupby("genres").size().rename("n_films")
    out = g.rename_axis("genre").reset_index()
    out["label"] = out["genre"].map(genre_fr)
    out["share"] = _share(out["n_films"], len(movies))
    return out.sort_values(["n_films", "genre"], ascending=[False, True], ignore_index=True)


def films_by_decade(movies: pd.DataFrame) -> pd.DataFrame:
    """Films per decade of release and share of the catalogue, oldest first."""
    d = _decades(movies["year"]).dropna()
    out = d.value_counts().rename("n_films").rename_axis("decade").reset_index()
    out["share"] = _share(out["n_films"], len(movies))
    return out.astype({"decade": "int64"}).sort_values("decade", ignore_index=True)


def _histogram(values: pd.Series, width: float, name: str) -> pd.DataFrame:
    v = values.dropna().astype("float64")
    bins = (np.floor(v / width) * width).round(6)
    out = bins.value_counts().rename("n_films").rename_axis(name).reset_index()
    return out.sort_values(name, ignore_index=True)


def runtime_distribution(movies: pd.DataFrame, width: int = 10) -> pd.DataFrame:
    """Films per runtime bin of ``width`` minutes (``runtime_bin`` = lower bound)."""
    return _histogram(movies["runtime"], width, "runtime_bin")


def rating_distribution(movies: pd.DataFrame, width: float = 0.5) -> pd.DataFrame:
    """Films per IMDb rating bin of ``width`` points (``rating_bin`` = lower bound)."""
    return _histogram(movies["average_rating"], width, "rating_bin")


def votes_distribution(movies: pd.DataFrame) -> pd.DataFrame:
    """Films per order of magnitude of votes (``votes_bin`` = 10^k, lower bound)."""
    votes = movies["num_votes"].astype("float64")
    k = np.floor(np.log10(votes[votes > 0]) + 1e-9)  # 1000 -> 3 despite rounding
    out = (10 ** k).value_counts().rename("n_films").rename_axis("votes_bin").reset_index()
    return out.astype({"votes_bin": "int64"}).sort_values("votes_bin", ignore_index=True)


def french_share(movies: pd.DataFrame) -> float:
    """Share of French productions (``is_french``; unknown counts as not French)."""
    return float(movies["is_french"].eq(True).mean()) if len(movies) else float("nan")


def french_title_share(movies: pd.DataFrame) -> float:
    """Share of films with a French title (akas region FR)."""
    return float(movies["french_title"].notna().mean()) if len(movies) else float("nan")


def french_by_decade(movies: pd.DataFrame) -> pd.DataFrame:
    """Per decade: films, French productions and their share, share with a French title."""
    m = movies.assign(decade=_decades(movies["year"]), fr=movies["is_french"].eq(True),
                      fr_title=movies["french_title"].notna()).dropna(subset=["decade"])
    g = m.groupby("decade")
    out = pd.DataFrame({"n_films": g.size(), "n_french": g["fr"].sum(),
                        "share_french": g["fr"].mean(), "share_french_title": g["fr_title"].mean()})
    out = out.reset_index().astype({"decade": "int64", "n_french": "int64"})
    return out.sort_values("decade", ignore_index=True)


def top_countries(movies: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """Most frequent production countries (TMDB) and their share among films whose
    countries are known; empty without TMDB data."""
    c = _explode(movies, "countries", ["tconst"]).drop_duplicates()
    known = c["tconst"].nunique()
    out = c.groupby("countries").size().rename("n_films").rename_axis("country").reset_index()
    out["share"] = _share(out["n_films"], known)
    out = out.sort_values(["n_films", "country"], ascending=[False, True], ignore_index=True)
    return out.head(n)


def money_by_decade(movies: pd.DataFrame) -> pd.DataFrame:
    """Per decade, films with a known budget, median budget and revenue (USD), and median
    revenue/budget ratio where both are known; empty without TMDB money data."""
    m = movies[movies["budget"].notna() & (movies["budget"] > 0)]
    m = m.assign(decade=_decades(m["year"]), budget=m["budget"].astype("float64"),
                 revenue=m["revenue"].where(m["revenue"] > 0).astype("float64"))
    m = m.assign(ratio=m["revenue"] / m["budget"]).dropna(subset=["decade"])
    g = m.groupby("decade")
    out = pd.DataFrame({"n_films": g.size(), "median_budget": g["budget"].median(),
                        "median_revenue": g["revenue"].median(),
                        "median_ratio": g["ratio"].median()})
    out = out.reset_index().astype({"decade": "int64", "n_films": "int64"})
    return out.sort_values("decade", ignore_index=True)


def top_directors(movies: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """Most frequent directors: films, mean IMDb rating, first and last year.
    Sorted by films (desc), name, id."""
    ids = pa.array(movies["directors"], type=pa.list_(pa.string()))
    names = pa.array(movies["director_names"], type=pa.list_(pa.string()))
    aligned = pc.fill_null(pc.equal(pc.list_value_length(ids), pc.list_value_length(names)),
                           False)
    rows = pc.list_parent_indices(ids).to_numpy()
    usable = aligned.to_numpy(zero_copy_only=False)[rows]  # names of misaligned rows: unknown
    flat_names = np.full(len(rows), None, dtype=object)
    flat_names[usable] = pc.list_flatten(names.filter(aligned)).to_numpy(zero_copy_only=False)
    d = movies[["tconst", "year", "average_rating"]].iloc[rows].assign(
        directors=pc.list_flatten(ids).to_numpy(zero_copy_only=False),
        director_names=flat_names)
    g = d.dropna(subset=["directors"]).groupby("directors")
    out = pd.DataFrame({"name": g["director_names"].first(), "n_films": g["tconst"].nunique(),
                        "mean_rating": g["average_rating"].mean().astype("float64"),
                        "first_year": g["year"].min(), "last_year": g["year"].max()})
    out = out.rename_axis("nconst").reset_index()
    out["name"] = out["name"].fillna(out["nconst"]).astype(str)
    out = out.sort_values(["n_films", "name", "nconst"], ascending=[False, True, True])
    return out.head(n).reset_index(drop=True)


# --------------------------------------------------------------- programming & summary
def audience_offer(movies: pd.DataFrame, profile: AudienceProfile) -> pd.DataFrame:
    """What the catalogue offers the local audience of the market study: films (share,
    mean rating) for each segment: French films, each favoured genre, favoured
    decades, runtime within the limit, and all criteria together (French, a favoured
    genre, a favoured decade and the runtime limit)."""
    fr = movies["is_french"].eq(True)
    genres = _explode(movies, "genres")
    has = {g: movies.index.isin(genres.index[genres["genres"] == g])
           for g in profile.favoured_genres}
    decades = _decades(movies["year"]).isin(profile.favoured_decades).fillna(False)
    short = movies["runtime"].le(profile.max_runtime).fillna(False).astype(bool)
    any_genre = np.logical_or.reduce(list(has.values())) if has else np.ones(len(movies), bool)
    first, last = min(profile.favoured_decades), max(profile.favoured_decades) + 9
    segments = {
        "Catalogue complet": np.ones(len(movies), bool),
        "Films français": fr.to_numpy(bool),
        **{f"Genre : {genre_fr(g)}": mask for g, mask in has.items()},
        f"Films de {first} à {last}": decades.to_numpy(bool),
        f"Durée ≤ {profile.max_runtime} min": short.to_numpy(bool),
        "Tous critères réunis":
            fr.to_numpy(bool) & any_genre & decades.to_numpy(bool) & short.to_numpy(bool),
    }
    rating = movies["average_rating"].astype("float64").to_numpy()
    rows = [{"segment": label, "n_films": int(mask.sum()),
             "share": mask.mean() if len(mask) else np.nan,
             "mean_rating": np.nanmean(rating[mask]) if np.isfinite(rating[mask]).any()
             else np.nan} for label, mask in segments.items()]
    return pd.DataFrame(rows)


def audience_picks(movies: pd.DataFrame, profile: AudienceProfile, n: int = 10,
                   french_only: bool = False) -> pd.DataFrame:
    """Programming ideas for the local audience: films of the favoured decades, within the
    runtime limit, having a favoured genre (and French if ``french_only``), best
    vote-weighted score first (prior computed on the whole catalogue)."""
    scored = weighted_ratings(movies)
    genres = _explode(scored, "genres")
    mask = (scored.index.isin(genres.index[genres["genres"].isin(profile.favoured_genres)])
            & _decades(scored["year"]).isin(profile.favoured_decades).fillna(False)
            & scored["runtime"].le(profile.max_runtime).fillna(False).astype(bool))
    if french_only:
        mask &= scored["is_french"].eq(True)
    return scored[mask].head(n).reset_index(drop=True)


def key_figures(movies: pd.DataFrame, people: pd.DataFrame | None = None,
                credits: pd.DataFrame | None = None,
                series: pd.DataFrame | None = None) -> dict[str, float]:
    """Headline numbers for the dashboard and the notebook (nan when not computable).

    Keys: n_films, first_year, last_year, median_runtime, mean_rating, share_french,
    share_french_title, n_with_tmdb, n_directors; with ``credits``: n_actors (film
    actors), n_people_in_series; with ``people``: n_people; with ``series``: n_series;
    with both people and credits: share_unknown_birth (film actors).
    """
    nan = float("nan")
    runtime = movies["runtime"].astype("float64")
    years = movies["year"].dropna()
    figures: dict[str, float] = {
        "n_films": len(movies),
        "first_year": int(years.min()) if len(years) else nan,
        "last_year": int(years.max()) if len(years) else nan,
        "median_runtime": float(runtime.median()) if runtime.notna().any() else nan,
        "mean_rating": float(movies["average_rating"].astype("float64").mean())
        if movies["average_rating"].notna().any() else nan,
        "share_french": french_share(movies),
        "share_french_title": french_title_share(movies),
        "n_with_tmdb": int(movies["tmdb_id"].notna().sum()),
        "n_directors": int(_explode(movies, "directors")["directors"].nunique()),
    }
    coded = _coded(credits) if credits is not None else None
    if coded is not None:
        groups = _groups(coded)
        figures["n_actors"] = int((groups["n_films"] > 0).sum())
        figures["n_people_in_series"] = int((groups["n_series"] > 0).sum())
    if people is not None:
        figures["n_people"] = len(people)
    if series is not None:
        figures["n_series"] = len(series)
    if people is not None and coded is not None:
        figures["share_unknown_birth"] = _age_coverage(coded, people)["share_unknown_birth"]
    return figures
