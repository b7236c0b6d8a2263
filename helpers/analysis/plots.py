"""One chart per KPI, shared by 03_exploration.ipynb, the report and the dashboard.

Each function takes the output of a :mod:`helpers.analysis.kpi` function and returns a
:class:`matplotlib.figure.Figure` built without pyplot (no global state, no backend
forced, nothing shown): the caller displays it (Jupyter shows a returned figure,
the dashboard renders it in a widget). French labels and number formats, the
Okabe-Ito colour-blind-safe palette, sized for the dashboard (8 x 4.5 in), no
chart junk. An empty input gives a figure saying so in French rather than an error.
"""

from __future__ import annotations

import base64
import io
import re
import sys
import textwrap
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from helpers.analysis import kpi
from helpers.fmt import country_fr, fr_number, fr_percent, genre_fr, title_type_fr

#: Okabe-Ito palette (colour-blind safe), most distinct colours first.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")
BLUE, ORANGE, GREEN, RED, PINK, SKY = PALETTE[:6]
GREY = "#8C8C8C"
FIGSIZE = (8.0, 4.5)
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 13, 11, 10
CATEGORY_FR = {"actor": "Acteurs", "actress": "Actrices"}
CATEGORY_COLOR = {"actor": BLUE, "actress": ORANGE}
NO_DATA = "Aucune donnée disponible pour ce graphique"


# --------------------------------------------------------------------------- helpers
def _fr_ticks(value: float, _pos: int | None = None) -> str:
    """Tick label: French number, with a decimal only when the tick needs one."""
    return fr_number(value, 0 if float(value).is_integer() else 1)


