"""The Voilà dashboard in a real headless Chromium (Debian's), on the tiny synthetic data.

Voilà is started exactly as ``python -m helpers serve`` starts it (same command line),
on a free port of 127.0.0.1; every request leaving 127.0.0.1 is blocked, so TMDB
posters fail and the placeholders must show. Screenshots of each tab are written to
``test-artifacts/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import require

from benchmarks.dashboard import CHROMIUM, CHROMIUM_ARGS, serve
from helpers import config
from helpers.reco.search import fold_accents

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

ARTIFACTS = config.PROJECT_ROOT / "test-artifacts"
IMAGES_LOADED = """sel => {
  const imgs = [...document.querySelectorAll(sel)];
  return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
}"""


@pytest.fixture(scope="module")
def server(tiny_data_dir: Path) -> Iterator[str]:
    """Voilà serving dashboard.ipynb on the tiny data, as `python -m helpers serve` does."""
    require(shutil.which("chromium") is not None, "Debian's chromium is not installed "
            "(`apt-get install chromium` or `make chromium`)")
    with serve(tiny_data_dir, preheat=True) as voila:
        yield voila.url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: object, server: str) -> Iterator[object]:
    """A fresh visitor (own kernel) on the dashboard, input ready; dialogs are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
               else route.abort())
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server, wait_until="domcontentloaded")
    page.wait_for_selector(".reco-input input", state="visible", timeout=60_000)
    yield page
    context.close()


def _screenshot(page: object, name: str) -> Path:
    """A screenshot of the whole app (the page scrolls inside Voilà's container)."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate("() => document.querySelector('.cc-app').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": int(height) + 60})
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 1000})
    return path


def french_titles(data_dir: Path) -> list[tuple[str, str]]:
    """(label, typed text) of two well-known French titles, each typed partially, without
    accents and with a letter dropped (a typo)."""
    movies = pd.read_parquet(data_dir / "processed" / "movies.parquet")
    movies = movies[movies["french_title"].notna()].sort_values("num_votes", ascending=False)
    unique = movies[~movies["french_title"].duplicated(keep=False)]
    picked = []
    for row in unique.itertuples():
        words = row.french_title.split()
        long = [w for w in words if len(w) >= 6 and w.isalpha()]
        if len(words) < 2 or not long:
            continue
        word = long[0]
        typo = word[:2] + word[3:]  # one letter dropped
        upto = words[: words.index(word) + 1]
        typed = " ".join(upto[:-1] + [typo])
        label = f"{row.french_title} ({row.year})"
        picked.append((label, fold_accents(typed)))
        if len(picked) == 2:
            return picked
    raise AssertionError("the tiny catalogue has no suitable French titles")


def _pick(page: object, typed: str, label: str) -> None:
    """Type the text, wait for the suggestion starting with ``label`` and click it."""
    page.fill(".reco-input input", typed)
    suggestion = page.locator(".reco-suggestion:visible", has_text=label).first
    suggestion.wait_for(state="visible", timeout=15_000)
    assert suggestion.inner_text().startswith(label)
    suggestion.click()
    page.locator(".reco-chip:visible", has_text=label).wait_for(timeout=15_000)


def test_recommend_then_indicators(page: object, tiny_data_dir: Path) -> None:
    (first, typed1), (second, typed2) = french_titles(tiny_data_dir)
    _pick(page, typed1, first)
    _pick(page, typed2, second)
    assert page.locator(".reco-chip:visible").count() == 2
    page.click(".reco-button")
    page.wait_for_function("() => document.querySelectorAll('.cc-card').length >= 10",
                           timeout=30_000)
    page.wait_for_function(IMAGES_LOADED, arg=".cc-card img", timeout=30_000)
    cards = page.locator(".cc-card")
    assert cards.count() == 10
    reasons = page.locator(".cc-card-reason").all_inner_texts()
    assert len(reasons) == 10 and all(re.match(r"Parce que : \S", r) for r in reasons)
    links = page.locator(".cc-card a.cc-poster-link").evaluate_all(
        "els => els.map(a => [a.href, a.target, a.rel])")
    assert all(re.fullmatch(r"https://www\.imdb\.com/title/tt\d+/", h) and t == "_blank"
               and "noopener" in r for h, t, r in links)
    sources = page.locator(".cc-card img").evaluate_all("els => els.map(i => i.currentSrc)")
    assert all(s.startswith("data:image/svg+xml") for s in sources)  # TMDB is unreachable here
    assert "10 films pour qui a aimé" in page.inner_text(".reco-message")
    assert "Données de démonstration" in page.inner_text(".reco-banner")
    _screenshot(page, "dashboard_recommandations.png")

    page.click(".lm-TabBar-tab:has-text('Indicateurs')")
    page.wait_for_function("() => document.querySelectorAll('.cc-chart img').length === 8",
                           timeout=60_000)
    page.wait_for_function(IMAGES_LOADED, arg=".cc-chart img", timeout=30_000)
    assert page.locator(".cc-figure").count() >= 5
    assert page.locator(".reco-banner").is_visible()
    _screenshot(page, "dashboard_indicateurs.png")

    page.click(".lm-TabBar-tab:has-text('À propos')")
    about = page.locator(".cc-about")
    about.wait_for(state="visible")
    assert "Information courtesy of IMDb" in about.inner_text()
    _screenshot(page, "dashboard_a_propos.png")
    assert page.dialogs == []


def test_injection_is_shown_as_text(page: object) -> None:
    for attack in ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>"):
        page.fill(".reco-input input", attack)
        page.press(".reco-input input", "Enter")
        message = page.locator(".reco-message .cc-msg-warn", has_text=attack)
        message.wait_for(timeout=15_000)  # shown as text, not interpreted
        assert message.inner_text().startswith("Aucun film ne correspond")
        page.click(".reco-button")
        page.wait_for_timeout(500)
    assert page.dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert page.locator(".cc-card").count() == 0
    scripts = page.evaluate("() => [...document.scripts].map(s => s.text)")
    assert not any("alert(1)" in text for text in scripts)
