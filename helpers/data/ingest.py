"""Raw IMDb/TMDB files -> the light Parquet tables of :mod:`helpers.schema` + ``manifest.json``.

DuckDB streams the raw files (two at a time: gzip decompression is single-threaded
per file; each big file is read once, only title.basics twice), filters the titles
first, then semi-joins the big files (akas, principals, crew, names, episodes, TMDB)
on the kept title ids; principals, the largest, starts at once on the ids that have
enough votes in title.ratings (a superset of the kept ones). Memory stays bounded
(DuckDB's MEMORY_LIMIT, spilling beyond) whatever the size of the dumps. Output is
atomic: the tables are written to a temporary sibling folder that replaces ``out_dir``
only when complete; bad input raises :class:`CineError` and leaves ``out_dir`` untouched.

French production (``is_french``): from TMDB when the film has a TMDB row (original
language ``fr`` or ``FR`` among the production countries); otherwise from IMDb akas:
an FR aka flagged as original title, or an FR aka equal to the original title when
that original title differs from the international (primary) title
("Intouchables" vs "The Intouchables"). Films with neither signal are not French.
"""

from __future__ import annotations

import ast
import csv
import gzip
import json
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from helpers import config
from helpers.config import CleaningParams
from helpers.errors import CineError
from helpers.files import code_version, swap_in
from helpers.schema import IMDB_COLUMNS, MANIFEST, SYNTHETIC_MARKER, TABLES, TMDB_COLUMNS

#: TMDB columns the ingest uses (a subset of ``schema.TMDB_COLUMNS``).
TMDB_NEEDED = ("id", "imdb_id", "original_language", "overview", "popularity", "poster_path",
               "production_countries", "release_date", "budget", "revenue", "tagline",
               "vote_average", "vote_count", "production_companies_name")
TMDB_NAME = "tmdb"

MEMORY_LIMIT = "1GB"  # DuckDB's budget; it spills to a temporary folder beyond it
WORKERS = 2  # files read concurrently (one gzip stream per core)
#: DuckDB errors meaning a corrupt or malformed file (others: memory, disk, interrupt).
BAD_FILE_ERRORS = (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException)


# ---------------------------------------------------------------- raw sources
def find_raw_file(raw: Path, name: str) -> Path | None:
    """Path of ``<name>.tsv.gz`` (dumps, synthetic) or plain ``<name>.tsv`` (real samples)."""
    for suffix in (".tsv.gz", ".tsv"):
        if (raw / f"{name}{suffix}").is_file():
            return raw / f"{name}{suffix}"
    return None


