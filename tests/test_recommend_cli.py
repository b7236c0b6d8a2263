"""The `recommend` command: pure helpers on a hand-made catalogue, then end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import config
from helpers.cli import main
from helpers.cli.recommend import ask_titles, format_text
from helpers.reco.search import Match, SearchResult, TitleIndex, UnknownTitle, find, unknown_message
from helpers.schema import MOVIES

# tconst, primary, french, year, genres, director, collection, rating, votes, french?
FILMS = [
    ("tt0211915", "Amélie", "Le Fabuleux Destin d'Amélie Poulain", 2001,
     ["Comedy", "Romance"], "nm0000466", None, 8.3, 780_000, True),
    ("tt0101700", "Delicatessen", None, 1991, ["Comedy", "Crime"], "nm0000466", None,
     7.6, 80_000, True),
    ("tt0112682", "The City of Lost Children", "La Cité des enfants perdus", 1995,
     ["Fantasy", "Sci-Fi"], "nm0000466", None, 7.5, 70_000, True),
    ("tt1675434", "The Intouchables", "Intouchables", 2011, ["Biography", "Comedy", "Drama"],
     "nm0619923", None, 8.5, 900_000, True),
    ("tt1160419", "Dune", "Dune : Première partie", 2021, ["Adventure", "Sci-Fi"], "nm0898288",
     "Dune", 8.0, 900_000, False),
    ("tt15239678", "Dune: Part Two", "Dune : Deuxième partie", 2024, ["Adventure", "Sci-Fi"],
     "nm0898288", "Dune", 8.5, 600_000, False),
    ("tt0087182", "Dune", None, 1984, ["Adventure", "Sci-Fi"], "nm0000186", None,
     6.3, 160_000, False),
    ("tt0816692", "Interstellar", None, 2014, ["Adventure", "Drama", "Sci-Fi"], "nm0634240",
     None, 8.7, 2_000_000, False),
    ("tt0068646", "The Godfather", "Le Parrain", 1972, ["Crime", "Drama"], "nm0000338",
     "The Godfather", 9.2, 2_000_000, False),
    ("tt0071562", "The Godfather Part II", "Le Parrain, 2e partie", 1974, ["Crime", "Drama"],
     "nm0000338", "The Godfather", 9.0, 1_300_000, False),
    ("tt0095016", "Die Hard", "Piège de cristal", 1988, ["Action", "Thriller"], "nm0001532",
     None, 8.2, 950_000, False),
    ("tt0107048", "Groundhog Day", "Un jour sans fin", 1993, ["Comedy", "Fantasy", "Romance"],
     "nm0000601", None, 8.0, 680_000, False),
]


def hand_made_movies() -> pd.DataFrame:
    """A MOVIES-schema table of twelve well-known films (people and text kept minimal)."""
    rows = []
    for tconst, primary, french, year, genres, director, collection, rating, votes, fr in FILMS:
        row = {name: None for name in MOVIES.names}
        row.update(
            tconst=tconst, primary_title=primary, original_title=primary, french_title=french,
            year=year, runtime=110, genres=genres, average_rating=rating, num_votes=votes,
            directors=[director], director_names=[f"Director {director[-3:]}"], writers=[],
            writer_names=[], cast=[], cast_names=[], keywords=[], countries=[], companies=[],
            overview=f"{primary} overview", tagline="", collection=collection,
            original_language="fr" if fr else "en", is_french=fr)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def index() -> TitleIndex:
    return TitleIndex.from_movies(hand_made_movies())


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding a recommender fitted on the hand-made catalogue."""
    from helpers.reco.model import Recommender

    data = tmp_path_factory.mktemp("cli_data")
    Recommender().fit(hand_made_movies()).save(data / "models" / config.model_path().name)
    return data


