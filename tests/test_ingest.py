"""Ingest on hand-made raw files whose expected tables are known exactly, plus bad input."""

from __future__ import annotations

import gzip
import importlib.util
import json
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import require

from helpers import cli
from helpers.config import CleaningParams
from helpers.data.ingest import _Job, ingest, ingest_code_version, ingest_if_needed
from helpers.errors import CineError
from helpers.schema import IMDB_COLUMNS, SYNTHETIC_MARKER, TABLES, TMDB_COLUMNS

N = r"\N"
PARAMS = CleaningParams(min_votes=200, min_series_votes=100, top_cast=2)

# Films: tt01 and tt06 pass every filter; each other film fails exactly one filter.
BASICS = [
    ("tt01", "movie", 'The Big "Film', "Le grand film", "0", "1999", N, "120", "Comedy,Drama"),
    ("tt02", "movie", "Adult", "Adult", "1", "2000", N, "90", "Adult"),
    ("tt03", "movie", "Undated", "Undated", "0", N, N, "90", "Drama"),
    ("tt04", "movie", "Short one", "Short one", "0", "2000", N, "20", "Comedy"),
    ("tt05", "movie", "Few votes", "Few votes", "0", "2001", N, "95", N),
    ("tt06", "movie", "The Sixth", "The Sixth", "0", "1985", N, "100", "Drama"),
    ("tt07", "short", "A short", "A short", "0", "2003", N, "12", "Short"),
    ("tt08", "tvSeries", "A Series", "A Series", "0", "2010", "2012", "45", "Drama"),
    ("tt09", "tvEpisode", "Ep 1", "Ep 1", "0", "2010", N, "45", "Drama"),
    ("tt10", "tvEpisode", "Ep 2", "Ep 2", "0", "2010", N, "45", "Drama"),
    ("tt11", "tvEpisode", "Ep 3", "Ep 3", "0", "2011", N, "45", "Drama"),
    ("tt12", "tvMiniSeries", "Unknown mini", "Unknown mini", "0", "2015", "2015", "50", N),
    ("tt13", "movie", "No runtime", "No runtime", "0", "1990", N, N, "Drama"),
    ("tt14", "movie", "Thirty votes", "Thirty votes", "0", "1995", N, "100", "Drama"),
]
RATINGS = [("tt01", "7.5", "1000"), ("tt02", "6.0", "900"), ("tt03", "5.0", "400"),
           ("tt04", "5.5", "300"), ("tt05", "6.0", "50"), ("tt06", "8.1", "2500"),
           ("tt08", "7.0", "500"), ("tt12", "6.0", "10"), ("tt13", "6.5", "700"),
           ("tt14", "6.6", "30")]
