"""The dashboard behind Debian's nginx with the project's site (``deploy/nginx/``), all real:
nginx on a loopback port with a self-signed certificate (``benchmarks.nginx.proxy``),
Voilà behind it under ``/films/`` (``benchmarks.dashboard.serve``), Chromium over https
and HTTP/2, Python clients over https and wss.

One backend: a visit in Chromium (type a partial title, pick the suggestion, see the
posters) with compressed text assets and the kernel's websocket through the proxy; cache
headers (long and immutable only for content-hashed assets); healthz; a burst of page
loads from one client answered 429 while assets are not limited; access logs without
address nor query string. Two backends with sticky routing by cookie: 10 visits in fresh
browser contexts all complete and both backends serve some; e-mail link tokens found on
whichever backend holds them.
"""

from __future__ import annotations

import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import requests
from conftest import require
from http_fixtures import FileServer

from benchmarks import nginx
from benchmarks.common import free_port
from benchmarks.dashboard import CHROMIUM, IMAGES_LOADED, Server, serve
from benchmarks.widget_client import PageRefused, WidgetClient
from helpers.app import pages
from helpers.app.nginx import BROTLI_MODULE, ROUTE_COOKIE
from helpers.app.subscriptions import SubscriptionStore
from helpers.reco.search import fold_accents

pytestmark = [pytest.mark.nginx, pytest.mark.slow, pytest.mark.xdist_group("nginx")]

#: Voilà behind the proxy: small cap, bots' kernels culled after 8 s, visitors who left
#: after 3 s (the tests load many pages).
BACKEND = {"base_url": "/films/", "max_visitors": 3, "unconnected_timeout": 8,
           "cull_idle_timeout": 3, "cull_interval": 1}
TEXT_TYPES = ("text/javascript", "application/javascript", "text/css", "text/html",
              "application/json")
IMMUTABLE = "public, max-age=31536000, immutable"
LAB = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
VOILA_STATIC = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "base" / "static"


def require_stack() -> None:
    require(nginx.available(), "Debian's nginx is not installed (`make nginx`, or apt-get "
            "install nginx libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static)")
    require(shutil.which("openssl") is not None, "openssl is not installed")


def host_port(server: Server) -> str:
    return server.url.split("/")[2]


def popular_title(data: Path) -> tuple[str, str]:
    """(French title, what a visitor types: its first letters, lower case, no accents) of
    the catalogue's most-voted film with a French title."""
    movies = pd.read_parquet(data / "processed" / "movies.parquet")
    title = movies[movies["french_title"].notna()].nlargest(1, "num_votes")["french_title"]
    label = title.item()
    return label, fold_accents(label).lower()[:7]