@pytest.fixture()
def env(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CINE_DATA_DIR", str(model_dir))
    return model_dir


def test_find_and_homonym_note(index: TitleIndex) -> None:
    match, note = find(index, "le fabuleux destin d amelie")
    assert (match.tconst, note) == ("tt0211915", None)
    match, note = find(index, "dune")
    assert match.tconst == "tt1160419"
    assert note == ("  (même titre : Dune (1984) ; ajoutez l'année, par exemple "
                    "« Dune (1984) », pour choisir un autre film)")
    match, note = find(index, "Dune (1984)")
    assert (match.label, match.matched_on, note) == ("Dune (1984)", "original", None)


def test_unknown_title_message_lists_suggestions(index: TitleIndex) -> None:
    with pytest.raises(UnknownTitle) as caught:
        find(index, "Dunkerque")
    assert str(caught.value).startswith("Film introuvable : « Dunkerque ». Vouliez-vous dire : "
                                        "Dune : Première partie (2021) ;")
    assert unknown_message(" zzz ", SearchResult()) == (
        "Film introuvable : « zzz ». Vérifiez l'orthographe ou donnez l'identifiant IMDb (tt…).")


def test_ask_titles_reads_until_empty_line(index: TitleIndex,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["intouchabels", "zzzz qqqq", "le parain", ""])
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    chosen = ask_titles(index, read)
    assert [m.tconst for m in chosen] == ["tt1675434", "tt0068646"]
    assert prompts[0] == "Film aimé : "
    assert prompts[1] == "Autre film (Entrée pour terminer) : "
    out = capsys.readouterr().out
    assert "  -> Intouchables (2011)" in out
    assert "Film introuvable : « zzzz qqqq »." in out


def test_ask_titles_stops_at_end_of_input(index: TitleIndex) -> None:
    def read(prompt: str) -> str:
        raise EOFError

    assert ask_titles(index, read) == []


def test_format_text() -> None:
    amelie = Match("tt0211915", "Le Fabuleux Destin d'Amélie Poulain", "Amélie", 2001, 95.0,
                   "french")
    rows = [{"rank": 1, "label": "Delicatessen (1991)", "rating": 7.6,
             "reason": "même réalisateur (Director 466)"}]
    assert format_text([(amelie, None)], rows) == (
        "Vous avez aimé :\n"
        "  • Le Fabuleux Destin d'Amélie Poulain (2001)\n"
        "\n"
        "Nous vous recommandons (1 film) :\n"
        " 1. Delicatessen (1991) — note IMDb 7,6/10\n"
        "    même réalisateur (Director 466)")
    assert format_text([(amelie, None)], []).endswith(
        "Aucun film ne correspond à ces critères : élargissez les filtres.")


def test_cli_text_output(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Delicatessen is 4th: the list's diversity puts it after Intouchables (another French
    # comedy). It was 3rd only while a missing collection counted as a shared "nan" one.
    assert main(["recommend", "le fabuleux destin d amelie", "-n", "4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Vous avez aimé :\n  • Le Fabuleux Destin d'Amélie Poulain (2001)\n")
    assert "Nous vous recommandons (4 films) :" in out
    assert ". Delicatessen (1991) — note IMDb 7,6/10\n    même réalisateur (Director 466)" in out


def test_cli_json_with_several_films_and_filters(env: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "le parain", "--also", "Dune (2021)", "-n", "4", "--json",
                 "--decades", "1970", "1989"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["tconst"] for f in data["liked"]] == ["tt0068646", "tt1160419"]
    recs = data["recommendations"]
    assert [r["rank"] for r in recs] == list(range(1, len(recs) + 1))
    assert recs[0]["tconst"] == "tt0071562"  # the Godfather sequel, same saga
    assert all(1970 <= r["year"] <= 1989 for r in recs)
    assert set(recs[0]) == {"rank", "tconst", "title", "label", "original_title", "year",
                            "rating", "score", "reason"}


def test_cli_french_only(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "interstellar", "--french-only", "--json"]) == 0
    recs = json.loads(capsys.readouterr().out)["recommendations"]
    assert {r["tconst"] for r in recs} == {"tt0211915", "tt0101700", "tt0112682", "tt1675434"}


def test_cli_unknown_title_exits_1_with_suggestions(env: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "Dunkerque"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("Film introuvable : « Dunkerque ». Vouliez-vous dire : ")
    assert "Traceback" not in captured.err


def test_cli_interactive(env: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["un jour sans fin", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["recommend", "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "  -> Un jour sans fin (1993)" in out
    assert "Vous avez aimé :\n  • Un jour sans fin (1993)\n" in out


def test_cli_interactive_without_answer(env: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    def no_input(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", no_input)
    assert main(["recommend"]) == 1
    assert capsys.readouterr().err == "Aucun film choisi : rien à recommander.\n"


def test_cli_without_model_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CINE_DATA_DIR", str(tmp_path))
    assert main(["recommend", "dune"]) == 1
    assert "python -m helpers fit" in capsys.readouterr().err


def test_cli_on_tiny_synthetic_data(tiny_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.data.catalog import load_movies

    movies = load_movies(tiny_env / "processed").sort_values("num_votes", ascending=False)
    film = movies.iloc[0]
    typed = film["primary_title"].lower()
    assert main(["recommend", typed, "-n", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["liked"][0]["tconst"] == film["tconst"]
    recs = data["recommendations"]
    assert len(recs) == 5
    assert film["tconst"] not in {r["tconst"] for r in recs}
    assert all(r["reason"] for r in recs)


def test_recommend_benchmark_runs_on_tiny_data(tiny_data_dir: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import recommend as bench

    assert bench.main(["--processed", str(tiny_data_dir / "processed"), "--queries", "10",
                       "--rowwise-queries", "2", "--refit-queries", "1"]) == 0
    out = capsys.readouterr().out
    for line in ("fit ", "artifact", "single film", "five-film profile", "pandas row-wise",
                 "refit at every query"):
        assert line in out
