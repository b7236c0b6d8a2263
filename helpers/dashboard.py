"""The customers' dashboard (served by Voilà): recommendations, indicators, about.

``dashboard.ipynb`` only calls :func:`build_app`. All the logic lives in
:class:`DashboardApp`, whose methods (``add_film``, ``remove_film``, ``recommend``,
``set_filters``) and widget values can be driven and inspected without a browser.
Everything coming from the data or from the visitor is HTML-escaped.

A kernel loads only precomputed artifacts: the fitted recommender (which holds the
catalogue, mostly mapped from disk) and the title index at start. The "Indicateurs" pages
are drawn out of the kernel and shared by every kernel as files (:mod:`helpers.indicators`).
"""

from __future__ import annotations

import ctypes
import gc
import html
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd
import pyarrow

from helpers import config
from helpers.audience import CREUSE
from helpers.errors import CineError
from helpers.fmt import fr_number, genre_fr
from helpers.posters import display_title, poster_img

if TYPE_CHECKING:
    from helpers.indicators import IndicatorsPanel

#: At most this many liked films (a taste profile, not a watch list).
MAX_LIKED = 10
#: Type-ahead suggestions shown under the input.
N_SUGGESTIONS = 8
#: Recommended films shown.
N_RESULTS = 10
#: Longest text accepted as a title (longer is pasted text, refused with a message).
MAX_INPUT_CHARS = 200
#: Longest text read at all: anything longer is refused without being cleaned, so that a
#: 1 MB value sent over the websocket costs microseconds, not a third of a second.
MAX_RAW_CHARS = 10 * MAX_INPUT_CHARS
#: Shortest input worth suggesting titles for.
MIN_SUGGEST_CHARS = 2

IMDB_TITLE_URL = "https://www.imdb.com/title/{}/"
IMDB_ATTRIBUTION = "Information courtesy of IMDb (https://www.imdb.com). Used with permission."
TMDB_ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."
_TCONST = re.compile(r"^tt\d{1,10}$")

TAB_TITLES = ("Recommandations", "Indicateurs", "À propos")


# ----------------------------------------------------------------------------- HTML
def esc(value: object) -> str:
    """HTML-escaped text of any value (None and NaN become an empty string)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def _quote_input(text: str, limit: int = 60) -> str:
    """The visitor's text, shortened and escaped, between French quotes."""
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"«\u00a0{esc(short)}\u00a0»"


def clean_input(text: object) -> str:
    """The visitor's text without invisible or invalid characters (controls, lone
    surrogates, zero-width marks), whitespace collapsed; "" for a non-string."""
    if not isinstance(text, str):
        return ""
    kept = "".join(" " if c.isspace() else c for c in text
                   if c.isspace() or unicodedata.category(c) not in {"Cc", "Cf", "Cs"})
    return " ".join(kept.split())


def _raw_length(text: object) -> int:
    """Characters of the visitor's raw text (0 for a non-string)."""
    return len(text) if isinstance(text, str) else 0


def _has_text(text: object) -> bool:
    """Whether the input holds something to act on (bounded work, see MAX_RAW_CHARS)."""
    return _raw_length(text) > MAX_RAW_CHARS or bool(clean_input(text))


def message_html(kind: str, text_html: str) -> str:
    """A coloured message box; ``kind`` is info, ok, warn or error; ``text_html`` is escaped."""
    return f'<div class="cc-msg cc-msg-{kind}" role="status">{text_html}</div>'


def runtime_fr(minutes: object) -> str:
    """``112`` -> ``"1 h 52"``; ``45`` -> ``"45 min"``; missing -> ``""``."""
    value = pd.to_numeric(pd.Series([minutes]), errors="coerce").iloc[0]
    if pd.isna(value) or value <= 0:
        return ""
    hours, mins = divmod(int(value), 60)
    return f"{mins} min" if hours == 0 else f"{hours} h {mins:02d}"


def _tenth(value: float) -> float:
    """``value`` clipped to [0, 1] and rounded to a tenth (the local-preference slider's steps)."""
    return round(min(max(float(value), 0.0), 1.0), 1)


def _lists(value: object) -> list[str]:
    if value is None or isinstance(value, float | str):
        return []
    return [str(v) for v in value if v is not None]