AKAS = [
    ("tt01", "1", "Brouillon", "FR", N, "working", N, "0"),
    ("tt01", "2", "The Big Film", "US", N, "imdbDisplay", N, "0"),
    ("tt01", "4", "Le grand film", "FR", N, "imdbDisplay", N, "0"),
    ("tt06", "1", "Le Sixième (reprise)", "FR", N, N, "reissue title", "0"),
    ("tt06", "3", "Le Sixième", "FR", "fr", N, N, "0"),
    ("tt05", "1", "Peu de votes", "FR", N, N, N, "0"),
]
CREW = [("tt01", "nm9,nm8", N), ("tt06", "nm9", "nm2"), ("tt05", "nm4", N)]
# Rows out of billing order on purpose; nm9 is a director (not an acting credit).
PRINCIPALS = [
    ("tt01", "3", "nm3", "actor", N, N), ("tt01", "1", "nm1", "actor", N, '["Bob"]'),
    ("tt01", "2", "nm9", "director", N, N), ("tt01", "4", "nm2", "actress", N, N),
    ("tt06", "2", "nm2", "actress", N, N), ("tt06", "1", "nm3", "actor", N, N),
    ("tt05", "1", "nm4", "actor", N, N), ("tt08", "1", "nm1", "actor", N, N),
    ("tt12", "1", "nm5", "actress", N, N),
]
NAMES = [
    ("nm1", "Jean Dupont", "1950", N, "actor,director", "tt01"),
    ("nm2", "Zoé Martin", "1970", N, "actress,writer", "tt06"),
    ("nm3", "Paul O'Neil", "1960", "2020", "actor", "tt01"),
    ("nm4", "Unseen Actor", N, N, "actor", "tt05"),
    ("nm5", "Mini Star", N, N, "actress", "tt12"),
    ("nm9", "Agnès Réal", "1945", N, "director", "tt01"),
]  # nm8 (co-director of tt01) is missing from name.basics on purpose
EPISODES = [("tt09", "tt08", "1", "1"), ("tt10", "tt08", "1", "2"), ("tt11", "tt08", "2", "1")]
TMDB_HEADER = ",".join(TMDB_COLUMNS)
TMDB_ROWS = [  # two rows for tt06: the most voted one (id 66) wins
    'False,,0,[\'Drama\'],,65,tt06,en,The Sixth,Old row,1.5,/old.jpg,"[\'US\']",1985-01-01,0,'
    "100,[],Released,,The Sixth,False,5.0,10,[],[]",
    'False,,0,[\'Drama\'],,66,tt06,fr,Le Sixième,"Un film, en ""France"".",3.25,/six.jpg,'
    '"[\'FR\', \'BE\']",1985-03-04,1200000,100,[\'fr\'],Released,Une accroche,Le Sixième,False,'
    "7.5,500,\"[\"\"L'Atelier\"\", 'Gaumont']\",\"['FR']\"",
    "False,,5,['Drama'],,99,tt99,en,Other,,1.0,/x.jpg,[],2000-01-01,0,90,[],Released,,Other,"
    "False,5.0,3,[],[]",
]
FILES = {"title.basics": BASICS, "title.ratings": RATINGS, "title.akas": AKAS,
         "title.crew": CREW, "title.principals": PRINCIPALS, "name.basics": NAMES,
         "title.episode": EPISODES}


def write_raw(raw: Path, gz: bool = True, bom_in_principals: bool = True) -> Path:
    """The hand-made raw folder: 7 IMDb files (gzip or plain) + tmdb_full.csv."""
    raw.mkdir(parents=True, exist_ok=True)
    for name, rows in FILES.items():
        lines = ["\t".join(IMDB_COLUMNS[f"{name}.tsv.gz"]), *("\t".join(r) for r in rows)]
        text = "\n".join(lines) + "\n"
        if name == "title.principals" and bom_in_principals:
            text = "\ufeff" + text
        data = text.encode("utf-8")
        if gz:
            (raw / f"{name}.tsv.gz").write_bytes(gzip.compress(data))
        else:
            (raw / f"{name}.tsv").write_bytes(data)
    (raw / "tmdb_full.csv").write_text("\n".join([TMDB_HEADER, *TMDB_ROWS]) + "\n",
                                       encoding="utf-8")
    return raw


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("ingest")
    raw = write_raw(base / "raw")
    (raw / SYNTHETIC_MARKER).write_text('{"scale": "hand", "seed": 1}', encoding="utf-8")
    return base / "processed", ingest(raw, base / "processed", PARAMS)


def read(out: Path, name: str) -> list[dict]:
    return pq.read_table(out / f"{name}.parquet").to_pylist()


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["tconst"]: r for r in rows}


def test_every_table_has_exactly_the_schema(built: tuple[Path, dict]) -> None:
    out, _ = built
    for name, schema in TABLES.items():
        assert pq.read_table(out / f"{name}.parquet").schema.equals(schema), name


def test_filter_steps_count_exactly_what_each_filter_removed(built: tuple[Path, dict]) -> None:
    _, manifest = built
    steps = {s["id"]: (s["rows_in"], s["rows_out"]) for s in manifest["steps"]}
    assert steps == {
        "movies_types": (14, 8), "adult": (8, 7), "years": (7, 6), "runtime": (6, 4),
        "votes": (4, 2), "series_types": (14, 2), "series_adult": (2, 2),
        "series_votes": (2, 1), "french_title": (2, 2), "tmdb_join": (2, 1),
    }
    assert all(s["why"] and s["step"] for s in manifest["steps"])
    assert "200 votes" in next(s["why"] for s in manifest["steps"] if s["id"] == "votes")


