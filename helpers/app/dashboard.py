"""The customers' dashboard (served by Voilà): recommendations, indicators, about.

``dashboard.ipynb`` only shows :func:`page_script` and :func:`build_app`. All the logic
lives in :class:`DashboardApp`, whose methods (``add_film``, ``remove_film``,
``recommend``, ``set_filters``, ``open_sheet``, ``close_sheet``, ``add_from_sheet``) and
widget values can be driven and inspected without a browser. Everything coming from the
data or from the visitor is HTML-escaped. The page works from 360 px phones to desktops,
with one finger or the keyboard alone (``dashboard.css``, ``page.js``).

A kernel loads only precomputed artifacts: the fitted recommender (which holds the
catalogue, mostly mapped from disk) and the title index at start. The "Indicateurs" pages
are drawn out of the kernel and shared by every kernel as files (:mod:`helpers.app.indicators`).
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd
import pyarrow

from helpers import config
from helpers.app.fragments import (
    about_html,
    card_html,
    clean_input,
    esc,
    message_html,
    page_script_html,
    quote_input,
    sheet_html,
    stylesheet,
)
from helpers.app.kernel import release_memory
from helpers.app.posters import display_title
from helpers.app.widgets import (
    ChipSelect,
    decade_range,
    decade_slider,
    fill_buttons,
    genre_options,
    share_models,
)
from helpers.audience import CREUSE
from helpers.errors import CineError
from helpers.fmt import fr_number
from helpers.reco.search import MAX_QUERY_CHARS

if TYPE_CHECKING:
    from helpers.app.indicators import IndicatorsPanel
    from helpers.app.subscribe_form import SubscribeForm

#: At most this many liked films (a taste profile, not a watch list).
MAX_LIKED = 10
#: Type-ahead suggestions shown under the input.
N_SUGGESTIONS = 8
#: Recommended films shown.
N_RESULTS = 10
#: Shortest input worth suggesting titles for.
MIN_SUGGEST_CHARS = 2

TAB_TITLES = ("Recommandations", "Indicateurs", "À propos")


#: How much the local audience's tastes weigh, as offered to a customer: words, not numbers.
LOCAL_LEVELS = (("aucun", 0.0), ("un peu", 0.2), ("moyen", 0.4), ("beaucoup", 0.7),
                ("fort", 1.0))


def _local_level(value: float) -> float:
    """The offered strength closest to ``value`` (0 to 1)."""
    return min((strength for _, strength in LOCAL_LEVELS), key=lambda s: abs(s - float(value)))


# --------------------------------------------------------------------------- the app
@dataclass(frozen=True)
class Filters:
    """The recommendation filters as the recommender takes them (None: no filter)."""

    decades: tuple[int, int] | None = CREUSE.default_decades
    genres: tuple[str, ...] | None = None
    french_only: bool = CREUSE.default_french_only
    local_preference: float = CREUSE.local_preference
    min_rating: float = CREUSE.default_min_rating

    def kwargs(self) -> dict:
        return {"decades": self.decades, "genres": list(self.genres) if self.genres else None,
                "french_only": self.french_only, "local_preference": self.local_preference,
                "min_rating": self.min_rating or None}


class DashboardApp:
    """The whole page as ipywidgets; ``.root`` is what the notebook displays.

    Args:
        recommender: a fitted :class:`helpers.reco.model.Recommender` (its ``movies_``
            is the catalogue shown).
        index: a :class:`helpers.reco.search.TitleIndex` over the same catalogue.
        manifest: the ingest manifest (sources, dates, counts) for "À propos".
        indicators: builds the :class:`IndicatorsPanel` lazily, when its tab is first opened
            (None: a short notice instead).
        synopsis: a film's synopsis by IMDb id, for its sheet (None: no synopsis).
        subscribe: builds the e-mail form for this app (its liked films) after the first
            recommendation (None: no form).
    """

    def __init__(self, recommender: object, index: object, manifest: Mapping | None = None,
                 indicators: Callable[[], IndicatorsPanel] | None = None,
                 synopsis: Callable[[str], str | None] | None = None,
                 subscribe: Callable[[DashboardApp], SubscribeForm] | None = None) -> None:
        self.recommender = recommender
        self.index = index
        self.manifest = dict(manifest or {})
        self.movies = recommender.movies_
        self.liked: list = []  # Match objects, in the order added
        self.suggested: list = []  # Match objects behind the suggestion buttons
        self.results: pd.DataFrame = pd.DataFrame(columns=["tconst", "score", "reason"])
        self._indicators_factory = indicators
        self.indicators: IndicatorsPanel | None = None
        self._synopsis = synopsis
        self._subscribe_factory = subscribe
        self.subscribe_form: SubscribeForm | None = None
        self.sheet_tconst: str | None = None
        self.card_slots: list[CardSlot] = []  # built with the first results
        self._refresh_on_filter = True

        self.text = widgets.Text(placeholder="Par exemple : Les Choristes",
                                 description="Un film que vous avez aimé",
                                 continuous_update=True)
        self.text.add_class("reco-input")
        self.add_button = widgets.Button(description="Ajouter",
                                         tooltip="Ajouter ce film à votre liste")
        self.add_button.add_class("reco-add")
        self.button = widgets.Button(description="Recommander",
                                     tooltip="Trouver des films pour vous")
        self.button.add_class("reco-button")
        self.suggestion_buttons = [self._make_button("reco-suggestion", self._pick(i))
                                   for i in range(N_SUGGESTIONS)]
        self.chip_buttons = [self._make_button("reco-chip", self._unpick(i))
                             for i in range(MAX_LIKED)]
        self.message = widgets.HTML()
        self.message.add_class("reco-message")
        self.results_title = widgets.HTML()
        self.results_grid = widgets.Box()
        self.results_grid.add_class("cc-grid")
        self.results_box = widgets.VBox([self.results_title, self.results_grid])
        self.results_box.add_class("reco-results")
        self._build_filters()

        self.text.observe(lambda change: self.suggest(change["new"]), names="value")
        with warnings.catch_warnings():
            # on_submit is the only Enter event of a Text that keeps continuous updates
            # (needed for type-ahead); ipywidgets 8 deprecates it without a replacement.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.text.on_submit(lambda _: self.recommend())  # as the button
        self.add_button.on_click(lambda _: self.add_film(self.text.value))
        self.button.on_click(lambda _: self.recommend())

        self.indicators_box = widgets.VBox()
        self.tabs = widgets.Tab(children=[self._reco_tab(), self.indicators_box,
                                          self._about_tab()], titles=TAB_TITLES)
        self.tabs.add_class("cc-tabs")
        self.tabs.observe(self._on_tab, names="selected_index")
        # the CSS comes with the page script (page_script): not in every widget state sent
        self.root = widgets.VBox([widgets.HTML(self._header_html()),
                                  widgets.HTML(self.banner_html()), self.tabs])
        self.root.add_class("cc-app")
        share_models(self.root, keep=[self.results_title, self.results_grid])
        self._say("info", "Tapez le titre d'un film que vous avez aimé, choisissez-le dans la "
                          "liste, puis appuyez sur «\u00a0Recommander\u00a0».")

    # ----------------------------------------------------------------- layout
    @staticmethod
    def _make_button(css: str, handler: Callable) -> widgets.Button:
        button = widgets.Button(layout=widgets.Layout(display="none", width="auto"))
        button.add_class(css)
        button.on_click(handler)
        return button

    def _build_filters(self) -> None:
        defaults = Filters()  # the market study's conclusions (helpers.audience.CREUSE)
        self.decades = decade_slider(self.movies, defaults.decades)
        self.genres = ChipSelect(genre_options(self.movies))
        self.french_only = widgets.Checkbox(value=defaults.french_only, indent=False,
                                            description="Films français uniquement")
        ratings = [(f"{fr_number(r)} et plus", float(r)) for r in (5, 6, 7, 8)]
        self.min_rating = widgets.Dropdown(
            options=[("toutes", 0.0), *ratings],
            value=defaults.min_rating, description="Note IMDb",
            style={"description_width": "initial"})
        # a list of words rather than a slider handle; the audience profile's default advised
        default = _local_level(defaults.local_preference)
        self.local_preference = widgets.Dropdown(
            options=[(label + (" (conseillé)" if strength == default else ""), strength)
                     for label, strength in LOCAL_LEVELS],
            value=default, description="Goûts du public local",
            style={"description_width": "initial"})
        for widget, css in ((self.decades, "reco-decades"), (self.genres, "reco-genres"),
                            (self.french_only, "reco-french"), (self.min_rating, "reco-rating"),
                            (self.local_preference, "reco-local")):
            widget.add_class(css)
            widget.observe(self._on_filter, names="value")

    def _reco_tab(self) -> widgets.Widget:
        intro = widgets.HTML(
            '<h2 class="cc-h2">Vos films préférés</h2><p class="cc-hint">Ajoutez un ou '
            "plusieurs films que vous avez aimés (titre français ou original, les fautes de "
            "frappe sont tolérées). Nous vous proposons dix films dans la même veine.</p>")
        search_row = widgets.Box([self.text, self.add_button])
        search_row.add_class("cc-search-row")
        suggestions = widgets.VBox(self.suggestion_buttons)
        suggestions.add_class("cc-suggestions")
        chips = widgets.Box(self.chip_buttons)
        chips.add_class("cc-chips")
        search = widgets.VBox([intro, search_row, suggestions, chips, self.button, self.message])
        search.add_class("cc-panel")
        search.add_class("cc-search")
        self.filters_toggle = widgets.Button(description="Afficher les filtres",
                                             tooltip="Période, genres, note, films français")
        self.filters_toggle.add_class("cc-filters-toggle")
        self.filters_toggle.on_click(lambda _: self.toggle_filters())
        genres_label = widgets.HTML('<p class="cc-label">Genres (un ou plusieurs ; '
                                    "aucun : tous les genres)</p>")
        body = widgets.VBox([self.decades, genres_label, self.genres, self.min_rating,
                             self.local_preference, self.french_only])
        body.add_class("cc-filters-body")
        self.filters_box = widgets.VBox([widgets.HTML(
            '<h2 class="cc-h2">Affiner</h2><p class="cc-hint">Période, genres, note, films '
            "français, et le poids donné aux goûts du public local.</p>"),
            self.filters_toggle, body])
        self.filters_box.add_class("cc-panel")
        self.filters_box.add_class("cc-filters")
        return widgets.VBox([search, self.filters_box, self.results_box])

    def toggle_filters(self) -> bool:
        """Fold or unfold the filters (folded on phones until asked; always shown on wide
        screens); True when now shown."""
        shown = "cc-open" not in self.filters_box._dom_classes
        if shown:
            self.filters_box.add_class("cc-open")
        else:
            self.filters_box.remove_class("cc-open")
        self.filters_toggle.description = "Masquer les filtres" if shown else "Afficher les filtres"
        return shown

    def _header_html(self) -> str:
        return ('<div class="cc-header"><h1>Ciné <span>Creuse</span></h1><p>Des idées de '
                "films pour vos prochaines séances à Guéret, et les chiffres du cinéma.</p>"
                "</div>")

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
        query = clean_input(text)
        if len(query) < MIN_SUGGEST_CHARS or len(query) > MAX_QUERY_CHARS:
            matches = []
        else:
            matches = self.index.complete(query, N_SUGGESTIONS + len(self.liked))
            if not matches:
                matches = self.index.search(query, N_SUGGESTIONS).suggestions
        return self._show_suggestions(matches)

    def _show_suggestions(self, matches: Iterable) -> list:
        liked = {m.tconst for m in self.liked}
        self.suggested = [m for m in matches if m.tconst not in liked][:N_SUGGESTIONS]
        fill_buttons(self.suggestion_buttons, [
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
        query = clean_input(text)
        if not query:
            self._say("warn", "Tapez d'abord le titre d'un film que vous avez aimé.")
            return None
        if len(query) > MAX_QUERY_CHARS:
            self._say("warn", f"Ce texte est trop long pour un titre ({fr_number(len(query))} "
                              f"caractères) : tapez seulement le titre du film "
                              f"({MAX_QUERY_CHARS} caractères au plus).")
            self._show_suggestions([])
            return None
        match = self.index.resolve(query)
        if match is not None:
            return self.add_match(match)
        close = self.index.search(query, N_SUGGESTIONS).suggestions
        shown = self._show_suggestions(close)
        if shown:
            self._say("warn", f"Aucun film ne correspond exactement à {quote_input(query)}. "
                              "Titres proches : choisissez ci-dessus celui que vous cherchiez.")
        else:
            self._say("warn", f"Aucun film ne correspond à {quote_input(query)} dans notre "
                              "catalogue. Vérifiez l'orthographe ou essayez le titre original.")
        return None

    def add_match(self, match: object, keep_text: bool = False) -> object | None:
        """Add a film found by the search (a suggestion clicked; the box is emptied unless
        ``keep_text``: the film comes from its sheet, not from what was typed)."""
        if match.tconst in self.liked_ids:
            self._say("info", f"{quote_input(match.label)} est déjà dans votre liste.")
            return None
        if len(self.liked) >= MAX_LIKED:
            self._say("warn", f"Vous avez déjà choisi {MAX_LIKED} films : retirez-en un "
                              "avant d'en ajouter un autre.")
            return None
        if not keep_text:  # folded before the chip shows: the button below stays put
            self.text.value = ""
            self._show_suggestions([])
        self.liked.append(match)
        self._show_chips()
        self._say("ok", f"{quote_input(match.label)} ajouté. Ajoutez d'autres films ou appuyez "
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
        note = f"{quote_input(removed.label)} retiré de votre liste."
        if self.liked and not self.results.empty:
            self.refresh(note)
        else:
            self._clear_results()
            self._say("info", note)
        return True

    def _show_chips(self) -> None:
        fill_buttons(self.chip_buttons,
                      [(f"{m.label}  ✕", f"Retirer {m.label}") for m in self.liked])

    # ---------------------------------------------------------------- filters
    def filters(self) -> Filters:
        """The filters currently set in the widgets."""
        return Filters(decades=decade_range(self.decades),
                       genres=tuple(self.genres.value) or None,
                       french_only=bool(self.french_only.value),
                       local_preference=float(self.local_preference.value),
                       min_rating=float(self.min_rating.value))

    def set_filters(self, decades: tuple[int, int] | None = None,
                    genres: Sequence[str] | None = None, french_only: bool | None = None,
                    local_preference: float | None = None,
                    min_rating: float | None = None) -> Filters:
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
                self.local_preference.value = _local_level(local_preference)
            if min_rating is not None:
                self.min_rating.value = min_rating
        finally:
            self._refresh_on_filter = True
        self._on_filter(None)
        return self.filters()

    def _on_filter(self, _: object) -> None:
        if self._refresh_on_filter and self.liked and not self.results.empty:
            self.refresh()

    # -------------------------------------------------------------- recommend
    def recommend(self) -> pd.DataFrame:
        """The "Recommander" button: add the film still typed in the box, then recommend.

        A typed film already in the list, or one more than the list holds, empties the box
        with a word of explanation and the list is recommended for as it is; a title that
        matches nothing keeps the results shown and offers close titles.
        """
        pending = clean_input(self.text.value)
        note = None
        if pending:
            match = self.index.resolve(pending) if len(pending) <= MAX_QUERY_CHARS else None
            if match is not None and match.tconst in self.liked_ids:
                note = f"{quote_input(match.label)} est déjà dans votre liste."
            elif match is not None and len(self.liked) >= MAX_LIKED:
                note = (f"{quote_input(match.label)} n'a pas été ajouté : votre liste compte "
                        f"déjà {MAX_LIKED} films (retirez-en un pour l'ajouter).")
            elif self.add_film(pending) is None:
                return self.results  # add_film said why; the results shown stay
            if note:
                self.text.value = ""
                self._show_suggestions([])
        return self.refresh(note)

    def refresh(self, note: str | None = None) -> pd.DataFrame:
        """Recommend for the liked films under the filters (the text box is left alone);
        ``note`` (escaped HTML) is said before the outcome."""
        prefix = f"{note} " if note else ""
        if not self.liked:
            self._say("warn", f"{prefix}Ajoutez d'abord au moins un film que vous avez aimé : "
                              "tapez son titre puis choisissez-le dans la liste.")
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
            self._say("warn", f"{prefix}Aucun film ne correspond à ces filtres. Élargissez la "
                              "période, retirez des genres, baissez la note minimale ou "
                              "décochez «\u00a0Films français uniquement\u00a0».")
            return self._clear_results()
        self.results = recs.reset_index(drop=True)
        self._show_cards()
        self.close_sheet()  # its film may have left the list, its reason changed
        names = ", ".join(quote_input(m.label) for m in self.liked[:3])
        more = " et d'autres" if len(self.liked) > 3 else ""
        self._say("ok", f"{prefix}{len(recs)} films pour qui a aimé {names}{more}. Choisissez "
                        "une affiche pour voir la fiche du film.")
        self._show_subscribe_form()
        release_memory()  # a few milliseconds; keeps the kernel at its loaded size
        return self.results

    def _clear_results(self) -> pd.DataFrame:
        self.results = self.results.iloc[0:0]
        self.close_sheet()
        self._show_cards()
        if self.subscribe_form is not None:  # no e-mail offer under "no film" or an error
            self._set_display(self.subscribe_form.widget, False)
        return self.results

    # ------------------------------------------------------------------ cards
    def _show_cards(self) -> None:
        """Fill the card slots with the results (slots are built with the first results)."""
        if not self.card_slots and not self.results.empty:
            self.card_slots = [CardSlot(self.open_sheet) for _ in range(N_RESULTS)]
            self.results_grid.children = [slot.box for slot in self.card_slots]
            share_models(self.results_grid,
                         keep=[self.results_grid, *(slot.box for slot in self.card_slots)])
        rows = self.movies.loc[self.results["tconst"]].to_dict("records")
        for i, slot in enumerate(self.card_slots):
            if i < len(rows):
                slot.show(rows[i], self.results["reason"].iloc[i])
            else:
                slot.hide()
        self.results_title.value = ('<h2 class="cc-h2 cc-results-title" tabindex="-1">Nos '
                                    "idées pour vous</h2>" if rows else "")

    def _show_subscribe_form(self) -> None:
        """The e-mail form under the results, built after the first recommendation."""
        if self._subscribe_factory is None:
            return
        if self.subscribe_form is None:
            try:
                self.subscribe_form = self._subscribe_factory(self)
            except CineError:
                self._subscribe_factory = None  # recommendations go on without it
                return
            self.results_box.children = (*self.results_box.children,
                                         self.subscribe_form.widget)
            share_models(self.subscribe_form.widget, keep=[self.subscribe_form.widget])
        self.subscribe_form.widget.layout.display = "flex"

    def title_of(self, tconst: str) -> str | None:
        """The display title of a catalogue film (None when unknown)."""
        if tconst not in self.movies.index:
            return None
        return display_title(self.movies.loc[tconst].to_dict()) or None

    # ------------------------------------------------------------------ sheet
    def _build_sheet(self) -> None:
        self.sheet_back = widgets.Button(description="← Retour aux résultats",
                                         tooltip="Revenir à la liste des films proposés")
        self.sheet_back.add_class("cc-sheet-back")
        self.sheet_back.on_click(lambda _: self.close_sheet())
        self.sheet_html = widgets.HTML()
        self.sheet_html.add_class("cc-sheet-html")
        self.sheet_add = widgets.Button(description="Ajouter à mes films",
                                        tooltip="Ajouter ce film à ceux que vous avez aimés "
                                                "pour affiner les propositions")
        self.sheet_add.add_class("cc-sheet-add")
        self.sheet_add.on_click(lambda _: self.add_from_sheet())
        self.sheet_message = widgets.HTML()
        self.sheet_message.add_class("cc-sheet-message")
        self.sheet = widgets.VBox([self.sheet_back, self.sheet_html, self.sheet_add,
                                   self.sheet_message], layout=widgets.Layout(display="none"))
        self.sheet.add_class("cc-panel")
        self.sheet.add_class("cc-sheet")
        share_models(self.sheet, keep=[self.sheet])
        self.results_box.children = (self.sheet, *self.results_box.children)

    def open_sheet(self, tconst: str) -> bool:
        """Show a film's sheet in place of the results (False for an unknown film)."""
        if tconst not in self.movies.index:
            return False
        if not hasattr(self, "sheet"):
            self._build_sheet()
        row = {**self.movies.loc[tconst].to_dict(), "tconst": tconst}
        shown = self.results.loc[self.results["tconst"] == tconst, "reason"]
        reason = shown.iloc[0] if len(shown) else None
        synopsis = self._synopsis(tconst) if self._synopsis is not None else None
        self.sheet_html.value = sheet_html(row, reason, synopsis)
        self.sheet_message.value = ""
        self.sheet_tconst = tconst
        for widget in self._results_parts():  # first: the page script moves the focus to the
            self._set_display(widget, False)  # sheet as it appears, the cards already gone
        self._set_display(self.sheet, True)
        return True

    def close_sheet(self) -> None:
        """Back to the results (the sheet's "Retour" button, Escape, the back gesture)."""
        if self.sheet_tconst is None:
            return
        self.sheet_tconst = None
        for widget in self._results_parts():  # first: the page script then finds them
            self._set_display(widget, True)
        self._set_display(self.sheet, False)

    def _results_parts(self) -> list[widgets.Widget]:
        parts = [self.results_title, self.results_grid]
        return parts + ([self.subscribe_form.widget] if self.subscribe_form else [])

    @staticmethod
    def _set_display(widget: widgets.Widget, shown: bool) -> None:
        widget.layout.display = None if shown else "none"

    def add_from_sheet(self) -> object | None:
        """The sheet's "Ajouter à mes films": like this film too and refresh the results."""
        if self.sheet_tconst is None:
            return None
        match = self.index.film(self.sheet_tconst)
        if match is None or self.add_match(match, keep_text=True) is None:
            self.sheet_message.value = self.message.value  # why not, next to the button
            return None
        self.refresh(f"{quote_input(match.label)} ajouté à vos films.")  # closes the sheet
        return match

    # ---------------------------------------------------------------- display
    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        return self.root._repr_mimebundle_(**kwargs)