def card_html(row: Mapping, reason: str) -> str:
    """One result card: linked poster, title, year, rating, runtime, genres and reason."""
    tconst = str(row.get("tconst", ""))
    title = display_title(row) or "Sans titre"
    year = row.get("year")
    year_text = "" if pd.isna(year) else str(int(year))
    rating = row.get("average_rating")
    meta = [esc(year_text)] if year_text else []
    if not pd.isna(rating):
        meta.append(f'<span class="cc-card-rating">★ {esc(fr_number(rating, 1))}</span>')
    if runtime_fr(row.get("runtime")):
        meta.append(esc(runtime_fr(row.get("runtime"))))
    genres = ", ".join(genre_fr(g) for g in _lists(row.get("genres")))
    original = row.get("original_title")
    original_html = (f'<div class="cc-card-meta"><i>{esc(original)}</i></div>'
                     if isinstance(original, str) and original and original != title else "")
    poster = poster_img(row)
    title_html = esc(title)
    if _TCONST.match(tconst):
        url = esc(IMDB_TITLE_URL.format(tconst))
        link = f'href="{url}" target="_blank" rel="noopener noreferrer" title="Fiche IMDb"'
        poster = f'<a class="cc-poster-link" {link}>{poster}</a>'
        title_html = f"<a {link}>{title_html}</a>"
    else:
        poster = f'<a class="cc-poster-link">{poster}</a>'
    return (
        f'<div class="cc-card" data-tconst="{esc(tconst)}">{poster}'
        f'<div class="cc-card-body"><div class="cc-card-title">{title_html}</div>'
        f"{original_html}"
        f'<div class="cc-card-meta">{" · ".join(meta)}</div>'
        f'<div class="cc-card-genres">{esc(genres)}</div>'
        f'<div class="cc-card-reason">Parce que : {esc(reason)}</div></div></div>'
    )


def cards_html(movies: pd.DataFrame, recommendations: pd.DataFrame) -> str:
    """The grid of result cards, in the recommender's order."""
    rows = movies.loc[recommendations["tconst"]].to_dict("records")
    cards = "".join(card_html(row, reason)
                    for row, reason in zip(rows, recommendations["reason"], strict=True))
    return f'<div class="cc-grid">{cards}</div>'


def decade_slider(movies: pd.DataFrame, width: str) -> widgets.IntRangeSlider:
    """A decade-range slider spanning the catalogue's decades, all selected."""
    years = pd.to_numeric(movies["year"], errors="coerce").dropna()
    lo = int(years.min()) // 10 * 10 if len(years) else 1900
    hi = int(years.max()) // 10 * 10 if len(years) else 2020
    return widgets.IntRangeSlider(value=(lo, hi), min=lo, max=hi, step=10, description="Années",
                                  continuous_update=False, readout_format="d",
                                  layout=widgets.Layout(width=width))


def decade_range(slider: widgets.IntRangeSlider) -> tuple[int, int] | None:
    """The slider's decades as a filter: None when the whole span is selected."""
    lo, hi = slider.value
    return None if (lo, hi) == (slider.min, slider.max) else (int(lo), int(hi))


def genre_options(movies: pd.DataFrame) -> list[tuple[str, str]]:
    """(French label, IMDb name) of the catalogue's genres, in French alphabetical order."""
    genres = movies["genres"].explode().dropna().unique()
    return sorted(((genre_fr(str(g)), str(g)) for g in genres), key=lambda o: o[0].casefold())


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The page's CSS (``helpers/dashboard.css``) inside a ``<style>`` tag."""
    css = resources.files("helpers").joinpath("dashboard.css").read_text(encoding="utf-8")
    return f"<style>{css}</style>"


# --------------------------------------------------------------------------- the app
@dataclass(frozen=True)
class Filters:
    """The recommendation filters as the recommender takes them (None: no filter)."""

    decades: tuple[int, int] | None = None
    genres: tuple[str, ...] | None = None
    french_only: bool = False
    local_preference: float = CREUSE.local_preference

    def kwargs(self) -> dict:
        return {"decades": self.decades, "genres": list(self.genres) if self.genres else None,
                "french_only": self.french_only, "local_preference": self.local_preference}