def test_movies_are_typed_numbers_not_strings(built: tuple[Path, dict]) -> None:
    out, _ = built
    movies = by_id(read(out, "movies"))
    # "1000" < "200" and "30" > "200" as strings: only numeric comparison keeps tt01, drops tt14
    assert sorted(movies) == ["tt01", "tt06"]
    first = movies["tt01"]
    assert (first["year"], first["runtime"], first["num_votes"]) == (1999, 120, 1000)
    assert first["average_rating"] == pytest.approx(7.5)
    assert first["primary_title"] == 'The Big "Film'  # bare quote kept, no CSV quoting
    assert first["genres"] == ["Comedy", "Drama"]


def test_french_title_and_french_production(built: tuple[Path, dict]) -> None:
    out, _ = built
    movies = by_id(read(out, "movies"))
    # imdbDisplay beats a lower-ordering working title; a plain aka beats a reissue title
    assert movies["tt01"]["french_title"] == "Le grand film"
    assert movies["tt06"]["french_title"] == "Le Sixième"
    # tt01 has no TMDB row: FR aka equal to the original title, unlike the primary title
    assert movies["tt01"]["is_french"] is True
    assert movies["tt06"]["is_french"] is True  # TMDB original_language fr


def test_cast_in_billing_order_and_crew_names(built: tuple[Path, dict]) -> None:
    out, _ = built
    first = by_id(read(out, "movies"))["tt01"]
    assert first["cast"] == ["nm1", "nm3"]  # top_cast=2 of actor/actress by ordering
    assert first["cast_names"] == ["Jean Dupont", "Paul O'Neil"]
    assert first["directors"] == ["nm9", "nm8"]
    assert first["director_names"] == ["Agnès Réal", "nm8"]  # nm8 unknown: id kept
    assert first["writers"] == [] and first["writer_names"] == []


def test_tmdb_join_keeps_the_most_voted_row(built: tuple[Path, dict]) -> None:
    out, _ = built
    sixth = by_id(read(out, "movies"))["tt06"]
    assert sixth["tmdb_id"] == 66
    assert sixth["overview"] == 'Un film, en "France".'
    assert sixth["countries"] == ["FR", "BE"]
    assert sixth["companies"] == ["L'Atelier", "Gaumont"]
    assert sixth["budget"] is None and sixth["revenue"] == 1_200_000  # TMDB 0 = unknown
    assert sixth["popularity"] == pytest.approx(3.25)
    assert (sixth["tmdb_vote_average"], sixth["tmdb_vote_count"]) == (7.5, 500)
    assert sixth["poster_path"] == "/six.jpg"
    assert str(sixth["release_date"]) == "1985-03-04"
    assert sixth["keywords"] == [] and sixth["collection"] is None
    assert by_id(read(out, "movies"))["tt01"]["tmdb_id"] is None


def test_credits_people_series_and_title_counts(built: tuple[Path, dict]) -> None:
    out, _ = built
    credits = [(r["tconst"], r["nconst"], r["ordering"], r["title_kind"], r["year"])
               for r in read(out, "credits")]
    assert credits == [
        ("tt01", "nm1", 1, "movie", 1999), ("tt01", "nm3", 3, "movie", 1999),
        ("tt01", "nm2", 4, "movie", 1999), ("tt06", "nm3", 1, "movie", 1985),
        ("tt06", "nm2", 2, "movie", 1985), ("tt08", "nm1", 1, "series", 2010),
    ]
    people = {r["nconst"]: r for r in read(out, "people")}
    assert sorted(people) == ["nm1", "nm2", "nm3", "nm9"]  # nm4, nm5: removed titles only
    assert people["nm3"]["death_year"] == 2020
    assert people["nm1"]["professions"] == ["actor", "director"]
    series = read(out, "series")
    assert [(s["tconst"], s["n_episodes"], s["end_year"]) for s in series] == [("tt08", 3, 2012)]
    counts = {(r["title_type"], r["decade"]): r["n_titles"] for r in read(out, "title_counts")}
    assert counts[("movie", None)] == 1 and counts[("tvEpisode", 2010)] == 3
    assert sum(counts.values()) == len(BASICS)