def figure_data_uri(fig: Figure, dpi: int = 96, colors: int | None = None,
                    close: bool = True) -> str:
    """A figure as an embedded ``data:image/png;base64,...`` URI, for self-contained HTML
    pages; a pyplot figure is closed (its memory released) unless ``close`` is False.

    ``colors``: store the PNG with a palette of at most that many colours (a flat chart
    loses nothing visible at 128 and weighs about a third: pages for slow links).
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    if close and "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close(fig)
    data = buffer.getvalue()
    if colors:
        from PIL import Image

        image = Image.open(io.BytesIO(data)).convert("RGB")
        small = io.BytesIO()
        image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                       dither=Image.Dither.NONE).save(small, format="PNG", optimize=True)
        data = small.getvalue()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


#: A chart laid out for a phone: 3.8 in wide (drawn at 110 dpi, a phone shows it 300 to
#: 380 CSS pixels wide, so that ticks read at about 17 px), text 1.5x larger, titles
#: wrapped (titles a little less enlarged), long category labels on two lines.
PHONE_WIDTH, PHONE_TEXT, PHONE_TITLE_CHARS, PHONE_LABEL_CHARS = 3.8, 1.5, 24, 16


def phone_figure(fig: Figure) -> Figure:
    """Lay ``fig`` out again for a phone (changes it in place; returns it): narrower, taller,
    larger text (ticks drawn later keep the larger size), the title wrapped across the whole
    width, long category labels on two lines, legends below the chart, one entry a line."""
    width, height = fig.get_size_inches()
    columns = _stack_columns(fig)
    tick_sizes = {}
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = axis.get_ticklabels()
            tick_sizes[ax, name] = labels[0].get_fontsize() if labels else TICK_SIZE
    for text in fig.findobj(Text):
        text.set_fontsize(text.get_fontsize() * PHONE_TEXT)
    title = fig.get_suptitle() or figure_title(fig)
    if not fig.get_suptitle():
        for ax in fig.axes:
            for loc in ("left", "center"):
                if ax.get_title(loc) == title:
                    ax.set_title("", loc=loc)
    if title:
        fig.suptitle(textwrap.fill(title, PHONE_TITLE_CHARS), x=0.02, ha="left",
                     fontsize=TITLE_SIZE * 1.35)
    lines = 0.0  # category label lines, stacked charts included
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            ax.tick_params(axis=name, labelsize=tick_sizes[ax, name] * PHONE_TEXT)
            if isinstance(axis.get_major_locator(), MaxNLocator):
                axis.get_major_locator().set_params(nbins=3)
            label = axis.get_label()
            label.set_text(textwrap.fill(label.get_text(), PHONE_LABEL_CHARS))
        if isinstance(ax.yaxis.get_major_locator(), FixedLocator):  # categories
            labels = [_two_lines(t.get_text()) for t in ax.get_yticklabels()]
            ax.set_yticks(ax.get_yticks(), labels)
            lines += sum(max(1, t.count("\n") + 1) for t in labels)
            bars = [p for p in ax.patches if p.get_x() == 0]
            if len(ax.texts) == len(bars) == len(labels):  # values on the bars: no x scale
                ax.tick_params(axis="x", labelbottom=False, length=0)
    entries: dict[str, object] = {}
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
        if legend is not None:
            for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
                entries.setdefault(textwrap.fill(text.get_text(), PHONE_TITLE_CHARS + 4), handle)
            legend.remove()
    if entries:
        fig.legend(list(entries.values()), list(entries), frameon=False, ncols=1,
                   fontsize=(TICK_SIZE - 1) * PHONE_TEXT, loc="outside lower center")
    fig.set_size_inches(PHONE_WIDTH, max(height * 1.1 * columns, PHONE_WIDTH * 1.05 * columns,
                                         0.32 * lines + 1.8 * columns + 0.3 * len(entries)))
    return fig


def _two_lines(text: str) -> str:
    """A category label on at most two lines of ``PHONE_LABEL_CHARS``, shortened beyond."""
    lines = textwrap.wrap(text, PHONE_LABEL_CHARS) or [text]
    if len(lines) > 2:
        lines = [lines[0], _short(" ".join(lines[1:]), PHONE_LABEL_CHARS)]
    return "\n".join(_short(line, PHONE_LABEL_CHARS) for line in lines)


def _stack_columns(fig: Figure) -> int:
    """Put side-by-side charts of one figure one above the other; the number of columns
    there were (twin axes move with their chart)."""
    specs = [ax.get_subplotspec() for ax in fig.axes]
    grids = {spec.get_gridspec() for spec in specs if spec is not None}
    if len(grids) != 1 or None in specs:
        return 1
    rows, columns = next(iter(grids)).get_geometry()
    if rows != 1 or columns < 2:
        return 1
    stacked = fig.add_gridspec(columns, 1)
    for ax, spec in zip(fig.axes, specs, strict=True):
        ax.set_subplotspec(stacked[spec.colspan.start, 0])
    return columns


def figure_title(fig: Figure) -> str:
    """The figure's title (its suptitle, else its first axes title): a chart's text
    alternative."""
    titles = [fig.get_suptitle(), *(ax.get_title(loc) for ax in fig.axes
                                    for loc in ("left", "center"))]
    return next((t for t in titles if t), "")


def figure_alt(fig: Figure, n: int = 5) -> str:
    """A text alternative of a chart: its title, then what it shows (the first ``n`` bars
    with their values for a bar chart with value labels, else the axes' names)."""
    parts = [figure_title(fig)]
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.get_yticklabels()]
        values = [t.get_text() for t in ax.texts]
        if (isinstance(ax.yaxis.get_major_locator(), FixedLocator) and labels
                and len(values) == len(labels)):
            shown = "\u00a0; ".join(f"{a} : {b}" for a, b in zip(labels[:n], values[:n],
                                                                 strict=True))
            more = f" (et {len(labels) - n} autres)" if len(labels) > n else ""
            parts.append(f"{shown}{more}")
        elif ax.get_xlabel() or ax.get_ylabel():
            axes = " selon ".join(x for x in (ax.get_ylabel(), ax.get_xlabel()) if x)
            parts.append(f"{axes}")
    return ". ".join(dict.fromkeys(p for p in parts if p)) + "."


def _figure(ncols: int = 1, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=TICK_SIZE)
        ax.xaxis.set_major_formatter(FuncFormatter(_fr_ticks))
        ax.yaxis.set_major_formatter(FuncFormatter(_fr_ticks))
    return fig, list(axes)


def _labels(ax: Axes, title: str, xlabel: str = "", ylabel: str = "") -> None:
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left")
    ax.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)


def empty_figure(title: str, message: str = NO_DATA) -> Figure:
    """A figure stating in French that there is nothing to show."""
    fig, (ax,) = _figure()
    ax.axis("off")
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=LABEL_SIZE, color=GREY,
            transform=ax.transAxes)
    return fig


_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def _short(text: str, width: int = 38) -> str:
    """A label from the data, cut to ``width`` characters; its dollar signs escaped (a pair of
    them would start a matplotlib formula, and a title such as "x $^$" fail the chart)."""
    text = text if len(text) <= width else text[: width - 1] + "…"
    return _UNESCAPED_DOLLAR.sub(r"\\$", text)


