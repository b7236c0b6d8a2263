"""``python -m helpers bench proxy``: the customers' page through nginx vs Voilà alone.

Serves ``dashboard.ipynb`` as ``python -m helpers serve`` does (under ``/films/``, the
small demo of ``python -m helpers demo --scale small`` by default) and puts Debian's nginx
with the project's site in front of it (``benchmarks.nginx``: TLS, HTTP/2, brotli or gzip,
cache headers). Debian's Chromium opens the page both ways on an emulated rural link
(Chrome DevTools Protocol: 2 Mbit/s down, 0.5 up, 150 ms round trip), a first visit with
an empty cache then a repeat visit in the same profile: bytes over HTTP (headers
included), requests sent, requests answered by the browser's cache, websocket bytes, the
time until the title input is usable, and the protocol and encodings seen.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from benchmarks import nginx
from benchmarks.dashboard import CHROMIUM, Server, serve
from helpers import config
from helpers.schema import MANIFEST

#: Chrome DevTools' network emulation of a rural link (bytes per second, milliseconds).
RURAL = {"offline": False, "latency": 150, "downloadThroughput": 250_000,
         "uploadThroughput": 62_500}


@dataclass
class Visit:
    """One page load as the browser saw it (requests to the page's own origin)."""

    usable_s: float = 0.0
    http_bytes: int = 0
    requests: int = 0  # sent over the network (304 revalidations included)
    cached: int = 0  # answered by the browser's cache without a request
    ws_bytes: int = 0
    protocol: str = ""
    encodings: Counter = field(default_factory=Counter)


def visit(context: object, url: str, timeout_s: float = 180) -> Visit:
    """Open the page in ``context`` on the emulated link; what went over the wire."""
    origin = url.split("/films/")[0]
    page = context.new_page()  # no page.route: Playwright would turn the HTTP cache off
    cdp = context.new_cdp_session(page)  # (other hosts fail: Chromium's resolver rules)
    seen, sent, from_cache, sizes = Visit(), {}, set(), {}

    def will_send(event: dict) -> None:
        if event["request"]["url"].startswith(origin):
            sent[event["requestId"]] = event["request"]["url"]

    def received(event: dict) -> None:
        headers = {k.lower(): v for k, v in (event["response"].get("headers") or {}).items()}
        if event["requestId"] in sent:
            seen.encodings[headers.get("content-encoding", "none")] += 1
        if event["response"].get("fromDiskCache"):
            from_cache.add(event["requestId"])

    def frame(event: dict) -> None:
        data = event["response"].get("payloadData", "")
        binary = event["response"].get("opcode") == 2  # given base64-encoded
        seen.ws_bytes += len(base64.b64decode(data)) if binary else len(data.encode())

    cdp.on("Network.requestWillBeSent", will_send)
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished",
           lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.webSocketFrameReceived", frame)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", RURAL)
    start = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
    page.wait_for_selector(".reco-input input", state="visible", timeout=timeout_s * 1000)
    seen.usable_s = time.perf_counter() - start
    page.wait_for_timeout(2000)  # late requests (fonts, lazy chunks) and widget messages
    seen.protocol = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].nextHopProtocol")
    network = [rid for rid in sent if rid not in from_cache]
    seen.requests, seen.cached = len(network), len(sent) - len(network)
    seen.http_bytes = sum(sizes.get(rid, 0) for rid in network)
    page.close()
    return seen


def wait_ready(server: Server, timeout: float = 120) -> None:
    """Until the preheated kernel is ready (each visit takes one; timing starts fresh)."""
    deadline = time.monotonic() + timeout
    while requests.get(f"{server.url}healthz", timeout=5).json()["preheated_ready"] < 1:
        if time.monotonic() > deadline:
            raise TimeoutError("no preheated kernel")
        time.sleep(0.5)


def measure(browser: object, server: Server, url: str, runs: int) -> tuple[list[Visit],
                                                                           list[Visit]]:
    """``runs`` first visits (each in an empty profile), each followed by a repeat visit."""
    first, repeat = [], []
    for _ in range(runs):
        context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
        wait_ready(server)
        first.append(visit(context, url))
        wait_ready(server)
        repeat.append(visit(context, url))
        context.close()
    return first, repeat


def _line(visits: list[Visit]) -> str:
    median = statistics.median
    encodings = sum((v.encodings for v in visits), Counter())
    return (f"{median(v.http_bytes for v in visits) / 1e6:5.2f} MB over HTTP, "
            f"{median(v.requests for v in visits):3.0f} requests, "
            f"{median(v.cached for v in visits):3.0f} from the browser cache, websocket "
            f"{median(v.ws_bytes for v in visits) / 1e3:4.0f} kB, input usable after "
            f"{median(v.usable_s for v in visits):5.1f} s ({visits[0].protocol}; "
            + ", ".join(f"{k} {n}" for k, n in encodings.most_common()) + ")")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench proxy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="CINE_DATA_DIR to serve (default: the demo folder, built by "
                             "`python -m helpers demo --scale small`)")
    parser.add_argument("--runs", type=int, default=3, help="first + repeat visits each way")
    args = parser.parse_args(argv)
    data = (args.data_dir or config.demo_dir()).resolve()
    if not (config.release_dir(data) / "processed" / MANIFEST).is_file():
        print(f"no data in {data}: run `python -m helpers demo --scale small` first",
              file=sys.stderr)
        return 1
    for needed, how in ((CHROMIUM, "apt-get install chromium"),
                        (nginx.NGINX, "make nginx")):
        if not Path(needed).is_file():
            print(f"{needed} is missing: {how}", file=sys.stderr)
            return 1
    from playwright.sync_api import sync_playwright

    print(f"proxy benchmark: {data}, Chromium headless, emulated link "
          f"{RURAL['downloadThroughput'] * 8 / 1e6:.0f} Mbit/s down, "
          f"{RURAL['uploadThroughput'] * 8 / 1e6:.1f} up, {RURAL['latency']} ms round trip, "
          f"medians of {args.runs} runs")
    with serve(data, preheat=True, base_url="/films/", max_visitors=6) as server, \
            nginx.proxy([server.url.split("/")[2]]) as proxy, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=nginx.chromium_args(trusted=proxy))
        for name, url in (("Voilà alone (gzip, HTTP/1.1)", server.url),
                          ("through nginx (TLS, HTTP/2, brotli, cache headers)", proxy.url)):
            first, repeat = measure(browser, server, url, args.runs)
            print(f"\n{name}, {url}")
            print(f"  first visit   {_line(first)}")
            print(f"  repeat visit  {_line(repeat)}")
        browser.close()
    return 0