class CardSlot:
    """One result card: its text (poster, title, reason) and its "Voir la fiche" button,
    stretched over the card so that a tap on the poster opens the sheet too."""

    def __init__(self, on_open: Callable[[str], object]) -> None:
        self.tconst: str | None = None
        self.html = widgets.HTML()
        self.html.add_class("cc-card-html")
        self.button = widgets.Button(description="Voir la fiche")
        self.button.add_class("cc-card-open")
        self.button.on_click(lambda _: self.tconst and on_open(self.tconst))
        self.box = widgets.VBox([self.html, self.button], layout=widgets.Layout(display="none"))
        self.box.add_class("cc-card")

    def show(self, row: Mapping, reason: str) -> None:
        self.tconst = str(row["tconst"])
        self.html.value = card_html(row, reason)
        self.button.tooltip = f"Voir la fiche de {display_title(row) or 'ce film'}"
        self.box.layout.display = None

    def hide(self) -> None:
        self.tconst = None
        self.html.value = ""
        self.box.layout.display = "none"


# ---------------------------------------------------------------------- entry point
def load_app() -> DashboardApp:
    """The app on the configured data (``CINE_DATA_DIR``): fitted model, title index, manifest,
    synopses, subscriptions database."""
    from helpers.app import indicators
    from helpers.data import catalog
    from helpers.reco.model import Recommender
    from helpers.reco.overviews import overview
    from helpers.reco.search import INDEX_FOLDER, TitleIndex

    # Arrow's default pool (mimalloc/jemalloc) keeps the pages it frees; with the system
    # allocator, release_memory gives them back (tens of MB per visitor's kernel).
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    release = config.release_dir()  # once: a data refresh may switch it meanwhile
    processed = config.processed_dir(release)
    manifest = catalog.load_manifest(processed)
    model_path = config.model_path(release)
    recommender = Recommender.load(model_path)
    index = TitleIndex.cached(recommender.movies_, model_path / INDEX_FOLDER,
                               recommender.catalogue_digest)
    positions = recommender.movies_.index
    app = DashboardApp(
        recommender, index, manifest,
        indicators=lambda: indicators.panel(recommender.movies_, processed),
        synopsis=lambda tconst: overview(model_path, positions.get_loc(tconst), tconst),
        subscribe=subscription_form)
    gc.collect()
    release_memory()  # what loading and building the widgets freed (about 10 MB)
    return app


def subscription_form(app: DashboardApp) -> SubscribeForm:
    """The e-mail form of :mod:`helpers.app.subscribe_form` on the configured database."""
    from helpers.app.subscribe_form import SubscribeForm
    from helpers.app.subscriptions import SubscriptionStore

    form = SubscribeForm(SubscriptionStore(config.subscribers_db_path()),
                         lambda: app.liked_ids, title_of=app.title_of)
    form.widget.add_class("cc-subscribe")
    return form


def build_app() -> DashboardApp | widgets.HTML:
    """What ``dashboard.ipynb`` displays: the app, or a French notice when data is missing."""
    try:
        return load_app()
    except CineError as exc:
        return widgets.HTML(stylesheet() + message_html(
            "error", "Les données du site ne sont pas prêtes. Lancez <code>python -m helpers "
                     "build</code> (données réelles) ou <code>python -m helpers demo</code> "
                     f"(démonstration hors ligne).<br><small>{esc(exc)}</small>"))


def page_script() -> object:
    """The page's style sheet and small script (keyboard focus, film sheet and the phone's
    back gesture, landmarks), displayed by ``dashboard.ipynb`` before the app."""
    from IPython.display import HTML

    return HTML(stylesheet() + page_script_html())