def _barh(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str,
          value_text: Callable[[float], str] = fr_number, color: str = BLUE) -> Figure:
    """Horizontal bars, first label on top, each bar annotated with its value."""
    if len(values) == 0:
        return empty_figure(title)
    fig, (ax,) = _figure()
    y = np.arange(len(values))
    ax.barh(y, values, color=color)
    ax.set_yticks(y, [_short(str(label)) for label in labels])
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    top = max(float(np.nanmax(values)), 0.0)
    for yi, v in zip(y, values, strict=True):
        ax.text(v + top * 0.01, yi, value_text(v), va="center", fontsize=TICK_SIZE - 1)
    ax.set_xlim(0, top * 1.12 or 1)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=float(top).is_integer()))
    _labels(ax, title, xlabel)
    return fig


def film_titles(films: pd.DataFrame) -> list[str]:
    """Display titles "French title (year)", the primary title when there is no French one."""
    title = films["french_title"].fillna(films["primary_title"]).astype(str)
    year = films["year"].map(lambda y: "" if pd.isna(y) else f" ({int(y)})").astype(str)
    return (title + year).tolist()


# ------------------------------------------------------------- 1. actors and periods
def plot_actor_timeline(careers: pd.DataFrame) -> Figure:
    """Active span of the top actors (from :func:`kpi.top_actors`): a line from
    first to last film, the peak decade highlighted, the number of films at the end."""
    title = "Carrières des acteurs et actrices les plus présents"
    if careers.empty:
        return empty_figure(title)
    fig, (ax,) = _figure(figsize=(FIGSIZE[0], max(FIGSIZE[1], 0.32 * len(careers) + 1.2)))
    y = np.arange(len(careers))
    for yi, row in zip(y, careers.itertuples(index=False), strict=True):
        color = CATEGORY_COLOR.get(row.category, GREY)
        ax.hlines(yi, row.first_year, row.last_year, color=color, linewidth=3)
        end = row.last_year
        if pd.notna(row.peak_decade):
            ax.barh(yi, 10, left=row.peak_decade, height=0.5, color=color, alpha=0.3)
            end = max(end, row.peak_decade + 10)
        ax.text(end + 1, yi, f"{fr_number(row.n_films)} films", va="center",
                fontsize=TICK_SIZE - 1)
    ax.set_yticks(y, [_short(n, 28) for n in careers["name"]])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    first = min(careers["first_year"].min(), careers["peak_decade"].min())
    last = max(careers["last_year"].max(), careers["peak_decade"].max() + 10)
    ax.set_xlim(first - 2, last + max(8, (last - first) * 0.15))
    for cat, label in CATEGORY_FR.items():
        ax.plot([], [], color=CATEGORY_COLOR[cat], linewidth=3, label=label)
    ax.barh([], [], color=GREY, alpha=0.3, label="Décennie la plus active")
    fig.legend(frameon=False, fontsize=TICK_SIZE - 1, loc="outside lower center", ncol=3)
    _labels(ax, title, "Année")
    return fig


def plot_top_by_decade(by_decade: pd.DataFrame) -> Figure:
    """Who dominated each decade: the first-ranked person of
    :func:`kpi.top_actors_by_decade` and their number of films."""
    first = by_decade[by_decade["rank"] == 1]
    labels = [f"Années {d} : {name}" for d, name in zip(first["decade"], first["name"],
                                                         strict=True)]
    return _barh(labels, first["n_films"].tolist(),
                 "Acteur ou actrice le plus présent par décennie", "Nombre de films")


