"""``python -m helpers report``: execute the notebooks, export them to self-contained HTML
pages in ``report/`` with an index stating the data used, and build the presentation.

Pages open offline: images are embedded and every external ``<script src>`` /
``<link href>`` (require.js, MathJax CDN) is removed. A notebook that fails shows a
one-line French notice instead of a traceback.
"""

from __future__ import annotations

import html
import importlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from helpers import config, files
from helpers.errors import CineError
from helpers.fmt import fr_date

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


def data_statement(processed: Path | None = None) -> tuple[str, str]:
    """(css class, French HTML) saying loudly which data the report was computed on."""
    from helpers.data import catalog

    folder = Path(processed) if processed is not None else config.processed_dir()
    try:
        manifest = catalog.load_manifest(folder)
    except CineError:
        return "missing", (f"Aucune table traitée trouvée dans {html.escape(str(folder))} : "
                           "les carnets de données n'ont pas pu montrer de résultats.")
    built = html.escape(fr_date(manifest.get("created"), with_time=True))
    if manifest.get("synthetic"):
        return "synthetic", (f"⚠ {SYNTHETIC_BANNER} ⚠ — ces pages ne montrent PAS les vraies "
                             "données IMDb/TMDB, seulement un jeu généré pour la démonstration "
                             f"(construit le {built}).")
    files = manifest.get("source", {}).get("files", {})
    dates = sorted({fr_date(f["mtime"]) for f in files.values() if f.get("mtime")})
    return "real", ("Données réelles : fichiers IMDb et TMDB téléchargés le "
                    f"{html.escape(' / '.join(dates) or '?')}, tables construites le "
                    f"{built}.")


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_CSS}</style></head><body>{body}</body></html>")


def write_findings(out: Path, processed: Path | None = None) -> str | None:
    """The findings document (``helpers.analysis.findings``) as ``findings.html``, if any."""
    try:
        findings = importlib.import_module("helpers.analysis.findings")
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
    return files.write_text(out / "index.html", _page("Ciné Creuse — rapport", body))
