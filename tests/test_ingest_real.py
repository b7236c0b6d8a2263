"""Ingest of the real IMDb/TMDB samples, read in place through symlinks under standard names.

Every expected number below was computed independently with pandas (``sep='\\t'``,
``quoting=QUOTE_NONE``, ``encoding='utf-8-sig'``) on the files of
``../shared/data/real`` (see its MANIFEST.md).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers.config import CleaningParams
from helpers.data.ingest import ingest
from helpers.schema import TABLES

ALL_KEPT = CleaningParams(min_votes=0, min_series_votes=0)


def present(tmp: Path, sample: Path, tmdb: Path | None = None) -> Path:
    """A raw folder of symlinks to a real sample's TSV files (+ a TMDB CSV as tmdb_full.csv)."""
    raw = tmp / "raw"
    raw.mkdir()
    for path in sample.glob("*.tsv"):
        (raw / path.name).symlink_to(path)
    if tmdb is not None:
        (raw / "tmdb_full.csv").symlink_to(tmdb)
    return raw


def run(tmp: Path, sample: Path, params: CleaningParams, tmdb: Path | None = None,
        ) -> tuple[dict, dict[str, list[dict]]]:
    manifest = ingest(present(tmp, sample, tmdb), tmp / "out", params, require_all=False)
    tables = {}
    for name, schema in TABLES.items():
        table = pq.read_table(tmp / "out" / f"{name}.parquet")
        assert table.schema.equals(schema), name
        tables[name] = table.to_pylist()
    return manifest, tables


def steps(manifest: dict) -> dict[str, tuple[int, int]]:
    return {s["id"]: (s["rows_in"], s["rows_out"]) for s in manifest["steps"]}


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["tconst"]: r for r in rows}


def test_40_classics_with_tmdb_sample(tmp_path: Path, real_dir: Path) -> None:
    manifest, tables = run(tmp_path, real_dir / "imdb_subset_40_classics", CleaningParams(),
                           real_dir / "wcs_tmdb_full" / "tmdb_full_first100rows.csv")
    assert steps(manifest)["votes"] == (40, 40)  # every classic has far more than 200 votes
    assert steps(manifest)["french_title"] == (40, 40)
    assert steps(manifest)["tmdb_join"] == (40, 8)
    assert manifest["missing_files"] == ["title.crew.tsv.gz", "title.principals.tsv.gz",
                                         "name.basics.tsv.gz", "title.episode.tsv.gz"]
    movies = by_id(tables["movies"])
    godfather = movies["tt0068646"]
    assert godfather["french_title"] == "Le Parrain"
    assert (godfather["year"], godfather["runtime"], godfather["num_votes"]) == (1972, 175, 1814613)
    assert godfather["average_rating"] == pytest.approx(9.2)
    assert godfather["tmdb_id"] is None and godfather["is_french"] is False
    # imdbDisplay title preferred over a lower-ordering TV or reissue title
    assert movies["tt0076759"]["french_title"] == "La guerre des étoiles"
    assert movies["tt0110357"]["french_title"] == "Le Roi Lion"
    assert movies["tt0095016"]["french_title"] == "Piège de cristal"
    # no TMDB row: French from the FR aka equal to the original (non-English) title
    assert sorted(t for t, m in movies.items() if m["is_french"]) == ["tt0211915", "tt1675434"]
    taxi = movies["tt0075314"]
    assert (taxi["tmdb_id"], taxi["budget"], taxi["revenue"]) == (103, 1_300_000, 28_570_902)
    assert taxi["countries"] == ["US"] and str(taxi["release_date"]) == "1976-02-09"
    assert taxi["companies"] == ["Italo/Judeo Productions", "Bill/Phillips", "Columbia Pictures"]
    assert taxi["poster_path"] == "/ekstpH614fwDX8DUln1a2Opz0N8.jpg"
    assert (taxi["tmdb_vote_count"], taxi["original_language"]) == (10604, "en")
    assert taxi["tmdb_vote_average"] == pytest.approx(8.165)
    assert movies["tt0167260"]["countries"] == ["NZ", "US"]
    assert tables["credits"] == [] and tables["people"] == [] and tables["series"] == []
    assert tables["title_counts"] == [
        {"title_type": "movie", "decade": d, "n_titles": n}
        for d, n in ((1970, 5), (1980, 5), (1990, 14), (2000, 9), (2010, 7))]


def test_crlf_tmdb_sample_without_final_newline(tmp_path: Path, real_dir: Path) -> None:
    _, tables = run(tmp_path, real_dir / "imdb_subset_40_classics", CleaningParams(),
                    real_dir / "wcs_tmdb_full" / "tmdb_full_sample9rows.csv")
    joined = {m["tconst"]: m for m in tables["movies"] if m["tmdb_id"] is not None}
    assert sorted(joined) == ["tt0266697"]  # Kill Bill: Vol. 1, the only one of the 40
    assert joined["tt0266697"]["tagline"] == "A roaring rampage of revenge."
    assert joined["tt0266697"]["budget"] == 30_000_000


