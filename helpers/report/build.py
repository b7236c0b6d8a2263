"""``build_report``: execute and export the notebooks, then the index and the presentation."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd

from helpers import config, files
from helpers.report.deck import build_deck
from helpers.report.export import (
    TITLES,
    Page,
    execute,
    export_html,
    write_findings,
    write_index,
)
from helpers.report.notebooks import numbered_notebooks


def run_evaluation() -> tuple[pd.DataFrame | None, str]:
    """The recommender's offline evaluation on the real samples, or why it could not run."""
    real = config.real_data_dir()
    if not real.is_dir():
        return None, f"L'évaluation n'a pas pu être exécutée : échantillons réels absents ({real})."
    try:
        from helpers.reco.evaluate import evaluate
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
    for path in numbered_notebooks():
        title = TITLES.get(path.stem, path.stem)
        print(f"{'executing' if execute_notebooks else 'exporting'} {path.name} ...", flush=True)
        if execute_notebooks:
            nb, error = execute(path)
        else:
            nb, error = nbformat.read(path, as_version=4), None
        page = Page(title, f"{path.stem}.html", error)
        files.write_text(out / page.file, export_html(nb, title, error))
        pages.append(page)
    findings = write_findings(out)
    evaluation, why = run_evaluation() if evaluate else (None, "L'évaluation n'a pas été "
                                                         "lancée pour ce rapport (--no-evaluate).")
    files.write_text(out / "presentation.html", build_deck(evaluation, why))
    return write_index(out, pages, findings)
