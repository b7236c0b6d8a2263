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

import statistics
import sys
from collections import Counter
from pathlib import Path

from benchmarks import nginx
from benchmarks.dashboard import CHROMIUM, Server, serve
from benchmarks.page import (
    RURAL,
    Visit,
    bundle_options,
    page_arguments,
    served_data,
    visit,
    wait_ready,
)


def measure(browser: object, server: Server, url: str, runs: int) -> tuple[list[Visit],
                                                                           list[Visit]]:
    """``runs`` first visits (each in an empty profile), each followed by a repeat visit."""
    first, repeat = [], []
    for _ in range(runs):
        context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
        wait_ready(server.url)
        first.append(visit(context, url))
        wait_ready(server.url)
        repeat.append(visit(context, url))
        context.close()
    return first, repeat


def _line(visits: list[Visit]) -> str:
    median = statistics.median
    encodings = sum((v.encodings() for v in visits), Counter())
    return (f"{median(v.http_bytes for v in visits) / 1e6:5.2f} MB over HTTP, "
            f"{median(v.requests for v in visits):3.0f} requests, "
            f"{median(v.cached for v in visits):3.0f} from the browser cache, websocket "
            f"{median(v.ws_bytes for v in visits) / 1e3:4.0f} kB, input usable after "
            f"{median(v.usable_s for v in visits):5.1f} s ({visits[0].protocol}; "
            + ", ".join(f"{k} {n}" for k, n in encodings.most_common()) + ")")


def main(argv: list[str] | None = None) -> int:
    args = page_arguments("proxy", __doc__).parse_args(argv)
    data = served_data(args.data_dir)
    if data is None:
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
          f"medians of {args.runs} runs" + (", no chunk bundle" if args.no_bundle else ""))
    # every visit, repeat visits included, takes a kernel until its visitor has been gone
    # for two minutes: room for all of them, so that none meets the "complet" page
    with serve(data, preheat=True, base_url="/films/", max_visitors=4 * args.runs + 2,
               extra=bundle_options(args)) as server, \
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
