"""The presentation: one self-contained HTML page of slides built from the data and figures."""

from __future__ import annotations

import html

import pandas as pd

from helpers import config
from helpers.errors import CineError
from helpers.report.export import data_statement


def _slide(title: str, content: str, h: str = "h2") -> str:
    return f'<section class="slide"><{h}>{html.escape(title)}</{h}>{content}</section>'


def _ul(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


TABLES_FR = {"movies": "films au catalogue", "people": "personnes (acteurs, équipes)",
             "credits": "rôles d'acteurs", "series": "séries (comparaison)",
             "title_counts": "comptages de titres par type et décennie"}


def _funnel(manifest: dict | None) -> tuple[int, int] | None:
    """(titles read, films kept) from the ingest manifest's cleaning steps."""
    steps = [s for s in (manifest or {}).get("steps", []) if s.get("table") == "movies"
             and s.get("kind") == "filter"]
    return (steps[0]["rows_in"], steps[-1]["rows_out"]) if steps else None


def _raw_size(manifest: dict | None) -> float:
    """Size of the raw files read by the ingest, in MB."""
    files = (manifest or {}).get("source", {}).get("files", {})
    return sum(f.get("size", 0) for f in files.values()) / 2**20


def _data_slide(manifest: dict | None) -> str:
    """The cleaning funnel, rows per processed table and raw size, from the ingest manifest."""
    from helpers.analysis.market import fmt

    if not manifest:
        return _slide("Les données", "<p>Aucune table traitée : lancer <code>python -m helpers "
                      "build</code> (ou <code>demo</code> hors ligne).</p>")
    rows = []
    funnel = _funnel(manifest)
    if funnel:
        rows.append(f"<b>{fmt(funnel[0])} titres IMDb lus → {fmt(funnel[1])} films gardés</b> "
                    "(types, contenu adulte, années, durées, nombre de votes)")
    rows += [f"{fmt(info.get('rows', 0))} {html.escape(TABLES_FR.get(name, name))}"
             for name, info in manifest.get("tables", {}).items()]
    files = manifest.get("source", {}).get("files", {})
    rows.append(f"{len(files)} fichiers bruts, {fmt(_raw_size(manifest), 0)} Mo compressés, "
                f"traités en {fmt(manifest.get('seconds', 0))} s (DuckDB, en flux)")
    title = "Les données traitées" + (" (SYNTHÉTIQUES)" if manifest.get("synthetic") else "")
    return _slide(title, _ul(rows))


def _evaluation_slide(table: pd.DataFrame | None, why: str) -> str:
    """HR@10 / NDCG@10 / coverage per method and variant, or why the evaluation did not run."""
    from helpers.analysis.market import fmt

    if table is None or table.empty:
        return _slide("Évaluation du moteur de recommandation", f"<p>{html.escape(why)}</p>")
    head = "".join(f"<th>{c}</th>" for c in ("méthode", "requête", "HR@10", "NDCG@10",
                                              "couverture", "popularité (centile)"))
    ours = table["méthode"].str.startswith("Ciné Creuse")
    body = "".join(
        ("<tr class=\"ours\">" if mine else "<tr>") +
        f"<td>{html.escape(str(r['méthode']))}</td><td>{html.escape(str(r['variante']))}</td>"
        f"<td>{fmt(r['HR@10'] * 100, 1)} %</td><td>{fmt(r['NDCG@10'], 3)}</td>"
        f"<td>{fmt(r['couverture'] * 100, 1)} %</td><td>{fmt(r['popularité (centile)'], 0)}</td>"
        "</tr>" for (_, r), mine in zip(table.iterrows(), ours, strict=True))
    users, cases = table["utilisateurs"].iloc[0], table["cas"].iloc[0]
    summary = ""
    if ours.any() and (~ours).any():
        best = table.loc[ours, "HR@10"].max() / table.loc[~ours, "HR@10"].max()
        summary = (f"<p><b>Meilleur HR@10 du projet : {fmt(best, 1)} fois celui de la meilleure "
                   "approche de comparaison.</b></p>")
    from helpers.reco.evaluate import NOTE

    return _slide("Évaluation hors ligne (MovieLens, protocole ML-LOO)",
                  f"<p>Le film aimé suivant d'un utilisateur est-il dans nos 10 recommandations ? "
                  f"{fmt(users)} utilisateurs de contrôle, {fmt(cases)} cas par variante, "
                  "comparés aux approches usuelles.</p>"
                  f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{summary}"
                  f'<p class="small">{html.escape(NOTE)}</p>')


def build_deck(evaluation: pd.DataFrame | None, why: str) -> str:
    """The presentation: one self-contained HTML page of slides (inline CSS/JS, embedded chart)."""
    from helpers.analysis import market
    from helpers.analysis.plots import figure_data_uri
    from helpers.audience import CREUSE
    from helpers.data import catalog

    figures = market.load_market_figures()
    c = lambda i: html.escape(market.cite(figures, i))  # noqa: E731
    kind, statement = data_statement()
    try:
        manifest = catalog.load_manifest()
    except CineError:
        manifest = None
    chart = figure_data_uri(market.plot_cinema_offer(figures), dpi=110)
    funnel = _funnel(manifest)
    headline = f"{market.fmt(len(figures))} chiffres de marché sourcés" + (
        f", {market.fmt(funnel[1])} films au catalogue" if funnel else "")
    size_text = (f"{market.fmt(_raw_size(manifest), 0)} Mo de fichiers bruts, "
                 f"{market.fmt(funnel[0])} titres à trier pour {market.fmt(funnel[1])} films"
                 if funnel else "les fichiers IMDb complets sont volumineux")
    slides = [
        _slide("Ciné Creuse : des films pour le public du Sénéchal",
               "<p>Indicateurs et recommandations de films pour un cinéma de Guéret : "
               f"{headline}.</p>"
               f'<div class="banner {kind}">{statement}</div>'
               '<p class="small">Flèches ou clic pour naviguer.</p>', "h1"),
        _slide("La démarche", _ul([
            "<b>Étude de marché</b> (INSEE, CNC) : qui est le public creusois ?",
            "<b>Données</b> : les 7 fichiers IMDb + la table TMDB, téléchargés, nettoyés, réduits "
            "aux films utiles.",
            "<b>Exploration</b> : acteurs, durées, films et séries, meilleurs films.",
            "<b>Recommandation</b> par le contenu (genres, résumé, équipe, époque...), adaptée "
            "au public local.",
            "<b>Tableau de bord</b> en français pour les clients, et ce rapport."])),
        _slide("Le marché : un public âgé, rural, qui aime les films français",
               f'<img alt="Offre et fréquentation en Creuse" src="{chart}">' + _ul([
                   f"60 ans et plus : {c('creuse_part_60_plus_2018')} de la population",
                   f"Entrées par habitant : {c('creuse_entrees_par_habitant_2024')} contre "
                   f"{c('france_entrees_par_habitant_2024')}",
                   f"Films français : {c('creuse_part_films_francais_2022')} des entrées contre "
                   f"{c('france_part_films_francais_2022')}"])),
        _slide("Ce que le marché change dans le projet (helpers/audience.py)", _ul([
            f"Préférence locale par défaut du moteur : {CREUSE.local_preference} "
            f"(part des 60 ans et plus : {c('creuse_part_60_plus_2018')})",
            f"Poids des films français : {CREUSE.french_bonus} (rapport des parts Creuse / France)",
            f"Genres favorisés : {html.escape(', '.join(CREUSE.favoured_genres))} "
            "(comédies, sorties en famille)",
            f"Classiques des décennies {html.escape(', '.join(map(str, CREUSE.favoured_decades)))}"
            f" (patrimoine : {c('patrimoine_entrees_par_seance_2022')} par séance)"])),
        _data_slide(manifest),
        _slide("Les outils, et pourquoi", _ul([
            "<b>DuckDB / pyarrow</b> : lire de gros fichiers en flux, sans tout "
            "charger en mémoire ; tables Parquet légères.",
            "<b>pandas</b> : indicateurs et tableaux ; <b>matplotlib</b> : graphiques sourcés.",
            "<b>scikit-learn</b> : TF-IDF des résumés, matrices creuses, similarité cosinus.",
            "<b>rapidfuzz</b> : retrouver un film à partir d'un titre français approximatif.",
            "<b>ipywidgets + Voilà</b> : une page web à partir d'un carnet, sans développement "
            "web.",
            "<b>nbclient / nbconvert</b> : ce rapport ; <b>pytest + Playwright</b> : tests, "
            "jusque dans le navigateur."])),
        _slide("Les difficultés rencontrées", _ul([
            f"<b>Taille des données</b> : {size_text} ; filtrage en flux (DuckDB) et jointures "
            "limitées aux identifiants conservés, pour tenir sur une machine modeste.",
            "<b>Démarrage à froid</b> : aucun historique client, le moteur part des films "
            "qu'on lui cite.",
            "<b>Titres français</b> : les clients cherchent « Le Parrain », pas « The Godfather » "
            ": titres régionaux IMDb et recherche approximative.",
            "<b>Pas de données utilisateurs</b> : qualité mesurée sur les notes publiques "
            "MovieLens, sans régler sur les utilisateurs de contrôle."])),
        _evaluation_slide(evaluation, why),
        _slide("Les améliorations à venir", _ul([
            "<b>Notifications aux clients</b> : prévenir quand un film proche de leurs goûts "
            "passe au Sénéchal (courriel, lettre d'information).",
            "<b>Recueillir de vraies préférences</b> (films vus, aimés) pour mesurer et affiner "
            "le moteur sur le public local.",
            "<b>Les séances du cinéma</b> : recommander parmi les films à l'affiche, séances de "
            "l'après-midi en tête pour les seniors.",
            f"Suivre l'effet : entrées par séance (Creuse : {c('creuse_entrees_par_seance_2022')})."
        ])),
        _slide("Pour aller plus loin", _ul([
            '<a href="index.html">Le rapport complet</a> : les carnets exportés.',
            "Chaque chiffre du marché a sa source et son indice de confiance dans "
            "<code>data/market/market_figures.csv</code>."])),
    ]
    assets = config.PROJECT_ROOT / "report"
    css = (assets / "deck.css").read_text(encoding="utf-8")
    js = (assets / "deck.js").read_text(encoding="utf-8")
    return ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            "<title>Ciné Creuse — présentation</title>"
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{css}'
            f'</style></head><body>{"".join(slides)}<div class="counter"></div>'
            f"<script>{js}</script></body></html>")
