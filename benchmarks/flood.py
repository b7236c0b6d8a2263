"""``python -m helpers bench flood``: the dashboard online, under bots and under a crowd.

Serves the dashboard exactly as ``python -m helpers serve --max-visitors N`` does, on
127.0.0.1 (nothing leaves the machine; every loop is bounded in count and time):

- **flood**: ``--gets`` bare HTTP GETs of the page (no browser, no websocket: scripts,
  crawlers, link previews) at ``--concurrency``, then ``--later`` more spread over
  ``--spread`` seconds, against ``--max-visitors`` (default 10): peak memory of the
  server's process tree (target: within 10 % of cap x kernel size + server), crashed
  kernels (target 0), the 503 count, then the time until a real Chromium visitor has a
  usable page (target under 60 s). Naive: plain Voilà without admission control, a short
  bounded run of ``--naive-gets`` GETs at once.
- **crowd**: ``--visitors`` at once for ``--duration`` seconds, ``--browsers`` of them real
  Chromium pages and the others lightweight clients speaking the page's protocol
  (:class:`benchmarks.widget_client.WidgetClient`: the page GET, the kernel websocket
  and the ipywidgets comm messages a page sends: type, pick a suggestion, recommend, wait
  for the ten cards, remove the film): errors (target 0), posters p95 (Chromium), kernel
  memory per visitor (goal under 200 MB RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from benchmarks.common import mb, tree_rss
from benchmarks.dashboard import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    Stats,
    _memory,
    _seconds,
    ensure_data_dir,
    open_page,
    sample_titles,
    serve,
    stop,
    visitor,
)
from benchmarks.widget_client import PageRefused, WidgetClient

CRASH = re.compile(r"restarting kernel|KernelRestarter|died|dead kernel", re.IGNORECASE)


class Peak:
    """Peak RSS of the server's process tree and peak kernel count, sampled in a thread."""

    def __init__(self, server: Server, interval: float = 0.25) -> None:
        self.server, self.interval = server, interval
        self.rss = self.kernels = 0
        self.kernel_rss: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.rss = max(self.rss, tree_rss(self.server.proc.pid))
            memory = self.server.kernel_memory()
            self.kernels = max(self.kernels, len(memory))
            self.kernel_rss += [rss for rss, _ in memory]
            self._stop.wait(self.interval)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _get(url: str) -> int:
    try:
        return requests.get(url, timeout=180).status_code
    except requests.RequestException as exc:
        return type(exc).__name__  # type: ignore[return-value]


def flood(server: Server, gets: int, concurrency: int, later: int, spread: float) -> Counter:
    """Bare GETs of the page: a burst at ``concurrency``, then ``later`` spread evenly."""
    statuses: Counter = Counter()
    with ThreadPoolExecutor(concurrency) as pool:
        statuses.update(pool.map(_get, [server.url] * gets))
        futures = []
        for _ in range(later):
            futures.append(pool.submit(_get, server.url))
            time.sleep(spread / max(1, later))
        statuses.update(f.result() for f in futures)
    return statuses


async def first_usable(url: str, timeout: float) -> float:
    """Seconds until a real Chromium visitor has a usable page (the busy page reloads itself)."""
    from playwright.async_api import async_playwright

    stats = Stats()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        start = time.perf_counter()
        page = await open_page(browser, url, stats, timeout_s=timeout)
        await page.context.close()
        await browser.close()
    return time.perf_counter() - start


