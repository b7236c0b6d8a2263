"""The serving core on a real Voilà (``python -m helpers.app.server``) on a free loopback port,
with real websockets and a real Chromium: gzip, base URL, healthz, admission control (503
past the cap, no kernel started), culling of pages that never connected and of idle
visitors (the page says so in French), a private access log, websocket hardening.

One server for the module, with short timeouts: cap 2 kernels (the preheated one
included), pages that never connect culled after 8 s (a real browser needs a few seconds
to load the page's scripts on a busy machine), visitors who left after 3 s,
connected visitors idle for 10 s; the busy page retries after 2 s; websocket messages
limited to 50 per second, burst 300.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import require
from websockets.exceptions import ConnectionClosed

from benchmarks.dashboard import CHROMIUM, CHROMIUM_ARGS, Server, serve
from benchmarks.widget_client import WidgetClient
from helpers.app import chunks, pages
from helpers.app.admission import IDLE_CLOSE_CODE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("server")]

OPTIONS = {"base_url": "/films/", "max_visitors": 2, "unconnected_timeout": 8,
           "cull_idle_timeout": 3, "idle_timeout": 10, "cull_interval": 1,
           "extra": ["--CineVoila.retry_after=2", "--CineVoila.websocket_burst=300",
                     "--CineVoila.websocket_rate=50",
                     "--CineVoila.extra_handlers=tests.extra_handlers:handlers"]}
VOILA_STATIC = Path(sys.prefix) / "share/jupyter/voila/templates/base/static"
SETTLED = {"status": "ok", "kernels": 1, "visitors": 0, "preheated_ready": 1, "capacity": 2,
           "accepting": True, "release": None}


@pytest.fixture(scope="module")
def server(tiny_data_dir: Path) -> Iterator[Server]:
    with serve(tiny_data_dir, preheat=True, **OPTIONS) as voila:
        yield voila


def health(server: Server) -> dict:
    return requests.get(f"{server.url}healthz", timeout=5).json()


def settle(server: Server, timeout: float = 60) -> None:
    """Wait until only the preheated kernel is left, ready (earlier visitors culled)."""
    deadline = time.monotonic() + timeout
    while health(server) != SETTLED or len(server.kernels()) != 1:
        assert time.monotonic() < deadline, health(server)
        time.sleep(0.3)


def wait_health(server: Server, timeout: float = 60, **expected: object) -> dict:
    deadline = time.monotonic() + timeout
    while not all(health(server).get(k) == v for k, v in expected.items()):
        assert time.monotonic() < deadline, health(server)
        time.sleep(0.2)
    return health(server)


def log_text(server: Server) -> str:
    return server.log.read_text(errors="replace")


# ------------------------------------------------------------------------- HTTP
def test_text_assets_are_gzipped_under_the_base_url(server: Server) -> None:
    asset = f"{server.url}voila/static/voila.js"
    plain = requests.get(asset, headers={"Accept-Encoding": "identity"}, timeout=10)
    packed = requests.get(asset, headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
    wire = packed.raw.read(decode_content=False)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert len(wire) < len(plain.content) / 2
    root = server.url.removesuffix("films/")
    redirect = requests.get(root + "films", allow_redirects=False, timeout=5)
    assert (redirect.status_code, redirect.headers["Location"]) == (301, "/films/")
    assert requests.get(root, timeout=5).status_code == 404  # nothing outside the base URL


def test_the_chunk_bundle_is_loaded_before_voila_js_and_cached_for_good(
        server: Server) -> None:
    """Named after its content, so cached for a year; gzipped once at start; exactly the
    chunks of the list (the bytes helpers.app.chunks builds from the installed Voilà)."""
    expected = chunks.build_bundle([VOILA_STATIC])
    page = requests.get(server.url, timeout=60).text
    name = expected.name
    assert page.count(f'<link rel="preload" href="/films/voila/static/{name}" as="script">') == 1
    runtime = f"voila/static/voila.js?v={expected.runtime_version}"
    assert (f'<script src="/films/voila/static/{name}"></script>\n'
            f'<script src="/films/{runtime}"></script>') in page
    # voila.js, named by its hash: Tornado's static handler keeps it for 10 years
    versioned = requests.get(server.url + runtime, timeout=10)
    assert versioned.content == (VOILA_STATIC / "voila.js").read_bytes()
    assert versioned.headers["Cache-Control"] == "max-age=315360000"
    url = f"{server.url}voila/static/{name}"
    packed = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
    assert packed.status_code == 200
    assert packed.raw.read(decode_content=False) == expected.gzipped
    assert {k: packed.headers[k] for k in ("Content-Type", "Cache-Control", "Content-Encoding",
                                           "Vary", "Etag")} == {
        "Content-Type": "application/javascript; charset=UTF-8",
        "Cache-Control": "public, max-age=31536000, immutable",
        "Content-Encoding": "gzip", "Vary": "Accept-Encoding",
        "Etag": f'W/"{name.split(".")[1]}"'}
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert plain.content == expected.body and "Content-Encoding" not in plain.headers
    again = requests.get(url, headers={"If-None-Match": packed.headers["Etag"]}, timeout=10)
    assert (again.status_code, again.content) == (304, b"")
    head = requests.head(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert (head.status_code, head.headers["Content-Length"]) == (200, str(len(expected.body)))
    other = f"{server.url}voila/static/chunks.{'0' * 20}.js"
    assert requests.get(other, timeout=10).status_code == 404  # an older page's bundle


def test_extra_handlers_are_mounted_under_the_base_url(server: Server) -> None:
    settle(server)
    answer = requests.get(f"{server.url}hello/marie", timeout=5)
    assert (answer.status_code, answer.text) == (200, "Bonjour marie")
    assert health(server) == SETTLED  # no kernel involved


def test_e_mail_link_pages_are_served_under_the_base_url(server: Server) -> None:
    """The confirm / unsubscribe / delete pages of the e-mails live on the same server."""
    settle(server)
    for path in ("abonnement/confirmer", "abonnement/desabonnement", "abonnement/effacement"):
        page = requests.get(f"{server.url}{path}/not-a-token", timeout=5)
        assert page.status_code == 404 and "Lien non valable" in page.text, path
        assert 'href="/films/"' in page.text  # back to the dashboard, under its base URL
    assert health(server) == SETTLED


def test_healthz_is_cheap_json_and_starts_no_kernel(server: Server) -> None:
    settle(server)
    for _ in range(20):
        response = requests.get(f"{server.url}healthz", timeout=5)
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json() == SETTLED
    assert len(server.kernels()) == 1


def test_visitor_kernels_run_without_the_debugger(server: Server) -> None:
    """Kernels start through helpers.app.kernel_launch: debugpy (about 7 MB per kernel) is
    neither imported nor mapped, and the page still works (the other tests use it)."""
    settle(server)
    (kernel,) = server.kernels()
    assert kernel.cmdline()[1:3] == ["-m", "helpers.app.kernel_launch"]
    deadline = time.monotonic() + 60
    while "/pyarrow/" not in (maps := Path(f"/proc/{kernel.pid}/maps").read_text()):
        assert time.monotonic() < deadline, "the pool kernel never ran the notebook"
        time.sleep(0.5)
    assert "/debugpy/" not in maps


def test_past_the_cap_a_french_503_without_a_kernel_and_bots_are_culled(
        server: Server) -> None:
    settle(server)
    assert requests.get(server.url, timeout=60).status_code == 200  # a bot takes the pool
    wait_health(server, kernels=2, preheated_ready=1)  # the pool refilled: cap reached
    assert requests.get(server.url, timeout=60).status_code == 200  # a second bot takes it
    assert wait_health(server, kernels=2, visitors=2)["accepting"] is False
    refused = requests.get(server.url, timeout=10)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "2"
    assert refused.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert '<html lang="fr">' in refused.text and pages.BUSY_TEXT in refused.text
    assert "kernelId" not in refused.text
    time.sleep(1)
    assert len(server.kernels()) == 2 and health(server)["kernels"] == 2  # nothing started
    settle(server, timeout=40)  # the two bots never connected: culled after 8 s
    assert log_text(server).count("page never connected") >= 2
    assert requests.get(server.url, timeout=60).status_code == 200


def test_template_and_theme_arguments_cannot_force_a_cold_kernel(server: Server) -> None:
    """Voilà renders ?template=/?theme= with a kernel of its own (a cold start, several
    seconds of CPU): the server drops them and gives the preheated kernel as usual."""
    settle(server)
    (pooled,) = server.kernels()
    page = requests.get(f"{server.url}?template=classic&theme=dark", timeout=60)
    assert page.status_code == 200 and '<html lang="fr">' in page.text  # the cine template
    assert WidgetClient.kernel_id_in(page.text) in " ".join(pooled.cmdline())
    settle(server, timeout=40)  # that bot never connected: culled


def test_a_browser_loading_its_assets_is_not_taken_for_a_bot(server: Server) -> None:
    """Its page cookie comes back with each asset: the 8 s wait restarts each time."""
    settle(server)
    browser = requests.Session()
    page = browser.get(server.url, timeout=60)
    assert page.status_code == 200 and "cc_page" in browser.cookies
    kernel = f"{server.url}api/kernels/{WidgetClient.kernel_id_in(page.text)}"
    for _ in range(6):  # 12 s of slow asset loading, more than the 8 s timeout
        time.sleep(2)
        assert browser.get(f"{server.url}voila/static/voila.js", timeout=10).status_code == 200
        assert requests.get(kernel, timeout=10).status_code == 200  # still alive
    settle(server, timeout=30)  # it stopped loading and never connected: culled
    assert requests.get(kernel, timeout=10).status_code == 404


def test_access_log_holds_no_personal_data(server: Server) -> None:
    settle(server)
    requests.get(f"{server.url}?email=jean.dupont%40example.fr&nom=Dupont", timeout=60)
    requests.get(f"{server.url}voila/files/absent.png?token=s3cret", timeout=10)
    requests.get(f"{server.url}api/kernels/0000/channels?session_id=s3cret", timeout=10)
    time.sleep(0.5)
    log = log_text(server)
    assert re.search(r"^\[CineVoila\] 200 GET /films/ \d+ ms$", log, re.MULTILINE)
    for private in ("127.0.0.1", "jean.dupont", "Dupont", "s3cret", "email="):
        assert private not in log


# -------------------------------------------------------------------- websocket
def test_voila_drops_execute_request(server: Server, tmp_path: Path) -> None:
    settle(server)
    marker = tmp_path / "executed"

    async def attack() -> tuple[list, dict]:
        client = await WidgetClient.open(server.url)
        msg_id = await client.send("execute_request", {
            "code": f"open({str(marker)!r}, 'w').write('x')", "silent": False,
            "store_history": False, "user_expressions": {}, "allow_stdin": False})
        info = await client.kernel_info()  # answered after the execute_request would be
        await asyncio.sleep(1)
        replies = [m for m in client.received
                   if (m.get("parent_header") or {}).get("msg_id") == msg_id]
        await client.close()
        return replies, info

    replies, info = asyncio.run(attack())
    assert info["status"] == "ok" and replies == [] and not marker.exists()
    assert 'Received message of type "execute_request", which is not allowed' in log_text(server)


HUGE = "x" * 1_000_000


async def _hostile(client: WidgetClient) -> None:
    """Out-of-range, wrong-typed, 1 MB and malformed messages at every widget."""
    (text,) = client.find("reco-input")
    (decades,) = client.find("reco-decades")
    (local,) = client.find("reco-local")
    (genres,) = client.find("reco-genres")
    (french,) = client.find("reco-french")
    (tabs,) = client.find("cc-tabs")
    (results,) = client.find("reco-results")
    for model, state in [
            (text, {"value": HUGE}), (text, {"value": 12345}), (text, {"value": None}),
            (text, {"value": {"a": 1}}), (decades, {"value": [99999, -5]}),
            (decades, {"value": "abc"}), (decades, {"value": [1, 2, 3]}),
            (local, {"index": 999}), (local, {"index": -1}), (local, {"index": "x"}),
            (genres, {"index": [9999]}), (genres, {"index": "zz"}), (french, {"value": "oui"}),
            (tabs, {"selected_index": 99}), (tabs, {"selected_index": "x"}),
            (text, {"nonexistent": 1}), (text, {"layout": "IPY_MODEL_nothing"}),
            (text, {"_dom_classes": 5}), (results, {"value": "<img src=x onerror=alert(1)>"})]:
        await client.set(model, **state)
    await client.set(text, value=HUGE)
    await client.comm_msg(text, {"method": "custom", "content": {"event": "submit"}})
    for model in client.find("reco-suggestion") + client.find("reco-chip"):
        await client.click(model)  # hidden buttons: nothing behind them
    await client.comm_msg("no-such-comm", {"method": "update", "state": {}})
    await client.comm_msg(text, {"no": "method"})
    await client.comm_msg(text, {"method": "bogus"})
    await client.send_raw("}{")
    await client.send_raw(b"\x00" * 16)


def test_hostile_widget_messages_leave_the_kernel_and_page_working(server: Server) -> None:
    settle(server)

    async def visit() -> tuple[str, str, float, float, str]:
        attacker = await WidgetClient.open(server.url)
        wait = asyncio.get_running_loop().run_in_executor
        await wait(None, lambda: wait_health(server, preheated_ready=1))
        victim = await WidgetClient.open(server.url)
        await _hostile(attacker)
        ok_victim = await victim.recommend_round("le")  # meanwhile, the other visitor
        (victim_text,) = victim.find("reco-input")
        await victim.request_states()
        victim_value = victim.states[victim_text]["value"]
        info = await attacker.kernel_info()
        await attacker.request_states()  # what the kernel really holds now
        (message,) = attacker.find("reco-message")
        said = attacker.states[message]["value"]
        ok_attacker = await attacker.recommend_round("le")
        await attacker.close()
        await victim.close()
        return info["status"], said, ok_attacker, ok_victim, victim_value

    status, said, attacker_s, victim_s, victim_value = asyncio.run(visit())
    assert status == "ok"
    assert "trop long pour un titre (1\xa0000\xa0000 caractères)" in said
    assert attacker_s < 30 and victim_s < 30  # both got their ten cards
    assert victim_value == ""  # nothing of the attacker's reached the other visitor
    assert len(server.kernels()) <= 2
    assert "Dropped a malformed websocket message" in log_text(server)


def test_a_message_over_2_mb_closes_only_that_websocket(server: Server) -> None:
    settle(server)

    async def visit() -> tuple[object, str, float]:
        client = await WidgetClient.open(server.url)
        # compressed (permessage-deflate): the 3 MB below cross the wire in a few kB, and
        # the server stops decompressing at its 2 MiB limit
        assert client.websocket.response.headers["Sec-WebSocket-Extensions"] == (
            "permessage-deflate")
        (text,) = client.find("reco-input")
        with contextlib.suppress(OSError, ConnectionClosed):  # closed while sending
            await client.set(text, value="x" * 3_000_000)
        await client.wait_for(lambda: client.closed, timeout=10)
        closed = client.closed[0]
        again = await WidgetClient.attach(server.url, client.kernel_id)  # as the page does
        info = await again.kernel_info()
        seconds = await again.recommend_round("le")
        await again.close()
        return closed, info["status"], seconds

    closed, status, seconds = asyncio.run(visit())
    assert int(closed) == 1009 and status == "ok" and seconds < 30  # 1009: message too big


def test_a_message_flood_is_cut_and_the_kernel_still_answers(server: Server) -> None:
    settle(server)

    async def visit() -> str:
        client = await WidgetClient.open(server.url)
        for _ in range(1000):  # over the burst of 300 (this server) plus 50 per second
            await client.send("not_a_message_type", {})  # cheap: Jupyter drops each
        await asyncio.sleep(1)  # the budget refills: the next message goes through
        info = await client.kernel_info(timeout=30)
        await client.close()
        return info["status"]

    assert asyncio.run(visit()) == "ok"
    assert re.search(r"Rate limit: 1 of \d{3} message\(s\) dropped for kernel", log_text(server))


def test_several_websockets_to_one_kernel_share_its_budget(server: Server) -> None:
    """The limits are the kernel's: five sockets sending 100 messages each (500, over the
    burst of 300) get messages dropped, where one socket sending 100 gets none."""
    settle(server)

    async def visit() -> str:
        first = await WidgetClient.open(server.url)
        others = [await WidgetClient.attach(server.url, first.kernel_id) for _ in range(4)]
        for client in (first, *others):
            for _ in range(100):
                await client.send("not_a_message_type", {})
        await asyncio.sleep(1.5)
        info = await first.kernel_info(timeout=30)
        for client in (first, *others):
            await client.close()
        return info["status"]

    before = log_text(server).count("Rate limit: 1 of")
    assert asyncio.run(visit()) == "ok"
    assert log_text(server).count("Rate limit: 1 of") > before  # per socket: none dropped


# ------------------------------------------------------------------------ browser
@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[object]:
    require(shutil.which("chromium") is not None, "Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser: object) -> object:
    context = browser.new_context(viewport={"width": 1000, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
               else route.abort())
    return page


@pytest.mark.browser
def test_idle_visitor_is_released_and_the_page_says_so_in_french(
        server: Server, browser: object) -> None:
    settle(server)
    page = _page(browser)
    page.goto(server.url, wait_until="domcontentloaded")
    page.wait_for_selector(".reco-input input", state="visible", timeout=60_000)
    notice = page.locator(".cc-session-ended")
    notice.wait_for(state="visible", timeout=40_000)  # idle for 10 s: released
    assert notice.get_attribute("role") == "alertdialog"
    assert notice.inner_text().splitlines()[0] == (
        "Votre session s'est arrêtée après 1 minute sans activité. "
        "Rechargez la page pour recommencer.")
    assert page.evaluate("() => document.activeElement.className") == "cc-session-reload"
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    assert "connected but idle" in log_text(server)
    assert str(IDLE_CLOSE_CODE) == "4001"
    page.click(".cc-session-reload")
    page.wait_for_selector(".reco-input input", state="visible", timeout=60_000)
    assert page.locator(".cc-session-ended").count() == 0
    page.context.close()


@pytest.mark.browser
def test_the_busy_page_retries_by_itself(server: Server, browser: object) -> None:
    settle(server)
    for _ in range(2):  # two bots fill the cap
        assert requests.get(server.url, timeout=60).status_code == 200
        wait_health(server, preheated_ready=1) if _ == 0 else None
    wait_health(server, accepting=False)
    page = _page(browser)
    response = page.goto(server.url, wait_until="domcontentloaded")
    assert response.status == 503
    assert pages.BUSY_TEXT in page.inner_text("main")
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    # the bots are culled after 8 s; the page retries by itself every 2 to 2.5 s
    page.wait_for_selector(".reco-input input", state="visible", timeout=60_000)
    page.context.close()
