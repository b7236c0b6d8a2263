"""KPI functions on a tiny hand-made catalogue with hand-computed expected values.

The catalogue (all tables built through the real Parquet schemas):
- 4 films: t1 (1960, 100 min, Comedy+Drama, 8.0/1000 votes, French), t2 (1965, 120 min,
  Drama, 6.0/100), t3 (1990, 90 min, Comedy, NO rating), t4 (1995, 150 min, Family+Comedy,
  9.0/10 votes, French);
- people: Alice (1950), Bob (1940), Chloé (birth year UNKNOWN), David (1990: impossible
  age in 1965), Eve (director, NO acting credit), Fred (series only);
- 2 series: s1 (1970, Crime) and s2 (1992, Comedy+Drama).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from helpers.analysis import kpi
from helpers.audience import AudienceProfile
from helpers.fmt import fr_money, fr_number, fr_percent, genre_fr
from helpers.schema import CREDITS, MOVIES, PEOPLE, SERIES, TITLE_COUNTS


def frame(schema: pa.Schema, rows: list[dict]) -> pd.DataFrame:
    """A DataFrame exactly as helpers.data.catalog loads it (same schema, same dtypes)."""
    return pa.Table.from_pylist(rows, schema=schema).to_pandas()


def _movie(tconst, year, runtime, genres, rating, votes, directors=(), names=(), **kw):
    return dict(tconst=tconst, primary_title=f"Title {tconst}", year=year, runtime=runtime,
                genres=list(genres), average_rating=rating, num_votes=votes,
                directors=list(directors), director_names=list(names), **kw)


MOVIE_ROWS = [
    _movie("t1", 1960, 100, ["Comedy", "Drama"], 8.0, 1000, ["n5"], ["Eve"], is_french=True,
           french_title="Un", countries=["FR"], budget=1_000_000, revenue=3_000_000, tmdb_id=1),
    _movie("t2", 1965, 120, ["Drama"], 6.0, 100, ["n5"], ["Eve"], is_french=False,
           countries=["US"], tmdb_id=2),
    _movie("t3", 1990, 90, ["Comedy"], None, None, french_title="Trois", countries=[]),
    _movie("t4", 1995, 150, ["Family", "Comedy"], 9.0, 10, ["n7"], ["Gil"], is_french=True,
           countries=["FR", "BE"], budget=2_000_000, tmdb_id=4),
]
PEOPLE_ROWS = [
    dict(nconst="n1", name="Alice", birth_year=1950),
    dict(nconst="n2", name="Bob", birth_year=1940),
    dict(nconst="n3", name="Chloé", birth_year=None),
    dict(nconst="n4", name="David", birth_year=1990),
    dict(nconst="n5", name="Eve", birth_year=1930),
    dict(nconst="n6", name="Fred", birth_year=1945),
]
CREDIT_ROWS = [
    ("t1", "n1", 1, "actress", "movie", 1960), ("t1", "n2", 2, "actor", "movie", 1960),
    ("t2", "n2", 1, "actor", "movie", 1965), ("t2", "n1", 3, "actress", "movie", 1965),
    ("t2", "n4", 4, "actor", "movie", 1965), ("t3", "n3", 2, "actress", "movie", 1990),
    ("t3", "n1", 3, "actress", "movie", 1990), ("t4", "n2", 1, "actor", "movie", 1995),
    ("t4", "n3", 2, "actress", "movie", 1995), ("s1", "n1", 1, "actress", "series", 1970),
    ("s1", "n6", 2, "actor", "series", 1970), ("s2", "n6", 1, "actor", "series", 1992),
]


def make_tables() -> dict[str, pd.DataFrame]:
    """The hand-made catalogue above, as the processed tables (also used by test_plots)."""
    keys = ["tconst", "nconst", "ordering", "category", "title_kind", "year"]
    return {
        "movies": frame(MOVIES, MOVIE_ROWS),
        "people": frame(PEOPLE, PEOPLE_ROWS),
        "credits": frame(CREDITS, [dict(zip(keys, row, strict=True)) for row in CREDIT_ROWS]),
        "series": frame(SERIES, [dict(tconst="s1", start_year=1970, genres=["Crime"]),
                                 dict(tconst="s2", start_year=1992,
                                      genres=["Comedy", "Drama"])]),
        "title_counts": frame(TITLE_COUNTS, [
            dict(title_type="short", decade=None, n_titles=8),
            dict(title_type="movie", decade=1960, n_titles=5),
            dict(title_type="tvSeries", decade=1970, n_titles=2),
            dict(title_type="movie", decade=1990, n_titles=3)]),
    }


@pytest.fixture()
def movies() -> pd.DataFrame:
    return make_tables()["movies"]


@pytest.fixture()
def people() -> pd.DataFrame:
    return make_tables()["people"]


@pytest.fixture()
def credits() -> pd.DataFrame:
    return make_tables()["credits"]


@pytest.fixture()
def series() -> pd.DataFrame:
    return make_tables()["series"]


def records(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    """Rows as plain Python tuples (numpy scalars and NA normalised) for exact comparison."""
    def plain(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        return v.item() if isinstance(v, np.generic) else v
    return [tuple(plain(v) for v in row) for row in df[cols].itertuples(index=False)]


# ------------------------------------------------------------------------- formatting
def test_french_number_formatting() -> None:
    assert fr_number(12345) == "12\u00a0345"
    assert fr_number(6.54, 1) == "6,5"
    assert fr_number(-0.01, 1) == "0,0"
    assert fr_number(1234567.891, 2) == "1\u00a0234\u00a0567,89"
    assert fr_number(None) == "n.d." and fr_number(float("nan")) == "n.d."
    assert fr_percent(0.125) == "12,5\u00a0%"
    assert fr_money(12_300_000) == "12,3\u00a0M$"
    assert genre_fr("Comedy") == "Comédie" and genre_fr("Unknown") == "Unknown"


# --------------------------------------------------------------------------- filters
def test_filter_movies_by_decades_and_genre(movies: pd.DataFrame) -> None:
    assert kpi.filter_movies(movies)["tconst"].tolist() == ["t1", "t2", "t3", "t4"]
    assert kpi.filter_movies(movies, decades=(1990, 2009))["tconst"].tolist() == ["t3", "t4"]
    assert kpi.filter_movies(movies, genre="Comedy")["tconst"].tolist() == ["t1", "t3", "t4"]
    assert kpi.filter_movies(movies, (1960, 1960), "Drama")["tconst"].tolist() == ["t1", "t2"]
    assert kpi.filter_movies(movies, genre="Western").empty


def test_filter_credits_keeps_film_credits_of_given_films(movies, credits) -> None:
    kept = kpi.filter_credits(credits, kpi.filter_movies(movies, decades=(1990, 1999)))
    assert sorted(kept["tconst"]) == ["t3", "t3", "t4", "t4"]


# ------------------------------------------------------------------------ 1. actors
def test_actor_careers_counts_spans_and_ties(credits, people) -> None:
    careers = kpi.actor_careers(credits, people)
    cols = ["nconst", "name", "category", "n_films", "first_year", "last_year",
            "span_years", "peak_decade", "peak_decade_films"]
    # Alice and Bob tie on 3 films: alphabetical order; Eve (no film) and Fred
    # (series only) are absent.
    assert records(careers, cols) == [
        ("n1", "Alice", "actress", 3, 1960, 1990, 30, 1960, 2),
        ("n2", "Bob", "actor", 3, 1960, 1995, 35, 1960, 2),
        ("n3", "Chloé", "actress", 2, 1990, 1995, 5, 1990, 2),
        ("n4", "David", "actor", 1, 1965, 1965, 0, 1960, 1),
    ]


def test_top_actors_limit_and_category(credits, people) -> None:
    assert kpi.top_actors(credits, people, n=2)["name"].tolist() == ["Alice", "Bob"]
    assert kpi.top_actors(credits, people, category="actor")["name"].tolist() == ["Bob", "David"]
    empty = kpi.top_actors(credits.iloc[:0], people)
    assert empty.empty and "peak_decade" in empty.columns


def test_unknown_person_is_named_by_id(credits, people) -> None:
    top = kpi.top_actors(credits, people.iloc[:0], n=2)
    assert records(top, ["nconst", "name"]) == [("n1", "n1"), ("n2", "n2")]
    ages = kpi.credit_ages(credits, people.iloc[:0])
    assert ages.empty


def test_top_n_keeps_tie_break_by_name(credits, people) -> None:
    # Bob is listed before Alice in people and credits; the tie on 3 films is broken by name.
    reordered = people.iloc[::-1].reset_index(drop=True)
    assert kpi.top_actors(credits.iloc[::-1], reordered, n=1)["name"].tolist() == ["Alice"]


def test_peak_decade_tie_takes_earliest(people) -> None:
    rows = [dict(tconst=f"t{i}", nconst="n1", ordering=1, category="actress",
                 title_kind="movie", year=y) for i, y in enumerate([1975, 1985])]
    careers = kpi.actor_careers(frame(CREDITS, rows), people)
    assert records(careers, ["peak_decade", "peak_decade_films"]) == [(1970, 1)]


def test_top_actors_by_decade(credits, people) -> None:
    top = kpi.top_actors_by_decade(credits, people, n=2)
    assert records(top, ["decade", "rank", "name", "n_films"]) == [
        (1960, 1, "Alice", 2), (1960, 2, "Bob", 2),
        (1990, 1, "Chloé", 2), (1990, 2, "Alice", 1),
    ]


# ----------------------------------------------------------------------- 2. runtime
def test_runtime_by_decade_with_confidence_band(movies) -> None:
    out = kpi.runtime_by_period(movies, "decade")
    assert out["decade"].tolist() == [1960, 1990]
    assert out["n_films"].tolist() == [2, 2]
    assert out["mean"].tolist() == [110.0, 120.0]
    assert out["median"].tolist() == [110.0, 120.0]
    # sd = 10·√2 and 30·√2, so the half-width is 1.96·10 and 1.96·30.
    assert out["ci_low"].tolist() == pytest.approx([90.4, 61.2])
    assert out["ci_high"].tolist() == pytest.approx([129.6, 178.8])


def test_runtime_by_year_single_film_has_no_band(movies) -> None:
    out = kpi.runtime_by_period(movies, "year")
    assert out["year"].tolist() == [1960, 1965, 1990, 1995]
    assert out["mean"].tolist() == [100.0, 120.0, 90.0, 150.0]
    assert out["ci_low"].isna().all()
    with pytest.raises(ValueError):
        kpi.runtime_by_period(movies, "month")
    assert kpi.runtime_by_period(movies.iloc[:0], "decade").empty


# ------------------------------------------------------------------ 3. films/series
def test_films_series_overlap(credits) -> None:
    out = kpi.films_series_overlap(credits)
    assert records(out, ["group", "label", "n_people", "share"]) == [
        ("both", "Films et séries", 1, 0.2),
        ("films_only", "Films uniquement", 3, 0.6),
        ("series_only", "Séries uniquement", 1, 0.2),
    ]


def test_films_series_overlap_without_series(credits) -> None:
    out = kpi.films_series_overlap(credits[credits["title_kind"] == "movie"])
    assert out["n_people"].tolist() == [0, 4, 0]


def test_top_crossovers(credits, people) -> None:
    out = kpi.top_crossovers(credits, people)
    assert records(out, ["name", "n_films", "n_series", "n_titles", "first_film_year",
                         "first_series_year"]) == [("Alice", 3, 1, 4, 1960, 1970)]


def test_careers_by_group(credits) -> None:
    out = kpi.careers_by_group(credits)
    assert records(out, ["group", "n_people", "mean_titles", "median_titles",
                         "median_span_years", "median_first_year"]) == [
        ("both", 1, 4.0, 4.0, 30.0, 1960.0),
        ("films_only", 3, 2.0, 2.0, 5.0, 1965.0),
        ("series_only", 1, 2.0, 2.0, 22.0, 1970.0),
    ]


def test_genres_by_group(credits, movies, series) -> None:
    out = kpi.genres_by_group(credits, movies, series)
    got = [(k, g, genre, round(s, 4)) for k, g, genre, s in
           records(out, ["kind", "group", "genre", "share"])]
    assert got == [
        ("movie", "both", "Comedy", 0.6667), ("movie", "both", "Drama", 0.6667),
        ("movie", "films_only", "Comedy", 0.6667), ("movie", "films_only", "Drama", 0.5),
        ("movie", "films_only", "Family", 0.3333),
        ("series", "both", "Crime", 1.0),
        ("series", "series_only", "Comedy", 0.5), ("series", "series_only", "Crime", 0.5),
        ("series", "series_only", "Drama", 0.5),
    ]


# --------------------------------------------------------------------------- 4. ages
def test_credit_ages_drop_unknown_and_impossible(credits, people) -> None:
    ages = kpi.credit_ages(credits, people)
    # Chloé (unknown birth year) and David (-25 years old) are dropped; in t3 Chloé
    # is first billed (ordering 2), so Alice (ordering 3) is not leading.
    assert records(ages, ["tconst", "nconst", "age", "leading", "decade"]) == [
        ("t1", "n1", 10, True, 1960), ("t1", "n2", 20, False, 1960),
        ("t2", "n2", 25, True, 1960), ("t2", "n1", 15, False, 1960),
        ("t3", "n1", 40, False, 1990), ("t4", "n2", 55, True, 1990),
    ]


def test_age_coverage(credits, people) -> None:
    assert kpi.age_coverage(credits, people) == {
        "n_actors": 4, "n_unknown_birth": 1, "share_unknown_birth": 0.25,
        "n_credits": 9, "n_credits_with_age": 6, "n_impossible_ages": 1,
    }


def test_age_by_category_leading_decade(credits, people) -> None:
    ages = kpi.credit_ages(credits, people)
    by_cat = kpi.age_by(ages, "category")
    assert records(by_cat, ["category", "n_credits", "median_age"]) == [
        ("actor", 3, 25.0), ("actress", 3, 15.0)]
    assert by_cat["mean_age"].tolist() == pytest.approx([100 / 3, 65 / 3])
    by_lead = kpi.age_by(ages, "leading")
    assert records(by_lead, ["leading", "mean_age", "median_age"]) == [
        (False, 25.0, 20.0), (True, 30.0, 25.0)]
    by_decade = kpi.age_by(ages, ["decade", "category"])
    assert records(by_decade, ["decade", "category", "mean_age"]) == [
        (1960, "actor", 22.5), (1960, "actress", 12.5),
        (1990, "actor", 55.0), (1990, "actress", 40.0)]


# ----------------------------------------------------------------- 5. best rated
def test_bayes_prior_ignores_unrated_films(movies) -> None:
    m, c = kpi.bayes_prior(movies)
    assert m == 550.0  # 0.75 quantile of (10, 100, 1000)
    assert c == pytest.approx(23 / 3)


def test_weighted_ratings_order_and_values(movies) -> None:
    out = kpi.weighted_ratings(movies)
    assert out["tconst"].tolist() == ["t1", "t4", "t2"]  # t3 has no rating
    assert out["score"].tolist() == pytest.approx([7.881720, 7.690476, 7.410256], abs=1e-6)
    raw = kpi.weighted_ratings(movies, m=0)
    assert raw["tconst"].tolist() == ["t4", "t1", "t2"]


def test_weighted_ratings_ties_broken_by_id() -> None:
    films = frame(MOVIES, [_movie(t, 2000, 100, [], 7.0, 50) for t in ["tb", "ta", "tc"]])
    assert kpi.weighted_ratings(films)["tconst"].tolist() == ["ta", "tb", "tc"]
    assert kpi.top_rated(films.iloc[:0]).empty


def test_overrepresentation_of_top_film(movies) -> None:
    top = kpi.top_rated(movies, n=1)
    genres = kpi.overrepresentation(top, movies, "genres")
    assert records(genres, ["value", "n_top", "share_top", "share_catalogue", "ratio"]) == [
        ("Drama", 1, 1.0, 0.5, 2.0), ("Comedy", 1, 1.0, 0.75, pytest.approx(4 / 3))]
    assert records(kpi.overrepresentation(top, movies, "decade"), ["value", "ratio"]) == [
        (1960, 2.0)]
    assert records(kpi.overrepresentation(top, movies, "runtime_band"), ["value", "ratio"]) == [
        ("90-119 min", 2.0)]
    assert records(kpi.overrepresentation(top, movies, "director_names"),
                   ["value", "n_catalogue"]) == [("Eve", 2)]


# ---------------------------------------------------------------- catalogue figures
def test_titles_by_type_tie_broken_by_name() -> None:
    out = kpi.titles_by_type(make_tables()["title_counts"])
    assert records(out, ["title_type", "n_titles"]) == [
        ("movie", 8), ("short", 8), ("tvSeries", 2)]
    assert out["share"].tolist() == pytest.approx([8 / 18, 8 / 18, 2 / 18])


def test_films_by_genre_and_decade(movies) -> None:
    assert records(kpi.films_by_genre(movies), ["genre", "label", "n_films", "share"]) == [
        ("Comedy", "Comédie", 3, 0.75), ("Drama", "Drame", 2, 0.5),
        ("Family", "Famille", 1, 0.25)]
    assert records(kpi.films_by_decade(movies), ["decade", "n_films", "share"]) == [
        (1960, 2, 0.5), (1990, 2, 0.5)]


def test_distributions(movies) -> None:
    assert records(kpi.runtime_distribution(movies, width=30), ["runtime_bin", "n_films"]) == [
        (90.0, 2), (120.0, 1), (150.0, 1)]
    assert records(kpi.rating_distribution(movies), ["rating_bin", "n_films"]) == [
        (6.0, 1), (8.0, 1), (9.0, 1)]
    assert records(kpi.votes_distribution(movies), ["votes_bin", "n_films"]) == [
        (10, 1), (100, 1), (1000, 1)]


def test_french_shares(movies) -> None:
    assert kpi.french_share(movies) == 0.5  # t3 unknown counts as not French
    assert kpi.french_title_share(movies) == 0.5
    assert records(kpi.french_by_decade(movies), ["decade", "n_films", "n_french",
                                                  "share_french", "share_french_title"]) == [
        (1960, 2, 1, 0.5, 0.5), (1990, 2, 1, 0.5, 0.5)]
    assert math.isnan(kpi.french_share(movies.iloc[:0]))


def test_countries_money_directors(movies) -> None:
    countries = kpi.top_countries(movies)
    assert records(countries, ["country", "n_films"]) == [("FR", 2), ("BE", 1), ("US", 1)]
    assert countries["share"].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 3])
    money = kpi.money_by_decade(movies)
    assert records(money, ["decade", "n_films", "median_budget", "median_revenue",
                           "median_ratio"]) == [
        (1960, 1, 1e6, 3e6, 3.0), (1990, 1, 2e6, None, None)]
    directors = kpi.top_directors(movies)
    assert records(directors, ["nconst", "name", "n_films", "mean_rating", "first_year",
                               "last_year"]) == [
        ("n5", "Eve", 2, 7.0, 1960, 1965), ("n7", "Gil", 1, 9.0, 1995, 1995)]


def test_top_directors_with_misaligned_names() -> None:
    films = frame(MOVIES, [_movie("ta", 2000, 100, [], 7.0, 50, ["d1", "d2"], ["Only one"]),
                           _movie("tb", 2001, 100, [], 5.0, 50, ["d2"], ["Dora"])])
    out = kpi.top_directors(films)
    assert records(out, ["nconst", "name", "n_films", "mean_rating"]) == [
        ("d2", "Dora", 2, 6.0), ("d1", "d1", 1, 7.0)]  # ta's names unusable: ids kept


def test_no_tmdb_data_gives_empty_tables(movies) -> None:
    bare = movies.assign(countries=[[]] * 4, budget=None, revenue=None)
    assert kpi.top_countries(bare).empty
    assert kpi.money_by_decade(bare).empty


# ------------------------------------------------------------- programming & summary
def test_audience_offer(movies) -> None:
    profile = AudienceProfile(favoured_genres=("Comedy", "Family"), favoured_decades=(1990,),
                              max_runtime=120)
    out = kpi.audience_offer(movies, profile)
    assert records(out, ["segment", "n_films", "share"]) == [
        ("Catalogue complet", 4, 1.0), ("Films français", 2, 0.5),
        ("Genre : Comédie", 3, 0.75), ("Genre : Famille", 1, 0.25),
        ("Films de 1990 à 1999", 2, 0.5), ("Durée ≤ 120 min", 3, 0.75),
        ("Tous critères réunis", 0, 0.0)]
    assert records(out, ["mean_rating"])[1:6] == [(8.5,), (8.5,), (9.0,), (9.0,), (7.0,)]
    assert out["mean_rating"].iloc[-1] != out["mean_rating"].iloc[-1]  # nan: no film


def test_audience_picks(movies) -> None:
    profile = AudienceProfile(favoured_genres=("Comedy", "Drama"), favoured_decades=(1960, 1990),
                              max_runtime=150)
    # t3 matches but has no rating; t2 (Drama) is the lowest score.
    assert kpi.audience_picks(movies, profile)["tconst"].tolist() == ["t1", "t4", "t2"]
    assert kpi.audience_picks(movies, profile, n=1)["tconst"].tolist() == ["t1"]
    assert kpi.audience_picks(movies, profile, french_only=True)["tconst"].tolist() == [
        "t1", "t4"]
    shorter = AudienceProfile(favoured_genres=("Comedy",), favoured_decades=(1990,),
                              max_runtime=120)
    assert kpi.audience_picks(movies, shorter).empty  # t4 lasts 150 min


def test_default_top_n() -> None:
    assert [kpi.default_top_n(pd.DataFrame(index=range(k))) for k in (4, 500, 5000)] == [
        10, 50, 100]


def test_key_figures(movies, people, credits, series) -> None:
    figures = kpi.key_figures(movies, people, credits, series)
    assert figures == {
        "n_films": 4, "first_year": 1960, "last_year": 1995, "median_runtime": 110.0,
        "mean_rating": pytest.approx(23 / 3), "share_french": 0.5, "share_french_title": 0.5,
        "n_with_tmdb": 3, "n_directors": 2, "n_actors": 4, "n_people_in_series": 2,
        "n_people": 6, "n_series": 2, "share_unknown_birth": 0.25,
    }


def test_key_figures_on_empty_catalogue(movies) -> None:
    figures = kpi.key_figures(movies.iloc[:0])
    assert figures["n_films"] == 0
    assert math.isnan(figures["median_runtime"]) and math.isnan(figures["share_french"])


def test_kpis_do_not_modify_inputs(movies, people, credits, series) -> None:
    before = [df.copy() for df in (movies, people, credits, series)]
    kpi.key_figures(movies, people, credits, series)
    kpi.genres_by_group(credits, movies, series)
    kpi.credit_ages(credits, people)
    kpi.top_directors(movies)
    for old, new in zip(before, (movies, people, credits, series), strict=True):
        pd.testing.assert_frame_equal(old, new)


def test_one_vote_weighted_rating_for_the_kpis_and_the_recommender() -> None:
    """Regression: the recommender's quality prior used a median prior, the KPIs the 75th
    percentile. Both now read helpers.data.catalog.bayesian_rating."""
    from test_recommender import catalogue

    from helpers.data.catalog import bayesian_rating, rating_prior
    from helpers.reco.model import Recommender

    rating = pd.Series([9.0, 8.5, 6.0, None, 7.0])
    votes = pd.Series([20, 500_000, 1_000, 0, 3_000])
    m, c = rating_prior(rating, votes)
    assert (m, c) == (pd.Series([20, 500_000, 1_000, 3_000]).quantile(0.75), 7.625)
    expected = [(v * r + m * c) / (v + m) for r, v in ((9.0, 20), (8.5, 500_000),
                                                         (6.0, 1_000))] + [c, (3_000 * 7 + m * c)
                                                                           / (3_000 + m)]
    assert bayesian_rating(rating, votes).tolist() == pytest.approx(expected)
    assert bayesian_rating(pd.Series([None]), pd.Series([0])).tolist() == [6.0]  # no prior
    movies = catalogue()
    model = Recommender().fit(movies)
    ranks = bayesian_rating(movies["average_rating"], movies["num_votes"]).argsort()
    assert model.quality_.argsort().tolist() == ranks.tolist()
