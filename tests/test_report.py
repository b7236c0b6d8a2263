"""``python -m helpers report`` on the tiny synthetic data: pages, index and deck that open
offline (checked in headless Chromium, every non-file request recorded), with no traceback."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import require

from helpers import cli, config
from helpers.analysis import market
from helpers.report import build, deck, export
from helpers.report.notebooks import numbered_notebooks

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report")]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
ARTIFACTS = config.PROJECT_ROOT / "test-artifacts"
EXTERNAL = re.compile(r"<script[^>]*\bsrc=|<link[^>]*href=[\"']?https?:"
                      r"|import\s*\(\s*[\"']https?:|from\s+[\"']https?:", re.I)


@pytest.fixture(scope="module")
def built(tiny_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole report, built once by the command line on the tiny synthetic data."""
    out = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CINE_DATA_DIR", str(tiny_data_dir))
        assert cli.main(["report", "--out", str(out), "--no-evaluate"]) == 0
    return out


def test_every_notebook_page_index_and_deck_are_written(built: Path) -> None:
    expected = {f"{p.stem}.html" for p in numbered_notebooks()} | {"index.html",
                                                                 "presentation.html"}
    assert "01_market_study.html" in expected
    assert expected <= {p.name for p in built.iterdir()}
    index = (built / "index.html").read_text(encoding="utf-8")
    for name in expected - {"index.html"}:
        assert f'href="{name}"' in index


def test_pages_have_no_traceback_no_error_and_no_external_reference(built: Path) -> None:
    for page in built.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text, page.name
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in text, page.name
        assert not EXTERNAL.search(text), (page.name, EXTERNAL.search(text))


def test_market_study_executes_fully(built: Path) -> None:
    # Other notebooks' execution is checked by tests/test_notebooks.py; a failing one is
    # shown in the report with a one-line notice (test_failing_notebook_shows_a_notice...).
    text = (built / "01_market_study.html").read_text(encoding="utf-8")
    assert "pas pu être exécuté" not in text


def test_synthetic_data_is_stated_loudly(built: Path) -> None:
    for name in ("index.html", "presentation.html"):
        text = (built / name).read_text(encoding="utf-8")
        assert export.SYNTHETIC_BANNER in text
        assert 'class="banner synthetic"' in text


def test_market_page_shows_sourced_prose_and_embedded_charts(built: Path) -> None:
    text = (built / "01_market_study.html").read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") >= len(market.CHARTS)
    assert "confiance" in text and "Sources :" not in text.split("<body")[0]
    assert "38,4" in text  # share of people aged 60+, read from the table
    assert "import market" not in text  # code cells hidden from readers


def test_deck_figures_come_from_the_pipeline(built: Path, tiny_data_dir: Path) -> None:
    from helpers.analysis.market import fmt
    from helpers.data import catalog

    deck = (built / "presentation.html").read_text(encoding="utf-8")
    manifest = catalog.load_manifest(tiny_data_dir / "processed")
    assert f"{fmt(manifest['tables']['movies']['rows'])} films au catalogue" in deck
    assert deck.count('class="slide"') >= 9
    assert "--no-evaluate" in deck  # says why the evaluation is not shown
    for topic in ("Les outils", "difficultés", "Démarrage à froid", "Titres français",
                  "idées de films par e-mail", "vraies préférences", "séances du cinéma"):
        assert topic in deck


def test_evaluation_slide_shows_the_results_or_why_not(monkeypatch, tmp_path, tiny_env) -> None:
    table = pd.DataFrame([
        {"méthode": "kNN genres <script>", "variante": "1 film", "HR@10": 0.014,
         "NDCG@10": 0.006, "couverture": 0.658, "popularité (centile)": 54.2,
         "utilisateurs": 305, "cas": 5000},
        {"méthode": "Ciné Creuse", "variante": "1 film", "HR@10": 0.075, "NDCG@10": 0.0412,
         "couverture": 0.39, "popularité (centile)": 93.4, "utilisateurs": 305, "cas": 5000}])
    page = deck.build_deck(table, "")
    assert ('<tr class="ours"><td>Ciné Creuse</td><td>1 film</td><td>7,5 %</td><td>0,041</td>'
            "<td>39,0 %</td><td>93</td></tr>") in page
    assert "<tr><td>kNN genres &lt;script&gt;</td>" in page  # autoescaped
    assert "305 utilisateurs" in page and "5,4 fois" in page  # 7.5 / 1.4
    monkeypatch.setenv("CINE_SHARED_DIR", str(tmp_path))
    evaluation, why = build.run_evaluation()
    assert evaluation is None and why.startswith("L'évaluation n'a pas pu être exécutée")
    page = deck.build_deck(evaluation, why)
    assert f"<p>{why.replace(chr(39), '&#39;')}</p>" in page and "<table>" not in page


def test_offline_strips_cdn_scripts_but_keeps_inline_ones() -> None:
    page = ('<script src="https://cdn.example/require.js"></script>'
            '<link rel="stylesheet" href="https://cdn.example/a.css">'
            '<script type="module">const m = await import("https://cdn.example/m.mjs");</script>'
            "<script>var keep = 1;</script>")
    assert export.offline(page) == "<script>var keep = 1;</script>"


def test_failing_notebook_shows_a_notice_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "99_broken.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Titre"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nbformat.write(nb, path)
    executed, error = export.execute(path, timeout=120)
    assert error == "ZeroDivisionError: division by zero"
    page = export.export_html(executed, "Cassé", error)
    assert "Ce carnet n'a pas pu être exécuté" in page
    assert "Traceback" not in page and "ZeroDivisionError: division by zero" in page


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    require(shutil.which("chromium") is not None, "Debian's chromium is not installed "
            "(`apt-get install chromium` or `make chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open(chromium, url: str) -> tuple[object, list[str]]:
    """A page at ``url`` recording every request that is not a local file or inline data."""
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    remote: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
            else remote.append(r.url))
    page.goto(url, wait_until="load")
    return page, remote


def test_index_and_pages_open_offline_in_chromium(built: Path, chromium) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page, remote = _open(chromium, (built / "index.html").as_uri())
    assert export.SYNTHETIC_BANNER in page.locator(".banner").inner_text()
    page.screenshot(path=str(ARTIFACTS / "report_index.png"))
    page.click("text=Étude de marché")
    page.wait_for_load_state("load")
    assert page.url.endswith("01_market_study.html")
    images = page.locator("img")
    assert images.count() >= 6
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=str(ARTIFACTS / "report_market_study.png"), full_page=True)
    page.close()
    assert remote == []


def test_deck_opens_offline_and_navigates(built: Path, chromium) -> None:
    page, remote = _open(chromium, (built / "presentation.html").as_uri())
    total = page.locator(".slide").count()
    assert page.locator(".counter").inner_text() == f"1 / {total}"
    assert export.SYNTHETIC_BANNER in page.locator(".slide.active").inner_text()
    page.screenshot(path=str(ARTIFACTS / "report_deck_1.png"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator(".counter").inner_text() == f"3 / {total}"
    assert page.locator(".slide.active img").evaluate("i => i.complete && i.naturalWidth > 0")
    page.screenshot(path=str(ARTIFACTS / "report_deck_3.png"))
    page.keyboard.press("End")
    assert page.locator(".counter").inner_text() == f"{total} / {total}"
    page.close()
    assert remote == []
