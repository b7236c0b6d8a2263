"""A page waits 60 s, not 4, for its widgets' state (``helpers.app.widget_wait``).

The patch on known bytes and on the installed extension; in Chromium, a page whose kernel's
answer with the widgets' state is held back 6 s (as on a loaded server or a slow link):
with the server's patched file the page waits for it and works; with the extension's own
file (4 s, the server option set to 0) it gives up and falls back to asking for each widget
on its own (ipywidgets#3633).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from page_fixtures import browser, french_titles, pick, recommend, site
from voila.utils import get_voila_labextensions_path

from benchmarks.dashboard import LOCAL, serve
from helpers.app import widget_wait

__all__ = ["browser"]  # a fixture
TIMER = (b'o.send({method:"request_states"},{}),'
         b'setTimeout(()=>l("Control comm did not respond in time"),%s)}')
#: The kernel's answer on the control comm is held back this long.
HELD_S = 6.0


def test_the_wait_is_rewritten_only_where_the_timer_is_exactly_once() -> None:
    source = b"a=4e3;" + TIMER % b"4e3" + b";b=4e3"
    assert widget_wait.patch(source, 60) == b"a=4e3;" + TIMER % b"60000" + b";b=4e3"
    assert widget_wait.patch(source, 7) == b"a=4e3;" + TIMER % b"7000" + b";b=4e3"
    assert widget_wait.patch(source + source, 60) is None  # twice: not the expected build
    assert widget_wait.patch(TIMER % b"5e3", 60) is None  # another wait: not the same code
    assert widget_wait.patch(b"no timer here", 60) is None


def test_the_installed_extension_file_is_found_and_only_its_wait_changes(
        tmp_path: Path) -> None:
    found = widget_wait.find(get_voila_labextensions_path())
    assert found is not None
    assert re.fullmatch(r"@jupyter-widgets/jupyterlab-manager/static/32\.[0-9a-f]{16}\.js",
                        found.path)
    original = next(Path(root) / found.path for root in get_voila_labextensions_path()
                    if (Path(root) / found.path).is_file()).read_bytes()
    assert found.body == original.replace(b'time"),4e3)', b'time"),60000)', 1)
    assert found.body != original
    # another build of the extension: no file with the timer exactly once
    static = tmp_path / widget_wait.EXTENSION / "static"
    static.mkdir(parents=True)
    (static.parent / "package.json").write_text("{}", encoding="utf-8")
    (static / "1.aa.js").write_bytes(b"Control comm did not respond in time; 4e3")
    assert widget_wait.find([tmp_path]) is None
    assert widget_wait.find([tmp_path / "none"]) is None


def test_the_patched_file_is_served_at_its_own_url_cached_for_good(
        tiny_data_dir: Path, request: pytest.FixtureRequest) -> None:
    found = widget_wait.find(get_voila_labextensions_path())
    url = f"{site(tiny_data_dir, request).url}voila/labextensions/{found.path}"
    answer = requests.get(f"{url}?v={found.path.split('.')[1]}", timeout=30)
    assert answer.status_code == 200
    assert answer.content == found.body
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def hold_widget_states(page: object) -> tuple[list, list]:
    """Hold back the kernel's answers on the control comm (``update_states``): returns the
    list they are kept in (each with the route to send it on) and the list of every message
    the page sends."""
    held: list = []
    sent: list = []

    def route(ws: object) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            sent.append(message)
            server.send(message)

        def from_server(message: str | bytes) -> None:
            if _has(message, "update_states"):
                held.append((ws, message))
            else:
                ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/api/kernels/[^/]+/channels"), route)
    return held, sent


def _has(message: str | bytes, name: str) -> bool:
    """Whether a websocket message holds this JSON string (a message type, a method)."""
    token = f'"{name}"'
    return (token.encode() if isinstance(message, bytes) else token) in message


def held_visit(browser: object, url: str) -> object:
    """A visitor whose page gets its widgets' state :data:`HELD_S` late; the page is
    returned once it shows the input or a widget error, with ``page.fell_back``: whether it
    then asked for the widgets one by one (ipywidgets 7's protocol, ``comm_info_request``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith(LOCAL) else route.abort())
    held, sent = hold_widget_states(page)
    page.goto(url, wait_until="domcontentloaded")
    deadline = time.monotonic() + 90
    while not held:
        assert time.monotonic() < deadline, "the page never got its widgets' state"
        page.wait_for_timeout(100)
    page.wait_for_timeout(HELD_S * 1000)
    ws, message = held.pop()
    ws.send(message)
    page.locator(".reco-input input").or_(broken(page)).first.wait_for(state="visible",
                                                                        timeout=60_000)
    page.fell_back = any(_has(m, "comm_info_request") for m in sent)
    return page


def broken(page: object) -> object:
    """The widget manager's message in place of a widget it could not show."""
    return page.get_by_text("Error displaying widget")


@pytest.fixture()
def visits(browser: object) -> Iterator[callable]:
    opened: list = []

    def visit(url: str) -> object:
        opened.append(held_visit(browser, url))
        return opened[-1]

    yield visit
    for page in opened:
        page.context.close()


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_a_page_whose_widget_states_come_6_s_late_works(
        visits: callable, tiny_data_dir: Path, request: pytest.FixtureRequest) -> None:
    page = visits(site(tiny_data_dir, request).url)
    assert not page.fell_back
    assert broken(page).count() == 0
    (label, typed), _ = french_titles(tiny_data_dir)
    pick(page, typed, label)
    recommend(page)


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_with_the_extension_own_4_s_wait_that_page_falls_back(
        visits: callable, tiny_data_dir: Path) -> None:
    """The same visit against the extension's file as shipped: after 4 s the page gives up
    and asks for each widget on its own, the path that broke pages under a crowd (so the
    test above can fail)."""
    with serve(tiny_data_dir, preheat=True,
               extra=["--CineVoila.widget_state_wait=0"]) as server:
        page = visits(server.url)
        assert page.fell_back


SESSION_WATCH = Path(widget_wait.__file__).parent / "share/voila/templates/cine/session-watch.js"
#: What ipywidgets' renderer does when it cannot find a widget's model after the start.
FAIL_START = """() => {
  const node = document.createElement('div');
  node.textContent = 'Loading widget...';
  document.body.appendChild(node);
  setTimeout(() => {
    node.textContent = 'Error displaying widget: model not found';
    node.classList.add('jupyter-widgets');
  }, 50);
}"""


def watched_page(browser: object) -> tuple[object, list[str]]:
    """A page at http://cine.test/ holding only the page's session script; the loads."""
    html = (f"<!doctype html><html lang='fr'><head><script>{SESSION_WATCH.read_text()}"
            "</script></head><body><main></main></body></html>")
    loads: list[str] = []
    page = browser.new_context().new_page()

    def answer(route: object) -> None:
        loads.append(route.request.url)
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    page.route("http://cine.test/**", answer)
    page.goto("http://cine.test/")
    return page, loads


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_a_page_whose_start_failed_reloads_once_then_says_so_in_french(
        browser: object) -> None:
    page, loads = watched_page(browser)
    with page.expect_navigation():
        page.evaluate(FAIL_START)
    assert len(loads) == 2  # reloaded by itself
    page.evaluate(FAIL_START)  # failed again within 5 minutes: no loop, a French notice
    notice = page.locator(".cc-session-ended")
    notice.wait_for(state="visible", timeout=5_000)
    assert notice.inner_text().splitlines()[0] == (
        "La page n'a pas pu s'afficher. Rechargez-la pour réessayer.")
    assert page.evaluate("() => document.activeElement.className") == "cc-session-reload"
    page.wait_for_timeout(500)
    assert len(loads) == 2
    page.context.close()


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_once_the_app_shows_the_start_is_no_longer_watched(browser: object) -> None:
    page, loads = watched_page(browser)
    page.evaluate("() => { const n = document.createElement('div'); n.className = 'reco-input';"
                  " document.body.appendChild(n); }")
    page.evaluate(FAIL_START)
    page.wait_for_timeout(1_000)
    assert len(loads) == 1 and page.locator(".cc-session-ended").count() == 0
    page.context.close()
