"""Formats of the raw IMDb/TMDB files (headers, synthetic marker) and schemas of the
processed Parquet tables: the contracts between the download, the synthetic
generator, the ingest and everything downstream (KPIs, search, recommender,
evaluation, dashboard).

The evaluation catalogue (``helpers.reco.evaluate.load_catalogue``) is built in the
``MOVIES`` schema too, so the production recommender is evaluated unchanged.
"""

from __future__ import annotations

import pyarrow as pa

# ---------------------------------------------------------------- raw files
#: Exact header of each IMDb file, keyed by file name (``config.IMDB_FILES``), as published.
IMDB_COLUMNS: dict[str, tuple[str, ...]] = {
    "title.basics.tsv.gz": ("tconst", "titleType", "primaryTitle", "originalTitle", "isAdult",
                            "startYear", "endYear", "runtimeMinutes", "genres"),
    "title.akas.tsv.gz": ("titleId", "ordering", "title", "region", "language", "types",
                          "attributes", "isOriginalTitle"),
    "title.crew.tsv.gz": ("tconst", "directors", "writers"),
    "title.principals.tsv.gz": ("tconst", "ordering", "nconst", "category", "job", "characters"),
    "title.ratings.tsv.gz": ("tconst", "averageRating", "numVotes"),
    "name.basics.tsv.gz": ("nconst", "primaryName", "birthYear", "deathYear",
                           "primaryProfession", "knownForTitles"),
    "title.episode.tsv.gz": ("tconst", "parentTconst", "seasonNumber", "episodeNumber"),
}
#: The 25 columns of the client's TMDB table (``config.TMDB_FILE``), in file order.
TMDB_COLUMNS: tuple[str, ...] = (
    "adult", "backdrop_path", "budget", "genres", "homepage", "id", "imdb_id",
    "original_language", "original_title", "overview", "popularity", "poster_path",
    "production_countries", "release_date", "revenue", "runtime", "spoken_languages",
    "status", "tagline", "title", "video", "vote_average", "vote_count",
    "production_companies_name", "production_companies_country",
)
#: File written beside synthetic raw files (scale, seed, rows); removed once all are real.
SYNTHETIC_MARKER = "SYNTHETIC.json"
#: The ingest's record of a processed folder (row counts, sources, parameters, code version).
MANIFEST = "manifest.json"

# ---------------------------------------------------------------- processed tables
_str_list = pa.list_(pa.string())

#: One row per kept film (IMDb basics + ratings + French title + crew + cast + TMDB).
MOVIES = pa.schema(
    [
        ("tconst", pa.string()),  # IMDb id, "tt0068646"
        ("primary_title", pa.string()),
        ("original_title", pa.string()),
        ("french_title", pa.string()),  # akas region FR, null when none
        ("year", pa.int16()),
        ("runtime", pa.int16()),  # minutes
        ("genres", _str_list),  # IMDb genre names ("Comedy"), possibly empty
        ("average_rating", pa.float32()),  # IMDb, 1..10
        ("num_votes", pa.int32()),
        ("directors", _str_list),  # nconst
        ("director_names", _str_list),
        ("writers", _str_list),
        ("writer_names", _str_list),
        ("cast", _str_list),  # nconst of top-billed actors/actresses, billing order
        ("cast_names", _str_list),
        ("tmdb_id", pa.int64()),  # null when the film has no TMDB row
        ("overview", pa.string()),
        ("tagline", pa.string()),
        ("keywords", _str_list),
        ("collection", pa.string()),  # franchise / TMDB collection name
        ("original_language", pa.string()),  # ISO 639-1, "fr"
        ("countries", _str_list),  # ISO 3166-1 alpha-2 production countries
        ("companies", _str_list),  # production companies
        ("budget", pa.int64()),  # USD, null when unknown (TMDB writes 0)
        ("revenue", pa.int64()),
        ("popularity", pa.float32()),  # TMDB popularity
        ("tmdb_vote_average", pa.float32()),
        ("tmdb_vote_count", pa.int32()),
        ("poster_path", pa.string()),  # TMDB path "/abc.jpg"
        ("release_date", pa.date32()),
        ("is_french", pa.bool_()),  # French production (language fr or country FR)
    ]
)

#: People named in the kept credits or crews.
PEOPLE = pa.schema(
    [
        ("nconst", pa.string()),
        ("name", pa.string()),
        ("birth_year", pa.int16()),
        ("death_year", pa.int16()),
        ("professions", _str_list),
    ]
)

#: Acting credits (IMDb principals, category actor/actress) of kept films and series.
CREDITS = pa.schema(
    [
        ("tconst", pa.string()),
        ("nconst", pa.string()),
        ("ordering", pa.int16()),  # billing order, 1 = first billed
        ("category", pa.string()),  # "actor" | "actress"
        ("title_kind", pa.string()),  # "movie" | "series"
        ("year", pa.int16()),  # start year of the title
    ]
)

#: Kept TV series, for the films-vs-series comparison.
SERIES = pa.schema(
    [
        ("tconst", pa.string()),
        ("primary_title", pa.string()),
        ("original_title", pa.string()),
        ("title_type", pa.string()),
        ("start_year", pa.int16()),
        ("end_year", pa.int16()),
        ("genres", _str_list),
        ("average_rating", pa.float32()),
        ("num_votes", pa.int32()),
        ("n_episodes", pa.int32()),
    ]
)

#: Count of every IMDb title by type and decade, before any filter.
TITLE_COUNTS = pa.schema(
    [
        ("title_type", pa.string()),
        ("decade", pa.int16()),  # null when the start year is unknown
        ("n_titles", pa.int64()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "movies": MOVIES,
    "people": PEOPLE,
    "credits": CREDITS,
    "series": SERIES,
    "title_counts": TITLE_COUNTS,
}


# ---------------------------------------------------------------- decades
def decade_of(year):  # an int, a float, a NumPy array or a pandas Series
    """The decade of a year, 1994 -> 1990, element-wise on arrays and Series (nulls stay
    null): the one definition behind every period filter and chart."""
    return year // 10 * 10


def decade_span(decades: tuple[int, int] | None) -> tuple[int, int] | None:
    """A decade filter in its canonical form: (first, last) decade in order, ``None`` for
    no filter; ``(2009, 1990)`` -> ``(1990, 2000)``."""
    if decades is None:
        return None
    lo, hi = sorted(int(d) for d in decades)
    return decade_of(lo), decade_of(hi)


# ---------------------------------------------------------------- list cells
def cell_text(value: object) -> str:
    """A text cell's string; "" when missing (None, or NaN: how pandas 3 marks a missing
    string, where pandas 2 gives None)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def cell_list(value: object) -> list[str]:
    """The non-empty strings of a list cell of a processed table (a list, an array, or
    None / NaN / a lone string for "nothing"): the one reading of list columns."""
    if value is None or isinstance(value, str | float | int):
        return []
    return [s for s in map(cell_text, value) if s]
