"""The sourced market-figures table, its charts and the audience settings derived from it."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import require
from matplotlib.figure import Figure

from helpers import cli
from helpers.analysis import market
from helpers.audience import CREUSE, EVIDENCE, AudienceProfile
from helpers.errors import CineError
from helpers.fmt import GENRES_FR, NBSP


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return market.load_market_figures()


def test_table_columns_sources_and_confidence(figures: pd.DataFrame) -> None:
    assert tuple(figures.columns) == market.COLUMNS
    assert len(figures) == len(market.SPECS)
    assert figures["id"].is_unique
    assert figures["source_url"].str.match(r"https?://\S+$").all()
    assert (figures["source_title"].str.len() > 0).all()
    assert set(figures["confidence"]) <= {"A", "B", "C"}
    qualitative = figures["unit"] == "qualitatif"
    assert figures.loc[~qualitative, "value"].notna().all()
    assert figures.loc[qualitative, "value"].isna().all()


def test_known_figures_read_from_values_parts_and_notes(figures: pd.DataFrame) -> None:
    expected = {
        "creuse_part_60_plus_2018": 38.4,  # whole value
        "creuse_population_1968": 156876,
        "france_cinemas_2023": 2056,  # "2,056 / 6,322", thousands separator dropped
        "france_ecrans_2023": 6322,
        "france_part_entrees_25_49_2023": 27.0,  # "30.6 / 27.0", second part
        "france_part_films_francais_2024": 44.8,  # final figure, not the early estimate
        "marchois_part_films_francais_2022": 81.8,  # read in the note
        "france_indice_vieillissement_2025": 96.0,
        "creuse_entrees_2021": 82582,
        "creuse_entrees_2024": 155000,  # "more than 155000"
    }
    assert {k: market.value(figures, k) for k in expected} == expected
    row = figures.set_index("id").loc["marchois_part_films_francais_2022"]
    assert (row["geography"], row["year"], row["confidence"]) == ("La Courtine", "2022", "C")


def test_committed_table_equals_regenerated(tmp_path) -> None:
    shared = market.shared_facts_path()
    require(shared.is_file(), f"shared market facts not found at {shared}")
    out = tmp_path / "market_figures.csv"
    assert cli.main(["market", "--out", str(out)]) == 0
    committed = market.market_csv_path().read_bytes()
    assert out.read_bytes() == committed
    assert committed != shared.read_bytes()  # the project's own table, not a copy


def test_only_sourced_rows_are_kept_and_missing_rows_fail(tmp_path, monkeypatch) -> None:
    shared = tmp_path / "facts.csv"
    pd.DataFrame([
        ["national", "Total entries", "181.5", "million entries", "2024", "France", "T1",
         "https://example.org/a", "confidence B; +0.6% vs 2023"],
        ["national", "Entries per inhabitant", "2.73", "entries per inhabitant", "2024", "France",
         "T2", "", "confidence B"],
    ], columns=["topic", "indicator", "value", "unit", "year", "geography", "source_title",
                "source_url", "note"]).to_csv(shared, index=False)
    entries = market.Spec("e", ("France", "Total entries", "2024"), "Entrées", "millions")
    change = market.Spec("c", ("France", "Total entries", "2024"), "Évolution", "%",
                         r"note:\+([\d.]+)%")
    monkeypatch.setattr(market, "SPECS", (entries, change))
    table = market.build_market_figures(shared)
    assert table[["id", "value", "confidence", "source_url"]].values.tolist() == [
        ["e", "181.5", "B", "https://example.org/a"], ["c", "0.6", "B", "https://example.org/a"]]
    unsourced = market.Spec("u", ("France", "Entries per inhabitant", "2024"), "Entrées/hab.", "")
    monkeypatch.setattr(market, "SPECS", (entries, unsourced))
    with pytest.raises(CineError, match="'u'.*not found"):
        market.build_market_figures(shared)
    no_number = market.Spec("n", ("France", "Total entries", "2024"), "x", "", r"note:(zz)")
    monkeypatch.setattr(market, "SPECS", (no_number,))
    with pytest.raises(CineError, match="no number found"):
        market.build_market_figures(shared)


def test_missing_shared_file_is_an_actionable_error(tmp_path) -> None:
    with pytest.raises(CineError, match="CINE_SHARED_DIR"):
        market.build_market_figures(tmp_path / "absent.csv")


def test_french_formatting_and_citations(figures: pd.DataFrame) -> None:
    assert market.fmt(1950) == f"1{NBSP}950"
    assert market.fmt(38.4) == "38,4"
    assert market.fmt(151.97) == "151,97"
    assert market.fmt(-0.7) == "-0,7"
    assert market.fmt(27.0, 1) == "27,0"
    assert market.cite(figures, "creuse_part_60_plus_2018") == (
        f"38,4{NBSP}% (Creuse, 2018, confiance C)")
    assert market.cite(figures, "creuse_indice_vieillissement_2025") == (
        "179,8 (Creuse, 2025, confiance B)")
    assert market.caption(figures, ["creuse_part_0_14_2018", "creuse_part_75_plus_2018"]) == (
        "Sources : INSEE - Évolution et structure de la population en 2018, Département de la "
        "Creuse (23) (confiance A).")
    with pytest.raises(CineError, match="unknown market figure"):
        market.value(figures, "nope")


def test_sources_section_lists_every_source_escaped(figures: pd.DataFrame) -> None:
    sources = market.sources_table(figures)
    assert sources["chiffres"].sum() == len(figures)
    assert len(sources) == figures["source_url"].nunique()
    page = market.sources_html(figures)
    assert page.count("<tr>") == len(sources) + 1
    assert "&amp;geo=DEP-23" in page and "&geo=DEP-23" not in page


@pytest.mark.parametrize("chart", market.CHARTS, ids=lambda f: f.__name__)
def test_chart_is_a_figure_with_its_sources_below(chart, figures: pd.DataFrame) -> None:
    fig = chart(figures)
    try:
        assert isinstance(fig, Figure)
        captions = [t.get_text() for t in fig.texts if t.get_text().startswith("Sources : ")]
        assert len(captions) == 1
        used = figures.set_index("id").loc[fig.market_ids]
        assert len(fig.market_ids) >= 4
        flat = captions[0].replace("\n", " ")
        for title in used["source_title"].unique():
            assert title.replace("\n", " ") in flat
    finally:
        plt.close(fig)


def test_audience_settings_follow_the_market_figures(figures: pd.DataFrame) -> None:
    fields = {f.name for f in dataclasses.fields(AudienceProfile)}
    assert set(EVIDENCE) == fields
    assert {i for ids in EVIDENCE.values() for i in ids} <= set(figures["id"])
    v = lambda i: market.value(figures, i)  # noqa: E731
    assert CREUSE.local_preference == round(v("creuse_part_60_plus_2018") / 100, 1) == 0.4
    assert CREUSE.french_bonus == round(
        v("creuse_part_films_francais_2022") / v("france_part_films_francais_2022"), 1) == 1.2
    assert set(CREUSE.favoured_genres) <= set(GENRES_FR)
    # French films are about half of the local entries, not all: no "French only" default.
    assert CREUSE.default_french_only is (v("creuse_part_films_francais_2022") >= 50) is False
