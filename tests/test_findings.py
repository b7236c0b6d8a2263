"""The French findings: computed numbers, escaping, missing parts, real samples."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_kpi import make_tables
from test_notebooks import execute
from test_plots import chart_inputs

from helpers.analysis import findings, plots
from helpers.audience import AudienceProfile
from helpers.config import CleaningParams
from helpers.schema import TABLES

MANIFEST = {
    "created": "2026-11-20T10:00:00+00:00",
    "synthetic": {"scale": "tiny", "seed": 0},
    "params": {"min_runtime": 40, "max_runtime": 300},
    "tables": {"movies": {"rows": 4}},
    "missing_files": [],
    "steps": [
        {"id": "runtime", "step": "Durée", "table": "movies", "kind": "filter",
         "rows_in": 1500, "rows_out": 1234, "why": "Courts métrages <écartés>."},
        {"id": "tmdb_join", "step": "Jointure TMDB", "table": "movies", "kind": "coverage",
         "rows_in": 4, "rows_out": 3, "why": "Affiches et budgets."},
    ],
}
PROFILE = AudienceProfile(favoured_genres=("Comedy", "Family"), favoured_decades=(1990,),
                          max_runtime=150, local_preference=0.3, french_bonus=1.0)


def write_processed(folder: Path, tables: dict[str, pd.DataFrame], manifest: dict) -> Path:
    """Processed tables + manifest as the ingest writes them."""
    folder.mkdir(parents=True)
    for name, df in tables.items():
        pq.write_table(pa.Table.from_pandas(df, schema=TABLES[name], preserve_index=False),
                       folder / f"{name}.parquet")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_section_escapes_markdown_and_html() -> None:
    s = findings.Section("Top *1*", ["<script>alert(1)</script> & co", ["a_b [c]"]])
    md = s.markdown()
    assert md == ("### Top \\*1\\*\n\n\\<script\\>alert(1)\\</script\\> &amp; co\n\n"
                  "- a\\_b \\[c\\]")
    assert "<script>" not in s.html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in s.html()
    assert "<li>a_b [c]</li>" in s.html()


def test_sections_state_computed_numbers() -> None:
    t = make_tables()
    text = "\n".join(s.markdown() for s in findings.exploration(t, MANIFEST, PROFILE))
    text = text.replace("\u00a0", " ")  # French no-break spaces, for readable expectations
    assert "Le catalogue compte 4 films sortis de 1960 à 1995" in text
    assert "Durée médiane : 110 minutes" in text
    assert "Alice : 3 films, de 1960 à 1990, surtout dans les années 1960 (2 films)" in text
    assert "années 1960 : Alice (2 films)" in text
    assert "Durée moyenne : 110 minutes dans les années 1960 (2 films)" in text
    assert "écarté 266 films" in text  # 1500 - 1234, from the manifest
    assert "Films uniquement : 3 personnes (60,0 %)" in text
    assert "Alice (3 films, 1 série)" in text
    assert "inconnue pour 1 des 4 interprètes (25,0 %)" in text
    assert "écartés : 1." in text  # David's impossible age
    assert "m = 550 votes" in text and "C = 7,67/10" in text
    assert "Un (1960) (7,88)" in text
    assert "Films français : 2 films (50,0 %), note moyenne 8,5/10" in text
    assert "Genre : Comédie : 3 films (75,0 %)" in text
    assert "préférence locale par défaut 0,3" in text and "classiques de 1990 à 1999" in text
    assert "le mieux noté est « Famille » (9,0/10 en moyenne, contre 7,7/10" in text


def test_missing_parts_are_said_in_french() -> None:
    t = make_tables()
    t["movies"] = t["movies"].assign(countries=[[]] * 4, budget=None, tmdb_id=None)
    t["credits"] = t["credits"][t["credits"]["title_kind"] == "movie"]
    t["people"] = t["people"].assign(birth_year=None)
    text = "\n".join(s.markdown() for s in findings.exploration(t, {}, PROFILE))
    assert "Aucune donnée TMDB" in text
    assert "Pays de production : pas de données TMDB" in text
    assert "Aucune série dans les données" in text
    assert "Aucun âge calculable" in text
    empty = {name: df.iloc[:0] for name, df in make_tables().items()}
    text = "\n".join(s.markdown() for s in findings.exploration(empty, {}, PROFILE))
    assert "aucun film" in text.lower() and "analyse impossible" in text


def test_cleaning_section_from_manifest() -> None:
    s = findings.cleaning(MANIFEST)
    assert s.blocks[1] == ["Durée : 1\u00a0500 → 1\u00a0234 titres (266 écartés). "
                           "Courts métrages <écartés>."]
    assert s.blocks[3] == ["Jointure TMDB : 3 sur 4 (75,0\u00a0%). Affiches et budgets."]
    assert findings.data_origin(MANIFEST).startswith("Données SYNTHÉTIQUES de démonstration")
    assert findings.cleaning({}).blocks == [
        "Le manifeste de l'ingestion ne décrit aucune étape de nettoyage."]


def test_write_findings_document(tmp_path: Path) -> None:
    t = make_tables()
    t["movies"].loc[0, "french_title"] = "<script>alert('x')</script>"
    processed = write_processed(tmp_path / "processed", t, MANIFEST)
    out = findings.write_findings(processed, tmp_path / "report" / "findings.html")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="fr"' in page
    assert "<h1>Choix de nettoyage et conclusions de l&#x27;exploration</h1>" in page
    assert 'class="banner"' in page  # synthetic data said loudly
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Courts métrages &lt;écartés&gt;." in page
    assert "Le catalogue compte 4 films" in page and "m = 550 votes" in page
    assert "Traceback" not in page and not list(out.parent.glob(".*.tmp"))


def test_kpi_benchmark_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.kpi import main

    processed = write_processed(tmp_path / "processed", make_tables(), MANIFEST)
    assert main(["--processed", str(processed), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "every KPI under 2.0 s" in out
    assert out.count(" yes ") == 7 and " NO " not in out  # naive and vectorised agree


# ------------------------------------------------------------------- real samples
REAL_SAMPLES = ("imdb_pimdb_testdata", "imdb_subset_2000_movies", "imdb_osll_sample_2018")


@pytest.fixture(scope="module")
def real_processed(real_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Processed tables ingested from real IMDb samples (every film kept: min_votes=0)."""
    from helpers.data.ingest import ingest

    params = CleaningParams(min_votes=0, min_series_votes=0)
    out = {}
    for name in REAL_SAMPLES:
        data = tmp_path_factory.mktemp(name)
        ingest(real_dir / name, data / "processed", params, require_all=False)
        out[name] = data
    return out


@pytest.mark.parametrize("sample", REAL_SAMPLES)
def test_notebook_kpis_and_findings_on_real_sample(sample: str, real_processed: dict,
                                                   tmp_path: Path) -> None:
    processed = real_processed[sample] / "processed"
    t = findings.load_tables(processed)
    for name, args in chart_inputs(t).items():
        getattr(plots, name)(*args)
    page = findings.write_findings(processed, tmp_path / "findings.html").read_text("utf-8")
    assert f"Le catalogue compte {len(t['movies'])} films" in page.replace("\u00a0", "")


def test_real_sample_without_ratings_says_so(real_processed: dict) -> None:
    t = findings.load_tables(real_processed["imdb_subset_2000_movies"] / "processed")
    assert findings.best_rated(t).blocks == [
        "Aucune note IMDb dans les données : classement impossible."]


@pytest.mark.slow
def test_exploration_notebook_runs_on_real_sample(real_processed: dict,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    nb = execute("03_exploration.ipynb", real_processed["imdb_pimdb_testdata"], monkeypatch)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    markdown = "\n".join(o["data"]["text/markdown"] for o in outputs
                         if "text/markdown" in o.get("data", {}))
    assert "Le catalogue compte 5 films" in markdown
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 20