# ----------------------------------------------------------------------- 2. runtime
def plot_runtime_trend(per_year: pd.DataFrame) -> Figure:
    """Mean runtime per year (or decade) with its 95 % band and the median, from
    :func:`kpi.runtime_by_period`; light bars give the number of films."""
    period = "decade" if "decade" in per_year.columns else "year"
    title = "Durée des films au fil des " + ("décennies" if period == "decade" else "années")
    if per_year.empty:
        return empty_figure(title)
    fig, (ax,) = _figure()
    x = per_year[period]
    counts = ax.twinx()
    counts.bar(x, per_year["n_films"], width=8 if period == "decade" else 0.8, color=GREY,
               alpha=0.25, label="Nombre de films (axe de droite)")
    counts.spines[["top", "left"]].set_visible(False)
    counts.tick_params(labelsize=TICK_SIZE - 1, colors=GREY)
    counts.yaxis.set_major_formatter(FuncFormatter(_fr_ticks))
    counts.set_ylabel("Nombre de films", fontsize=LABEL_SIZE - 1, color=GREY)
    ax.set_zorder(counts.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.fill_between(x, per_year["ci_low"], per_year["ci_high"], color=BLUE, alpha=0.2,
                    linewidth=0, label="Intervalle de confiance à 95 %")
    ax.plot(x, per_year["mean"], color=BLUE, linewidth=2, label="Durée moyenne")
    ax.plot(x, per_year["median"], color=ORANGE, linewidth=1.5, linestyle="--",
            label="Durée médiane")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.legend(frameon=False, fontsize=TICK_SIZE - 1, loc="upper left")
    _labels(ax, title, "Décennie" if period == "decade" else "Année de sortie",
            "Durée (minutes)")
    return fig


def plot_runtime_distribution(dist: pd.DataFrame) -> Figure:
    """Films per runtime bin (:func:`kpi.runtime_distribution`)."""
    return _histogram(dist, "runtime_bin", "Répartition des durées", "Durée (minutes)",
                      BLUE, default_width=10.0)


def _histogram(dist: pd.DataFrame, bin_column: str, title: str, xlabel: str, color: str,
               default_width: float) -> Figure:
    """Bars of ``n_films`` per bin start (bins of equal width)."""
    if dist.empty:
        return empty_figure(title)
    fig, (ax,) = _figure()
    width = float(np.diff(dist[bin_column]).min()) if len(dist) > 1 else default_width
    ax.bar(dist[bin_column], dist["n_films"], width=width * 0.9, align="edge", color=color)
    _labels(ax, title, xlabel, "Nombre de films")
    return fig


# --------------------------------------------------------------- 3. films vs series
def plot_films_vs_series(overlap: pd.DataFrame) -> Figure:
    """People in films only, series only or both (:func:`kpi.films_series_overlap`)."""
    title = "Acteurs et actrices : cinéma, séries ou les deux"
    total = overlap["n_people"].sum()
    if not total:
        return empty_figure(title)
    return _barh(overlap["label"].tolist(), overlap["n_people"].tolist(), title,
                 "Nombre de personnes", color=GREEN,
                 value_text=lambda v: f"{fr_number(v)} ({fr_percent(v / total)})")


def plot_crossovers(crossovers: pd.DataFrame) -> Figure:
    """Films and series of the most prominent crossovers (:func:`kpi.top_crossovers`)."""
    title = "Les plus présents à la fois au cinéma et en série"
    if crossovers.empty:
        return empty_figure(title)
    fig, (ax,) = _figure()
    y = np.arange(len(crossovers))
    ax.barh(y, crossovers["n_films"], color=BLUE, label="Films")
    ax.barh(y, crossovers["n_series"], left=crossovers["n_films"], color=ORANGE,
            label="Séries")
    names = [_short(n, 28) for n in crossovers["name"]]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=TICK_SIZE - 1, loc="lower right")
    _labels(ax, title, "Nombre de titres")
    return fig


def plot_genres_by_group(genres: pd.DataFrame, n: int = 8) -> Figure:
    """Genre mix of film credits (films only vs crossovers) and series credits (series only
    vs crossovers), from :func:`kpi.genres_by_group`: share of credits per genre."""
    title = "Genres joués selon le profil de carrière"
    if genres.empty:
        return empty_figure(title)
    fig, axes = _figure(ncols=2)
    for ax, kind, other, sub in ((axes[0], kpi.MOVIE, "films_only", "Rôles au cinéma"),
                                 (axes[1], kpi.SERIES, "series_only", "Rôles en série")):
        g = genres[genres["kind"] == kind]
        top = (g.groupby("genre")["share"].max().sort_values(ascending=False)
               .head(n).index.tolist())
        if not top:
            ax.axis("off")
            ax.text(0.5, 0.5, "Aucun rôle", ha="center", transform=ax.transAxes, color=GREY)
            continue
        y = np.arange(len(top))
        for i, (group, color) in enumerate(((other, BLUE), ("both", ORANGE))):
            shares = g[g["group"] == group].set_index("genre")["share"].reindex(top).fillna(0)
            ax.barh(y + (i - 0.5) * 0.4, shares, height=0.4, color=color,
                    label=kpi.GROUPS[group])
        labels = [genre_fr(x) for x in top]
        ax.set_yticks(y, labels)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fr_percent(v, 0)))
        ax.invert_yaxis()
        ax.tick_params(axis="y", length=0)
        ax.legend(frameon=False, fontsize=TICK_SIZE - 2, loc="lower right")
        ax.set_title(sub, fontsize=LABEL_SIZE, loc="left")
        ax.set_xlabel("Part des rôles", fontsize=LABEL_SIZE - 1)
    fig.suptitle(title, fontsize=TITLE_SIZE, x=0.01, ha="left")
    return fig


