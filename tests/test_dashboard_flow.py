"""The visitor's flow on the dashboard: what the text box does to the list and the results.

Regression tests of two bugs found in review: changing a filter or removing a film chip used
to add whatever text was still in the box as a liked film (or empty the results), and a box
holding a film already liked, or an 11th film, made every "Recommander" click clear the
results without ever emptying the box.
"""

from __future__ import annotations

import pytest
from test_dashboard import model  # noqa: F401 (the fitted catalogue of real-looking films)

from helpers.app.dashboard import MAX_LIKED, N_RESULTS, DashboardApp, Filters
from helpers.audience import CREUSE
from helpers.reco.model import Recommender
from helpers.reco.search import TitleIndex


@pytest.fixture()
def app(model: tuple[Recommender, TitleIndex]) -> DashboardApp:  # noqa: F811 (the fixture)
    return DashboardApp(*model, {})


def with_results(app: DashboardApp, *titles: str) -> DashboardApp:
    for title in titles:
        assert app.add_film(title) is not None, title
    app.recommend()
    assert len(app.results) == N_RESULTS
    return app


def test_changing_a_filter_leaves_the_typed_text_alone(app: DashboardApp) -> None:
    with_results(app, "Intouchables")
    app.text.value = "le parrain"  # typed, not added yet
    app.french_only.value = True
    assert app.liked_ids == ["tt1675434"]
    assert app.text.value == "le parrain"
    assert len(app.results) > 0 and app.movies.loc[app.results["tconst"], "is_french"].all()


def test_changing_a_filter_closes_an_open_sheet(app: DashboardApp) -> None:
    """The sheet's film may no longer be proposed, or for another reason: back to the list."""
    with_results(app, "Intouchables")
    assert app.open_sheet(app.results["tconst"].iloc[0])
    app.french_only.value = True
    assert app.sheet_tconst is None and app.results_grid.layout.display != "none"


def test_a_filter_leading_nowhere_says_so_without_touching_the_list(app: DashboardApp) -> None:
    with_results(app, "Intouchables")
    app.text.value = "xyzzy"  # matches nothing: once added it would have emptied everything
    app.set_filters(decades=(1930, 1930), french_only=True)
    assert app.liked_ids == ["tt1675434"] and app.text.value == "xyzzy"
    assert app.results.empty and "Aucun film ne correspond à ces filtres" in app.message.value


def test_removing_a_chip_leaves_the_typed_text_alone(app: DashboardApp) -> None:
    with_results(app, "Intouchables", "Les Choristes")
    app.text.value = "toy story"
    app.remove_film("tt0372824")
    assert app.liked_ids == ["tt1675434"]
    assert app.text.value == "toy story"
    assert len(app.results) == N_RESULTS
    assert "retiré de votre liste" in app.message.value


def test_a_typed_film_already_liked_recommends_and_empties_the_box(app: DashboardApp) -> None:
    with_results(app, "Intouchables")
    app.text.value = "intouchables"
    for _ in range(2):  # every click works, not only the first
        app.recommend()
        assert app.text.value == ""
        assert len(app.results) == N_RESULTS
        assert app.liked_ids == ["tt1675434"]
    app.text.value = "intouchables"
    app.recommend()
    assert "est déjà dans votre liste" in app.message.value
    assert "10 films pour qui a aimé" in app.message.value


def test_an_eleventh_film_recommends_for_the_ten_and_says_why(app: DashboardApp) -> None:
    titles = app.movies["primary_title"].tolist()
    with_results(app, *titles[:MAX_LIKED])
    before = app.liked_ids
    app.text.value = "Toy Story"
    app.recommend()
    assert app.liked_ids == before and len(before) == MAX_LIKED
    assert app.text.value == ""
    assert len(app.results) == N_RESULTS
    assert "n'a pas été ajouté : votre liste compte déjà 10 films" in app.message.value


def test_an_unknown_typed_title_keeps_the_results_shown(app: DashboardApp) -> None:
    with_results(app, "Intouchables")
    shown = app.results["tconst"].tolist()
    app.text.value = "xyzzy"
    app.recommend()
    assert app.results["tconst"].tolist() == shown
    assert app.text.value == "xyzzy" and "Aucun film ne correspond" in app.message.value


def test_the_enter_key_adds_the_typed_film_then_recommends(app: DashboardApp) -> None:
    app.text.value = "le parrain"
    app.recommend()
    assert app.liked_ids == ["tt0068646"] and app.text.value == ""
    assert len(app.results) == N_RESULTS


def test_default_filters_come_from_the_audience_profile(app: DashboardApp) -> None:
    assert app.filters() == Filters() == Filters(
        decades=CREUSE.default_decades, french_only=CREUSE.default_french_only,
        local_preference=CREUSE.local_preference, min_rating=CREUSE.default_min_rating)
    assert app.local_preference.value == 0.4 and app.french_only.value is False
    assert app.decades.value == (app.decades.min, app.decades.max)


def test_minimum_rating_filter(app: DashboardApp) -> None:
    with_results(app, "Intouchables")
    app.set_filters(min_rating=8.0)
    assert len(app.results) > 0
    assert (app.movies.loc[app.results["tconst"], "average_rating"] >= 8.0).all()