def run_flood(data: Path, args: argparse.Namespace) -> None:
    with serve(data, preheat=True, max_visitors=args.max_visitors) as server:
        server.wait_idle_pool(1)
        with Peak(server) as peak:
            start = time.perf_counter()
            statuses = flood(server, args.gets, args.concurrency, args.later, args.spread)
            flood_s = time.perf_counter() - start
            usable_s = asyncio.run(first_usable(server.url, timeout=300))
        crashes = [line for line in server.log.read_text(errors="replace").splitlines()
                   if CRASH.search(line)]
        kernel = max(peak.kernel_rss, default=0)
        server_rss = server.server_rss()
        budget = args.max_visitors * kernel + server_rss
        print(f"\nflood: {args.gets} bare GETs at concurrency {args.concurrency}, then "
              f"{args.later} over {args.spread:.0f} s, --max-visitors {args.max_visitors} "
              f"({flood_s:.0f} s):")
        print(f"  answers                      {dict(sorted(statuses.items(), key=str))}")
        print(f"  503 (service busy)           {statuses.get(503, 0)}")
        capped = "OK" if peak.kernels <= args.max_visitors else "ABOVE CAP"
        print(f"  kernels alive at most        {peak.kernels}   [{capped}]")
        print(f"  peak memory, process tree    {mb(peak.rss)}   (cap x kernel {mb(kernel)} + "
              f"server {mb(server_rss)} = {mb(budget)}; "
              f"[{'OK' if peak.rss <= 1.1 * budget else 'ABOVE TARGET'}])")
        print(f"  crashed kernels              {len(crashes)}   "
              f"[{'OK' if not crashes else 'CRASHES'}]")
        print(f"  Chromium visitor after the flood: usable page in {usable_s:.1f} s   "
              f"[{'OK' if usable_s < 60 else 'ABOVE TARGET'}]")
    if args.naive_gets > 0:
        print(f"\nnaive: plain Voilà (no admission control), {args.naive_gets} bare GETs at "
              f"once, {args.naive_window:.0f} s window:")
        naive(data, args.naive_gets, args.naive_window)


def naive(data: Path, gets: int, window: float) -> None:
    """The same page served by ``python -m voila`` as before admission control."""
    from helpers import config
    from helpers.app.serve import IOPUB_TIMEOUT, NOTEBOOK

    port = 8800 + random.randrange(100)
    command = [sys.executable, "-m", "voila", str(config.PROJECT_ROOT / NOTEBOOK), "--no-browser",
               f"--port={port}", "--Voila.ip=127.0.0.1", "--strip_sources=True",
               "--preheat_kernel=True", "--pool_size=1",
               "--MappingKernelManager.cull_idle_timeout=120",
               "--MappingKernelManager.cull_interval=30",
               f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}", "--KernelManager.transport=ipc"]
    proc = subprocess.Popen(command, cwd=config.PROJECT_ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "CINE_DATA_DIR": str(data)})
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while _get(f"{url}voila/static/voila.js") != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        server = Server(proc, url, Path(os.devnull))
        server.wait_idle_pool(1)
        with Peak(server) as peak:
            with ThreadPoolExecutor(gets) as pool:
                statuses = Counter(pool.map(_get, [url] * gets))
            time.sleep(window)
        print(f"  answers {dict(statuses)}; kernels alive at most {peak.kernels}; "
              f"peak memory {mb(peak.rss)} (each bot's kernel lives until culled, 2 to 2.5 min)")
    finally:
        stop(proc)


async def lightweight(url: str, titles: list[str], deadline: float, errors: list[str],
                      rounds: list[float], rng: random.Random) -> None:
    client = None
    try:
        client = await WidgetClient.open(url, timeout=240)
        while time.monotonic() < deadline:
            rounds.append(await client.recommend_round(rng.choice(titles)[:6], timeout=120))
            await asyncio.sleep(rng.uniform(1.0, 3.0))
        await client.close()
    except PageRefused as exc:
        errors.append(f"lightweight: {exc}")
    except Exception as exc:  # noqa: BLE001 - every failure of a visitor is a counted error
        seen = f" ({client.describe()})" if client is not None else ""
        errors.append(f"lightweight {type(exc).__name__}: {str(exc)[:120]}{seen}")


async def crowd(server: Server, args: argparse.Namespace, titles: list[str]) -> tuple:
    from playwright.async_api import async_playwright

    stats, errors, rounds = Stats(), [], []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        deadline = time.monotonic() + args.duration
        tasks = [asyncio.create_task(visitor(browser, server.url, titles, deadline, stats,
                                             random.Random(args.seed + i)))
                 for i in range(args.browsers)]
        tasks += [asyncio.create_task(lightweight(server.url, titles, deadline, errors, rounds,
                                                  random.Random(args.seed + 1000 + i)))
                  for i in range(args.visitors - args.browsers)]
        await asyncio.gather(*tasks)
        await browser.close()
    return stats, errors, rounds


