"""``python -m helpers bench page``: what the customers' page weighs on a slow rural link.

Serves ``dashboard.ipynb`` exactly as ``python -m helpers serve`` does (the demo data of
``python -m helpers demo --scale small`` by default) and opens it in Debian's Chromium
with the network of a rural connection emulated (Chrome DevTools Protocol: 2 Mbit/s
down, 0.5 up, 150 ms round trip; every request leaving 127.0.0.1 is blocked). For a
first visit (empty cache) and a repeat visit (cached assets): bytes transferred, HTTP
requests, websocket bytes, time until the input is usable; and what gzip (level 6) would
take the HTTP bytes to, the files being fetched again without emulation.

Side by side, the naive way: the same page served with the command line of the serve
before this work (every installed front-end extension, no ``lang``). Through the
deployment's proxy (nginx, ``deploy/``): ``python -m helpers bench proxy``.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import requests

from benchmarks import dashboard as dashboard_bench
from helpers import config
from helpers.app.serve import voila_command
from helpers.schema import MANIFEST

TARGETS = {"first_bytes": 1.5e6, "first_requests": 60, "first_usable_s": 10.0,
           "repeat_usable_s": 3.0}
#: Chrome DevTools' network emulation of the rural link (bytes per second).
RURAL = {"offline": False, "latency": 150, "downloadThroughput": 250_000,
         "uploadThroughput": 62_500}
#: Options of the serve command that this work added (dropped for the naive run).
ADDED_OPTIONS = ("--HTMLExporter.language_code", "--VoilaConfiguration.extension_allowlist")
#: The server options that turn the chunk bundle and the extensions' preloads off
#: (``helpers.app.chunks``).
NO_BUNDLE = "--CineVoila.chunk_bundle=[]"
NO_PRELOADS = "--CineVoila.extension_preloads={}"
#: The figures measured on the page before this work (issue 12), for reference.
BEFORE = "about 4.9 MB in 98 requests, input usable after 24 s"


@dataclass
class Visit:
    """One page load as the browser saw it."""

    usable_s: float = 0.0
    http_bytes: int = 0
    requests: int = 0  # sent over the network (not served from the browser's cache)
    cached: int = 0  # served from the browser's cache without a request
    blocked: int = 0  # outside 127.0.0.1, aborted
    ws_bytes: int = 0
    protocol: str = ""  # of the page itself: http/1.1, h2
    responses: dict[str, dict] = field(default_factory=dict)  # request id -> url, size, ...

    def encodings(self) -> Counter:
        """Responses of the page's origin by content encoding ("none" when not encoded)."""
        return Counter(r.get("encoding") or "none" for r in self.responses.values() if "url" in r)


def naive_command(port: int = 8866, preheat: bool = True, **kwargs: object) -> list[str]:
    """The serve command without the options this work added, nor the chunk bundle and the
    extensions' preloads."""
    return [*(a for a in voila_command(port, preheat, **kwargs)
              if not a.startswith(ADDED_OPTIONS)), NO_BUNDLE, NO_PRELOADS]