# --------------------------------------------------------------------------- 4. ages
def plot_age_by_decade(ages: pd.DataFrame) -> Figure:
    """Mean age at release per decade, actors vs actresses
    (:func:`kpi.age_by` with ``["decade", "category"]``)."""
    title = "Âge moyen des interprètes à la sortie du film"
    if ages.empty:
        return empty_figure(title, "Aucune année de naissance connue : âge non calculable")
    fig, (ax,) = _figure()
    for cat, g in ages.groupby("category"):
        ax.plot(g["decade"], g["mean_age"], marker="o", linewidth=2,
                color=CATEGORY_COLOR.get(cat, GREY), label=CATEGORY_FR.get(cat, cat))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.legend(frameon=False, fontsize=TICK_SIZE - 1)
    _labels(ax, title, "Décennie de sortie", "Âge moyen (ans)")
    return fig


def plot_age_leading(ages: pd.DataFrame) -> Figure:
    """Mean age of first-billed vs other roles, actors vs actresses
    (:func:`kpi.age_by` with ``["category", "leading"]``)."""
    title = "Âge moyen : premier rôle ou second rôle"
    if ages.empty:
        return empty_figure(title, "Aucune année de naissance connue : âge non calculable")
    fig, (ax,) = _figure()
    cats = list(dict.fromkeys(ages["category"]))
    x = np.arange(len(cats))
    for i, (lead, label, color) in enumerate(((True, "Premier rôle (1er au générique)", BLUE),
                                              (False, "Autres rôles", SKY))):
        means = ages[ages["leading"] == lead].set_index("category")["mean_age"].reindex(cats)
        bars = ax.bar(x + (i - 0.5) * 0.38, means, width=0.38, color=color, label=label)
        ax.bar_label(bars, labels=[fr_number(v, 1) for v in means], fontsize=TICK_SIZE - 1)
    ax.set_xticks(x, [CATEGORY_FR.get(c, c) for c in cats])
    fig.legend(frameon=False, fontsize=TICK_SIZE - 1, loc="outside lower center", ncol=2)
    _labels(ax, title, "", "Âge moyen (ans)")
    return fig


# ----------------------------------------------------------------- 5. best rated
def plot_top_rated(top: pd.DataFrame, m: float | None = None) -> Figure:
    """Best films by vote-weighted score (:func:`kpi.top_rated`)."""
    subtitle = f" (m = {fr_number(m)} votes)" if m is not None and np.isfinite(m) else ""
    return _barh(film_titles(top), top["score"].tolist(),
                 f"Films les mieux notés, note pondérée par les votes{subtitle}",
                 "Note pondérée (sur 10)", value_text=lambda v: fr_number(v, 2), color=BLUE)


def plot_overrepresentation(table: pd.DataFrame, column: str) -> Figure:
    """Over-representation ratios of :func:`kpi.overrepresentation` (1 = same share as
    the catalogue)."""
    what = {"genres": "genres", "countries": "pays", "director_names": "réalisateurs",
            "decade": "décennies", "runtime_band": "durées"}.get(column, column)
    title = f"Ce que partagent les films les mieux notés : {what}"
    label = {"genres": genre_fr, "countries": country_fr,
             "decade": lambda d: f"Années {d}"}.get(column, str)
    fig = _barh([label(v) for v in table["value"]], table["ratio"].fillna(0).tolist(), title,
                "Surreprésentation (part dans le top / part dans le catalogue)",
                value_text=lambda v: f"× {fr_number(v, 1)}", color=GREEN)
    if not table.empty:
        fig.axes[0].axvline(1, color=GREY, linewidth=1, linestyle=":")
    return fig


# ----------------------------------------------------------------- catalogue figures
def plot_titles_by_type(types: pd.DataFrame) -> Figure:
    """All IMDb titles per type (:func:`kpi.titles_by_type`)."""
    return _barh([title_type_fr(t) for t in types["title_type"]], types["n_titles"].tolist(),
                 "Titres IMDb par type (avant tout filtre)", "Nombre de titres")


