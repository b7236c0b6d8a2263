"""HTML fragments of the customers' pages; everything from the data or a visitor is escaped."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

import pandas as pd

from helpers import config
from helpers.app.posters import display_title, poster_img
from helpers.fmt import fr_date, fr_number, fr_runtime, genre_fr
from helpers.schema import cell_list

IMDB_TITLE_URL = "https://www.imdb.com/title/{}/"
IMDB_ATTRIBUTION = "Information courtesy of IMDb (https://www.imdb.com). Used with permission."
TMDB_ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."
#: The same notices in French, shown beside the English ones the licences require.
IMDB_ATTRIBUTION_FR = ("Informations fournies par IMDb (https://www.imdb.com), avec son "
                       "autorisation.")
TMDB_ATTRIBUTION_FR = "Ce produit utilise l'API de TMDB sans être approuvé ni certifié par TMDB."
_TCONST = re.compile(r"^tt\d{1,10}$")


def esc(value: object) -> str:
    """HTML-escaped text of any value (None and NaN become an empty string)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def quote_input(text: str, limit: int = 60) -> str:
    """The visitor's text, shortened and escaped, between French quotes."""
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"«\u00a0{esc(short)}\u00a0»"


#: Longest visitor text worth cleaning: a longer one (pasted text, a 1 MB websocket value)
#: is returned as it is, for the caller to refuse by its length in microseconds (cleaning
#: 1 MB took 0.3 s, several times per message).
MAX_RAW_CHARS = 2_000


def clean_input(text: object) -> str:
    """The visitor's text without invisible or invalid characters (controls, lone
    surrogates, zero-width marks), whitespace collapsed; "" for a non-string; a text over
    ``MAX_RAW_CHARS`` unchanged (too long to be a title anyway)."""
    if not isinstance(text, str):
        return ""
    if len(text) > MAX_RAW_CHARS:
        return text
    kept = "".join(" " if c.isspace() else c for c in text
                   if c.isspace() or unicodedata.category(c) not in {"Cc", "Cf", "Cs"})
    return " ".join(kept.split())


def message_html(kind: str, text_html: str) -> str:
    """A coloured message box; ``kind`` is info, ok, warn or error; ``text_html`` is escaped."""
    return f'<div class="cc-msg cc-msg-{kind}" role="status">{text_html}</div>'


#: Poster widths offered for a result card (two per row on a phone, about 190 px on a
#: desktop) and for a film's sheet; the browser picks by displayed width and pixel density.
CARD_POSTERS = ("w185", "w342")
CARD_SIZES = "(max-width: 599px) 45vw, 190px"
SHEET_POSTERS = ("w185", "w342", "w500")
SHEET_SIZES = "(max-width: 599px) 70vw, 300px"
#: Actors named on a film's sheet.
SHEET_CAST = 6
_LANG = re.compile(r"^[a-z]{2,3}$")


def _year(row: Mapping) -> str:
    year = row.get("year")
    return "" if year is None or pd.isna(year) else str(int(year))


def _original(row: Mapping, title: str) -> str | None:
    original = row.get("original_title")
    return original if isinstance(original, str) and original and original != title else None


def card_html(row: Mapping, reason: str) -> str:
    """One result card's text: poster, title, original title, year, rating, runtime, genres
    and reason (the "Voir la fiche" button is a widget next to it)."""
    tconst = str(row.get("tconst", ""))
    title = display_title(row) or "Sans titre"
    year_text = _year(row)
    rating = row.get("average_rating")
    meta = [esc(year_text)] if year_text else []
    if not pd.isna(rating):
        meta.append(f'<span class="cc-card-rating">★ {esc(fr_number(rating, 1))}</span>')
    if fr_runtime(row.get("runtime")):
        meta.append(esc(fr_runtime(row.get("runtime"))))
    genres = ", ".join(genre_fr(g) for g in cell_list(row.get("genres")))
    original = _original(row, title)
    original_html = f'<p class="cc-card-meta"><i>{esc(original)}</i></p>' if original else ""
    poster = poster_img(row, size=CARD_POSTERS[0], srcset=CARD_POSTERS, sizes=CARD_SIZES)
    return (
        f'<div class="cc-card-content" data-tconst="{esc(tconst)}">'
        f'<div class="cc-poster">{poster}</div>'
        f'<div class="cc-card-body"><h3 class="cc-card-title">{esc(title)}</h3>'
        f"{original_html}"
        f'<p class="cc-card-meta">{" · ".join(meta)}</p>'
        f'<p class="cc-card-genres">{esc(genres)}</p>'
        f'<p class="cc-card-reason">Parce que : {esc(reason)}</p></div></div>'
    )


def cards_html(movies: pd.DataFrame, recommendations: pd.DataFrame) -> str:
    """The result cards as one static grid, in the recommender's order (the notebooks' view;
    the dashboard makes each card a widget with its "Voir la fiche" button)."""
    rows = movies.loc[recommendations["tconst"]].to_dict("records")
    cards = "".join(f'<div class="cc-card">{card_html(row, reason)}</div>'
                    for row, reason in zip(rows, recommendations["reason"], strict=True))
    return f'<div class="cc-app"><div class="cc-grid">{cards}</div></div>'


def imdb_url(tconst: object) -> str | None:
    """The film's IMDb page, None for a malformed id."""
    return IMDB_TITLE_URL.format(tconst) if _TCONST.match(str(tconst)) else None


