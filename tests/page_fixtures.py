"""Shared by the browser tests: one Voilà server on the tiny data, Debian's Chromium, axe-core.

The server is started exactly as ``python -m helpers serve`` starts Voilà (same command
line) once per test session and worker, with a real SMTP server (aiosmtpd) on 127.0.0.1
for the subscription form. Every request leaving 127.0.0.1 is blocked, so TMDB posters
fail and the placeholders must show. axe-core (npm) is installed into ``.cache/axe-core``
on first use; with ``CI=true`` a failed install fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pandas as pd
import pytest
from conftest import require
from mail_fixtures import SmtpServer
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.dashboard import CHROMIUM, CHROMIUM_ARGS, LOCAL, serve
from helpers import config
from helpers.reco.search import fold_accents

ARTIFACTS = config.PROJECT_ROOT / "test-artifacts"
#: axe-core, pinned (``npm install axe-core@4`` gave this version); cached, not committed.
AXE_VERSION = "4.14.1"
AXE_DIR = config.PROJECT_ROOT / ".cache" / "axe-core"
#: The viewports of the layout tests: small and common phones, a tablet, a laptop.
VIEWPORTS = [(360, 740), (390, 844), (768, 1024), (1280, 900)]
#: The images of ``sel`` shown on screen have loaded (posters load lazily, when near).
IMAGES_LOADED = """sel => {
  const imgs = [...document.querySelectorAll(sel)].filter(i => {
    const b = i.getBoundingClientRect();
    return b.width > 0 && b.bottom > 0 && b.top < innerHeight;
  });
  return imgs.every(i => i.complete && i.naturalWidth > 0);
}"""


class Site:
    """The running page: its URL and the SMTP server its kernels send through."""

    def __init__(self, url: str, smtp: SmtpServer) -> None:
        self.url, self.smtp = url, smtp


_SITES: dict[str, Site] = {}


def site(data_dir: Path, request: pytest.FixtureRequest) -> Site:
    """The Voilà server for ``data_dir``, started on first use, stopped at the session end."""
    key = str(data_dir)
    if key not in _SITES:
        require(shutil.which("chromium") is not None, "Debian's chromium is not installed "
                "(`apt-get install chromium` or `make chromium`)")
        stack = ExitStack()
        smtp = stack.enter_context(SmtpServer())
        saved = {k: os.environ.get(k) for k in ("CINE_SMTP_PORT", "CINE_SMTP_HOST",
                                                 "CINE_PUBLIC_URL")}
        os.environ.update(CINE_SMTP_PORT=str(smtp.port), CINE_SMTP_HOST="127.0.0.1",
                          CINE_PUBLIC_URL="https://cine.example.fr/")
        try:
            voila = stack.enter_context(serve(data_dir, preheat=True))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        request.session.addfinalizer(stack.close)
        _SITES[key] = Site(voila.url, smtp)
    return _SITES[key]


def launch(playwright: object) -> object:
    """Debian's Chromium, headless, with the arguments of the benchmarks."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_page(browser: object, url: str, width: int = 1280, height: int = 1000,
              record: bool = False) -> object:
    """A fresh visitor (own kernel) at this viewport, input ready; outside requests blocked;
    dialogs and page errors are recorded on ``page.dialogs`` and ``page.errors`` (with
    ``record``, the URL of every request from the first on ``page.requested`` and the
    console's messages on ``page.console``)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    if record:
        page.requested, page.console = [], []
        page.on("request", lambda request: page.requested.append(request.url))
        page.on("console", lambda message: page.console.append(message.text))
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith(LOCAL) else route.abort())
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(".reco-input input", state="visible", timeout=90_000)
    return page


def screenshot(page: object, name: str) -> Path:
    """The whole app at the current width (Voilà scrolls inside ``#rendered_cells``, so the
    viewport is stretched to the app's height for the picture, then put back).

    A capture right after a resize normally takes 0.1-0.4 s, but headless Chromium now and
    then never delivers the frame it waits for (microsoft/playwright#34515; seen once in CI
    on a loaded machine: 30 s, then a timeout): the stretch is then done again, once."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('.cc-app').scrollHeight")
    path = ARTIFACTS / name
    for attempt in range(2):
        page.set_viewport_size({"width": size["width"], "height": int(height) + 60 + attempt})
        page.wait_for_function(IMAGES_LOADED, arg=".cc-app img", timeout=30_000)
        try:
            page.screenshot(path=str(path), timeout=30_000)
            break
        except PlaywrightTimeoutError:
            if attempt:
                raise
    page.set_viewport_size(size)
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


def pick(page: object, typed: str, label: str) -> None:
    """Type the text, wait for the suggestion starting with ``label`` and click it."""
    page.fill(".reco-input input", typed)
    suggestion = page.locator(".reco-suggestion:visible", has_text=label).first
    suggestion.wait_for(state="visible", timeout=15_000)
    assert suggestion.inner_text().startswith(label)
    suggestion.click()
    page.locator(".reco-chip:visible", has_text=label).wait_for(timeout=15_000)
    # the kernel empties the box after adding the film: on a loaded machine that message can
    # come after the chip, and would empty the next title typed before it
    page.wait_for_function(
        "() => document.querySelector('.reco-input input').value === '' && ![...document"
        ".querySelectorAll('.reco-suggestion')].some(b => b.getClientRects().length)",
        timeout=15_000)


def recommend(page: object) -> None:
    """Click "Recommander" and wait for the ten cards and their images."""
    page.click(".reco-button")
    page.wait_for_function("() => [...document.querySelectorAll('.cc-card')]"
                           ".filter(c => c.getClientRects().length).length === 10",
                           timeout=30_000)
    page.locator(".cc-card:visible").first.scroll_into_view_if_needed()
    page.wait_for_function(IMAGES_LOADED, arg=".cc-card img", timeout=30_000)


def show_tab(page: object, title: str) -> None:
    """Open a tab by its title and wait for its content."""
    page.click(f".lm-TabBar-tab:has-text('{title}')")
    if title == "Indicateurs":
        page.wait_for_function("() => document.querySelectorAll('.cc-chart img').length === 8",
                               timeout=90_000)
        page.wait_for_function(IMAGES_LOADED, arg=".cc-chart img", timeout=30_000)
    elif title == "À propos":
        page.locator(".cc-about").wait_for(state="visible")
    else:
        page.locator(".reco-input input").wait_for(state="visible")


def axe_source() -> str:
    """axe.min.js, installed with npm into ``.cache/axe-core`` when missing."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        require(npm is not None, "npm is not installed (`apt-get install npm`)")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix",
                               str(AXE_DIR), f"axe-core@{AXE_VERSION}"],
                              capture_output=True, text=True, timeout=300, check=False)
        require(done.returncode == 0 and script.is_file(),
                f"npm install axe-core@{AXE_VERSION} failed: {done.stderr[-500:]}")
    return script.read_text(encoding="utf-8")


def axe_violations(page: object, source: str) -> list[dict]:
    """axe-core's violations on the page as shown (impact, rule id, first targets)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=source)
    return page.evaluate("""async () => {
      const result = await axe.run(document, {resultTypes: ['violations']});
      return result.violations.map(v => ({impact: v.impact, id: v.id, help: v.help,
        targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()