class DashboardApp:
    """The whole page as ipywidgets; ``.root`` is what the notebook displays.

    Args:
        recommender: a fitted :class:`helpers.recommender.Recommender` (its ``movies_``
            is the catalogue shown).
        index: a :class:`helpers.search.TitleIndex` over the same catalogue.
        manifest: the ingest manifest (sources, dates, counts) for "À propos".
        indicators: builds the :class:`IndicatorsPanel` lazily, when its tab is first opened
            (None: a short notice instead).
    """

    def __init__(self, recommender: object, index: object, manifest: Mapping | None = None,
                 indicators: Callable[[], IndicatorsPanel] | None = None) -> None:
        self.recommender = recommender
        self.index = index
        self.manifest = dict(manifest or {})
        self.movies = recommender.movies_
        self.liked: list = []  # Match objects, in the order added
        self.suggested: list = []  # Match objects behind the suggestion buttons
        self.results: pd.DataFrame = pd.DataFrame(columns=["tconst", "score", "reason"])
        self._indicators_factory = indicators
        self.indicators: IndicatorsPanel | None = None
        self._refresh_on_filter = True

        self.text = widgets.Text(placeholder="Un film que vous avez aimé : « Les Choristes »…",
                                 continuous_update=True, layout=widgets.Layout(flex="1 1 auto"))
        self.text.add_class("reco-input")
        self.add_button = widgets.Button(description="Ajouter", icon="plus",
                                         tooltip="Ajouter ce film à votre liste",
                                         layout=widgets.Layout(width="120px", height="46px"))
        self.add_button.add_class("reco-add")
        self.button = widgets.Button(description="Recommander", icon="film",
                                     tooltip="Trouver des films pour vous",
                                     layout=widgets.Layout(width="190px"))
        self.button.add_class("reco-button")
        self.suggestion_buttons = [self._make_button("reco-suggestion", self._pick(i))
                                   for i in range(N_SUGGESTIONS)]
        self.chip_buttons = [self._make_button("reco-chip", self._unpick(i))
                             for i in range(MAX_LIKED)]
        self.message = widgets.HTML()
        self.message.add_class("reco-message")
        self.results_html = widgets.HTML()
        self.results_html.add_class("reco-results")
        self._build_filters()

        self.text.observe(lambda change: self.suggest(change["new"]), names="value")
        with warnings.catch_warnings():
            # on_submit is the only Enter event of a Text that keeps continuous updates
            # (needed for type-ahead); ipywidgets 8 deprecates it without a replacement.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.text.on_submit(lambda _: self.submit())
        self.add_button.on_click(lambda _: self.add_film(self.text.value))
        self.button.on_click(lambda _: self.recommend())

        self.indicators_box = widgets.VBox()
        self.tabs = widgets.Tab(children=[self._reco_tab(), self.indicators_box,
                                          self._about_tab()], titles=TAB_TITLES)
        self.tabs.add_class("cc-tabs")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.root = widgets.VBox([widgets.HTML(stylesheet()), widgets.HTML(self._header_html()),
                                  widgets.HTML(self.banner_html()), self.tabs])
        self.root.add_class("cc-app")
        self._say("info", "Tapez le titre d'un film que vous avez aimé, choisissez-le dans la "
                          "liste, puis cliquez sur «\u00a0Recommander\u00a0».")

    # ----------------------------------------------------------------- layout
    @staticmethod
    def _make_button(css: str, handler: Callable) -> widgets.Button:
        button = widgets.Button(layout=widgets.Layout(display="none", width="auto"))
        button.add_class(css)
        button.on_click(handler)
        return button

    def _build_filters(self) -> None:
        self.decades = decade_slider(self.movies, "360px")
        self.genres = widgets.SelectMultiple(options=genre_options(self.movies), rows=5,
                                             description="Genres",
                                             layout=widgets.Layout(width="300px"))
        self.french_only = widgets.Checkbox(value=False, description="Films français uniquement",
                                            indent=False)
        # A slider over 0, 0.1 ... 1 labelled the French way ("0,3": FloatSlider shows "0.3").
        self.local_preference = widgets.SelectionSlider(
            options=[(fr_number(i / 10, 1), round(i / 10, 1)) for i in range(11)],
            value=_tenth(CREUSE.local_preference),
            description="Goûts locaux", continuous_update=False,
            tooltip="Favorise ce que le public de la Creuse apprécie",
            style={"description_width": "initial"}, layout=widgets.Layout(width="300px"))
        for widget, css in ((self.decades, "reco-decades"), (self.genres, "reco-genres"),
                            (self.french_only, "reco-french"),
                            (self.local_preference, "reco-local")):
            widget.add_class(css)
            widget.observe(self._on_filter, names="value")

    def _reco_tab(self) -> widgets.Widget:
        intro = widgets.HTML(
            '<div class="cc-h2">Vos films préférés</div><p class="cc-hint">Ajoutez un ou '
            "plusieurs films que vous avez aimés (titre français ou original, les fautes de "
            "frappe sont tolérées). Nous vous proposons dix films dans la même veine.</p>")
        search_row = widgets.HBox([self.text, self.add_button, self.button],
                                  layout=widgets.Layout(align_items="center"))
        suggestions = widgets.VBox(self.suggestion_buttons,
                                   layout=widgets.Layout(align_items="flex-start"))
        suggestions.add_class("cc-suggestions")
        chips = widgets.HBox(self.chip_buttons, layout=widgets.Layout(flex_flow="row wrap"))
        chips.add_class("cc-chips")
        search = widgets.VBox([intro, search_row, suggestions, chips, self.message])
        search.add_class("cc-panel")
        filters_title = widgets.HTML(
            '<div class="cc-h2">Affiner</div><p class="cc-hint">Période, genres, films '
            "français, et le poids donné aux goûts du public local (0 : aucun, 1 : fort).</p>")
        filters = widgets.HBox(
            [widgets.VBox([self.decades, self.local_preference, self.french_only]), self.genres],
            layout=widgets.Layout(flex_flow="row wrap"))
        filters_box = widgets.VBox([filters_title, filters])
        filters_box.add_class("cc-panel")
        filters_box.add_class("cc-filters")
        return widgets.VBox([search, filters_box, self.results_html])

    def _header_html(self) -> str:
        return ('<div class="cc-header"><h1>Ciné <span>Creuse</span></h1><p>Des idées de films '
                "pour vos prochaines séances à Guéret, et les chiffres du cinéma.</p></div>")

    def banner_html(self) -> str:
        """The demo-data warning shown above every tab (empty for real data)."""
        if not self.manifest.get("synthetic"):
            return ""
        return ('<div class="cc-banner reco-banner"><b>Données de démonstration.</b> Ces films, '
                "notes et chiffres sont SYNTHÉTIQUES (générés pour tester l'application hors "
                "ligne) : ce ne sont pas de vraies données IMDb ou TMDB.</div>")

    def _about_tab(self) -> widgets.Widget:
        about = widgets.HTML(about_html(self.manifest))
        about.add_class("cc-panel")
        return widgets.VBox([about])

    def _on_tab(self, change: Mapping) -> None:
        if change["new"] == 1:
            self.show_indicators()

    def show_indicators(self) -> None:
        """Build the "Indicateurs" tab on first use (the shared default page, see module doc)."""
        if self.indicators is not None:
            return
        if self._indicators_factory is None:
            self.indicators_box.children = (widgets.HTML(message_html(
                "info", "Les indicateurs ne sont pas disponibles avec ces données.")),)
            return
        self.indicators_box.children = (widgets.HTML(message_html(
            "info", "Calcul des indicateurs en cours…")),)
        try:
            self.indicators = self._indicators_factory()
            content = self.indicators.root
        except CineError as exc:
            content = widgets.HTML(message_html(
                "error", "Les indicateurs ne sont pas disponibles pour le moment."
                         f"<br><small>{esc(exc)}</small>"))
        self.indicators_box.children = (content,)
        release_memory()

    # ---------------------------------------------------------------- messages
    def _say(self, kind: str, text_html: str) -> None:
        self.message.value = message_html(kind, text_html)

    # ------------------------------------------------------------ suggestions
    def suggest(self, text: object) -> list:
        """Type-ahead: show the titles matching the input so far (nothing under 2 characters)."""
        if _raw_length(text) > MAX_RAW_CHARS:
            return self._show_suggestions([])
        query = clean_input(text)
        if len(query) < MIN_SUGGEST_CHARS or len(query) > MAX_INPUT_CHARS:
            matches = []
        else:
            matches = self.index.complete(query, N_SUGGESTIONS + len(self.liked))
            if not matches:
                matches = self.index.search(query, N_SUGGESTIONS).suggestions
        return self._show_suggestions(matches)

    def _show_suggestions(self, matches: Iterable) -> list:
        liked = {m.tconst for m in self.liked}
        self.suggested = [m for m in matches if m.tconst not in liked][:N_SUGGESTIONS]
        _fill_buttons(self.suggestion_buttons, [
            (f"{m.label} · {m.original_title}" if m.original_title and m.original_title != m.title
             else m.label, f"Ajouter {m.label}") for m in self.suggested])
        return self.suggested

    def _pick(self, i: int) -> Callable:
        def handler(_: object) -> None:
            if i < len(self.suggested):
                self.add_match(self.suggested[i])
        return handler

    def _unpick(self, i: int) -> Callable:
        def handler(_: object) -> None:
            if i < len(self.liked):
                self.remove_film(self.liked[i].tconst)
        return handler

    # ------------------------------------------------------------- liked films
    @property
    def liked_ids(self) -> list[str]:
        return [m.tconst for m in self.liked]

    def add_film(self, text: object) -> object | None:
        """Add the film best matching ``text``; on failure say why (French) and return None."""
        if _raw_length(text) > MAX_RAW_CHARS:
            return self._too_long(_raw_length(text))
        query = clean_input(text)
        if not query:
            self._say("warn", "Tapez d'abord le titre d'un film que vous avez aimé.")
            return None
        if len(query) > MAX_INPUT_CHARS:
            return self._too_long(len(query))
        match = self.index.resolve(query)
        if match is not None:
            return self.add_match(match)
        close = self.index.search(query, N_SUGGESTIONS).suggestions
        shown = self._show_suggestions(close)
        if shown:
            self._say("warn", f"Aucun film ne correspond exactement à {_quote_input(query)}. "
                              "Titres proches : cliquez sur celui que vous cherchiez ci-dessus.")
        else:
            self._say("warn", f"Aucun film ne correspond à {_quote_input(query)} dans notre "
                              "catalogue. Vérifiez l'orthographe ou essayez le titre original.")
        return None

    def _too_long(self, length: int) -> None:
        self._say("warn", f"Ce texte est trop long pour un titre ({fr_number(length)} "
                          f"caractères) : tapez seulement le titre du film "
                          f"({MAX_INPUT_CHARS} caractères au plus).")
        self._show_suggestions([])

    def add_match(self, match: object) -> object | None:
        """Add a film found by the search (a suggestion clicked)."""
        if match.tconst in self.liked_ids:
            self._say("info", f"{_quote_input(match.label)} est déjà dans votre liste.")
            return None
        if len(self.liked) >= MAX_LIKED:
            self._say("warn", f"Vous avez déjà choisi {MAX_LIKED} films : retirez-en un "
                              "avant d'en ajouter un autre.")
            return None
        self.liked.append(match)
        self._show_chips()
        self.text.value = ""
        self._show_suggestions([])
        self._say("ok", f"{_quote_input(match.label)} ajouté. Ajoutez d'autres films ou cliquez "
                        "sur «\u00a0Recommander\u00a0».")
        return match

    def remove_film(self, tconst: str) -> bool:
        """Remove a liked film (its chip was clicked); refresh shown results."""
        kept = [m for m in self.liked if m.tconst != tconst]
        if len(kept) == len(self.liked):
            return False
        removed = next(m for m in self.liked if m.tconst == tconst)
        self.liked = kept
        self._show_chips()
        if self.liked and not self.results.empty:
            self.recommend()
        else:
            self._clear_results()
        self._say("info", f"{_quote_input(removed.label)} retiré de votre liste.")
        return True

    def _show_chips(self) -> None:
        _fill_buttons(self.chip_buttons,
                      [(f"{m.label}  ✕", f"Retirer {m.label}") for m in self.liked])

    # ---------------------------------------------------------------- filters
    def filters(self) -> Filters:
        """The filters currently set in the widgets."""
        return Filters(decades=decade_range(self.decades),
                       genres=tuple(self.genres.value) or None,
                       french_only=bool(self.french_only.value),
                       local_preference=float(self.local_preference.value))

    def set_filters(self, decades: tuple[int, int] | None = None,
                    genres: Sequence[str] | None = None, french_only: bool | None = None,
                    local_preference: float | None = None) -> Filters:
        """Set some filters (None leaves one unchanged); shown results refresh once."""
        self._refresh_on_filter = False
        try:
            if decades is not None:
                self.decades.value = tuple(decades)
            if genres is not None:
                known = {value for _, value in self.genres.options}
                self.genres.value = tuple(g for g in genres if g in known)
            if french_only is not None:
                self.french_only.value = bool(french_only)
            if local_preference is not None:
                self.local_preference.value = _tenth(local_preference)
        finally:
            self._refresh_on_filter = True
        self._on_filter(None)
        return self.filters()

    def _on_filter(self, _: object) -> None:
        if self._refresh_on_filter and self.liked and not self.results.empty:
            self.recommend()

    # -------------------------------------------------------------- recommend
    def submit(self) -> None:
        """Enter in the input: add the typed film, then recommend."""
        if _has_text(self.text.value) and self.add_film(self.text.value) is None:
            return
        self.recommend()

    def recommend(self) -> pd.DataFrame:
        """Recommend films for the liked ones under the filters; show cards or a message."""
        pending = self.text.value
        if _has_text(pending) and self.add_film(pending) is None:
            return self._clear_results()
        if not self.liked:
            self._say("warn", "Ajoutez d'abord au moins un film que vous avez aimé : tapez "
                              "son titre puis choisissez-le dans la liste.")
            return self._clear_results()
        self.button.disabled = True
        try:
            recs = self.recommender.recommend(self.liked_ids, k=N_RESULTS,
                                              **self.filters().kwargs())
        except CineError as exc:
            self._say("error", f"Impossible de proposer des films : {esc(exc)}")
            return self._clear_results()
        finally:
            self.button.disabled = False
        if recs.empty:
            self._say("warn", "Aucun film ne correspond à ces filtres. Élargissez la période, "
                              "retirez des genres ou décochez «\u00a0Films français "
                              "uniquement\u00a0».")
            return self._clear_results()
        self.results = recs.reset_index(drop=True)
        self.results_html.value = cards_html(self.movies, self.results)
        names = ", ".join(_quote_input(m.label) for m in self.liked[:3])
        more = " et d'autres" if len(self.liked) > 3 else ""
        self._say("ok", f"{len(recs)} films pour qui a aimé {names}{more}. Cliquez sur une "
                        "affiche pour voir la fiche du film.")
        release_memory()  # under a millisecond; keeps the kernel at its loaded size
        return self.results

    def _clear_results(self) -> pd.DataFrame:
        self.results = self.results.iloc[0:0]
        self.results_html.value = ""
        return self.results

    # ---------------------------------------------------------------- display
    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        return self.root._repr_mimebundle_(**kwargs)