def _header(path: Path, delimiter: str) -> list[str]:
    """Column names of a raw file's first line (byte-order mark removed)."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            line = handle.readline()
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise CineError(f"{path} cannot be read ({exc}): download it again "
                        "(`python -m helpers download`) or fix the source") from exc
    if not line.strip():
        raise CineError(f"{path} is empty: download it again (`python -m helpers download`)")
    return next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE
                           if delimiter == "\t" else csv.QUOTE_MINIMAL))


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join(_sql_str(v) for v in values) + ")" if values else "(NULL)"


def _tsv_scan(path: Path, columns: tuple[str, ...]) -> str:
    """DuckDB relation streaming an IMDb TSV: no quoting (titles hold bare quotes), ``\\N`` null."""
    cols = ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in columns)
    compression = "gzip" if path.suffix == ".gz" else "none"
    return (f"read_csv({_sql_str(str(path))}, delim='\t', quote='', escape='', header=true, "
            f"nullstr='\\N', auto_detect=false, columns={{{cols}}}, "
            f"compression='{compression}')")


def _csv_scan(path: Path, columns: list[str]) -> str:
    """DuckDB relation reading the TMDB CSV (standard double-quote quoting)."""
    cols = ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in columns)
    return (f"read_csv({_sql_str(str(path))}, delim=',', quote='\"', escape='\"', header=true, "
            f"auto_detect=false, columns={{{cols}}})")


def _split(column: str) -> str:
    """SQL of an IMDb comma-joined list column as a list (``\\N`` or empty -> [])."""
    return f"coalesce(string_split(nullif({column}, ''), ','), []::VARCHAR[])"


def _empty(columns: tuple[str, ...]) -> str:
    """An empty relation with the columns of a missing optional file."""
    return "(SELECT " + ", ".join(f'NULL::VARCHAR AS "{c}"' for c in columns) + " LIMIT 0)"


def locate_sources(raw: Path, require_all: bool = True) -> tuple[dict[str, Path], list[str]]:
    """Found raw files by name (IMDb names + ``tmdb``) and the missing ones; check headers."""
    if not raw.is_dir():
        raise CineError(f"raw folder {raw} does not exist: run `python -m helpers download` "
                        "(or `python -m helpers demo` offline)")
    found: dict[str, Path] = {}
    missing: list[str] = []
    for file_name, columns in IMDB_COLUMNS.items():
        name = file_name.removesuffix(".tsv.gz")
        path = find_raw_file(raw, name)
        if path is None:
            missing.append(file_name)
            continue
        header = _header(path, "\t")
        if tuple(header) != columns:
            raise CineError(f"{path} has unexpected columns {header}; expected {list(columns)} "
                            "(is it the right IMDb file?)")
        found[name] = path
    if "title.basics" not in found or (require_all and missing):
        raise CineError(f"missing raw files in {raw}: {', '.join(missing)}; run "
                        "`python -m helpers download` (offline: `python -m helpers demo`; "
                        "a partial sample set: `ingest --partial`)")
    tmdb = raw / config.TMDB_FILE
    if tmdb.is_file():
        absent = sorted(set(TMDB_NEEDED) - set(_header(tmdb, ",")))
        if absent:
            raise CineError(f"{tmdb} lacks the columns {absent}: expected the "
                            f"{len(TMDB_COLUMNS)} columns of {config.TMDB_FILE}")
        found[TMDB_NAME] = tmdb
    else:
        missing.append(config.TMDB_FILE)
    return found, missing


def parse_cell(text: object) -> object:
    """The value of a TMDB text cell written as a Python or JSON literal (``"['US', 'FR']"``,
    ``'[{"id": 18, "name": "Drama"}]'``); None when empty or unreadable."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        try:
            return json.loads(text)  # JSON's true / false / null
        except ValueError:
            return None


def parse_list_cell(text: object, key: str | None = None) -> list[str]:
    """A TMDB list cell as non-empty strings: the items themselves, or each dict's ``key``
    (``"name"``, ``"iso_3166_1"``) for a list of dicts; [] when it is not a list."""
    value = parse_cell(text)
    if not isinstance(value, list | tuple):
        return []
    items = (v.get(key) if isinstance(v, dict) else None for v in value) if key else value
    return [str(v) for v in items if v]


