"""French formatting: numbers, runtimes, dates and the labels of IMDb codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from helpers.data import synthetic_words
from helpers.fmt import GENRES_FR, TITLE_TYPES_FR, fr_date, fr_number, fr_runtime


def real_codes(real_dir: Path, column: str) -> set[str]:
    """Every value of a ``title.basics`` column across the real IMDb samples."""
    found: set[str] = set()
    for path in sorted(real_dir.glob("*/title.basics.tsv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                value = row[column]
                if value and value != "\\N":
                    found.update(value.split(","))
    return found


def test_every_imdb_genre_has_a_french_label(real_dir: Path) -> None:
    genres = real_codes(real_dir, "genres")
    assert len(genres) >= 25  # the samples hold nearly all 28 IMDb genres
    assert genres <= set(GENRES_FR)
    assert set(synthetic_words.GENRES) <= set(GENRES_FR)
    assert GENRES_FR["Comedy"] == "Comédie" and GENRES_FR["Crime"] == "Policier"


def test_every_imdb_title_type_has_a_french_label(real_dir: Path) -> None:
    assert real_codes(real_dir, "titleType") <= set(TITLE_TYPES_FR)


@pytest.mark.parametrize(("minutes", "text"), [
    (112, "1 h 52"), (45, "45 min"), (60, "1 h 00"), ("90", "1 h 30"), (61.7, "1 h 01"),
    (None, ""), (float("nan"), ""), (0, ""), (-3, ""), ("x", "")])
def test_runtime(minutes: object, text: str) -> None:
    assert fr_runtime(minutes) == text


def test_numbers_and_dates() -> None:
    assert fr_number(12345.6) == "12\u00a0346" and fr_number(6.54, 1) == "6,5"
    assert fr_number(None) == "n.d." and fr_number(-0.04, 1) == "0,0"
    assert fr_date("2026-11-24T07:10:00+00:00") == "24/11/2026"
    assert fr_date("2026-11-24T07:10:00+00:00", with_time=True) == "24/11/2026 à 07:10 UTC"
    assert fr_date("2026-11-24") == "24/11/2026"
    assert fr_date("pas une date") == "pas une date"