def test_manifest_records_source_params_tables(built: tuple[Path, dict]) -> None:
    out, manifest = built
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["synthetic"] == {"scale": "hand", "seed": 1}
    assert manifest["params"]["min_votes"] == 200 and manifest["params"]["top_cast"] == 2
    assert manifest["missing_files"] == []
    assert sorted(manifest["source"]["files"]) == sorted(
        [*IMDB_COLUMNS, "tmdb_full.csv"])
    assert {n: t["rows"] for n, t in manifest["tables"].items()} == {
        "movies": 2, "people": 4, "credits": 6, "series": 1, "title_counts": 8}
    assert manifest["tables"]["people"]["columns"] == TABLES["people"].names


def test_plain_tsv_give_the_same_tables(tmp_path: Path, built: tuple[Path, dict]) -> None:
    out, _ = built
    raw = write_raw(tmp_path / "raw", gz=False, bom_in_principals=False)
    ingest(raw, tmp_path / "out", PARAMS)
    for name in TABLES:
        assert read(tmp_path / "out", name) == read(out, name), name


def test_partial_set_records_missing_files(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw")
    for name in ("title.ratings", "title.akas", "title.episode"):
        (raw / f"{name}.tsv.gz").unlink()
    (raw / "tmdb_full.csv").unlink()
    with pytest.raises(CineError, match="title.akas.tsv.gz.*title.ratings"):
        ingest(raw, tmp_path / "out", PARAMS)
    manifest = ingest(raw, tmp_path / "out", PARAMS, require_all=False)
    assert manifest["missing_files"] == ["title.akas.tsv.gz", "title.ratings.tsv.gz",
                                         "title.episode.tsv.gz", "tmdb_full.csv"]
    steps = {s["id"]: (s["rows_in"], s["rows_out"]) for s in manifest["steps"]}
    assert steps["votes"] == (4, 4)  # no ratings file: the votes filter cannot apply
    movies = by_id(read(tmp_path / "out", "movies"))
    assert sorted(movies) == ["tt01", "tt05", "tt06", "tt14"]
    assert movies["tt01"]["french_title"] is None and movies["tt01"]["num_votes"] is None
    assert [s["n_episodes"] for s in read(tmp_path / "out", "series")] == [None, None]


def _good_output(tmp_path: Path) -> tuple[Path, Path, bytes]:
    raw = write_raw(tmp_path / "raw")
    out = tmp_path / "processed"
    ingest(raw, out, PARAMS)
    return raw, out, (out / "manifest.json").read_bytes()


def _assert_untouched(out: Path, manifest: bytes) -> None:
    assert (out / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(f"{n}.parquet" for n in TABLES)])
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(("damage", "message"), [
    (lambda raw: (raw / "title.crew.tsv.gz").unlink(), r"missing raw files .*title\.crew"),
    (lambda raw: (raw / "title.ratings.tsv.gz").write_bytes(
        gzip.compress(b"tconst\trating\tvotes\ntt01\t7\t9\n")), "unexpected columns"),
    (lambda raw: (raw / "name.basics.tsv.gz").write_bytes(b""), "name.basics.tsv.gz is empty"),
    (lambda raw: (raw / "title.akas.tsv.gz").write_bytes(
        (raw / "title.akas.tsv.gz").read_bytes()[:-12]), r"title\.akas\.tsv\.gz cannot be read"),
    (lambda raw: (raw / "title.episode.tsv.gz").write_bytes(b"not gzip at all"),
     r"title\.episode\.tsv\.gz cannot be read"),
    (lambda raw: (raw / "title.basics.tsv.gz").write_bytes(
        gzip.compress("\t".join(IMDB_COLUMNS["title.basics.tsv.gz"]).encode() + b"\n")),
     "contains no titles"),
    (lambda raw: (raw / "tmdb_full.csv").write_text("id,title\n1,x\n"), "lacks the columns"),
    (lambda raw: (raw / "title.crew.tsv.gz").write_bytes(gzip.compress(
        b"tconst\tdirectors\twriters\ntt01\tnm9\n")),
     r"title\.crew\.tsv\.gz cannot be read .*Expected Number of Columns: 3 Found: 2"),
])
def test_bad_input_is_a_precise_error_and_keeps_the_previous_output(
        tmp_path: Path, damage, message: str) -> None:
    raw, out, manifest = _good_output(tmp_path)
    damage(raw)
    with pytest.raises(CineError, match=message):
        ingest(raw, out, PARAMS)
    _assert_untouched(out, manifest)