def plot_films_by_genre(genres: pd.DataFrame, n: int = 15) -> Figure:
    """Films per genre (:func:`kpi.films_by_genre`), the ``n`` largest."""
    g = genres.head(n)
    return _barh(g["label"].tolist(), g["n_films"].tolist(), "Films par genre",
                 "Nombre de films (un film peut avoir plusieurs genres)")


def plot_films_by_decade(decades: pd.DataFrame) -> Figure:
    """Films per decade of release (:func:`kpi.films_by_decade`)."""
    title = "Films par décennie de sortie"
    if decades.empty:
        return empty_figure(title)
    fig, (ax,) = _figure()
    ax.bar(decades["decade"], decades["n_films"], width=8, color=BLUE)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    _labels(ax, title, "Décennie", "Nombre de films")
    return fig


def plot_rating_distribution(dist: pd.DataFrame) -> Figure:
    """Films per IMDb rating bin (:func:`kpi.rating_distribution`)."""
    return _histogram(dist, "rating_bin", "Répartition des notes IMDb", "Note IMDb (sur 10)",
                      ORANGE, default_width=0.5)


def plot_votes_distribution(dist: pd.DataFrame) -> Figure:
    """Films per order of magnitude of votes (:func:`kpi.votes_distribution`)."""
    labels = [f"{fr_number(v)} à {fr_number(10 * v - 1)}" for v in dist["votes_bin"]]
    return _barh(labels, dist["n_films"].tolist(), "Nombre de votes IMDb par film",
                 "Nombre de films", color=ORANGE)


def plot_french_by_decade(french: pd.DataFrame) -> Figure:
    """Share of French productions and of films with a French title per decade
    (:func:`kpi.french_by_decade`)."""
    title = "Films français et titres en français par décennie"
    if french.empty:
        return empty_figure(title)
    fig, (ax,) = _figure()
    ax.plot(french["decade"], french["share_french"], marker="o", linewidth=2, color=BLUE,
            label="Productions françaises")
    ax.plot(french["decade"], french["share_french_title"], marker="s", linewidth=2,
            color=ORANGE, linestyle="--", label="Films ayant un titre français")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fr_percent(v, 0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.legend(frameon=False, fontsize=TICK_SIZE - 1)
    _labels(ax, title, "Décennie", "Part des films")
    return fig


def plot_countries(countries: pd.DataFrame) -> Figure:
    """Most frequent production countries (:func:`kpi.top_countries`)."""
    if countries.empty:
        return empty_figure("Pays de production", "Pas de données TMDB sur les pays")
    return _barh([country_fr(c) for c in countries["country"]], countries["n_films"].tolist(),
                 "Pays de production (données TMDB)", "Nombre de films")


def plot_money_by_decade(money: pd.DataFrame) -> Figure:
    """Median budget and revenue per decade (:func:`kpi.money_by_decade`)."""
    title = "Budget et recettes médians par décennie (données TMDB)"
    if money.empty:
        return empty_figure(title, "Pas de budgets ni de recettes dans les données TMDB")
    fig, (ax,) = _figure()
    x = money["decade"].to_numpy()
    ax.bar(x - 2, money["median_budget"] / 1e6, width=4, color=BLUE, label="Budget médian")
    ax.bar(x + 2, money["median_revenue"].fillna(0) / 1e6, width=4, color=GREEN,
           label="Recettes médianes")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.legend(frameon=False, fontsize=TICK_SIZE - 1, loc="upper left")
    _labels(ax, title, "Décennie", "Millions de dollars US")
    return fig


def plot_top_directors(directors: pd.DataFrame) -> Figure:
    """Most frequent directors (:func:`kpi.top_directors`)."""
    return _barh(directors["name"].tolist(), directors["n_films"].tolist(),
                 "Réalisateurs les plus présents", "Nombre de films", color=PINK)


def plot_audience_offer(offer: pd.DataFrame) -> Figure:
    """Films the catalogue offers per audience segment (:func:`kpi.audience_offer`)."""
    title = "Ce que le catalogue offre au public creusois"
    total = offer["n_films"].max() if len(offer) else 0
    if not total:
        return empty_figure(title)
    return _barh(offer["segment"].tolist(), offer["n_films"].tolist(), title, "Nombre de films",
                 value_text=lambda v: f"{fr_number(v)} ({fr_percent(v / total, 0)})",
                 color=GREEN)
