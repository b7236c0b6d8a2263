"""What the cleaning did, for 02_cleaning.ipynb: steps, coverage and the charts behind
the thresholds, all read from the ingest manifest (no raw file is read here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers import config
from helpers.data.ingest import find_raw_file, ingest_if_needed
from helpers.fmt import TITLE_TYPES_FR, fr_number

#: Axis labels (French) of the manifest's distributions.
DISTRIBUTION_LABELS = {
    "votes": ("Nombre de votes IMDb (classes)", "Distribution des votes IMDb"),
    "runtime": ("Durée (minutes, classes de 10)", "Distribution des durées"),
    "year": ("Décennie de sortie", "Films par décennie de sortie"),
}


def prepare() -> dict:
    """Processed tables of the configured data folder; return the ingest manifest.

    Raw files in ``config.raw_dir()`` are ingested (a partial set of IMDb files is
    accepted and listed in the manifest) unless the tables are up to date; without raw
    files, the processed tables already built (``helpers.app.build.ensure_data``) are used.
    """
    from helpers.data.catalog import clear_cache, load_manifest

    raw, processed = config.raw_dir(), config.processed_dir()
    if find_raw_file(raw, "title.basics") is None:
        return load_manifest(processed)
    manifest = ingest_if_needed(raw, processed, config.DEFAULT_PARAMS, require_all=False)
    clear_cache()
    return manifest


def ratio(part: float, whole: float) -> float:
    """``part / whole``, NaN (shown as "n.d.") when ``whole`` is 0."""
    return part / whole if whole else float("nan")


def step(manifest: dict, step_id: str) -> dict:
    """One step of the manifest, with ``removed`` and ``share`` (kept share) added."""
    found = next(s for s in manifest["steps"] if s["id"] == step_id)
    rows_in, rows_out = found["rows_in"], found["rows_out"]
    return {**found, "removed": rows_in - rows_out, "share": ratio(rows_out, rows_in)}


def steps_table(manifest: dict, table: str = "movies", kind: str = "filter") -> pd.DataFrame:
    """The cleaning steps of a table, in French, with what each one removed and why."""
    rows = [step(manifest, s["id"]) for s in manifest["steps"]
            if s["table"] == table and s["kind"] == kind]
    return pd.DataFrame({
        "Étape": [r["step"] for r in rows],
        "Avant": [fr_number(r["rows_in"]) for r in rows],
        "Après": [fr_number(r["rows_out"]) for r in rows],
        "Retirés": [fr_number(r["removed"]) for r in rows],
        "Pourquoi": [r["why"] for r in rows],
    })


def _bin_labels(edges: list[int], name: str) -> list[str]:
    if name == "year":
        return [f"{e}s" for e in edges]
    return [fr_number(e) for e in edges[:-1]] + [f"≥ {fr_number(edges[-1])}"]


def plot_distribution(manifest: dict, name: str) -> Figure:
    """Histogram of ``votes``, ``runtime`` or ``year`` before the filters, kept range
    in colour, removed bins in grey, thresholds as dashed lines."""
    dist, params = manifest["distributions"][name], manifest["params"]
    edges, counts = dist["edges"], np.asarray(dist["counts"])
    bounds = {"votes": (params["min_votes"], None),
              "runtime": (params["min_runtime"], params["max_runtime"]),
              "year": (params["min_year"], params["max_year"])}[name]
    lo = np.searchsorted(edges, bounds[0], side="right") - 1 if bounds[0] is not None else 0
    hi = (np.searchsorted(edges, bounds[1], side="right") if bounds[1] is not None
          else len(edges))
    index = np.arange(len(edges))
    kept = (index >= lo) & (index < hi)
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax = fig.subplots()
    ax.bar(index, counts, color=np.where(kept, "#2a6f97", "#b0b0b0"), width=0.85)
    for position, label in ((lo - 0.5, bounds[0]), (hi - 0.5, bounds[1])):
        if label is not None:
            ax.axvline(position, color="#c1121f", linestyle="--", linewidth=1.5)
            ax.annotate(f"seuil : {fr_number(label)}", (position, 1), xycoords=("data",
                        "axes fraction"), xytext=(4, -12), textcoords="offset points",
                        color="#c1121f", fontsize=9)
    labels = _bin_labels(edges, name)
    step_ = max(1, len(labels) // 12)
    ax.set_xticks(index[::step_], labels[::step_], rotation=45, ha="right", fontsize=8)
    xlabel, title = DISTRIBUTION_LABELS[name]
    ax.set(xlabel=xlabel, ylabel="Nombre de films", title=title)
    ax.yaxis.set_major_formatter(lambda value, _pos: fr_number(value))
    return fig


def plot_steps(manifest: dict) -> Figure:
    """Films left after each cleaning step (the funnel of the catalogue)."""
    rows = [s for s in manifest["steps"] if s["table"] == "movies" and s["kind"] == "filter"]
    labels = ["Tous les titres"] + [s["step"] for s in rows]
    values = [rows[0]["rows_in"]] + [s["rows_out"] for s in rows]
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.barh(labels[::-1], values[::-1], color="#2a6f97")
    ax.set_xscale("symlog")
    ax.set_xlim(0, max(values) * 3)
    for y, value in enumerate(values[::-1]):
        ax.annotate(fr_number(value), (value, y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.set(xlabel="Nombre de titres (échelle logarithmique)",
           title="Titres restants après chaque étape du nettoyage")
    ax.set_xticks([])
    return fig


def title_types(title_counts: pd.DataFrame) -> pd.Series:
    """Number of IMDb titles by type (French labels), before any filter, largest first."""
    totals = title_counts.groupby("title_type")["n_titles"].sum().sort_values(ascending=False)
    return totals.rename(index=lambda t: TITLE_TYPES_FR.get(t, t))


def plot_title_types(title_counts: pd.DataFrame) -> Figure:
    """Bars of the IMDb titles by type: films are a small part of the database."""
    totals = title_types(title_counts)
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.barh(totals.index[::-1], totals.to_numpy()[::-1], color="#2a6f97")
    ax.xaxis.set_major_formatter(lambda value, _pos: fr_number(value))
    ax.set(xlabel="Nombre de titres IMDb", title="Tous les titres IMDb, par type")
    return fig