def visit(browser: object, proxy: nginx.Proxy, label: str, typed: str,
          bodies: bool = False) -> dict:
    """One visitor in a fresh browser context over https: type, pick, recommend, wait for
    the ten posters. Returns what the browser saw (responses, websockets, protocol; with
    ``bodies``, the headers and size of each text response)."""
    context = browser.new_context(ignore_https_errors=True, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    origin = f"https://{nginx.HOST}:{proxy.port}/"
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith((origin, "data:")) else route.abort())
    seen: dict = {"responses": [], "frames": {}, "errors": []}

    def on_websocket(ws: object) -> None:
        seen["frames"][ws.url] = 0
        ws.on("framereceived", lambda _: seen["frames"].__setitem__(
            ws.url, seen["frames"][ws.url] + 1))

    page.on("response", lambda response: seen["responses"].append(response))
    page.on("websocket", on_websocket)
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    try:
        page.goto(proxy.url, wait_until="domcontentloaded", timeout=60_000)
        page.wait_for_selector(".reco-input input", state="visible", timeout=60_000)
        page.fill(".reco-input input", typed)
        suggestion = page.locator(".reco-suggestion:visible", has_text=label).first
        suggestion.wait_for(state="visible", timeout=30_000)
        suggestion.click()
        page.locator(".reco-chip:visible", has_text=label).wait_for(timeout=30_000)
        page.click(".reco-button")
        page.wait_for_function(IMAGES_LOADED, timeout=60_000)
        seen["protocol"] = page.evaluate(
            "() => performance.getEntriesByType('navigation')[0].nextHopProtocol")
        seen["cards"] = page.locator(".cc-card").count()
        seen["cookies"] = {c["name"]: c for c in context.cookies()}
        seen["bodies"] = {r.url: (r.headers, len(r.body())) for r in seen["responses"]
                          if bodies and r.status == 200 and r.url.startswith(origin)
                          and r.headers.get("content-type", "").startswith(TEXT_TYPES)}
    finally:
        context.close()
    return seen


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require(shutil.which("chromium") is not None, "Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=nginx.chromium_args())
        yield chromium
        chromium.close()


# ------------------------------------------------------------------------ configuration
@pytest.mark.parametrize("brotli", [True, False])
def test_the_site_loads_with_and_without_brotli(tmp_path: Path, brotli: bool) -> None:
    require_stack()
    if brotli:
        require(BROTLI_MODULE.is_file(), "Debian's libnginx-mod-http-brotli-filter is not "
                                         "installed")
    conf, _, _ = nginx.configure(tmp_path, ["127.0.0.1:8866", "127.0.0.1:8867"],
                                 brotli=brotli, http_listen=["127.0.0.1:8080"])
    nginx.check(conf, tmp_path)  # nginx -t
    text = (tmp_path / "conf" / "site" / "cine-creuse.conf").read_text()
    assert ("brotli.conf;" in text) is brotli
    assert "hash $cine_route consistent;" in text and "proxy_next_upstream" in text


def test_the_site_loads_inside_debians_own_nginx_conf(tmp_path: Path) -> None:
    """As installed: Debian's /etc/nginx/nginx.conf (modules-enabled, its http settings)
    including the rendered site in place of sites-enabled/*."""
    require_stack()
    debian = Path("/etc/nginx/nginx.conf")
    require(debian.is_file(), "Debian's /etc/nginx/nginx.conf is missing")
    _, _, cert = nginx.configure(tmp_path, ["127.0.0.1:8866"])
    site_conf = tmp_path / "conf" / "site" / "cine-creuse.conf"
    text = debian.read_text()
    assert "include /etc/nginx/sites-enabled/*;" in text
    conf = tmp_path / "debian-nginx.conf"
    conf.write_text(text.replace("include /etc/nginx/sites-enabled/*;", f"include {site_conf};")
                    .replace("pid /run/nginx.pid;", f"pid {tmp_path / 'nginx.pid'};"))
    nginx.check(conf, Path("/usr/share/nginx"))  # Debian's prefix (modules/ is there)


def test_without_a_backend_nginx_answers_the_french_restarting_page() -> None:
    require_stack()
    with nginx.proxy([f"127.0.0.1:{free_port()}"]) as proxy:  # nothing listens there
        answer = requests.get(proxy.local_url, verify=str(proxy.certificate), timeout=30)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert pages.RESTARTING_TEXT in answer.text and '<html lang="fr">' in answer.text


def test_a_backend_at_its_cap_makes_nginx_forget_the_route() -> None:
    """Two backends answering the dashboard's 503 (at their cap): the refused visitor's
    route cookie is cleared, so that the page's own retry may reach the other backend."""
    require_stack()
    with FileServer({}) as first, FileServer({}) as second:
        first.statuses["/films/"] = [503]
        second.statuses["/films/"] = [503]
        with nginx.proxy([first.url.split("/")[2], second.url.split("/")[2]]) as proxy:
            answer = requests.get(proxy.local_url, verify=str(proxy.certificate), timeout=10,
                                  cookies={ROUTE_COOKIE: "0" * 32})
    assert answer.status_code == 503
    assert answer.headers["Set-Cookie"] == (f"{ROUTE_COOKIE}=; Path=/films/; Max-Age=0; Secure; "
                                            "HttpOnly; SameSite=Lax")


# -------------------------------------------------------------------------- one backend
class TestOneBackend:
    @pytest.fixture(scope="class")
    @classmethod
    def stack(cls, tiny_data_dir: Path) -> Iterator[tuple[Server, nginx.Proxy]]:
        require_stack()
        with serve(tiny_data_dir, preheat=True, **BACKEND) as backend, \
                nginx.proxy([host_port(backend)]) as proxy:
            yield backend, proxy

    def https(self, proxy: nginx.Proxy, path: str = "", **kwargs: object) -> requests.Response:
        return requests.get(proxy.local_url + path, verify=str(proxy.certificate), timeout=60,
                            **kwargs)

    @pytest.mark.browser
    def test_a_visit_in_chromium_through_https(self, stack, browser, tiny_data_dir) -> None:
        backend, proxy = stack
        label, typed = popular_title(tiny_data_dir)
        seen = visit(browser, proxy, label, typed, bodies=True)
        assert seen["cards"] == 10 and seen["errors"] == []
        assert seen["protocol"] == "h2"
        # the kernel's websocket went through nginx and carried the widgets' messages
        (socket, frames), = seen["frames"].items()
        assert re.fullmatch(rf"wss://{nginx.HOST}:{proxy.port}/films/api/kernels/"
                            r"[0-9a-f-]{36}/channels\?session_id=.+", socket)
        assert frames > 20
        # every text response worth compressing arrived compressed (br: Chromium asks for
        # it over https, and Debian's module is loaded)
        big = {url: headers.get("content-encoding") for url, (headers, size)
               in seen["bodies"].items() if size >= 1024}
        assert len(big) >= 15 and any("/voila/static/chunks." in url for url in big), big
        expected = {"br"} if BROTLI_MODULE.is_file() else {"gzip"}
        assert set(big.values()) == expected, big
        assert ROUTE_COOKIE not in seen["cookies"]  # one backend: no routing cookie
        # Voilà's chunks came in the one bundle, none on its own
        static = [r.url.split("/voila/static/")[1] for r in seen["responses"]
                  if "/voila/static/" in r.url]
        assert [u for u in static if re.fullmatch(r"\d+\.voila\.js", u)] == []
        assert len([u for u in static if re.fullmatch(r"chunks\.[0-9a-f]{20}\.js", u)]) == 1

    def test_compression_and_cache_headers(self, stack) -> None:
        backend, proxy = stack
        page = self.https(proxy, headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
        assert "no-store" in page.headers["Cache-Control"]
        assert "immutable" not in page.headers["Cache-Control"]
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        (versioned,) = re.findall(r'href="/films/(voila/templates/cine/static/index\.css'
                                  r'\?v=[0-9a-f]{64,})"', page.text)
        entry = next((LAB / "@jupyter-widgets/jupyterlab-manager/static").glob(
            "remoteEntry.*.js"))
        hashed = f"voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/{entry.name}"
        (bundle,) = set(re.findall(r'src="/films/(voila/static/chunks\.[0-9a-f]{20}\.js)"',
                                   page.text))
        font = next(VOILA_STATIC.glob("*.woff2")).name  # webpack's content-hashed assets
        (runtime,) = re.findall(r'src="/films/(voila/static/voila\.js\?v=[0-9a-f]{20})"',
                                page.text)
        for path in (hashed, versioned, bundle, runtime, f"voila/static/{font}"):
            assert self.https(proxy, path).headers["Cache-Control"] == IMMUTABLE, path
        for encoding in ("gzip", "br") if BROTLI_MODULE.is_file() else ("gzip",):
            packed = self.https(proxy, bundle, stream=True, headers={"Accept-Encoding": encoding})
            assert packed.headers["Content-Encoding"] == encoding
            assert len(packed.raw.read(decode_content=False)) < 1.2e6, encoding
        plain = self.https(proxy, "voila/static/voila.js",
                           headers={"Accept-Encoding": "identity"})
        assert plain.headers["Cache-Control"] == "no-cache"  # unhashed: revalidated
        assert "Content-Encoding" not in plain.headers
        again = self.https(proxy, "voila/static/voila.js",
                           headers={"If-None-Match": plain.headers["ETag"]})
        assert again.status_code == 304
        for encoding in ("gzip", "br") if BROTLI_MODULE.is_file() else ("gzip",):
            packed = self.https(proxy, "voila/static/voila.js", stream=True,
                                headers={"Accept-Encoding": encoding})
            wire = packed.raw.read(decode_content=False)
            assert packed.headers["Content-Encoding"] == encoding
            assert len(wire) < len(plain.content) / 2, encoding

    def test_healthz_and_paths_outside_the_dashboard(self, stack) -> None:
        backend, proxy = stack
        # settled first: the earlier tests' page kernels culled, the preheated pool refilled
        deadline = time.monotonic() + 90
        while True:
            direct = requests.get(backend.url + "healthz", timeout=10).json()
            if (direct["kernels"], direct["preheated_ready"]) == (1, 1):
                break
            assert time.monotonic() < deadline, direct
            time.sleep(1)
        kernels = len(backend.kernels())
        for _ in range(5):
            health = self.https(proxy, "healthz")
            assert health.headers["Content-Type"].startswith("application/json")
            assert health.headers["Cache-Control"] == "no-store"
            assert health.json().keys() == direct.keys() and health.json()["status"] == "ok"
        assert len(backend.kernels()) == kernels  # no kernel started
        root = proxy.local_url.removesuffix("films/")
        get = lambda url: requests.get(url, verify=str(proxy.certificate),  # noqa: E731
                                       allow_redirects=False, timeout=10)
        assert (get(root + "films").status_code, get(root + "films").headers["Location"]) == (
            301, "/films/")
        assert get(root).headers["Location"] == "/films/"
        assert get(root + "admin").status_code == 404

    def test_the_websocket_through_the_proxy(self, stack, monkeypatch) -> None:
        import asyncio

        backend, proxy = stack
        # Python's TLS clients (requests, websockets) trust the proxy's certificate
        monkeypatch.setenv("SSL_CERT_FILE", str(proxy.certificate))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(proxy.certificate))

        async def visitor() -> tuple[str, float]:
            # the earlier tests' page loads may hold the backend's 3 slots until culled
            # (8 s without a websocket): retry as the French 503 page does
            for _ in range(20):
                try:
                    client = await WidgetClient.open(proxy.local_url)
                    break
                except PageRefused:
                    await asyncio.sleep(5)
            else:
                raise AssertionError("the backend stayed at its cap for 100 s")
            info = await client.kernel_info()
            seconds = await client.recommend_round("le")
            extensions = client.websocket.response.headers.get("Sec-WebSocket-Extensions")
            await client.close()
            return info["status"], seconds, extensions

        # its own thread: Playwright's sync API keeps an event loop running in this one
        with ThreadPoolExecutor(1) as pool:
            status, seconds, extensions = pool.submit(asyncio.run, visitor()).result()
        assert status == "ok" and seconds < 30
        assert extensions == "permessage-deflate"  # negotiated with the backend, through nginx

    def test_a_burst_of_page_loads_is_refused_while_assets_are_not(self, stack) -> None:
        """A script opening the page 10 times at once from one address: 1 + burst 3 get
        through (each would take a kernel), 6 get the French 429 page; 30 asset requests
        at the same time all succeed. A proxy of its own: a fresh rate-limit zone."""
        backend, _ = stack
        with nginx.proxy([host_port(backend)], page_rate=6, page_burst=3) as proxy:
            results: dict[str, list[requests.Response]] = {"page": [], "asset": []}

            def get(kind: str, path: str) -> None:
                results[kind].append(self.https(proxy, path))

            threads = [threading.Thread(target=get, args=("page", "")) for _ in range(10)]
            threads += [threading.Thread(target=get, args=("asset", "voila/static/voila.js"))
                        for _ in range(30)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            statuses = sorted(r.status_code for r in results["page"])
            refused = [r for r in results["page"] if r.status_code == 429]
            assert len(refused) == 6 and set(statuses) - {429} <= {200, 503}, statuses
            assert [r.status_code for r in results["asset"]] == [200] * 30
            assert refused[0].headers["Retry-After"] == "60"
            assert refused[0].headers["Content-Type"] == "text/html; charset=utf-8"
            assert '<html lang="fr">' in refused[0].text
            assert pages.TOO_MANY_TEXT in refused[0].text
            errors = proxy.error_log.read_text() if proxy.error_log.exists() else ""
            assert "127.0.0.1" not in errors and "limiting requests" not in errors

    def test_access_logs_hold_no_address_nor_query_string(self, stack) -> None:
        backend, proxy = stack
        self.https(proxy, "?email=jean.dupont%40example.fr&nom=Dupont")
        self.https(proxy, "voila/static/voila.js?token=s3cret")
        self.https(proxy, "abonnement/confirmer/Secr3tT0ken_abcdefghijklmnopqrstuvwxyz01")
        self.https(proxy, "healthz")
        time.sleep(0.5)
        lines = proxy.access_log.read_text().splitlines()
        assert len(lines) >= 3
        line_format = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \d{3} [A-Z]+ "
                                 r"/\S* \d+ \d+\.\d{3}")
        assert all(line_format.fullmatch(line) for line in lines), lines
        assert any(line.split()[3] == "/films/abonnement/confirmer/[token]" for line in lines)
        text = proxy.access_log.read_text() + (
            proxy.error_log.read_text() if proxy.error_log.exists() else "")
        for private in ("127.0.0.1", "jean.dupont", "Dupont", "s3cret", "Secr3tT0ken", "?",
                        "healthz"):
            assert private not in text, private


# ------------------------------------------------------------------------- two backends
class TestTwoBackends:
    @pytest.fixture(scope="class")
    @classmethod
    def stack(cls, tiny_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[list[Server], list[Path], nginx.Proxy]]:
        """Two backends, each with its own data folder (own subscriptions database,
        shared tables and model), behind one nginx with sticky routing."""
        require_stack()
        folders = []
        for name in ("a", "b"):
            data = tmp_path_factory.mktemp(f"backend_{name}")
            for part in ("processed", "models"):
                (data / part).symlink_to(tiny_data_dir / part)
            folders.append(data)
        options = {**BACKEND, "max_visitors": 4, "pool_size": 2}  # visits come one by one
        with serve(folders[0], preheat=True, **options) as first, \
                serve(folders[1], preheat=True, **options) as second, \
                nginx.proxy([host_port(first), host_port(second)]) as proxy:
            yield [first, second], folders, proxy

    @pytest.mark.browser
    def test_ten_visits_all_complete_and_both_backends_serve(self, stack, browser,
                                                             tiny_data_dir) -> None:
        backends, _, proxy = stack
        label, typed = popular_title(tiny_data_dir)
        routes = set()
        for _ in range(10):
            seen = visit(browser, proxy, label, typed)  # a fresh context: no cookie yet
            assert seen["cards"] == 10 and seen["errors"] == []
            cookie = seen["cookies"][ROUTE_COOKIE]
            assert re.fullmatch(r"[0-9a-f]{32}", cookie["value"])
            assert (cookie["path"], cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) \
                == ("/films/", True, True, "Lax")
            routes.add(cookie["value"])
        assert len(routes) == 10
        pages_served = [server.log.read_text().count("] 200 GET /films/ ")
                        for server in backends]
        assert sum(pages_served) == 10 and min(pages_served) >= 1, pages_served

    def test_the_route_cookie_keeps_a_visitor_on_the_backend_of_its_kernel(self,
                                                                         stack) -> None:
        _, _, proxy = stack
        visitor, trust = requests.Session(), str(proxy.certificate)
        page = visitor.get(proxy.local_url, verify=trust, timeout=60)
        assert page.status_code == 200 and ROUTE_COOKIE in visitor.cookies
        kernel = f"{proxy.local_url}api/kernels/{WidgetClient.kernel_id_in(page.text)}"
        assert {visitor.get(kernel, verify=trust, timeout=10).status_code
                for _ in range(12)} == {200}
        # without the cookie, requests are spread: the other backend does not know it
        anonymous = {requests.get(kernel, verify=str(proxy.certificate), timeout=10).status_code
                     for _ in range(12)}
        assert anonymous == {200, 404}

    def test_e_mail_links_reach_the_backend_holding_the_token(self, stack,
                                                              tiny_data_dir) -> None:
        backends, folders, proxy = stack
        tconst = pd.read_parquet(tiny_data_dir / "processed" / "movies.parquet")["tconst"][0]
        store = SubscriptionStore(folders[1] / "subscribers.sqlite3")
        token = store.subscribe("marie@example.fr", "weekly", [tconst], consent=True).confirm_token
        link = f"{proxy.local_url}abonnement/confirmer/{token}"
        for _ in range(6):  # no cookie: each may first reach the backend without the token
            page = requests.get(link, verify=str(proxy.certificate), timeout=10)
            assert page.status_code == 200 and "Confirmer mon inscription" in page.text
        done = requests.post(link, verify=str(proxy.certificate), timeout=10,
                             data={"confirmation": "oui"})
        assert done.status_code == 200 and store.export()[0]["status"] == "active"
        wrong = requests.get(link[:-4] + "zzzz", verify=str(proxy.certificate), timeout=10)
        assert wrong.status_code == 404 and "Lien non valable" in wrong.text
