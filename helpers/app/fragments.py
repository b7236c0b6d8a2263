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
    if fr_runtime(row.get("runtime")):
        meta.append(esc(fr_runtime(row.get("runtime"))))
    genres = ", ".join(genre_fr(g) for g in cell_list(row.get("genres")))
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


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The page's CSS (``helpers/app/dashboard.css``) inside a ``<style>`` tag."""
    css = resources.files("helpers.app").joinpath("dashboard.css").read_text(encoding="utf-8")
    return f"<style>{css}</style>"


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