def test_ingest_if_needed_reuses_up_to_date_tables(tmp_path: Path) -> None:
    raw, out, first = _good_output(tmp_path)
    assert ingest_if_needed(raw, out, PARAMS) == json.loads(first)  # same files and params
    other = ingest_if_needed(raw, out, CleaningParams(min_votes=40))
    assert other["params"]["min_votes"] == 40 and other["tables"]["movies"]["rows"] == 3
    (raw / "title.ratings.tsv.gz").write_bytes(gzip.compress(
        b"tconst\taverageRating\tnumVotes\ntt01\t7.5\t1000\n"))
    assert ingest_if_needed(raw, out, CleaningParams(min_votes=40))["tables"]["movies"]["rows"] == 1


def test_ingest_if_needed_redoes_tables_built_by_other_code(tmp_path: Path) -> None:
    """Regression: the check ignored the code version (old tables survived a fix)."""
    raw, out, first = _good_output(tmp_path)
    manifest = json.loads(first)
    assert manifest["code_version"] == ingest_code_version()
    manifest["code_version"] = "0123456789ab"  # as written by an older ingest
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = ingest_if_needed(raw, out, PARAMS)
    assert again["code_version"] == ingest_code_version()
    assert json.loads((out / "manifest.json").read_text())["code_version"] == ingest_code_version()


def test_the_scheduler_stops_instead_of_spinning_when_no_task_can_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a task waiting for a step that never runs made the wait loop spin."""
    raw = write_raw(tmp_path / "raw")
    real_tasks = _Job.tasks
    monkeypatch.setattr(_Job, "tasks", lambda job: {**real_tasks(job), "crew": ("no such step",)})
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            ingest(raw, tmp_path / "out", PARAMS)
        except BaseException as exc:  # noqa: BLE001 (the thread reports what it got)
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the scheduler is still looping"
    assert [type(e) for e in outcome] == [RuntimeError]
    assert "['crew', 'people'] wait for steps that never run" in str(outcome[0])
    assert not (tmp_path / "out").exists()


def test_missing_raw_folder(tmp_path: Path) -> None:
    with pytest.raises(CineError, match="does not exist"):
        ingest(tmp_path / "nope", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_ingest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = write_raw(tmp_path / "raw")
    out = tmp_path / "out"
    assert cli.main(["ingest", "--raw", str(raw), "--out", str(out), "--min-votes", "40"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["params"]["min_votes"] == 40
    assert manifest["tables"]["movies"]["rows"] == 3  # tt05 (50 votes) now passes
    assert "movies" in capsys.readouterr().out
    (raw / "title.crew.tsv.gz").unlink()
    assert cli.main(["ingest", "--raw", str(raw), "--out", str(out)]) == 1
    assert "title.crew" in capsys.readouterr().err


def test_synthetic_tiny_replica(tmp_path: Path) -> None:
    require(importlib.util.find_spec("helpers.data.synthetic") is not None,
            "helpers.data.synthetic is not there yet")
    from helpers.data.synthetic import generate

    generate(tmp_path / "raw", scale="tiny", seed=0)
    manifest = ingest(tmp_path / "raw", tmp_path / "out")
    assert manifest["synthetic"] is not None and manifest["missing_files"] == []
    for name, schema in TABLES.items():
        table = pq.read_table(tmp_path / "out" / f"{name}.parquet")
        assert table.schema.equals(schema) and table.num_rows == manifest["tables"][name]["rows"]
    steps = manifest["steps"]
    movie_steps = [s for s in steps if s["table"] == "movies" and s["kind"] == "filter"]
    chained = zip(movie_steps, movie_steps[1:], strict=False)
    assert all(a["rows_out"] == b["rows_in"] for a, b in chained)
    assert movie_steps[-1]["rows_out"] == manifest["tables"]["movies"]["rows"] > 0
    movies = pq.read_table(tmp_path / "out" / "movies.parquet").to_pandas()
    assert movies["num_votes"].min() >= 200
    assert movies["runtime"].between(40, 300).all()
    assert movies["french_title"].notna().any() and movies["tmdb_id"].notna().any()