def run_crowd(data: Path, args: argparse.Namespace) -> None:
    titles = sample_titles(data, 200, args.seed)
    cap = args.visitors + 2
    with serve(data, preheat=True, max_visitors=cap) as server:
        server.wait_idle_pool(1)
        before = len(server.errors_in_log())
        with Peak(server) as peak:
            stats, errors, rounds = asyncio.run(crowd(server, args, titles))
        log_errors = server.errors_in_log()[before:]
        warnings = Counter(_kind(w.split("]", 1)[-1].strip()) for w in server.warnings_in_log())
        memory = server.kernel_memory()
        all_errors = stats.errors + errors + log_errors
        print(f"\ncrowd: {args.visitors} visitors at once for {args.duration:.0f} s "
              f"({args.browsers} Chromium pages, {args.visitors - args.browsers} lightweight "
              f"websocket clients), --max-visitors {cap}:")
        print(f"  Chromium: page open -> usable  {_seconds(stats.usable)}")
        print(f"  Chromium: click -> 10 posters  {_seconds(stats.posters)}")
        waits = [s["update_states"] - s["request_states"] for s in stats.widget_starts
                 if {"request_states", "update_states"} <= s.keys()]
        print(f"  Chromium: widget states answer {_seconds(waits)} after the request; "
              f"{sum('comm_info_request' in s for s in stats.widget_starts)} pages fell back "
              "to one request per widget")
        print(f"  Chromium: pages that reloaded by themselves after a failed start (usable "
              f"after the reload, counted above) {stats.reloaded}")
        print(f"  lightweight: click -> 10 cards {_seconds(rounds)}")
        print(f"  recommendations done           {stats.rounds + len(rounds)}")
        print(f"  kernels at the end             {_memory(memory)}")
        print(f"  visitor kernel, highest RSS    {mb(max(peak.kernel_rss, default=0))}   "
              f"[{'OK' if max(peak.kernel_rss, default=0) < 200 * 2**20 else 'ABOVE GOAL'} "
              "(goal 200 MB)]")
        print(f"  peak memory, process tree      {mb(peak.rss)}")
        print(f"  errors                         {len(all_errors)}   "
              f"[{'OK' if not all_errors else 'ERRORS'}]")
        for kind, count in Counter(map(_kind, all_errors)).most_common(6):
            print(f"    {count} x {kind}")  # then up to 3 examples in full
            for example in [e for e in all_errors if _kind(e) == kind][:3]:
                print(f"      - {example[:2500]}")
        print(f"  server warnings                {sum(warnings.values())}")
        for kind, count in warnings.most_common(6):
            print(f"    {count} x {kind}")


def _kind(error: str) -> str:
    """An error with its ids and numbers masked, to count errors of one kind together."""
    return re.sub(r"[0-9a-f-]{36}|\d+", "N", error)[:300]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench flood", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="full", choices=("tiny", "small", "full"))
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="use this CINE_DATA_DIR (processed + models) instead of --scale")
    parser.add_argument("--only", choices=("flood", "crowd"), default=None)
    parser.add_argument("--max-visitors", type=int, default=10)
    parser.add_argument("--gets", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument("--later", type=int, default=60)
    parser.add_argument("--spread", type=float, default=120.0)
    parser.add_argument("--naive-gets", type=int, default=30)
    parser.add_argument("--naive-window", type=float, default=30.0)
    parser.add_argument("--visitors", type=int, default=40)
    parser.add_argument("--browsers", type=int, default=10)
    parser.add_argument("--duration", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    data = args.data_dir.resolve() if args.data_dir else ensure_data_dir(args.scale)
    print(f"online benchmark on {data}, 127.0.0.1 only, {os.cpu_count()} cores")
    if args.only in (None, "flood"):
        run_flood(data, args)
    if args.only in (None, "crowd"):
        run_crowd(data, args)
    return 0