def _fill_buttons(buttons: Sequence[widgets.Button], labels: list[tuple[str, str]]) -> None:
    """Show one button per (description, tooltip) and hide the spare ones."""
    for i, button in enumerate(buttons):
        if i < len(labels):
            button.description, button.tooltip = labels[i]
            button.layout.display = "flex"
        else:
            button.description = ""
            button.layout.display = "none"


# ------------------------------------------------------------------------ about tab
def about_html(manifest: Mapping) -> str:
    """The "À propos" text: sources, data dates, attributions (all values escaped)."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
                   for k, v in _manifest_facts(manifest))
    facts = f"<table>{rows}</table>" if rows else "<p>Date des données inconnue.</p>"
    return (
        '<div class="cc-about"><div class="cc-h2">À propos</div>'
        "<p>Ce site aide les spectateurs du cinéma de Guéret à trouver des films qu'ils "
        "aimeront, à partir de films qu'ils ont aimés : les propositions viennent d'un "
        "algorithme qui compare genres, réalisateurs, acteurs, scénaristes, résumés, sagas, "
        "époques et pays, puis favorise un peu ce que le public local apprécie.</p>"
        "<h3>Données</h3>"
        "<ul><li>Films, notes, équipes : fichiers publics d'IMDb (datasets.imdbws.com).</li>"
        "<li>Résumés, affiches, langues, pays, budgets : base TMDB (The Movie Database).</li>"
        "<li>Les notes MovieLens ne servent qu'à évaluer l'algorithme hors ligne ; elles ne "
        "sont pas utilisées sur ce site.</li></ul>"
        f"<h3>Version des données</h3>{facts}"
        "<h3>Mentions</h3>"
        f"<p>{esc(IMDB_ATTRIBUTION)}</p>"
        f'<p><span class="cc-tmdb-logo">TMDB</span> {esc(TMDB_ATTRIBUTION)}</p>'
        "<p>Les affiches proviennent de TMDB ; quand une affiche manque, une vignette avec le "
        "titre est affichée à la place.</p></div>"
    )


def _date_fr(iso: object) -> str:
    """``"2026-11-24T07:10:00+00:00"`` -> ``"24/11/2026"`` (the text itself if not a date)."""
    try:
        return pd.Timestamp(str(iso)).strftime("%d/%m/%Y")
    except (ValueError, TypeError):
        return str(iso)


def _manifest_facts(manifest: Mapping) -> list[tuple[str, str]]:
    """Readable (label, value) pairs from the ingest manifest (:func:`helpers.ingest.ingest`)."""
    facts: list[tuple[str, str]] = []
    if manifest.get("synthetic"):
        facts.append(("Nature", "données synthétiques de démonstration (pas de vraies données)"))
    if manifest.get("created"):
        facts.append(("Tables préparées le", _date_fr(manifest["created"])))
    files = (manifest.get("source") or {}).get("files") or {}
    for name, label in (("title.basics.tsv.gz", "Fichiers IMDb du"),
                        (config.TMDB_FILE, "Table TMDB du")):
        if isinstance(files.get(name), Mapping) and files[name].get("mtime"):
            facts.append((label, _date_fr(files[name]["mtime"])))
    tables = manifest.get("tables") or {}
    for name, label in (("movies", "Films au catalogue"), ("series", "Séries"),
                        ("people", "Personnes")):
        rows = (tables.get(name) or {}).get("rows") if isinstance(tables, Mapping) else None
        if rows is not None:
            facts.append((label, fr_number(rows)))
    return facts


# ---------------------------------------------------------------------- entry point
def load_app() -> DashboardApp:
    """The app on the configured data (``CINE_DATA_DIR``): fitted model, title index, manifest."""
    from helpers import catalog, indicators
    from helpers.recommender import Recommender
    from helpers.search import INDEX_FOLDER, TitleIndex

    # Arrow's default pool (mimalloc/jemalloc) keeps the pages it frees; with the system
    # allocator, release_memory gives them back (tens of MB per visitor's kernel).
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    processed = config.processed_dir()
    manifest = catalog.load_manifest(processed)
    recommender = Recommender.load(config.model_path())
    index = TitleIndex.cached(recommender.movies_, config.model_path() / INDEX_FOLDER)
    gc.collect()
    release_memory()
    return DashboardApp(recommender, index, manifest,
                        indicators=lambda: indicators.panel(recommender.movies_, processed))


def release_memory() -> None:
    """Give the memory freed by loading or by a computation back to the system.

    Arrow's pool and the C heap keep freed pages for reuse, counted in the kernel's
    memory (building a title index left about 30 MB there). ``malloc_trim`` is glibc's
    (Linux); elsewhere only Arrow's pool is released.
    """
    pyarrow.default_memory_pool().release_unused()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing more to release


def wait_for_visitor() -> None:
    """In a preheated Voilà kernel, block until a visitor's request takes it from the pool.

    Run in the notebook's last cell: the cell ends when the visitor arrives, which marks the
    kernel active then. Otherwise a kernel that waited in the pool longer than the idle-cull
    timeout could be culled in the seconds before the visitor's browser connects (a dead
    page). Outside a preheated Voilà kernel it returns at once. This is the protocol of
    ``voila.utils.wait_for_request``, whose import would cost each kernel about 40 MB.
    """
    env = os.environ
    if env.get("VOILA_PREHEAT", "False") == "False" or not env.get("VOILA_KERNEL_ID"):
        return
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL", "/")
    url = (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
           f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env['VOILA_KERNEL_ID']}")
    try:
        with connect(url, open_timeout=5) as websocket:
            websocket.recv()  # Voilà sends the request's details when a visitor arrives
    except (OSError, TimeoutError, WebSocketException):
        pass  # no Voilà to talk to: nothing to wait for


def build_app() -> DashboardApp | widgets.HTML:
    """What ``dashboard.ipynb`` displays: the app, or a French notice when data is missing."""
    try:
        return load_app()
    except CineError as exc:
        return widgets.HTML(stylesheet() + message_html(
            "error", "Les données du site ne sont pas prêtes. Lancez <code>python -m helpers "
                     "build</code> (données réelles) ou <code>python -m helpers demo</code> "
                     f"(démonstration hors ligne).<br><small>{esc(exc)}</small>"))