def test_pimdb_seven_coherent_tables(tmp_path: Path, real_dir: Path) -> None:
    manifest, tables = run(tmp_path, real_dir / "imdb_pimdb_testdata", ALL_KEPT)
    assert manifest["missing_files"] == ["tmdb_full.csv"]
    assert steps(manifest) == {
        "movies_types": (75, 9), "adult": (9, 9), "years": (9, 5), "runtime": (5, 5),
        "votes": (5, 5), "series_types": (75, 5), "series_adult": (5, 5),
        "series_votes": (5, 5), "french_title": (5, 2), "tmdb_join": (5, 0)}
    assert {n: len(rows) for n, rows in tables.items()} == {
        "movies": 5, "people": 58, "credits": 53, "series": 5, "title_counts": 10}
    series = {s["tconst"]: s["n_episodes"] for s in tables["series"]}
    assert series == {"tt10854062": 0, "tt3456370": 25, "tt5743288": 1, "tt7144668": 16,
                      "tt7973020": 0}
    assert sum(r["title_kind"] == "movie" for r in tables["credits"]) == 16
    counts = {}
    for row in tables["title_counts"]:
        counts[row["title_type"]] = counts.get(row["title_type"], 0) + row["n_titles"]
    assert counts == {"tvEpisode": 43, "short": 17, "movie": 9, "tvSeries": 4, "video": 1,
                      "tvMiniSeries": 1}
    wyrmwood = by_id(tables["movies"])["tt2535470"]
    assert wyrmwood["num_votes"] == 15169 and wyrmwood["director_names"] == ["Kiah Roache-Turner"]


def test_pimdb_default_vote_thresholds(tmp_path: Path, real_dir: Path) -> None:
    manifest, tables = run(tmp_path, real_dir / "imdb_pimdb_testdata", CleaningParams())
    assert steps(manifest)["votes"] == (5, 3) and steps(manifest)["series_votes"] == (5, 1)
    assert {n: len(rows) for n, rows in tables.items()} == {
        "movies": 3, "people": 30, "credits": 22, "series": 1, "title_counts": 10}
    assert [(s["tconst"], s["num_votes"], s["n_episodes"]) for s in tables["series"]] == [
        ("tt3456370", 212, 25)]


def test_osll_sample_with_byte_order_mark(tmp_path: Path, real_dir: Path) -> None:
    manifest, tables = run(tmp_path, real_dir / "imdb_osll_sample_2018", CleaningParams())
    assert steps(manifest)["movies_types"] == (200, 17) and steps(manifest)["runtime"] == (16, 13)
    assert steps(manifest)["votes"] == (13, 13)  # no ratings file: filter not applied
    assert {n: len(rows) for n, rows in tables.items()} == {
        "movies": 13, "people": 72, "credits": 41, "series": 1, "title_counts": 37}
    # the principals file starts with a BOM: its first column is still read as tconst
    battle = by_id(tables["movies"])["tt0019679"]
    assert battle["cast"][:2] == ["nm0492775", "nm0749476"]
    assert battle["cast_names"][:2] == ["Gertrude Lawrence", "Charles Ruggles"]
    isle = by_id(tables["movies"])["tt0037820"]
    assert isle["writer_names"] == ["Ardel Wray", "Val Lewton", "Josef Mischel"]


def test_2000_movies_principals_and_names(tmp_path: Path, real_dir: Path) -> None:
    manifest, tables = run(tmp_path, real_dir / "imdb_subset_2000_movies", CleaningParams())
    assert [steps(manifest)[k] for k in ("movies_types", "adult", "years", "runtime")] == [
        (2000, 2000), (2000, 1994), (1994, 1358), (1358, 1068)]
    assert {n: len(rows) for n, rows in tables.items() if n != "title_counts"} == {
        "movies": 1068, "people": 2661, "credits": 3235, "series": 0}
    sharks = by_id(tables["movies"])["tt9811798"]  # 9 actors: top 8 by billing, 5 is a crew
    assert sharks["cast"] == ["nm10491048", "nm10491055", "nm10491063", "nm10491040",
                              "nm10491065", "nm10148819", "nm10491056", "nm10148814"]
    assert sharks["cast_names"][:3] == ["Cynthia Abrams", "Basir Al-Amin", "Devdas Anand"]
    assert sharks["genres"] == ["Animation", "Comedy", "Musical"]
    # nm4063929 (billed 8th) is missing from name.basics: its id stands in for the name
    assert by_id(tables["movies"])["tt9904552"]["cast_names"][-1] == "nm4063929"


def test_2017_movies_votes_threshold(tmp_path: Path, real_dir: Path) -> None:
    manifest, tables = run(tmp_path, real_dir / "imdb_subset_2017_movies", CleaningParams())
    assert [steps(manifest)[k] for k in ("movies_types", "adult", "years", "runtime", "votes")] \
        == [(18199, 18199), (18199, 18142), (18142, 18142), (18142, 11983), (11983, 1996)]
    assert len(tables["movies"]) == 1996
    assert all(m["num_votes"] >= 200 and m["year"] == 2017 for m in tables["movies"])


@pytest.mark.slow
@pytest.mark.parametrize(("sample", "expected"), [
    ("imdb_subset_40_classics", "Fichiers absents : title.crew.tsv.gz"),
    ("imdb_pimdb_testdata", "**3 films** au catalogue"),
])
def test_cleaning_notebook_on_real_samples(sample: str, expected: str, tmp_path: Path,
                                           real_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from test_notebooks import execute

    present(tmp_path, real_dir / sample, real_dir / "wcs_tmdb_full" / "tmdb_full_first100rows.csv")
    nb = execute("02_cleaning.ipynb", tmp_path, monkeypatch)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    prose = "\n".join(o["data"]["text/markdown"] for o in outputs
                      if "text/markdown" in o.get("data", {}))
    assert expected in prose and "SYNTHÉTIQUES" not in prose
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 5
    assert (tmp_path / "processed" / "manifest.json").is_file()
