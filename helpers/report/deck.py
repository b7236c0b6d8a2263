"""The presentation: one self-contained HTML page of slides built from the data and figures,
rendered by Jinja2 (``templates/deck.html``, autoescaped) with inline CSS, JS and chart."""

from __future__ import annotations

from functools import lru_cache

import jinja2
import pandas as pd
from markupsafe import Markup

from helpers import config
from helpers.errors import CineError
from helpers.report.export import data_statement

TABLES_FR = {"movies": "films au catalogue", "people": "personnes (acteurs, équipes)",
             "credits": "rôles d'acteurs", "series": "séries (comparaison)",
             "title_counts": "comptages de titres par type et décennie"}


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("helpers.report", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def _funnel(manifest: dict | None) -> tuple[int, int] | None:
    """(titles read, films kept) from the ingest manifest's cleaning steps."""
    steps = [s for s in (manifest or {}).get("steps", []) if s.get("table") == "movies"
             and s.get("kind") == "filter"]
    return (steps[0]["rows_in"], steps[-1]["rows_out"]) if steps else None


def _raw_size(manifest: dict | None) -> float:
    """Size of the raw files read by the ingest, in MB."""
    files = (manifest or {}).get("source", {}).get("files", {})
    return sum(f.get("size", 0) for f in files.values()) / 2**20


def _evaluation(table: pd.DataFrame | None) -> dict | None:
    """The evaluation slide's figures (French-formatted), None when it did not run."""
    from helpers.analysis.market import fmt
    from helpers.reco.evaluate import NOTE

    if table is None or table.empty:
        return None
    ours = table["méthode"].str.startswith("Ciné Creuse")
    rows = [{"ours": bool(mine), "method": r["méthode"], "variant": r["variante"],
             "hit_rate": fmt(r["HR@10"] * 100, 1), "ndcg": fmt(r["NDCG@10"], 3),
             "coverage": fmt(r["couverture"] * 100, 1),
             "popularity": fmt(r["popularité (centile)"], 0)}
            for (_, r), mine in zip(table.iterrows(), ours, strict=True)]
    best = (fmt(table.loc[ours, "HR@10"].max() / table.loc[~ours, "HR@10"].max(), 1)
            if ours.any() and (~ours).any() else None)
    return {"rows": rows, "best": best, "note": NOTE, "users": fmt(table["utilisateurs"].iloc[0]),
            "cases": fmt(table["cas"].iloc[0])}


def build_deck(evaluation: pd.DataFrame | None, why: str) -> str:
    """The presentation: one self-contained HTML page of slides (inline CSS/JS, embedded chart)."""
    from helpers.analysis import market
    from helpers.analysis.plots import figure_data_uri
    from helpers.audience import CREUSE
    from helpers.data import catalog

    figures = market.load_market_figures()
    kind, statement = data_statement()
    try:
        manifest = catalog.load_manifest()
    except CineError:
        manifest = None
    funnel = _funnel(manifest)
    assets = config.PROJECT_ROOT / "report"
    return _environment().get_template("deck.html").render(
        css=Markup((assets / "deck.css").read_text(encoding="utf-8")),
        js=Markup((assets / "deck.js").read_text(encoding="utf-8")),
        cite=lambda figure_id: market.cite(figures, figure_id),
        n_figures=market.fmt(len(figures)),
        data_kind=kind, data_statement=Markup(statement),  # built escaped by data_statement
        chart=figure_data_uri(market.plot_cinema_offer(figures), dpi=110),
        audience=CREUSE, manifest=manifest,
        funnel={"read": market.fmt(funnel[0]), "kept": market.fmt(funnel[1])} if funnel else None,
        tables=[(market.fmt(info.get("rows", 0)), TABLES_FR.get(name, name))
                for name, info in (manifest or {}).get("tables", {}).items()],
        raw={"files": len((manifest or {}).get("source", {}).get("files", {})),
             "megabytes": market.fmt(_raw_size(manifest), 0),
             "seconds": market.fmt((manifest or {}).get("seconds", 0))},
        evaluation=_evaluation(evaluation), why=why)
