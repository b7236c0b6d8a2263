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


# ----------------------------------------------------------- phone layout, text, bytes
@pytest.mark.parametrize("name", sorted(FULL))
def test_phone_layout_of_every_chart_fits_and_reads(name: str) -> None:
    """Every chart laid out for a phone: 4.2 in wide, text 1.4x larger, nothing collapsed,
    drawn inside the figure."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = getattr(plots, name)(*FULL[name])
    FigureCanvasAgg(fig).draw()
    ticks = [t.get_fontsize() for ax in fig.axes for t in ax.get_xticklabels()]
    title = plots.figure_title(fig)
    phone = plots.phone_figure(fig)
    canvas = FigureCanvasAgg(phone)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied": a collapsed chart
        canvas.draw()
    assert phone is fig and tuple(fig.get_size_inches())[0] == plots.PHONE_WIDTH
    assert fig.get_suptitle().replace("\n", " ") == title
    assert all(len(line) <= plots.PHONE_TITLE_CHARS for line in fig.get_suptitle().split("\n"))
    now = [t.get_fontsize() for ax in fig.axes for t in ax.get_xticklabels()]
    if ticks and now:
        assert min(now) == pytest.approx(min(ticks) * plots.PHONE_TEXT)
    drawn = fig.get_tightbbox(canvas.get_renderer())  # inches, every artist drawn
    assert drawn.x0 >= -0.02 and drawn.x1 <= plots.PHONE_WIDTH + 0.02, (name, drawn)


def test_phone_layout_shortens_long_labels() -> None:
    films = pd.DataFrame({"french_title": ["Le Fabuleux Destin d'Amélie Poulain", "Un"],
                          "primary_title": ["x", "y"], "year": [2001, 1960],
                          "score": [8.1, 7.9]})
    fig = plots.phone_figure(plots.plot_top_rated(films))
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "Le Fabuleux\nDestin d'Amélie…", "Un (1960)"]
    assert not fig.axes[0].xaxis.get_tick_params()["labelbottom"]  # values on the bars


def test_text_alternative_of_a_chart() -> None:
    genres = plots.plot_films_by_genre(*FULL["plot_films_by_genre"])
    (shown,) = FULL["plot_films_by_genre"]
    pairs = [f"{label} : {plots.fr_number(n)}" for label, n in zip(
        shown["label"].head(5), shown["n_films"].head(5), strict=True)]
    more = f" (et {len(shown) - 5} autres)" if len(shown) > 5 else ""
    assert plots.figure_alt(genres) == (f"{plots.figure_title(genres)}. "
                                        + "\u00a0; ".join(pairs) + more + ".")
    ages = plots.plot_age_by_decade(*FULL["plot_age_by_decade"])
    assert plots.figure_alt(ages) == ("Âge moyen des interprètes à la sortie du film. "
                                      "Âge moyen (ans) selon Décennie de sortie.")


def test_palette_png_is_smaller_and_the_same_size() -> None:
    import base64

    from PIL import Image

    fig = plots.plot_runtime_trend(*FULL["plot_runtime_trend"])
    full = plots.figure_data_uri(fig, close=False)
    small = plots.figure_data_uri(fig, colors=128)
    decode = lambda uri: base64.b64decode(uri.split(",", 1)[1])  # noqa: E731
    assert len(decode(small)) < 0.6 * len(decode(full))
    full_image, small_image = (Image.open(io.BytesIO(decode(u))) for u in (full, small))
    assert small_image.size == full_image.size == (768, 432) and small_image.mode == "P"


@pytest.mark.parametrize("label", ["x $^$ y", r"a $\frac$ b", "5 $ ou 10 $"])
def test_dollar_signs_in_titles_and_names_do_not_break_a_chart(label: str) -> None:
    """A pair of "$" in a label is a matplotlib formula; a malformed one failed the draw."""
    fig = plots._barh([label, "b"], [1, 2], "t", "x")
    assert plots.figure_data_uri(fig).startswith("data:image/png;base64,")
    (ax,) = fig.axes
    assert ax.get_yticklabels()[0].get_text().replace("\\$", "$") == label
    assert plots._short(plots._short(label)) == plots._short(label)  # escaped once