def visit(context: object, url: str, timeout_s: float = 180) -> Visit:
    """Open the page in ``context`` on the emulated link; what went over the wire (requests
    to the page's own origin; any other is blocked)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    page = context.new_page()  # no page.route: Playwright would turn the HTTP cache off
    cdp = context.new_cdp_session(page)  # (outside hosts fail: Chromium's resolver rules)
    seen = Visit()
    sent: dict[str, str] = {}
    from_cache: set[str] = set()

    def will_send(event: dict) -> None:
        if event["request"]["url"].startswith(origin):
            sent[event["requestId"]] = event["request"]["url"]

    def received(event: dict) -> None:
        response = event["response"]
        if event["requestId"] not in sent:
            return
        seen.responses.setdefault(event["requestId"], {}).update(
            url=response["url"], status=response["status"],
            encoding=(response.get("headers") or {}).get("Content-Encoding")
            or (response.get("headers") or {}).get("content-encoding"))
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            from_cache.add(event["requestId"])

    def finished(event: dict) -> None:
        if event["requestId"] in sent:
            seen.responses.setdefault(event["requestId"], {})["size"] = event["encodedDataLength"]

    def failed(event: dict) -> None:
        if event["requestId"] not in sent:
            seen.blocked += 1

    def frame(event: dict) -> None:
        data = event["response"].get("payloadData", "")
        binary = event["response"].get("opcode") == 2  # given base64-encoded
        seen.ws_bytes += len(base64.b64decode(data)) if binary else len(data.encode())

    cdp.on("Network.requestWillBeSent", will_send)
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", failed)
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
    seen.http_bytes = sum(seen.responses.get(rid, {}).get("size", 0) for rid in network)
    page.close()
    return seen


def gzip_size(responses: dict[str, dict]) -> int:
    """HTTP bytes of these responses if each body were gzipped (level 6), fetched again."""
    total = 0
    with requests.Session() as session:
        for info in responses.values():
            url, size = info.get("url", ""), info.get("size", 0)
            if not url.startswith("http://127.0.0.1") or info.get("status") != 200:
                total += size
                continue
            if info.get("encoding") or "/api/kernels/" in url:
                total += size  # already compressed, or a kernel's answer
                continue
            body = session.get(url, timeout=30).content
            total += size - len(body) + len(gzip.compress(body, 6))
    return total


def wait_ready(url: str, timeout: float = 120) -> None:
    """Until the server at ``url`` has a preheated kernel ready (each visit takes one; a
    visit timed before would measure the kernel's start, not the page)."""
    deadline = time.monotonic() + timeout
    while requests.get(f"{url}healthz", timeout=5).json()["preheated_ready"] < 1:
        if time.monotonic() > deadline:
            raise TimeoutError("no preheated kernel")
        time.sleep(0.5)


def measure_server(url: str, runs: int) -> tuple[list[Visit], list[Visit], int]:
    """``runs`` first visits (each in an empty browser profile), each followed by a repeat
    visit in the same profile; the gzip projection of the first."""
    from playwright.sync_api import sync_playwright

    first, repeat = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=dashboard_bench.CHROMIUM,
                                    args=dashboard_bench.CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 390, "height": 844},
                                          locale="fr-FR")
            wait_ready(url)
            first.append(visit(context, url))
            wait_ready(url)
            repeat.append(visit(context, url))
            context.close()
        browser.close()
    return first, repeat, gzip_size(first[0].responses)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(name: str, first: list[Visit], repeat: list[Visit], gzipped: int) -> bool:
    """Print one server's figures next to the targets; True when all are met."""
    f_bytes = _median([v.http_bytes for v in first])
    f_req = _median([v.requests for v in first])
    f_use = _median([v.usable_s for v in first])
    r_use = _median([v.usable_s for v in repeat])
    checks = {"first_bytes": f_bytes <= TARGETS["first_bytes"],
              "first_requests": f_req <= TARGETS["first_requests"],
              "first_usable_s": f_use <= TARGETS["first_usable_s"],
              "repeat_usable_s": r_use <= TARGETS["repeat_usable_s"]}
    ok = {True: "OK", False: "ABOVE TARGET"}
    print(f"\n{name} ({len(first)} runs, medians):")
    print(f"  first visit   {f_bytes / 1e6:5.2f} MB over HTTP [{ok[checks['first_bytes']]}, "
          f"target {TARGETS['first_bytes'] / 1e6:.1f} MB], {f_req:.0f} requests "
          f"[{ok[checks['first_requests']]}, target {TARGETS['first_requests']}], "
          f"websocket {_median([v.ws_bytes for v in first]) / 1e3:.0f} kB, "
          f"{first[0].blocked} outside requests blocked")
    print(f"                input usable after {f_use:5.1f} s [{ok[checks['first_usable_s']]}, "
          f"target {TARGETS['first_usable_s']:.0f} s]   (runs: "
          + ", ".join(f"{v.usable_s:.1f}" for v in first) + ")")
    print(f"                with gzip level 6 the same HTTP bytes would be "
          f"{gzipped / 1e6:.2f} MB")
    print(f"  repeat visit  {_median([v.http_bytes for v in repeat]) / 1e6:5.2f} MB over HTTP, "
          f"{_median([v.requests for v in repeat]):.0f} requests "
          f"({_median([v.cached for v in repeat]):.0f} answered by the browser's cache), "
          f"input usable after {r_use:4.1f} s [{ok[checks['repeat_usable_s']]}, target "
          f"{TARGETS['repeat_usable_s']:.0f} s]")
    groups: dict[str, list[int]] = {}
    for info in first[0].responses.values():
        path = urlsplit(info.get("url", "")).path
        parts = path.strip("/").split("/")
        group = "/".join(parts[:3] if parts[:2] == ["voila", "labextensions"] else parts[:2])
        groups.setdefault(group or "/", []).append(info.get("size", 0))
    print("  first visit by origin: " + ", ".join(
        f"{g} {len(v)} req {sum(v) / 1e3:.0f} kB"
        for g, v in sorted(groups.items(), key=lambda kv: -sum(kv[1]))[:6]))
    biggest = sorted(first[0].responses.values(), key=lambda r: -r.get("size", 0))[:5]
    print("  largest responses: " + ", ".join(
        f"{r['url'].split('?')[0].rsplit('/', 1)[-1] or '/'} {r.get('size', 0) / 1e3:.0f} kB"
        for r in biggest))
    return all(checks.values())


