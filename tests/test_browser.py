"""The Voilà dashboard in a real headless Chromium (Debian's), on the tiny synthetic data.

Voilà is started exactly as ``python -m helpers serve`` starts it (same command line),
on a free port of 127.0.0.1; every request leaving 127.0.0.1 is blocked, so TMDB
posters fail and the placeholders must show. Screenshots of each tab are written to
``test-artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from page_fixtures import browser, french_titles, open_page, pick, recommend, screenshot, site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]
__all__ = ["browser"]  # a fixture


@pytest.fixture()
def page(browser: object, tiny_data_dir: Path, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh visitor (own kernel) on the dashboard, input ready; dialogs are recorded."""
    page = open_page(browser, site(tiny_data_dir, request).url, 1280, 1000)
    yield page
    page.context.close()


def test_recommend_then_indicators(page: object, tiny_data_dir: Path) -> None:
    (first, typed1), (second, typed2) = french_titles(tiny_data_dir)
    pick(page, typed1, first)
    pick(page, typed2, second)
    assert page.locator(".reco-chip:visible").count() == 2
    recommend(page)
    cards = page.locator(".cc-card:visible")
    assert cards.count() == 10
    reasons = page.locator(".cc-card-reason").all_inner_texts()
    assert len(reasons) == 10 and all(re.match(r"Parce que : \S", r) for r in reasons)
    sources = page.locator(".cc-card img").evaluate_all("els => els.map(i => i.currentSrc)")
    assert all(s.startswith("data:image/svg+xml") for s in sources)  # TMDB is unreachable here
    assert "10 films pour qui a aimé" in page.inner_text(".reco-message")
    assert "Données de démonstration" in page.inner_text(".reco-banner")
    screenshot(page, "dashboard_recommandations.png")

    page.locator(".cc-card-open:visible").first.click()  # the film's sheet, in the page
    link = page.locator(".cc-sheet a.cc-imdb-link")
    link.wait_for(state="visible", timeout=15_000)
    href, target, rel = link.evaluate("a => [a.href, a.target, a.rel]")
    assert re.fullmatch(r"https://www\.imdb\.com/title/tt\d+/", href)
    assert target == "_blank" and "noopener" in rel
    assert page.locator(".cc-card:visible").count() == 0
    page.click(".cc-sheet-back")
    page.wait_for_function("() => [...document.querySelectorAll('.cc-card')]"
                           ".filter(c => c.getClientRects().length).length === 10")

    page.click(".lm-TabBar-tab:has-text('Indicateurs')")
    page.wait_for_function("() => document.querySelectorAll('.cc-chart img').length === 8",
                           timeout=60_000)
    assert page.locator(".cc-figure").count() >= 5
    assert page.locator(".reco-banner").is_visible()
    screenshot(page, "dashboard_indicateurs.png")

    page.click(".lm-TabBar-tab:has-text('À propos')")
    about = page.locator(".cc-about")
    about.wait_for(state="visible")
    assert "Information courtesy of IMDb" in about.inner_text()
    screenshot(page, "dashboard_a_propos.png")
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
    assert page.locator(".cc-card:visible").count() == 0
    scripts = page.evaluate("() => [...document.scripts].map(s => s.text)")
    assert not any("alert(1)" in text for text in scripts)
