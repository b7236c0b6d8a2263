"""Synthetic replica: exact formats, determinism, coherent ids, realistic content."""

from __future__ import annotations

import ast
import csv
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import config
from helpers.data.synthetic import generate, plan
from helpers.schema import IMDB_COLUMNS, SYNTHETIC_MARKER
from tests.conftest import require

TSV = {"sep": "\t", "quoting": csv.QUOTE_NONE, "na_values": "\\N", "keep_default_na": False}
TMDB_LISTS = ("genres", "production_countries", "spoken_languages",
              "production_companies_name", "production_companies_country")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth_tiny")
    generate(out, scale="tiny", seed=0)
    return out


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, **TSV)


def lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read().split("\n")


def test_same_seed_same_bytes_other_seed_differs(tiny: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", scale="tiny", seed=0)
    other = generate(tmp_path / "other", scale="tiny", seed=1)
    for name, path in again.items():
        assert path.read_bytes() == (tiny / name).read_bytes(), name
    differing = [n for n, p in other.items() if p.read_bytes() != (tiny / n).read_bytes()]
    assert len(differing) == len(other)
    assert not list(tmp_path.rglob("*.part"))


def test_returns_every_file_and_marker(tiny: Path) -> None:
    marker = json.loads((tiny / SYNTHETIC_MARKER).read_text())
    assert marker["generator"] == "helpers.data.synthetic"
    assert (marker["scale"], marker["seed"]) == ("tiny", 0)
    assert marker["rows"] == plan("tiny")
    assert set(marker["rows"]) == {*config.IMDB_FILES, config.TMDB_FILE}


def test_headers_match_the_real_files(tiny: Path, real_dir: Path) -> None:
    assert tuple(IMDB_COLUMNS) == config.IMDB_FILES
    for name in config.IMDB_FILES:
        sample = real_dir / "imdb_pimdb_testdata" / name.removesuffix(".gz")
        require(sample.is_file(), f"missing real sample {sample}")
        real_header = sample.read_text(encoding="utf-8").split("\n", 1)[0]
        assert lines(tiny / name)[0] == real_header, name
        assert tuple(real_header.split("\t")) == IMDB_COLUMNS[name]
    sample = real_dir / "wcs_tmdb_full" / "tmdb_full_first100rows.csv"
    require(sample.is_file(), f"missing real sample {sample}")
    assert ((tiny / config.TMDB_FILE).read_text().split("\n", 1)[0]
            == sample.read_text().split("\n", 1)[0])


def test_every_line_has_the_right_number_of_fields(tiny: Path) -> None:
    for name in config.IMDB_FILES:
        rows = lines(tiny / name)
        assert rows[-1] == "" and len(rows) - 2 == plan("tiny")[name]
        fields = {row.count("\t") for row in rows[:-1]}
        assert fields == {len(IMDB_COLUMNS[name]) - 1}, name
        frame = read(tiny, name)
        assert len(frame) == plan("tiny")[name]
        nullable = name != "title.ratings.tsv.gz"  # the only file without a nullable column
        assert frame.isna().any().any() == nullable, name


def test_ids_join_across_files(tiny: Path) -> None:
    basics = read(tiny, "title.basics.tsv.gz")
    names = read(tiny, "name.basics.tsv.gz")
    tconst, nconst = set(basics.tconst), set(names.nconst)
    assert basics.tconst.is_unique and names.nconst.is_unique
    assert basics.tconst.str.fullmatch(r"tt\d{7,}").all()
    principals = read(tiny, "title.principals.tsv.gz")
    assert set(principals.tconst) <= tconst and set(principals.nconst) <= nconst
    ordering = principals.groupby("tconst").ordering.agg(["min", "max", "count"])
    assert (ordering["min"] == 1).all() and (ordering["max"] == ordering["count"]).all()
    assert set(read(tiny, "title.akas.tsv.gz").titleId) <= tconst
    assert set(read(tiny, "title.ratings.tsv.gz").tconst) <= tconst
    crew = read(tiny, "title.crew.tsv.gz")
    assert list(crew.tconst) == list(basics.tconst)
    people = {n for col in ("directors", "writers") for v in crew[col].dropna()
              for n in v.split(",")}
    assert people <= nconst
    known = {t for v in names.knownForTitles.dropna() for t in v.split(",")}
    assert known <= tconst
    episodes = read(tiny, "title.episode.tsv.gz")
    kinds = basics.set_index("tconst").titleType
    assert (kinds[episodes.tconst] == "tvEpisode").all()
    assert set(kinds[episodes.parentTconst]) <= {"tvSeries", "tvMiniSeries"}
    assert len(episodes) == (kinds == "tvEpisode").sum()


def test_tmdb_parses_like_the_real_file(tiny: Path, real_dir: Path) -> None:
    tmdb = pd.read_csv(tiny / config.TMDB_FILE)
    real = pd.read_csv(real_dir / "wcs_tmdb_full" / "tmdb_full_first100rows.csv")
    assert list(tmdb.columns) == list(real.columns)
    for column in TMDB_LISTS:
        parsed = tmdb[column].map(ast.literal_eval)
        assert parsed.map(lambda v: isinstance(v, list)).all(), column
    assert tmdb.adult.dtype == bool and not tmdb.adult.any() and not tmdb.video.any()
    assert (tmdb.status == "Released").all() and tmdb.id.is_unique
    assert pd.to_datetime(tmdb.release_date.dropna(), format="%Y-%m-%d").notna().all()
    assert tmdb.poster_path.dropna().str.fullmatch(r"/[A-Za-z0-9]{27}\.jpg").all()
    assert (tmdb.budget == 0).mean() > 0.3 and (tmdb.budget > 0).any()
    basics = read(tiny, "title.basics.tsv.gz").set_index("tconst")
    assert (basics.titleType[tmdb.imdb_id] == "movie").all()
    assert (basics.originalTitle[tmdb.imdb_id].values == tmdb.original_title.values).all()
    assert "fr" in set(tmdb.original_language)


def kept_films(folder: Path) -> pd.DataFrame:
    """The films the ingest keeps (helpers.config.CleaningParams defaults)."""
    p = config.DEFAULT_PARAMS
    basics = read(folder, "title.basics.tsv.gz").merge(read(folder, "title.ratings.tsv.gz"))
    return basics[basics.titleType.isin(p.movie_types) & (basics.isAdult == 0)
                  & basics.startYear.between(p.min_year, p.max_year)
                  & basics.runtimeMinutes.between(p.min_runtime, p.max_runtime)
                  & (basics.numVotes >= p.min_votes)]


def test_tiny_has_a_usable_catalogue(tiny: Path) -> None:
    kept = kept_films(tiny)
    assert len(kept) >= 80
    tmdb = pd.read_csv(tiny / config.TMDB_FILE)
    assert kept.tconst.isin(tmdb.imdb_id).mean() > 0.6
    akas = read(tiny, "title.akas.tsv.gz")
    french = akas[akas.region == "FR"].merge(kept, left_on="titleId", right_on="tconst")
    assert len(french) > 0.6 * len(kept)
    assert (french.title != french.originalTitle).mean() > 0.5


def test_real_file_quirks_are_present(tiny: Path) -> None:
    basics = read(tiny, "title.basics.tsv.gz")
    assert basics.primaryTitle.str.contains('"', regex=False).any()
    assert basics.primaryTitle.str.contains("'", regex=False).any()
    assert basics.primaryTitle.str.contains("[éèàçô]").any()
    assert basics.genres.isna().any() and basics.runtimeMinutes.isna().any()
    assert basics.primaryTitle.duplicated().any()  # homonyms / remakes
    principals = read(tiny, "title.principals.tsv.gz")
    assert principals.characters.dropna().str.fullmatch(r'\[".*"\]').all()
    assert {"actor", "actress", "director", "writer", "self"} <= set(principals.category)


def test_plan_row_counts_per_scale() -> None:
    full = plan("full")
    assert full == {
        "title.basics.tsv.gz": 12_000_000, "title.akas.tsv.gz": 54_000_000,
        "title.crew.tsv.gz": 12_000_000, "title.principals.tsv.gz": 95_000_000,
        "title.ratings.tsv.gz": 1_624_320, "name.basics.tsv.gz": 14_000_000,
        "title.episode.tsv.gz": 9_000_000, config.TMDB_FILE: 162_000,
    }
    assert plan("small")["title.basics.tsv.gz"] == 60_000
    assert plan("tiny")["title.basics.tsv.gz"] == 1_000


def test_unknown_scale_is_a_clear_error(tmp_path: Path) -> None:
    from helpers.errors import CineError

    with pytest.raises(CineError, match="unknown scale 'huge'"):
        generate(tmp_path, scale="huge")


def test_careers_are_consistent_and_heavy_tailed(tiny: Path) -> None:
    basics = read(tiny, "title.basics.tsv.gz")[["tconst", "titleType", "startYear"]]
    names = read(tiny, "name.basics.tsv.gz")[["nconst", "birthYear"]]
    cast = read(tiny, "title.principals.tsv.gz").query("category in ['actor', 'actress']")
    credits = cast.merge(basics, on="tconst").merge(names, on="nconst")
    age = (credits.startYear - credits.birthYear).dropna()
    assert len(age) > 100 and age.between(18, 80).all()
    mean_age = (credits.startYear - credits.birthYear).groupby(credits.category).mean()
    assert mean_age["actress"] < mean_age["actor"] - 3
    per_actor = cast.nconst.value_counts()
    assert per_actor.max() >= 8 * per_actor.median()
    kinds = credits.groupby("nconst").titleType.agg(set)
    assert kinds.map(lambda k: {"movie", "tvEpisode"} <= k).sum() >= 10


def test_command_line_prints_row_counts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from helpers.cli import main

    assert main(["synth", "--scale", "tiny", "--out", str(tmp_path), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "title.principals.tsv.gz" in printed and "9,000 rows" in printed
    assert "SYNTHETIC tiny data (seed 3)" in printed
    assert json.loads((tmp_path / SYNTHETIC_MARKER).read_text())["seed"] == 3