def page_arguments(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The options of the page benchmarks (``bench page``, ``bench proxy``)."""
    parser = argparse.ArgumentParser(prog=f"python -m helpers bench {name}", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="CINE_DATA_DIR to serve (default: the demo folder, built by "
                             "`python -m helpers demo --scale small`)")
    parser.add_argument("--runs", type=int, default=3, help="first + repeat visits each way")
    parser.add_argument("--no-bundle", action="store_true",
                        help="serve without the chunk bundle nor the extensions' preloads "
                             "(the figures before them)")
    return parser


def bundle_options(args: argparse.Namespace) -> list[str]:
    """The extra server options of ``--no-bundle``."""
    return [NO_BUNDLE, NO_PRELOADS] if args.no_bundle else []


def served_data(data_dir: Path | None) -> Path | None:
    """The data folder to serve; None (with the command to run) when it holds no data."""
    data = (data_dir or config.demo_dir()).resolve()
    if not (config.release_dir(data) / "processed" / MANIFEST).is_file():
        print(f"no data in {data}: run `python -m helpers demo --scale small` first",
              file=sys.stderr)
        return None
    return data


def main(argv: list[str] | None = None) -> int:
    parser = page_arguments("page", __doc__)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive run")
    args = parser.parse_args(argv)
    data = served_data(args.data_dir)
    if data is None:
        return 1
    if not Path(dashboard_bench.CHROMIUM).is_file():
        print(f"{dashboard_bench.CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    print(f"page benchmark: {data}, Chromium headless, emulated link "
          f"{RURAL['downloadThroughput'] * 8 / 1e6:.0f} Mbit/s down, "
          f"{RURAL['uploadThroughput'] * 8 / 1e6:.1f} up, {RURAL['latency']} ms round trip")
    with dashboard_bench.serve(data, preheat=True, extra=bundle_options(args)) as server:
        met = report("Voilà alone, as `python -m helpers serve` runs it"
                     + (" (no chunk bundle)" if args.no_bundle else ""),
                     *measure_server(server.url, args.runs))
    print("\nthrough the deployment's proxy (nginx, TLS, HTTP/2, brotli): "
          "python -m helpers bench proxy")
    if not args.no_naive:
        # the same page and server, with the serve command of before this work
        with mock.patch.object(dashboard_bench, "voila_command", naive_command), \
                dashboard_bench.serve(data, preheat=True) as server:
            report("naive: the serve command before this work (all extensions)",
                   *measure_server(server.url, args.runs))
        print(f"  (the page before this work, as measured in issue 12: {BEFORE})")
    print("\nall targets met" if met else "\nsome targets not met (see above)")
    return 0