# ---------------------------------------------------------------- the job
class _Job:
    """One ingest run: DuckDB tables built by dependent tasks, then the output tables."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sources: dict[str, Path],
                 params: CleaningParams) -> None:
        self.con, self.sources, self.p = con, sources, params
        self.counts: dict[str, int] = {}
        self.distributions_: dict = {}

    def src(self, name: str) -> str:
        """Relation of the IMDb file ``name`` ("title.basics"); empty when the file is missing."""
        columns = IMDB_COLUMNS[f"{name}.tsv.gz"]
        path = self.sources.get(name)
        return _empty(columns) if path is None else _tsv_scan(path, columns)

    def run(self, cur: duckdb.DuckDBPyConnection, sql: str, source: str | None) -> None:
        """Execute, turning DuckDB errors into a precise message naming the file."""
        try:
            cur.execute(sql)
        except duckdb.Error as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            detail = "; ".join([lines[0], *(x for x in lines[1:] if x.startswith("Expected"))])
            path = self.sources.get(source or "")
            if path is not None and isinstance(exc, BAD_FILE_ERRORS):
                raise CineError(f"{path} cannot be read ({detail}): download it again "
                                "(`python -m helpers download`) or fix the source") from exc
            where = f" while reading {path}" if path is not None else ""
            raise CineError(f"ingest failed{where}: {detail}") from exc

    # -- tasks (each runs on its own cursor; dependencies in tasks() below)
    def ratings(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.run(cur, f"""CREATE TABLE ratings AS
            SELECT tconst, TRY_CAST(averageRating AS FLOAT) AS average_rating,
                   TRY_CAST(numVotes AS INTEGER) AS num_votes
            FROM {self.src('title.ratings')}""", "title.ratings")

    def basics(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Candidate films and series; text columns only for those that may be kept."""
        types = _sql_list([*self.p.movie_types, *self.p.series_types])
        voted = self.voted_ids()
        join = f"LEFT JOIN {voted} v ON b.tconst = v.tconst" if voted else ""
        keep = "v.tconst IS NOT NULL" if voted else "true"
        self.run(cur, f"""CREATE TABLE titles AS
            SELECT b.tconst, b.titleType AS title_type,
                   CASE WHEN {keep} THEN b.primaryTitle END AS primary_title,
                   CASE WHEN {keep} THEN b.originalTitle END AS original_title,
                   CASE WHEN {keep} THEN b.genres END AS genres,
                   TRY_CAST(b.isAdult AS INTEGER) AS is_adult,
                   TRY_CAST(b.startYear AS SMALLINT) AS start_year,
                   TRY_CAST(b.endYear AS SMALLINT) AS end_year,
                   TRY_CAST(b.runtimeMinutes AS INTEGER) AS runtime
            FROM {self.src('title.basics')} b {join}
            WHERE b.titleType IN {types}""", "title.basics")

    def title_counts(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.run(cur, f"""CREATE TABLE title_counts AS
            SELECT titleType AS title_type,
                   (TRY_CAST(startYear AS SMALLINT) // 10 * 10)::SMALLINT AS decade,
                   count(*) AS n_titles
            FROM {self.src('title.basics')} GROUP BY ALL""", "title.basics")
        self.counts["titles"] = cur.execute("SELECT sum(n_titles) FROM title_counts").fetchone()[0]
        if not self.counts["titles"]:
            raise CineError(f"{self.sources['title.basics']} contains no titles: download it "
                            "again (`python -m helpers download`)")

    def _adult_condition(self) -> str:
        """SQL keeping the non-adult titles (every title when the filter is off)."""
        return "coalesce(is_adult, 0) = 0" if self.p.exclude_adult else "true"

    def _votes_filter(self, min_votes: int, reason: str) -> tuple[str, str]:
        """(SQL condition, French reason) of a vote threshold; not applied without ratings."""
        if "title.ratings" not in self.sources:
            return "true", "Fichier des notes absent : filtre non appliqué."
        return f"coalesce(num_votes, 0) >= {min_votes}", reason

    def movie_filters(self) -> list[tuple[str, str, str, str]]:
        """(id, label, SQL condition, French reason) of each film filter, in order."""
        p = self.p
        return [
            ("adult", "Contenu adulte", self._adult_condition(),
             "Les titres pour adultes n'ont pas leur place dans la programmation d'un cinéma "
             "municipal." if p.exclude_adult else "Filtre désactivé dans les paramètres."),
            ("years", "Années de sortie", f"start_year BETWEEN {p.min_year} AND {p.max_year}",
             f"Année de sortie connue, entre {p.min_year} et {p.max_year} : un film sans date "
             "ne peut être ni situé ni comparé par décennie."),
            ("runtime", "Durée", f"runtime BETWEEN {p.min_runtime} AND {p.max_runtime}",
             f"Durée connue, entre {p.min_runtime} et {p.max_runtime} minutes : en dessous, "
             "c'est un court métrage mal classé ; au-dessus, une œuvre-fleuve ou une "
             "installation, impossible à programmer en séance."),
            ("votes", "Nombre de votes", *self._votes_filter(
                p.min_votes, f"Au moins {p.min_votes} votes IMDb : en dessous, la note n'est "
                "pas fiable et le film est inconnu du public.")),
        ]

    def series_filters(self) -> list[tuple[str, str, str, str]]:
        """(id, label, SQL condition, French reason) of each series filter, in order."""
        p = self.p
        return [
            ("series_adult", "Séries : contenu adulte", self._adult_condition(),
             "Comme pour les films, les séries pour adultes sont écartées."),
            ("series_votes", "Séries : nombre de votes", *self._votes_filter(
                p.min_series_votes, f"Au moins {p.min_series_votes} votes IMDb, pour comparer "
                "films et séries connus du public.")),
        ]

    def _filter(self, cur: duckdb.DuckDBPyConnection, table: str, types: tuple[str, ...],
                filters: list[tuple[str, str, str, str]]) -> list[int]:
        """Create ``table`` with the kept titles; return counts after each cumulative filter."""
        self.run(cur, f"""CREATE TABLE {table}_candidates AS
            SELECT t.*, r.average_rating, r.num_votes FROM titles t
            LEFT JOIN ratings r USING (tconst) WHERE t.title_type IN {_sql_list(types)}""", None)
        conds = [f[2] for f in filters]
        cumulative = [" AND ".join(conds[: i + 1]) for i in range(len(conds))]
        counts = cur.execute("SELECT count(*), " + ", ".join(
            f"count(*) FILTER (WHERE {c})" for c in cumulative)
            + f" FROM {table}_candidates").fetchone()
        self.run(cur, f"""CREATE TABLE {table} AS SELECT * FROM {table}_candidates
            WHERE {cumulative[-1]}""", None)
        return list(counts)

    def distributions(self, cur: duckdb.DuckDBPyConnection) -> dict:
        """Histograms of votes, runtime and year of the films before the numeric filters.

        ``counts[i]`` counts values in ``[edges[i], edges[i+1])``, the last bin is open;
        ``missing`` counts unknown values (a film without rating has 0 votes).
        """
        adult = self.movie_filters()[0][2]
        data = cur.sql(f"""SELECT coalesce(num_votes, 0) AS votes, runtime, start_year AS year
            FROM kept_movies_candidates WHERE {adult}""").fetchnumpy()
        votes_edges = [0] + [m * 10**e for e in range(7) for m in (1, 2, 5)]
        edges = {"votes": votes_edges, "runtime": list(range(0, 401, 10)),
                 "year": list(range(1870, 2041, 10))}
        out = {"population": "films non adultes, avant les filtres d'année, de durée et de votes"}
        for name, bins in edges.items():
            values = np.ma.getdata(data[name]).astype("float64")
            known = values[~np.ma.getmaskarray(data[name])]
            counts, _ = np.histogram(known, bins=[*bins, np.inf])
            out[name] = {"edges": bins, "counts": counts.tolist(),
                         "missing": int(len(values) - len(known))}
        return out

    def kept(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.counts["movie_filters"] = self._filter(cur, "kept_movies", self.p.movie_types,
                                                    self.movie_filters())
        self.counts["series_filters"] = self._filter(cur, "kept_series", self.p.series_types,
                                                     self.series_filters())
        self.distributions_ = self.distributions(cur)
        self.run(cur, """CREATE TABLE kept_ids AS
            SELECT tconst, 'movie' AS title_kind, start_year FROM kept_movies
            UNION ALL SELECT tconst, 'series', start_year FROM kept_series;
            DROP TABLE titles; DROP TABLE kept_movies_candidates;
            DROP TABLE kept_series_candidates""", None)

    def akas(self, cur: duckdb.DuckDBPyConnection) -> None:
        regions = self.p.title_regions
        # preference: region order, imdbDisplay then untyped akas, no attributes, lowest ordering
        order = ("{'r': list_position([" + ", ".join(_sql_str(r) for r in regions) + "], region), "
                 "'t': CASE WHEN types = 'imdbDisplay' THEN 0 WHEN types IS NULL THEN 1 ELSE 2 END,"
                 " 'a': attributes IS NOT NULL, 'o': TRY_CAST(ordering AS INTEGER), 'n': title}")
        self.run(cur, f"""CREATE TABLE french AS
            SELECT a.titleId AS tconst,
                   arg_min(a.title, {order}) FILTER (WHERE a.region IN {_sql_list(regions)})
                       AS french_title,
                   bool_or(a.region = 'FR' AND (a.isOriginalTitle = '1'
                       OR (lower(a.title) = lower(m.original_title)
                           AND m.original_title <> m.primary_title))) AS french_signal
            FROM {self.src('title.akas')} a JOIN kept_movies m ON a.titleId = m.tconst
            WHERE a.region IN {_sql_list([*regions, 'FR'])}
            GROUP BY a.titleId""", "title.akas")

    def cast(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Acting rows of the title ids that may be kept, read as soon as possible."""
        self.run(cur, f"""CREATE TABLE cast_rows AS
            SELECT p.tconst, p.nconst, TRY_CAST(p.ordering AS SMALLINT) AS ordering, p.category
            FROM {self.src('title.principals')} p SEMI JOIN {self.cast_ids()} i
                ON p.tconst = i.tconst
            WHERE p.category IN ('actor', 'actress')""", "title.principals")

    def voted_ids(self) -> str | None:
        """SQL of a superset of the kept ids known from the ratings alone (every kept title
        has at least the smaller vote threshold), or None when votes cannot tell."""
        threshold = min(self.p.min_votes, self.p.min_series_votes)
        if "title.ratings" in self.sources and threshold > 0:
            return f"(SELECT tconst FROM ratings WHERE num_votes >= {threshold})"
        return None

    def cast_ids(self) -> str:
        """Ids to semi-join principals on, available before title.basics is even read."""
        return self.voted_ids() or "kept_ids"

    def credits(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.run(cur, """CREATE TABLE credits AS
            SELECT c.tconst, c.nconst, c.ordering, c.category, k.title_kind, k.start_year AS year
            FROM cast_rows c JOIN kept_ids k ON c.tconst = k.tconst
            QUALIFY row_number() OVER (PARTITION BY c.tconst, c.nconst ORDER BY c.ordering) = 1;
            DROP TABLE cast_rows""", None)

    def crew(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.run(cur, f"""CREATE TABLE crew AS
            SELECT c.tconst,
                   {_split('c.directors')} AS directors, {_split('c.writers')} AS writers
            FROM {self.src('title.crew')} c SEMI JOIN kept_movies m ON c.tconst = m.tconst""",
                 "title.crew")

    def episodes(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.run(cur, f"""CREATE TABLE n_episodes AS
            SELECT e.parentTconst AS tconst, count(*)::INTEGER AS n
            FROM {self.src('title.episode')} e SEMI JOIN kept_series s ON e.parentTconst = s.tconst
            GROUP BY e.parentTconst""", "title.episode")

    def tmdb(self, cur: duckdb.DuckDBPyConnection) -> None:
        """TMDB rows of the kept films (most voted row per imdb_id), list columns parsed."""
        path = self.sources.get(TMDB_NAME)
        if path is None:
            source = "(SELECT " + ", ".join(f"NULL::VARCHAR AS {c}" for c in TMDB_NEEDED) \
                + " LIMIT 0)"
        else:
            source = _csv_scan(path, _header(path, ","))
        self.run(cur, f"""CREATE TABLE tmdb_raw AS
            SELECT imdb_id AS tconst, TRY_CAST(id AS BIGINT) AS tmdb_id,
                   nullif(overview, '') AS overview, nullif(tagline, '') AS tagline,
                   nullif(original_language, '') AS original_language,
                   production_countries, production_companies_name,
                   nullif(TRY_CAST(TRY_CAST(budget AS DOUBLE) AS BIGINT), 0) AS budget,
                   nullif(TRY_CAST(TRY_CAST(revenue AS DOUBLE) AS BIGINT), 0) AS revenue,
                   TRY_CAST(popularity AS FLOAT) AS popularity,
                   TRY_CAST(vote_average AS FLOAT) AS tmdb_vote_average,
                   TRY_CAST(TRY_CAST(vote_count AS DOUBLE) AS INTEGER) AS tmdb_vote_count,
                   nullif(poster_path, '') AS poster_path,
                   TRY_CAST(release_date AS DATE) AS release_date
            FROM {source} SEMI JOIN kept_movies m ON imdb_id = m.tconst
            QUALIFY row_number() OVER (PARTITION BY imdb_id
                ORDER BY tmdb_vote_count DESC NULLS LAST, tmdb_id NULLS LAST) = 1""", TMDB_NAME)
        table = cur.sql("SELECT * FROM tmdb_raw").to_arrow_table()
        lists = pa.list_(pa.string())
        for raw_col, col in (("production_countries", "countries"),
                             ("production_companies_name", "companies")):
            parsed = pa.array([parse_list_cell(v) for v in table[raw_col].to_pylist()],
                              type=lists)
            table = table.drop_columns([raw_col]).append_column(col, parsed)
        cur.register("tmdb_arrow", table)
        self.run(cur, "CREATE TABLE tmdb AS SELECT * FROM tmdb_arrow; DROP TABLE tmdb_raw", None)

    def people(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.run(cur, f"""CREATE TABLE people AS
            WITH ids AS (SELECT nconst FROM credits
                         UNION SELECT unnest(directors) FROM crew
                         UNION SELECT unnest(writers) FROM crew)
            SELECT n.nconst, n.primaryName AS name,
                   TRY_CAST(n.birthYear AS SMALLINT) AS birth_year,
                   TRY_CAST(n.deathYear AS SMALLINT) AS death_year,
                   {_split('n.primaryProfession')} AS professions
            FROM {self.src('name.basics')} n SEMI JOIN ids ON n.nconst = ids.nconst""",
                 "name.basics")

    def tasks(self) -> dict[str, tuple[str, ...]]:
        """Task -> dependencies; dict order is the priority when a worker is free."""
        return {
            "ratings": (), "basics": ("ratings",),
            "cast": ("ratings",) if self.voted_ids() else ("kept",),
            # title_counts (a second pass over title.basics) waits so that it never
            # delays the principals scan, the longest task
            "kept": ("ratings", "basics"), "title_counts": ("basics",), "akas": ("kept",),
            "crew": ("kept",), "episodes": ("kept",), "tmdb": ("kept",),
            "credits": ("cast", "kept"), "people": ("credits", "crew"),
        }

    def build(self) -> None:
        """Run the tasks on WORKERS threads, each as soon as its dependencies are done."""
        done: set[str] = set()
        pending = self.tasks()
        running: dict[Future, tuple[str, duckdb.DuckDBPyConnection]] = {}
        with ThreadPoolExecutor(WORKERS) as pool:
            try:
                while pending or running:
                    for name in [n for n, deps in pending.items() if set(deps) <= done]:
                        if len(running) < WORKERS:
                            cur = self.con.cursor()
                            task: Callable = getattr(self, name)
                            running[pool.submit(task, cur)] = (name, cur)
                            del pending[name]
                    if not running:  # nothing can start and nothing will finish: never spin
                        raise RuntimeError(f"ingest tasks {sorted(pending)} wait for steps "
                                           "that never run (a bug in _Job.tasks)")
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        name, cur = running.pop(future)
                        cur.close()
                        future.result()  # re-raises the task's error
                        done.add(name)
            except BaseException:
                for _, cur in running.values():
                    cur.interrupt()
                raise

    # -- output tables
    def outputs(self) -> dict[str, str]:
        """SQL of each output table (columns as in helpers.schema)."""
        p = self.p
        has_episodes = "title.episode" in self.sources
        return {
            "movies": f"""
                WITH cast_top AS (
                    SELECT tconst, nconst, ordering FROM credits WHERE title_kind = 'movie'
                    QUALIFY row_number() OVER (PARTITION BY tconst ORDER BY ordering, nconst)
                            <= {p.top_cast}),
                cast_lists AS (
                    SELECT c.tconst, list(c.nconst ORDER BY c.ordering, c.nconst) AS "cast",
                           list(coalesce(pp.name, c.nconst) ORDER BY c.ordering, c.nconst)
                               AS cast_names
                    FROM cast_top c LEFT JOIN people pp USING (nconst) GROUP BY c.tconst),
                crew_long AS (
                    SELECT tconst, 'd' AS role, unnest(directors) AS nconst,
                           unnest(range(len(directors))) AS pos FROM crew
                    UNION ALL SELECT tconst, 'w', unnest(writers), unnest(range(len(writers)))
                    FROM crew),
                crew_names AS (
                    SELECT c.tconst,
                        list(coalesce(pp.name, c.nconst) ORDER BY c.pos) FILTER (WHERE role = 'd')
                            AS director_names,
                        list(coalesce(pp.name, c.nconst) ORDER BY c.pos) FILTER (WHERE role = 'w')
                            AS writer_names
                    FROM crew_long c LEFT JOIN people pp USING (nconst) GROUP BY c.tconst)
                SELECT m.tconst, m.primary_title, m.original_title, f.french_title,
                       m.start_year AS year, m.runtime, {_split('m.genres')} AS genres,
                       m.average_rating, m.num_votes,
                       coalesce(cr.directors, []) AS directors,
                       coalesce(cn.director_names, []) AS director_names,
                       coalesce(cr.writers, []) AS writers,
                       coalesce(cn.writer_names, []) AS writer_names,
                       coalesce(cl."cast", []) AS "cast",
                       coalesce(cl.cast_names, []) AS cast_names,
                       t.tmdb_id, t.overview, t.tagline, []::VARCHAR[] AS keywords,
                       NULL::VARCHAR AS collection, t.original_language,
                       coalesce(t.countries, []) AS countries,
                       coalesce(t.companies, []) AS companies, t.budget, t.revenue,
                       t.popularity, t.tmdb_vote_average, t.tmdb_vote_count, t.poster_path,
                       t.release_date,
                       CASE WHEN t.tconst IS NOT NULL
                            THEN coalesce(t.original_language = 'fr', false)
                                 OR list_contains(t.countries, 'FR')
                            ELSE coalesce(f.french_signal, false) END AS is_french
                FROM kept_movies m
                LEFT JOIN french f USING (tconst) LEFT JOIN crew cr USING (tconst)
                LEFT JOIN crew_names cn USING (tconst) LEFT JOIN cast_lists cl USING (tconst)
                LEFT JOIN tmdb t USING (tconst)
                ORDER BY m.tconst""",
            "people": "SELECT * FROM people ORDER BY nconst",
            "credits": "SELECT * FROM credits ORDER BY tconst, ordering, nconst",
            "series": f"""
                SELECT s.tconst, s.primary_title, s.original_title, s.title_type, s.start_year,
                       s.end_year, {_split('s.genres')} AS genres, s.average_rating, s.num_votes,
                       {'coalesce(e.n, 0)' if has_episodes else 'NULL::INTEGER'} AS n_episodes
                FROM kept_series s LEFT JOIN n_episodes e USING (tconst) ORDER BY s.tconst""",
            "title_counts": "SELECT * FROM title_counts ORDER BY title_type, decade NULLS FIRST",
        }

    def write(self, stage: Path) -> dict[str, dict]:
        """Write every output table as zstd Parquet in the exact schema; return their sizes."""
        tables = {}
        for name, sql in self.outputs().items():
            schema = TABLES[name]
            try:
                table = self.con.sql(sql).to_arrow_table()
            except duckdb.Error as exc:
                raise CineError(f"ingest failed while building {name}: {exc}") from exc
            table = table.select(schema.names).cast(schema)
            pq.write_table(table, stage / f"{name}.parquet", compression="zstd")
            tables[name] = {"rows": table.num_rows, "columns": schema.names}
            if name == "movies":
                self.counts["without_french_title"] = table["french_title"].null_count
                self.counts["without_tmdb_row"] = table["tmdb_id"].null_count
        return tables

    def steps(self, n_movies: int) -> list[dict]:
        """Rows in and out of each cleaning step, with the reason (French) shown to users."""
        p = self.p
        titles = self.counts["titles"]
        out = []
        for table, types, filters, key in (
                ("movies", p.movie_types, self.movie_filters(), "movie_filters"),
                ("series", p.series_types, self.series_filters(), "series_filters")):
            counts = self.counts[key]
            label = "Films : types de titres" if table == "movies" else "Séries : types de titres"
            why = (f"Seuls les longs métrages ({', '.join(types)}) forment le catalogue : courts "
                   "métrages, épisodes, jeux vidéo et séries en sont écartés."
                   if table == "movies" else
                   f"Les séries ({', '.join(types)}) sont gardées à part, pour comparer films et "
                   "séries.")
            out.append(_step(f"{table}_types", label, table, "filter", titles, counts[0], why))
            for (step_id, step_label, _, reason), rows_in, rows_out in zip(
                    filters, counts, counts[1:], strict=False):
                out.append(_step(step_id, step_label, table, "filter", rows_in, rows_out, reason))
        with_french = n_movies - self.counts["without_french_title"]
        regions = ", ".join(p.title_regions)
        out.append(_step("french_title", "Titre français", "movies", "coverage", n_movies,
                         with_french, f"Films ayant un titre dans la région {regions} (akas "
                         "IMDb) ; sinon le titre principal IMDb (international) est affiché."))
        with_tmdb = n_movies - self.counts["without_tmdb_row"]
        out.append(_step("tmdb_join", "Jointure TMDB", "movies", "coverage", n_movies, with_tmdb,
                         "Films retrouvés dans la table TMDB (par identifiant IMDb) : affiche, "
                         "résumé, budget et pays de production n'existent que pour eux."))
        return out


def _step(step_id: str, label: str, table: str, kind: str, rows_in: int, rows_out: int,
          why: str) -> dict:
    return {"id": step_id, "step": label, "table": table, "kind": kind,
            "rows_in": int(rows_in), "rows_out": int(rows_out), "why": why}


# ---------------------------------------------------------------- public API
def _file_info(path: Path) -> dict:
    stat = path.stat()
    mtime = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
    return {"size": stat.st_size, "mtime": mtime}


def ingest(raw_dir: Path, out_dir: Path, params: CleaningParams | None = None, *,
           require_all: bool = True) -> dict:
    """Build the processed tables of ``raw_dir`` into ``out_dir`` atomically; return the manifest.

    With ``require_all=False`` only ``title.basics`` is required (partial real samples);
    missing files are listed in the manifest and their columns stay empty.
    """
    started = time.perf_counter()
    raw, out = Path(raw_dir), Path(out_dir)
    params = params or CleaningParams()
    sources, missing = locate_sources(raw, require_all)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.ingest-", dir=out.parent))
    try:
        stage = work / "stage"
        stage.mkdir()
        con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": WORKERS,
                                     "temp_directory": str(work / "duckdb_tmp"),
                                     "preserve_insertion_order": False})
        try:
            job = _Job(con, sources, params)
            job.build()
            tables = job.write(stage)
        finally:
            con.close()
        synthetic = raw / SYNTHETIC_MARKER
        manifest = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": {"raw_dir": str(raw.resolve()),
                       "files": {p.name: _file_info(p) for p in sources.values()}},
            "synthetic": json.loads(synthetic.read_text(encoding="utf-8"))
            if synthetic.is_file() else None,
            "params": asdict(params),
            "code_version": ingest_code_version(),
            "tables": tables,
            "steps": job.steps(tables["movies"]["rows"]),
            "distributions": job.distributions_,
            "missing_files": missing,
            "seconds": round(time.perf_counter() - started, 1),
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2)
        (stage / MANIFEST).write_text(text, encoding="utf-8")
        swap_in(stage, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return json.loads(text)


def ingest_code_version() -> str:
    """Stamp of the code that turns raw files into tables (this module and the formats)."""
    return code_version(__name__, "helpers.schema")


def ingest_if_needed(raw_dir: Path, out_dir: Path, params: CleaningParams | None = None, *,
                     require_all: bool = True) -> dict:
    """The manifest of ``out_dir`` when it was built from the same raw files (sizes, dates)
    and parameters by the same ingest code; otherwise ingest again. Saves minutes on the
    real dumps."""
    raw, out = Path(raw_dir), Path(out_dir)
    params = params or CleaningParams()
    path = out / MANIFEST
    if path.is_file() and all((out / f"{name}.parquet").is_file() for name in TABLES):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        sources, _ = locate_sources(raw, require_all)
        files = {p.name: _file_info(p) for p in sources.values()}
        if (manifest.get("source", {}).get("files") == files
                and manifest.get("params") == json.loads(json.dumps(asdict(params)))
                and manifest.get("code_version") == ingest_code_version()):
            return manifest
    return ingest(raw, out, params, require_all=require_all)


# ---------------------------------------------------------------- command line
