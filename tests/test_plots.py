"""Every chart renders from its KPI output (and from an empty one) without pyplot."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_kpi import make_tables

from helpers.analysis import kpi, plots
from helpers.audience import CREUSE


def chart_inputs(t: dict[str, pd.DataFrame]) -> dict[str, tuple]:
    """Chart function name -> positional arguments computed from the tables ``t``."""
    movies, people, credits, series = t["movies"], t["people"], t["credits"], t["series"]
    ages = kpi.credit_ages(credits, people)
    top = kpi.top_rated(movies, n=3)
    return {
        "plot_actor_timeline": (kpi.top_actors(credits, people),),
        "plot_top_by_decade": (kpi.top_actors_by_decade(credits, people),),
        "plot_runtime_trend": (kpi.runtime_by_period(movies, "year"),),
        "plot_runtime_distribution": (kpi.runtime_distribution(movies),),
        "plot_films_vs_series": (kpi.films_series_overlap(credits),),
        "plot_crossovers": (kpi.top_crossovers(credits, people),),
        "plot_genres_by_group": (kpi.genres_by_group(credits, movies, series),),
        "plot_age_by_decade": (kpi.age_by(ages, ["decade", "category"]),),
        "plot_age_leading": (kpi.age_by(ages, ["category", "leading"]),),
        "plot_top_rated": (top, kpi.bayes_prior(movies)[0]),
        "plot_overrepresentation": (kpi.overrepresentation(top, movies, "genres"), "genres"),
        "plot_titles_by_type": (kpi.titles_by_type(t["title_counts"]),),
        "plot_films_by_genre": (kpi.films_by_genre(movies),),
        "plot_films_by_decade": (kpi.films_by_decade(movies),),
        "plot_rating_distribution": (kpi.rating_distribution(movies),),
        "plot_votes_distribution": (kpi.votes_distribution(movies),),
        "plot_french_by_decade": (kpi.french_by_decade(movies),),
        "plot_countries": (kpi.top_countries(movies),),
        "plot_money_by_decade": (kpi.money_by_decade(movies),),
        "plot_top_directors": (kpi.top_directors(movies),),
        "plot_audience_offer": (kpi.audience_offer(movies, CREUSE),),
    }


FULL = chart_inputs(make_tables())
EMPTY = chart_inputs({name: df.iloc[:0] for name, df in make_tables().items()})


def texts(fig: Figure) -> str:
    """All visible text of a drawn figure (titles, labels, tick labels, annotations)."""
    fig.canvas.draw()
    found = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return "\n".join(t for t in found if t)


def test_every_chart_function_is_covered() -> None:
    public = sorted(n for n in dir(plots) if n.startswith("plot_"))
    assert public == sorted(FULL)


@pytest.mark.parametrize("name", sorted(FULL))
def test_chart_renders_without_pyplot(name: str) -> None:
    plt.close("all")
    fig = getattr(plots, name)(*FULL[name])
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches())[0] == 8.0
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"
    assert plt.get_fignums() == []  # nothing registered in pyplot, nothing shown
    assert fig.axes[0].get_title(loc="left") or fig.get_suptitle()
    assert "Aucune donnée" not in texts(fig)


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_chart_on_empty_input_says_so(name: str) -> None:
    fig = getattr(plots, name)(*EMPTY[name])
    assert isinstance(fig, Figure)
    text = texts(fig)
    assert "Aucun" in text or "Pas de" in text


def test_labels_are_french() -> None:
    timeline = texts(plots.plot_actor_timeline(*FULL["plot_actor_timeline"]))
    assert "Actrices" in timeline and "3 films" in timeline and "Alice" in timeline
    genres = texts(plots.plot_films_by_genre(*FULL["plot_films_by_genre"]))
    assert "Comédie" in genres and "Famille" in genres
    types = texts(plots.plot_titles_by_type(*FULL["plot_titles_by_type"]))
    assert "Court métrage" in types and "Série TV" in types
    countries = texts(plots.plot_countries(*FULL["plot_countries"]))
    assert "France" in countries and "Belgique" in countries


def test_numbers_are_formatted_the_french_way() -> None:
    top = texts(plots.plot_top_rated(*FULL["plot_top_rated"]))
    assert "7,88" in top and "Un (1960)" in top  # French title preferred, decimal comma
    assert "m = 550 votes" in top
    overlap = texts(plots.plot_films_vs_series(*FULL["plot_films_vs_series"]))
    assert "3 (60,0\u00a0%)" in overlap
    big = pd.DataFrame({"genre": ["Drama"], "label": ["Drame"], "n_films": [12345],
                        "share": [1.0]})
    assert "12\u00a0345" in texts(plots.plot_films_by_genre(big))


def test_colour_blind_safe_palette() -> None:
    fig = plots.plot_age_by_decade(*FULL["plot_age_by_decade"])
    colours = {line.get_color() for line in fig.axes[0].get_lines() if line.get_xdata().size}
    assert colours == {plots.CATEGORY_COLOR["actor"], plots.CATEGORY_COLOR["actress"]}
    assert colours <= set(plots.PALETTE)