def sheet_html(row: Mapping, reason: str | None, overview: str | None) -> str:
    """A film's sheet: poster, French and original titles, year, runtime, genres,
    director(s), main cast, IMDb rating and votes, synopsis, reason, IMDb link (escaped)."""
    tconst = str(row.get("tconst", ""))
    title = display_title(row) or "Sans titre"
    facts = []
    original = _original(row, title)
    if original:
        lang = str(row.get("original_language") or "")
        lang_attr = f' lang="{lang}"' if _LANG.match(lang) else ""
        facts.append(("Titre original", f"<i{lang_attr}>{esc(original)}</i>"))
    for label, value in (("Année", _year(row)), ("Durée", fr_runtime(row.get("runtime"))),
                         ("Genres", ", ".join(genre_fr(g) for g in cell_list(row.get("genres")))),
                         ("Réalisation", ", ".join(cell_list(row.get("director_names")))),
                         ("Avec", ", ".join(cell_list(row.get("cast_names"))[:SHEET_CAST]))):
        if value:
            facts.append((label, esc(value)))
    rating, votes = row.get("average_rating"), row.get("num_votes")
    if not pd.isna(rating):
        count = "" if votes is None or pd.isna(votes) else f" ({fr_number(votes)} votes)"
        facts.append(("Note IMDb", f"★ {esc(fr_number(rating, 1))}/10{esc(count)}"))
    rows = "".join(f"<div><dt>{esc(k)}</dt><dd>{v}</dd></div>" for k, v in facts)
    synopsis = esc(overview) if overview else "Pas de résumé disponible pour ce film."
    why = (f'<p class="cc-sheet-reason"><b>Pourquoi ce film :</b> {esc(reason)}</p>'
           if reason else "")
    url = imdb_url(tconst)
    link = (f'<p><a class="cc-imdb-link" href="{esc(url)}" target="_blank" '
            'rel="noopener noreferrer">Voir sur IMDb<span class="cc-sr"> (nouvel onglet)'
            "</span></a></p>" if url else "")
    poster = poster_img(row, size=SHEET_POSTERS[1], srcset=SHEET_POSTERS, sizes=SHEET_SIZES)
    return (
        f'<article class="cc-sheet-body" data-tconst="{esc(tconst)}">'
        f'<div class="cc-sheet-poster">{poster}</div><div class="cc-sheet-text">'
        f'<h2 class="cc-sheet-title" tabindex="-1">{esc(title)}</h2>'
        f'<dl class="cc-sheet-facts">{rows}</dl>'
        f'<h3 class="cc-sheet-h3">Résumé</h3><p class="cc-sheet-overview">{synopsis}</p>'
        f"{why}{link}</div></article>"
    )


def _asset(name: str) -> str:
    return resources.files("helpers.app").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The page's CSS (``helpers/app/dashboard.css``) inside a ``<style>`` tag."""
    return f"<style>{_asset('dashboard.css')}</style>"


@lru_cache(maxsize=1)
def page_script_html() -> str:
    """The page's script (``helpers/app/page.js``) inside a ``<script>`` tag."""
    return f"<script>{_asset('page.js')}</script>"


def about_html(manifest: Mapping) -> str:
    """The "À propos" text: sources, data dates, attributions (all values escaped)."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
                   for k, v in _manifest_facts(manifest))
    facts = f"<table>{rows}</table>" if rows else "<p>Date des données inconnue.</p>"
    return (
        '<div class="cc-about"><h2 class="cc-h2">À propos</h2>'
        "<p>Ce site aide les spectateurs du cinéma de Guéret à trouver des films qu'ils "
        "aimeront, à partir de films qu'ils ont aimés : les propositions viennent d'un "
        "algorithme qui compare genres, réalisateurs, acteurs, scénaristes, résumés, sagas, "
        "époques et pays, puis favorise un peu ce que le public local apprécie.</p>"
        "<h3>Données</h3>"
        "<ul><li>Films, notes, équipes : fichiers publics d'IMDb (datasets.imdbws.com).</li>"
        "<li>Résumés, affiches, langues, pays, budgets : base TMDB (The Movie Database).</li>"
        "<li>Des notes MovieLens (GroupLens, usage de recherche) ont servi hors ligne à régler "
        "l'algorithme et à l'évaluer ; ce site n'en contient ni n'en utilise aucune.</li></ul>"
        f"<h3>Version des données</h3>{facts}"
        "<h3>Mentions</h3>"
        f'<p lang="en">{esc(IMDB_ATTRIBUTION)}</p>'
        f"<p>{esc(IMDB_ATTRIBUTION_FR)}</p>"
        f'<p><span class="cc-tmdb-logo">TMDB</span> <span lang="en">{esc(TMDB_ATTRIBUTION)}'
        f"</span><br>{esc(TMDB_ATTRIBUTION_FR)}</p>"
        "<p>Les affiches proviennent de TMDB ; quand une affiche manque, une vignette avec le "
        "titre est affichée à la place.</p></div>"
    )


def _manifest_facts(manifest: Mapping) -> list[tuple[str, str]]:
    """Readable (label, value) pairs from the ingest manifest (written by ingest)."""
    facts: list[tuple[str, str]] = []
    if manifest.get("synthetic"):
        facts.append(("Nature", "données synthétiques de démonstration (pas de vraies données)"))
    if manifest.get("created"):
        facts.append(("Tables préparées le", fr_date(manifest["created"])))
    files = (manifest.get("source") or {}).get("files") or {}
    for name, label in (("title.basics.tsv.gz", "Fichiers IMDb du"),
                        (config.TMDB_FILE, "Table TMDB du")):
        if isinstance(files.get(name), Mapping) and files[name].get("mtime"):
            facts.append((label, fr_date(files[name]["mtime"])))
    tables = manifest.get("tables") or {}
    for name, label in (("movies", "Films au catalogue"), ("series", "Séries"),
                        ("people", "Personnes")):
        rows = (tables.get(name) or {}).get("rows") if isinstance(tables, Mapping) else None
        if rows is not None:
            facts.append((label, fr_number(rows)))
    return facts
