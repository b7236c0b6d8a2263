"""The dashboard's "Indicateurs" tab: key figures and KPI charts per decade and genre filter.

A page is drawn by ``python -m helpers indicators`` in a child process and kept as an
HTML file next to the processed tables, named after the filters and the code that draws
it. The KPI tables (about 500 MB at full scale) and matplotlib never enter a visitor's
kernel, which stays small; every later visitor asking for the same filters gets the page
already drawn; ``python -m helpers serve`` draws the default page before Voilà starts.
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from helpers import config, files
from helpers.app.fragments import esc, message_html
from helpers.app.widgets import decade_range, decade_slider, genre_options, share_models
from helpers.errors import CineError
from helpers.fmt import fr_number, fr_percent, fr_runtime
from helpers.schema import decade_span

#: The processed tables a page needs.
KPI_TABLES = ("movies", "people", "credits", "series", "title_counts")
#: Key figures shown above the charts: (kpi.key_figures key, French label, format):
#: format is a number of decimals, None for a percentage, "runtime" for "1 h 52".
KEY_FIGURES = (
    ("n_films", "films au catalogue", 0),
    ("median_runtime", "durée médiane", "runtime"),
    ("mean_rating", "note IMDb moyenne", 1),
    ("share_french", "de films français", None),
    ("n_actors", "acteurs et actrices", 0),
    ("n_series", "séries télévisées", 0),
)
#: Pages kept on disk at most (the oldest are removed): about 300 KB each.
MAX_PAGES = 300
#: Seconds a page may take to draw (a few at full scale).
DRAW_TIMEOUT = 300
#: Pages drawn at once for the whole server, whatever the number of visitors (each draw
#: is a child process using a core for a few seconds); the others wait for a slot.
MAX_DRAWS = 2

Decades = tuple[int, int] | None


def key_figures_html(figures: Mapping[str, float]) -> str:
    """The key figures as French-formatted tiles."""
    tiles = []
    for key, label, decimals in KEY_FIGURES:
        if key not in figures:
            continue
        value = figures[key]
        if decimals == "runtime":
            text = fr_runtime(value)
        else:
            text = fr_percent(value) if decimals is None else fr_number(value, decimals)
        tiles.append(f'<div class="cc-figure"><div class="cc-figure-value">{esc(text)}</div>'
                     f'<div class="cc-figure-label">{esc(label)}</div></div>')
    return f'<div class="cc-figures">{"".join(tiles)}</div>'


def render_page(tables: Mapping[str, pd.DataFrame], decades: Decades, genre: str | None) -> str:
    """Key figures and charts of the films within the filters, as HTML (``KPI_TABLES``)."""
    from helpers.analysis import kpi, plots

    films = kpi.filter_movies(tables["movies"], decades=decades, genre=genre)
    if len(films) == 0:
        return message_html("warn", "Aucun film ne correspond à ces filtres : élargissez "
                                    "la période ou choisissez un autre genre.")
    people, all_credits = tables["people"], tables["credits"]
    credits = kpi.filter_credits(all_credits, films)
    everyone = all_credits if decades is None and genre is None else pd.concat(
        [credits, all_credits[all_credits["title_kind"] == kpi.SERIES]])
    figures = kpi.key_figures(films, people, credits, tables["series"])
    charts = [
        plots.plot_films_by_genre(kpi.films_by_genre(films)),
        plots.plot_titles_by_type(kpi.titles_by_type(tables["title_counts"])),
        plots.plot_runtime_trend(kpi.runtime_by_period(films, "year")),
        plots.plot_actor_timeline(kpi.top_actors(credits, people, n=10)),
        plots.plot_top_by_decade(kpi.top_actors_by_decade(credits, people)),
        plots.plot_films_vs_series(kpi.films_series_overlap(everyone)),
        plots.plot_age_by_decade(kpi.age_by(kpi.credit_ages(credits, people),
                                            ["decade", "category"])),
        plots.plot_top_rated(kpi.top_rated(films, n=15)),
    ]
    scope = "tout le catalogue" if decades is None and genre is None else "la sélection"
    images = "".join(chart_html(fig) for fig in charts)
    return (f'<div class="cc-panel"><h2 class="cc-h2">En bref, sur {esc(scope)}</h2>'
            f'{key_figures_html(figures)}</div><div class="cc-charts">{images}</div>')


#: Below this width a page shows the phone layout of each chart (see ``plots.phone_figure``).
PHONE_MEDIA = "(max-width: 599px)"
#: Colours of the charts' PNG palettes (a third of the bytes of full-colour PNGs).
CHART_COLORS = 128


def chart_html(fig: object) -> str:
    """A chart as a ``<picture>``: the phone layout on narrow screens, the wide one
    elsewhere, both as palette PNGs, with a text alternative."""
    from helpers.analysis import plots

    alt = plots.figure_alt(fig)
    wide = plots.figure_data_uri(fig, colors=CHART_COLORS, close=False)
    phone = plots.figure_data_uri(plots.phone_figure(fig), dpi=110, colors=CHART_COLORS)
    return (f'<figure class="cc-chart"><picture><source media="{PHONE_MEDIA}" '
            f'srcset="{phone}"><img src="{wide}" alt="{esc(alt)}"></picture></figure>')


# ------------------------------------------------------------------ pages on disk
def cache_dir(processed: Path) -> Path:
    """Where the pages of a processed folder are kept (rebuilt tables: a new folder)."""
    return Path(processed) / ".dashboard-cache"


#: The code a page depends on (read, not imported: kpi/plots pull matplotlib, ~100 MB).
PAGE_CODE = ("helpers.analysis.kpi", "helpers.analysis.plots", "helpers.fmt",
             "helpers.app.fragments", "helpers.app.widgets", __name__)


def _code_version() -> str:
    return files.code_version(*PAGE_CODE)


def page_file(processed: Path, decades: Decades, genre: str | None) -> Path:
    """The file of the page for these filters, drawn by the current code."""
    decades = decade_span(decades)
    lo, hi = decades if decades is not None else ("all", "all")
    key = hashlib.sha1(f"{lo}|{hi}|{genre or ''}".encode()).hexdigest()[:12]
    return cache_dir(processed) / f"indicators-{_code_version()}-{key}.html"


def draw_page(processed: Path, decades: Decades = None, genre: str | None = None) -> Path:
    """Draw the page from the processed tables and store it (atomically); pages of older
    code and the oldest pages beyond ``MAX_PAGES`` are removed."""
    from helpers.data import catalog

    tables = {name: catalog.load_table(name, processed) for name in KPI_TABLES}
    path = page_file(processed, decades, genre)
    files.write_text(path, render_page(tables, decades, genre))  # kernels never read half
    current = f"indicators-{_code_version()}-"
    pages = sorted(path.parent.glob("indicators-*.html"), key=lambda p: p.stat().st_mtime)
    stale = [p for p in pages if not p.name.startswith(current)]
    fresh = [p for p in pages if p.name.startswith(current)]
    for old in stale + fresh[:max(0, len(fresh) - MAX_PAGES)]:
        old.unlink(missing_ok=True)
        old.with_name(f".{old.stem}.lock").unlink(missing_ok=True)
    return path


def ensure_default_page(processed: Path) -> bool:
    """Have the page without filters on disk, drawn by a child process (the caller does not
    keep the KPI tables in memory) unless it is there already; True when it was drawn."""
    if page_file(processed, None, None).is_file():
        return False
    page(processed, None, None)
    return True


def page(processed: Path, decades: Decades, genre: str | None) -> str:
    """The page for these filters: from disk, else drawn by a child process first.

    A page is drawn once even when several kernels ask for it at the same time (a lock per
    page), and at most ``MAX_DRAWS`` pages are drawn at once for the whole server.
    """
    processed = Path(processed).resolve()  # the child runs in the project folder
    decades = decade_span(decades)
    path = page_file(processed, decades, genre)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.stem}.lock"), "a") as page_lock:
        fcntl.flock(page_lock, fcntl.LOCK_EX)  # another kernel may be drawing this page
        if not path.is_file():
            with _drawing_slot(path.parent, time.monotonic() + DRAW_TIMEOUT):
                _draw_in_child(processed, decades, genre, path)
    return path.read_text(encoding="utf-8")


@contextmanager
def _drawing_slot(folder: Path, deadline: float) -> Iterator[None]:
    """Hold one of the ``MAX_DRAWS`` server-wide slots (lock files every kernel shares)."""
    while True:
        for i in range(MAX_DRAWS):
            with open(folder / f".draw-slot-{i}.lock", "a") as slot:
                try:
                    fcntl.flock(slot, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                yield  # closing the file releases the slot
                return
        if time.monotonic() > deadline:
            raise CineError("drawing the indicators failed: the server is busy drawing pages")
        time.sleep(0.1)


def _draw_in_child(processed: Path, decades: Decades, genre: str | None, path: Path) -> None:
    command = [sys.executable, "-m", "helpers", "indicators", "--processed", str(processed)]
    if decades is not None:
        command += ["--decades", str(decades[0]), str(decades[1])]
    if genre:
        command += ["--genre", genre]
    try:
        done = subprocess.run(command, cwd=config.PROJECT_ROOT, capture_output=True,
                              text=True, timeout=DRAW_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CineError(f"drawing the indicators failed: {exc}") from exc
    if done.returncode != 0 or not path.is_file():
        lines = (done.stderr or "").strip().splitlines() or [f"exit {done.returncode}"]
        raise CineError(f"drawing the indicators failed: {lines[-1]}")


# --------------------------------------------------------------------------- the tab
class IndicatorsPanel:
    """The tab's widgets: decade and genre filters over the page for the current choice.

    ``pages(decades, genre)`` gives a page's HTML (:func:`page` on the processed folder);
    each choice is asked for once per kernel.
    """

    def __init__(self, movies: pd.DataFrame,
                 pages: Callable[[Decades, str | None], str]) -> None:
        self._pages = pages
        self._shown: dict[tuple, str] = {}
        self.decades = decade_slider(movies)
        self.genre = widgets.Dropdown(options=[("Tous les genres", ""), *genre_options(movies)],
                                      description="Genre")
        self.decades.add_class("kpi-decades")
        self.genre.add_class("kpi-genre")
        self.content = widgets.HTML()
        self.content.add_class("kpi-content")
        for widget in (self.decades, self.genre):
            widget.observe(lambda _: self.update(), names="value")
        title = widgets.HTML(
            '<h2 class="cc-h2">Les chiffres du cinéma</h2><p class="cc-hint">Le catalogue '
            "de films (IMDb, au moins quelques centaines de votes), filtré par période et "
            "par genre. Les graphiques se mettent à jour avec les filtres.</p>")
        filters = widgets.Box([self.decades, self.genre])
        filters.add_class("kpi-filters")
        header = widgets.VBox([title, filters])
        header.add_class("cc-panel")
        self.root = widgets.VBox([header, self.content])
        share_models(self.root)
        self.update()

    def filters(self) -> tuple[Decades, str | None]:
        return decade_range(self.decades), (self.genre.value or None)

    def update(self) -> str:
        """Show the page for the current filters (a French message if it cannot be drawn)."""
        key = self.filters()
        if key not in self._shown:
            self.content.value = message_html("info", "Calcul des graphiques en cours…")
            try:
                self._shown[key] = self._pages(*key)
            except CineError as exc:
                self.content.value = message_html(
                    "error", "Les graphiques n'ont pas pu être calculés. Réessayez dans un "
                             "instant ou choisissez d'autres filtres."
                             f"<br><small>{esc(exc)}</small>")
                return self.content.value
        self.content.value = self._shown[key]
        return self.content.value


def panel(movies: pd.DataFrame, processed: Path) -> IndicatorsPanel:
    """The tab on the processed folder's pages (``movies`` gives the filters' choices)."""
    return IndicatorsPanel(movies, lambda decades, genre: page(processed, decades, genre))


# ---------------------------------------------------------------------- command line
