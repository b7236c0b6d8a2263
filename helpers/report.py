"""``python -m helpers report``: execute the notebooks, export them to self-contained HTML
pages in ``report/`` with an index stating the data used, and build the presentation.

Pages open offline: images are embedded and every external ``<script src>`` /
``<link href>`` (require.js, MathJax CDN) is removed. A notebook that fails shows a
one-line French notice instead of a traceback.
"""

from __future__ import annotations

import argparse
import base64
import html
import importlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pandas as pd

from helpers import config
from helpers.errors import CineError

TITLES = {"01_market_study": "Étude de marché : le cinéma en Creuse",
          "02_cleaning": "Téléchargement et nettoyage des données",
          "03_exploration": "Exploration du catalogue et indicateurs",
          "04_recommender": "Le moteur de recommandation et son évaluation"}
SYNTHETIC_BANNER = "DONNÉES SYNTHÉTIQUES DE DÉMONSTRATION"
_EXTERNAL = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>"
                       r"|<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.I)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.I | re.S)
_REMOTE_IMPORT = re.compile(r"""(?:\bimport\s*\(|\bfrom\s+)\s*["']https?://""")
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}h1{font-size:1.8rem}a{color:#0060a0}
.banner{padding:1rem 1.2rem;border-radius:.4rem;font-weight:700;font-size:1.15rem;margin:1rem 0}
.synthetic{background:#fff0d6;border:3px solid #d55e00;color:#8a2f00;font-size:1.5rem}
.real{background:#e6f2fa;border:2px solid #0072b2}.missing{background:#eee;border:2px solid #555}
li{margin:.4rem 0}.failed{color:#8a2f00}table{border-collapse:collapse}td,th{padding:.2rem .6rem;
border-bottom:1px solid #ddd;text-align:left}
"""


def notebooks(root: Path | None = None) -> list[Path]:
    """The numbered notebooks of the project root, in order (not the dashboard)."""
    return sorted((root or config.PROJECT_ROOT).glob("[0-9][0-9]_*.ipynb"))


@dataclass
class Page:
    """One exported notebook."""

    title: str
    file: str
    error: str | None = None


def execute(path: Path, timeout: int = 1800) -> tuple[nbformat.NotebookNode, str | None]:
    """Run a notebook in a fresh kernel (CINE_DATA_DIR as set); return it and a one-line error."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        return nb, f"{exc.ename}: {exc.evalue}".strip().splitlines()[0]
    except Exception as exc:  # kernel death, timeout: reported on the page, not raised
        return nb, f"{type(exc).__name__}: {exc}".splitlines()[0]
    return nb, None


def _drop_errors(nb: nbformat.NotebookNode) -> None:
    """Remove error outputs (tracebacks) and stderr streams: readers see the notice instead."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"
                            and o.get("name") != "stderr"]


def offline(page: str) -> str:
    """Strip every external script/stylesheet reference (CDN require.js, MathJax, the
    mermaid module importing from a CDN): the pages must display offline."""
    page = _EXTERNAL.sub("", page)
    return _SCRIPT.sub(lambda m: "" if _REMOTE_IMPORT.search(m.group(1)) else m.group(0), page)


def export_html(nb: nbformat.NotebookNode, title: str, error: str | None = None) -> str:
    """A self-contained HTML page: prose and outputs only (code hidden), images embedded."""
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(nb)
    _drop_errors(nb)
    if error:
        notice = (f"**Ce carnet n'a pas pu être exécuté jusqu'au bout** : `{error}`. "
                  "Les résultats ci-dessous sont partiels.")
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(notice))
    nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="lab", embed_images=True, exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return offline(body)


def _when(stamp: object) -> str:
    """An ISO timestamp of the manifest as ``24/11/2026 à 07:22 UTC``."""
    try:
        return f"{datetime.fromisoformat(str(stamp)):%d/%m/%Y à %H:%M} UTC"
    except ValueError:
        return str(stamp)


def data_statement(processed: Path | None = None) -> tuple[str, str]:
    """(css class, French HTML) saying loudly which data the report was computed on."""
    from helpers import catalog

    folder = Path(processed) if processed is not None else config.processed_dir()
    try:
        manifest = catalog.load_manifest(folder)
    except CineError:
        return "missing", (f"Aucune table traitée trouvée dans {html.escape(str(folder))} : "
                           "les carnets de données n'ont pas pu montrer de résultats.")
    if manifest.get("synthetic"):
        return "synthetic", (f"⚠ {SYNTHETIC_BANNER} ⚠ — ces pages ne montrent PAS les vraies "
                             "données IMDb/TMDB, seulement un jeu généré pour la démonstration "
                             f"(construit le {html.escape(_when(manifest.get('created')))}).")
    files = manifest.get("source", {}).get("files", {})
    dates = sorted({f"{datetime.fromisoformat(f['mtime']):%d/%m/%Y}"
                    for f in files.values() if f.get("mtime")})
    return "real", ("Données réelles : fichiers IMDb et TMDB téléchargés le "
                    f"{html.escape(' / '.join(dates) or '?')}, tables construites le "
                    f"{html.escape(_when(manifest.get('created')))}.")


def _write(path: Path, text: str) -> Path:
    """Write a page atomically: a reader never sees a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_CSS}</style></head><body>{body}</body></html>")


def write_findings(out: Path, processed: Path | None = None) -> str | None:
    """The teammates' findings document (``helpers.findings``) as ``findings.html``, if any."""
    try:
        findings = importlib.import_module("helpers.findings")
    except ModuleNotFoundError:
        return None
    try:
        findings.write_findings(processed, out / "findings.html")
    except CineError as exc:
        print(f"findings document skipped: {exc}")
        return None
    return "findings.html"


def write_index(out: Path, pages: list[Page], findings: str | None) -> Path:
    """``index.html``: the data statement, then links to the pages and the presentation."""
    kind, statement = data_statement()
    items = "".join(
        f'<li><a href="{html.escape(p.file)}">{html.escape(p.title)}</a>'
        + (f' <span class="failed">(exécution incomplète : {html.escape(p.error)})</span>'
           if p.error else "") + "</li>" for p in pages)
    extra = (f'<li><a href="{findings}">Choix de nettoyage et conclusions de l\'exploration'
             "</a></li>" if findings else "")
    body = (f"<h1>Ciné Creuse — rapport</h1><div class=\"banner {kind}\">{statement}</div>"
            f"<h2>Carnets</h2><ol>{items}</ol><h2>Synthèse</h2><ul>{extra}"
            '<li><a href="presentation.html">Présentation (diaporama)</a></li></ul>'
            "<p>Le tableau de bord des clients (<code>dashboard.ipynb</code>) est interactif : "
            "il se lance avec <code>python -m helpers serve</code>.</p>"
            f"<p>Généré le {datetime.now(UTC):%Y-%m-%d %H:%M} UTC par "
            "<code>python -m helpers report</code>.</p>")
    return _write(out / "index.html", _page("Ciné Creuse — rapport", body))


def run_evaluation() -> tuple[pd.DataFrame | None, str]:
    """The recommender's offline evaluation on the real samples, or why it could not run."""
    real = config.real_data_dir()
    if not real.is_dir():
        return None, f"L'évaluation n'a pas pu être exécutée : échantillons réels absents ({real})."
    try:
        from helpers.evaluate import evaluate
        return evaluate(real), ""
    except Exception as exc:  # the deck says why; the rest of the report is still written
        print(f"evaluation skipped: {type(exc).__name__}: {exc}")
        return None, f"L'évaluation n'a pas pu être exécutée (erreur {type(exc).__name__} : {exc})."


def build_report(out: Path | None = None, execute_notebooks: bool = True,
                 evaluate: bool = True) -> Path:
    """Execute and export every notebook, then the index and the presentation; return index."""
    out = Path(out) if out is not None else config.PROJECT_ROOT / "report"
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in notebooks():
        title = TITLES.get(path.stem, path.stem)
        print(f"{'executing' if execute_notebooks else 'exporting'} {path.name} ...", flush=True)
        if execute_notebooks:
            nb, error = execute(path)
        else:
            nb, error = nbformat.read(path, as_version=4), None
        page = Page(title, f"{path.stem}.html", error)
        _write(out / page.file, export_html(nb, title, error))
        pages.append(page)
    findings = write_findings(out)
    evaluation, why = run_evaluation() if evaluate else (None, "L'évaluation n'a pas été "
                                                         "lancée pour ce rapport (--no-evaluate).")
    _write(out / "presentation.html", build_deck(evaluation, why))
    return write_index(out, pages, findings)


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
    from helpers.market import fmt

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
    from helpers.market import fmt

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
    from helpers.evaluate import NOTE

    return _slide("Évaluation hors ligne (MovieLens, protocole ML-LOO)",
                  f"<p>Le film aimé suivant d'un utilisateur est-il dans nos 10 recommandations ? "
                  f"{fmt(users)} utilisateurs de contrôle, {fmt(cases)} cas par variante, "
                  "comparés aux approches usuelles.</p>"
                  f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{summary}"
                  f'<p class="small">{html.escape(NOTE)}</p>')


def build_deck(evaluation: pd.DataFrame | None, why: str) -> str:
    """The presentation: one self-contained HTML page of slides (inline CSS/JS, embedded chart)."""
    from helpers import catalog, market
    from helpers.audience import CREUSE

    figures = market.load_market_figures()
    c = lambda i: html.escape(market.cite(figures, i))  # noqa: E731
    kind, statement = data_statement()
    try:
        manifest = catalog.load_manifest()
    except CineError:
        manifest = None
    chart = png_data_uri(market.plot_cinema_offer(figures))
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


def png_data_uri(fig) -> str:
    """A matplotlib figure as an embedded ``data:`` PNG (closes the figure)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: report/)")
    parser.add_argument("--no-execute", action="store_true",
                        help="export the notebooks as they are, without running them")
    parser.add_argument("--no-evaluate", action="store_true",
                        help="skip the offline evaluation shown in the presentation")


def run(args: argparse.Namespace) -> int:
    index = build_report(args.out, execute_notebooks=not args.no_execute,
                         evaluate=not args.no_evaluate)
    kind, _ = data_statement()
    print(f"report written: {index} ({'SYNTHETIC demo data' if kind == 'synthetic' else kind})")
    return 0
