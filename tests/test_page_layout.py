"""The page from a 360 px phone to a desktop, in a real Chromium: nothing wider than the
screen, no control cut off or covered, and a screenshot of every tab at every size
(``test-artifacts/page_<width>x<height>_<tab>.png``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from page_fixtures import (
    VIEWPORTS,
    browser,
    french_titles,
    open_page,
    pick,
    recommend,
    screenshot,
    show_tab,
    site,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]
__all__ = ["browser"]  # a fixture

TABS = {"Recommandations": "recommandations", "Indicateurs": "indicateurs",
        "À propos": "a_propos"}
#: Every visible control that a finger or the keyboard reaches: the problems found.
LAYOUT_PROBLEMS = """() => {
  const vw = document.documentElement.clientWidth;
  const problems = [];
  const scrollers = [document.documentElement, document.getElementById('rendered_cells')];
  for (const el of scrollers) {
    if (el && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${el.id || el.tagName} is ${el.scrollWidth} px wide for ${el.clientWidth}`);
    }
  }
  const controls = document.querySelectorAll(
    '.cc-app button, .cc-app input, .cc-app select, .cc-app a[href], .lm-TabBar-tab');
  for (const control of controls) {
    const el = control.matches('input[type=checkbox], input[type=radio]')
      ? control.closest('label') || control : control;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    const name = (el.textContent || el.value || el.placeholder || el.className).trim()
      .slice(0, 40);
    let box = el.getBoundingClientRect();
    if (box.left < -0.5 || box.right > vw + 0.5) {
      problems.push(`${name}: ${box.left.toFixed(0)}..${box.right.toFixed(0)} outside 0..${vw}`);
      continue;
    }
    el.scrollIntoView({block: 'center', inline: 'nearest'});
    box = el.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    if (!hit || !(hit === el || el.contains(hit) || hit.contains(el) && hit.tagName === 'LABEL')) {
      problems.push(`${name}: covered by ${hit ? hit.tagName + '.' + hit.className : 'nothing'}`);
    }
  }
  return problems;
}"""
#: Words of the "À propos" facts' labels broken across two lines ("catalogu / e").
SPLIT_WORDS = """() => [...document.querySelectorAll('.cc-about th')].flatMap(th => {
  const text = th.firstChild, split = [];
  for (const m of text.textContent.matchAll(/\\S+/g)) {
    const range = document.createRange();
    range.setStart(text, m.index);
    range.setEnd(text, m.index + m[0].length);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) { split.push(m[0]); }
  }
  return split;
})"""
BOXES = """sel => [...document.querySelectorAll(sel)].filter(e => e.getClientRects().length)
  .map(e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })"""


def check(page: object) -> None:
    assert page.evaluate(LAYOUT_PROBLEMS) == []


def boxes(page: object, selector: str) -> list[list[float]]:
    return page.evaluate(BOXES, selector)


def test_every_size_every_tab(browser: object, tiny_data_dir: Path,
                              request: pytest.FixtureRequest) -> None:
    (label, typed), _ = french_titles(tiny_data_dir)
    page = open_page(browser, site(tiny_data_dir, request).url, *VIEWPORTS[0])
    pick(page, typed, label)
    recommend(page)
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        for title, slug in TABS.items():
            show_tab(page, title)
            check(page)
            screenshot(page, f"page_{width}x{height}_{slug}.png")
            if title == "Indicateurs":  # the phone layout of the charts below 600 px
                phone = page.evaluate("() => [...document.querySelectorAll('.cc-chart img')]"
                                      ".map(i => i.currentSrc !== i.src)")
                assert phone == [width < 600] * 8
            if title == "À propos":
                assert page.locator(".cc-about th").count() >= 5
                assert page.evaluate(SPLIT_WORDS) == []
        show_tab(page, "Recommandations")
        tabs = boxes(page, ".lm-TabBar-tab")
        assert len(tabs) == 3 and all(t[2] <= width for t in tabs)
        (text,) = boxes(page, ".reco-input input")
        (add,) = boxes(page, ".reco-add")
        cards = boxes(page, ".cc-card")
        columns = len({round(c[0]) for c in cards})
        if width < 600:  # the input and its button stacked; two posters a row
            assert add[1] >= text[3] and columns == 2
        else:
            assert add[0] >= text[2] and columns >= 3
        filters_shown = bool(boxes(page, ".cc-filters-body"))
        assert filters_shown == (width >= 900)  # folded away on phones and tablets
        if not filters_shown:
            page.click(".cc-filters-toggle")
            page.locator(".cc-filters-body").wait_for(state="visible")
            check(page)
            screenshot(page, f"page_{width}x{height}_filtres.png")
            page.click(".cc-filters-toggle")
            page.locator(".cc-filters-body").wait_for(state="hidden")
        page.locator(".cc-card-open:visible").first.click()
        page.locator(".cc-sheet-title").wait_for(state="visible")
        check(page)
        screenshot(page, f"page_{width}x{height}_fiche.png")
        page.click(".cc-sheet-back")
        page.locator(".cc-sheet").wait_for(state="hidden")
    assert page.errors == [] and page.dialogs == []
    page.context.close()


def test_extension_files_are_cached_for_good_and_compressed(tiny_data_dir: Path,
                                                            request: pytest.FixtureRequest
                                                            ) -> None:
    """Their names carry a hash of their content: a repeat visit need not ask for them."""
    import sys

    import requests

    url = site(tiny_data_dir, request).url
    folder = Path(sys.prefix) / "share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager"
    (entry,) = (folder / "static").glob("remoteEntry.*.js")
    answer = requests.get(f"{url}voila/labextensions/@jupyter-widgets/jupyterlab-manager/"
                          f"static/{entry.name}", headers={"Accept-Encoding": "gzip"},
                          timeout=10)
    assert answer.status_code == 200 and answer.content == entry.read_bytes()
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Encoding"] == "gzip"
