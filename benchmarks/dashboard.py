"""``python -m helpers bench dashboard``: the Voilà dashboard under real browsers.

Serves ``dashboard.ipynb`` exactly as ``python -m helpers serve`` does (127.0.0.1,
preheated kernel, idle culling) on a catalogue the size of all IMDb films with a
few hundred votes (the ``full`` synthetic replica, model fitted once into the bench
folder), and drives Debian's Chromium with Playwright (nothing leaves 127.0.0.1):

- page open -> usable input, with the preheated kernel, and without it (naive);
- click on "Recommander" -> all ten posters shown;
- memory of a visitor's kernel (psutil) after loading, after a recommendation and
  after opening the KPI tab (loaded lazily; eager loading is the naive way);
- 10 then 20 visitors at once for ``--duration`` seconds each (bounded loops:
  type a title, pick it, recommend, wait for the posters, remove it): memory of all
  kernels, errors, latencies.

It is a measurement, not a timed test: figures are printed with the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psutil
import requests

from benchmarks.common import bench_dir, free_port, mb
from helpers import config
from helpers.app import indicators, kernel_launch
from helpers.app.serve import CULL_IDLE_TIMEOUT, normalise_base_url, voila_command
from helpers.errors import CineError
from helpers.schema import MANIFEST

TARGETS = {"usable_s": 3.0, "posters_s": 1.0, "kernel_mb": 300.0}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:")
#: Ten cards shown, and the posters on screen loaded (the others load lazily, when near).
IMAGES_LOADED = """() => {
  const imgs = [...document.querySelectorAll('.cc-card-content img')];
  const seen = imgs.filter(i => { const b = i.getBoundingClientRect();
                                  return b.bottom > 0 && b.top < innerHeight; });
  return imgs.length === 10 && seen.every(i => i.complete && i.naturalWidth > 0);
}"""
NO_CARDS = "() => document.querySelectorAll('.cc-card-content').length === 0"


def verdict(value: float, target: float) -> str:
    return "OK" if value < target else "ABOVE TARGET"


# ------------------------------------------------------------------------------ data
def wait_for_processed(scale: str, timeout: float = 3600) -> Path:
    """The processed tables of a synthetic scale; waits while another process builds them."""
    from benchmarks.common import ensure_processed

    processed = bench_dir() / f"processed_{scale}"
    deadline = time.monotonic() + timeout
    raw = bench_dir() / f"raw_{scale}"
    while (not (processed / MANIFEST).is_file()
           and (processed.exists() or (raw.exists() and not (raw / ".complete").exists()))):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{processed} still incomplete after {timeout:.0f} s")
        print(f"  waiting for {processed} (being built by another process)...", flush=True)
        time.sleep(30)
    return ensure_processed(scale)


def ensure_data_dir(scale: str) -> Path:
    """A CINE_DATA_DIR for the dashboard: the bench's processed tables and a model fitted on
    them once (refitted when the tables are newer or the model does not load, e.g. an
    older format)."""
    from helpers.reco.model import Recommender, fit_and_save

    processed = wait_for_processed(scale)
    data = bench_dir() / f"dashboard_{scale}"
    data.mkdir(parents=True, exist_ok=True)
    link = data / "processed"
    if not link.exists():
        link.symlink_to(processed.resolve(), target_is_directory=True)
    model = data / "models" / config.model_path().name
    meta = model / "meta.json"
    stale = not meta.is_file() or meta.stat().st_mtime < (processed / MANIFEST).stat().st_mtime
    if not stale:
        try:
            Recommender.load(model)
        except CineError:
            stale = True
    if stale:
        print(f"  fitting the model into {model} ...", flush=True)
        fit_and_save(processed, model)
    return data


def sample_titles(data: Path, n: int, seed: int) -> list[str]:
    """Partial French titles (first two words) of well-known films, as visitors type them."""
    movies = pd.read_parquet(data / "processed" / "movies.parquet",
                             columns=["french_title", "primary_title", "num_votes"])
    movies = movies.sort_values("num_votes", ascending=False).head(2000)
    titles = movies["french_title"].fillna(movies["primary_title"]).dropna().astype(str)
    typed = [" ".join(t.split()[:2])[:18] for t in titles if len(t) >= 4]
    random.Random(seed).shuffle(typed)
    return typed[:n]


# ---------------------------------------------------------------------------- server
@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    log: Path

    def kernels(self) -> list[psutil.Process]:
        """The server's kernel processes: started by the project's launcher (``serve``) or by
        ipykernel's (plain Voilà, the naive runs)."""
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            return []
        out = []
        for child in children:
            try:
                if {kernel_launch.__name__, "ipykernel_launcher"} & set(child.cmdline()):
                    out.append(child)
            except psutil.Error:
                pass
        return out

    def kernel_memory(self) -> list[tuple[int, int]]:
        """(RSS, USS) in bytes of every kernel process."""
        return _rss_uss(self.kernels())

    def server_rss(self) -> int:
        try:
            return psutil.Process(self.proc.pid).memory_info().rss
        except psutil.Error:
            return 0

    def wait_idle_pool(self, n_kernels: int, timeout: float = 300) -> None:
        """Wait until at least ``n_kernels`` kernels exist and all are idle (notebook run)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("the kernel pool did not settle")
            kernels = self.kernels()
            busy = len(kernels) < n_kernels
            for kernel in kernels:
                try:
                    busy |= kernel.cpu_percent(interval=0.3) > 5
                except psutil.Error:
                    pass
            quiet = 0 if busy else quiet + 1
            time.sleep(0.2)

    def wait_culled(self, timeout: float) -> None:
        """Wait until only the spare preheated kernel is left (idle kernels get culled)."""
        deadline = time.monotonic() + timeout
        while len(self.kernels()) > 1 and time.monotonic() < deadline:
            time.sleep(5)

    def errors_in_log(self) -> list[str]:
        text = self.log.read_text(errors="replace")
        return [line for line in text.splitlines()
                if re.search(r"Traceback|\bERROR\b|Exception", line)]

    def warnings_in_log(self) -> list[str]:
        """The server's warning lines (Tornado's ``[W ...]`` prefix)."""
        return [line for line in self.log.read_text(errors="replace").splitlines()
                if line.startswith("[W ")]


@contextmanager
def serve(data: Path, preheat: bool, **options: object) -> Iterator[Server]:
    """Voilà on a free port, prepared and started as by ``python -m helpers serve``
    (``options``: more keyword arguments of :func:`helpers.app.serve.voila_command`)."""
    indicators.ensure_default_page(config.release_dir(data) / "processed")
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="cine-bench-")) / f"voila-{port}.log"
    env = {**os.environ, "CINE_DATA_DIR": str(data)}
    with log.open("w") as out:
        proc = subprocess.Popen(voila_command(port, preheat=preheat, **options),
                                cwd=config.PROJECT_ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base_url = normalise_base_url(str(options.get("base_url", "/")))
    server = Server(proc, f"http://127.0.0.1:{port}{base_url}", log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Voilà exited:\n{log.read_text()[-2000:]}")
            try:
                if requests.get(f"{server.url}healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("Voilà did not start within 120 s")
            time.sleep(0.5)
        yield server
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """End a server started in its own session, and everything it started (its kernels)."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- visitors
@dataclass
class Stats:
    usable: list[float] = field(default_factory=list)
    posters: list[float] = field(default_factory=list)
    kpi_filter: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rounds: int = 0
    reloaded: int = 0  # pages that reloaded by themselves after a failed start
    widget_starts: list[dict] = field(default_factory=list)  # each page's widget_steps


async def _new_page(browser: object, stats: Stats) -> object:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()

    async def route(r: object) -> None:
        await (r.continue_() if r.request.url.startswith(LOCAL) else r.abort())

    await page.route("**/*", route)
    page.on("pageerror", lambda exc: stats.errors.append(f"page error: {exc}"))
    page.on("dialog", lambda d: stats.errors.append(f"dialog: {d.message}"))
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("requestfailed", lambda r: page.console_errors.append(
        f"request failed: {r.url[:120]} ({r.failure})"))
    page.widget_steps, page.widget_states, page.sockets = {}, set(), []
    page.closed_comms = []  # comms the kernel closed (their models leave the page)
    stats.widget_starts.append(page.widget_steps)
    opened = time.perf_counter()

    def step(payload: str | bytes) -> None:
        if not page.widget_states and b'"update_states"' in _bytes(payload):
            page.widget_states.update(m.decode() for m in STATE_ID.findall(_bytes(payload)))
        if b'"comm_close"' in _bytes(payload):
            page.closed_comms += [m.decode() for m in COMM_ID.findall(_bytes(payload))]
        for name in WIDGET_STEPS:
            token = f'"{name}"'
            if name not in page.widget_steps and (
                    token in payload if isinstance(payload, str) else token.encode() in payload):
                page.widget_steps[name] = round(time.perf_counter() - opened, 1)

    def socket(ws: object) -> None:
        """Each websocket's path and seconds from page open to its opening and closing."""
        seen = {"path": ws.url.split("?")[0].rsplit("/", 2)[-2:],
                "opened": round(time.perf_counter() - opened, 1)}
        page.sockets.append(seen)
        ws.on("framesent", step)
        ws.on("framereceived", step)
        ws.on("close", lambda _: seen.setdefault("closed", round(time.perf_counter() - opened, 1)))

    page.on("websocket", socket)
    page.loads = 0
    page.on("framenavigated", lambda frame: frame == page.main_frame and setattr(
        page, "loads", page.loads + 1))
    return page


def _bytes(payload: str | bytes) -> bytes:
    return payload.encode() if isinstance(payload, str) else payload


#: A widget's id in the kernel's answer with every widget's state.
STATE_ID = re.compile(rb'"([0-9a-f]{32})": ?\{"model_name"')
#: The comm of a ``comm_close`` message.
COMM_ID = re.compile(rb'"comm_id": ?"([0-9a-f]{32})"')
#: A widget view in the page's HTML (the model id of a cell output) and the page's kernel.
VIEW_ID = re.compile(
    r'"application/vnd.jupyter.widget-view\+json": ?\{"model_id": ?"([0-9a-f]{32})"')
KERNEL_ID = re.compile(r'"kernelId": ?"([0-9a-f-]{36})"')


#: Messages of the widget manager's start, timed by :func:`_new_page` (seconds after the
#: page was opened, first sighting): asking all states on the control comm, the answer, and
#: ipywidgets 7's fallback (comm list, then one state per widget) taken past 4 s.
WIDGET_STEPS = ("request_states", "update_states", "comm_info_request", "request_state")


async def open_page(browser: object, url: str, stats: Stats, timeout_s: float) -> object:
    """Open the dashboard; record the time until the input is usable."""
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    page = await _new_page(browser, stats)
    start = time.perf_counter()
    response = await page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
    try:
        await page.wait_for_selector(".reco-input input", state="visible",
                                     timeout=timeout_s * 1000)
    except PlaywrightTimeoutError as exc:  # say what the visitor saw instead
        shown = await page.evaluate("() => (document.body || {}).innerText || ''")
        html = await response.text()
        views, kernel = VIEW_ID.findall(html), KERNEL_ID.findall(html)[:1]
        picture = Path(tempfile.mkdtemp(prefix="cine-bench-")) / "unusable-page.png"
        await page.screenshot(path=str(picture), full_page=True)
        raise TimeoutError(f"no usable input after {timeout_s:.0f} s; widget start (s): "
                           f"{page.widget_steps}; websockets: {page.sockets}; "
                           f"{len(page.widget_states)} widget states received; the page's "
                           f"{len(views)} widget view(s) {views}, "
                           f"{sum(v not in page.widget_states for v in views)} without a state, "
                           f"{sum(v in page.closed_comms for v in views)} closed by the kernel "
                           f"({len(page.closed_comms)} comms closed); page rendered by kernel "
                           f"{kernel}; the page "
                           f"shows {' '.join(shown.split())[:100]!r} "
                           f"({picture}); console errors: {_console(page)}") from exc
    stats.usable.append(time.perf_counter() - start)
    stats.reloaded += page.loads > 1
    return page


async def one_round(page: object, typed: str, stats: Stats) -> None:
    """Type a title, pick the first suggestion, recommend, wait for the 10 posters, reset."""
    await page.fill(".reco-input input", typed)
    suggestion = page.locator(".reco-suggestion:visible").first
    await suggestion.wait_for(state="visible", timeout=30_000)
    await suggestion.click()
    await page.locator(".reco-chip:visible").first.wait_for(timeout=30_000)
    start = time.perf_counter()
    await page.click(".reco-button")
    await _wait(page, IMAGES_LOADED, 60, "10 posters")
    stats.posters.append(time.perf_counter() - start)
    await page.locator(".reco-chip:visible").first.click()  # no film left: results cleared
    await _wait(page, NO_CARDS, 30, "results cleared")
    stats.rounds += 1


#: What the cards show: their number, and each visible poster not (yet) loaded.
CARDS_STATE = """() => ({cards: document.querySelectorAll('.cc-card-content').length,
  missing: [...document.querySelectorAll('.cc-card-content img')]
    .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(-60)),
  input: (document.querySelector('.reco-input input') || {}).value,
  chips: [...document.querySelectorAll('.reco-chip')].filter(b => b.offsetParent)
    .map(b => b.innerText),
  message: ((document.querySelector('.reco-message') || {}).innerText || '').slice(0, 200)})"""


async def _wait(page: object, condition: str, timeout_s: float, what: str) -> None:
    """Wait for ``condition``; past the timeout, say which step failed and what was shown."""
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    try:
        await page.wait_for_function(condition, timeout=timeout_s * 1000, polling=10)
    except PlaywrightTimeoutError as exc:
        state = await page.evaluate(CARDS_STATE)
        raise TimeoutError(f"{what} not reached in {timeout_s:.0f} s: {state}; websockets: "
                           f"{page.sockets}; console errors: {_console(page)}") from exc


def _console(page: object) -> list[str]:
    """A page's distinct console errors, first seen first (at most 6, shortened)."""
    return [e[:300] for e in dict.fromkeys(page.console_errors)][:6]


async def visitor(browser: object, url: str, titles: list[str], deadline: float,
                  stats: Stats, rng: random.Random) -> None:
    try:
        page = await open_page(browser, url, stats, timeout_s=240)
        while time.monotonic() < deadline:
            await one_round(page, rng.choice(titles), stats)
            await asyncio.sleep(rng.uniform(1.0, 3.0))  # a visitor reads the cards
        await page.context.close()
    except Exception as exc:  # noqa: BLE001 - every failure of a visitor is a counted error
        stats.errors.append(f"{type(exc).__name__}: {' '.join(str(exc).split())[:2500]}")


class CpuMeter:
    """CPU seconds used by the Voilà server, its kernels and the browsers (the rest of this
    process's descendants), from the first to the last :meth:`sample`."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.first: dict[tuple[int, float], float] = {}
        self.last: dict[tuple[int, float], tuple[str, float]] = {}

    def sample(self) -> None:
        voila = psutil.Process(self.server.proc.pid)
        kernels = {k.pid for k in self.server.kernels()}
        served = {voila.pid, *(c.pid for c in voila.children(recursive=True))}
        for process in psutil.Process().children(recursive=True):
            try:
                key, times = (process.pid, process.create_time()), process.cpu_times()
            except psutil.Error:
                continue
            role = ("kernels" if process.pid in kernels
                    else "Voilà server" if process.pid in served else "browsers")
            self.first.setdefault(key, 0.0 if self.last else times.user + times.system)
            self.last[key] = (role, times.user + times.system)

    def seconds(self) -> dict[str, float]:
        used = {"kernels": 0.0, "Voilà server": 0.0, "browsers": 0.0}
        for key, (role, total) in self.last.items():
            used[role] += total - self.first[key]
        return used


async def crowd(server: Server, n: int, duration: float, titles: list[str],
                seed: int) -> tuple[Stats, list[tuple[int, int]], int, dict[str, float]]:
    """``n`` visitors at once for ``duration`` s; peak kernel memory and CPU use sampled
    every second."""
    from playwright.async_api import async_playwright

    stats = Stats()
    peak: list[tuple[int, int]] = []
    peak_total = 0
    cpu = CpuMeter(server)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cpu.sample()
        deadline = time.monotonic() + duration
        tasks = [asyncio.create_task(visitor(browser, server.url, titles, deadline, stats,
                                             random.Random(seed + i))) for i in range(n)]
        while not all(t.done() for t in tasks):
            memory = server.kernel_memory()
            total = sum(rss for rss, _ in memory)
            if total > peak_total:
                peak_total, peak = total, memory
            cpu.sample()
            await asyncio.sleep(1.0)
        await browser.close()
    return stats, peak, peak_total, cpu.seconds()


async def single_visitor(server: Server, titles: list[str], rounds: int,
                         visits: int) -> tuple[Stats, dict[str, list[tuple[int, int]]]]:
    """Page-open and click-to-posters times of one visitor at a time; kernel memory steps."""
    from playwright.async_api import async_playwright

    stats = Stats()
    memory: dict[str, list[tuple[int, int]]] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for visit in range(visits):
            await asyncio.to_thread(server.wait_idle_pool, 1 + visit)
            if visit == 0:
                memory["preheated kernel, notebook run"] = server.kernel_memory()
            page = await open_page(browser, server.url, stats, timeout_s=120)
            if visit == 0:
                for i in range(rounds):
                    await one_round(page, titles[i % len(titles)], stats)
                memory["after recommendations"] = _newest(server, 1 + visit)
                await page.click(".lm-TabBar-tab:has-text('Indicateurs')")
                await page.wait_for_function(
                    "() => document.querySelectorAll('.cc-chart img').length === 8",
                    timeout=180_000)
                memory["after opening Indicateurs"] = _newest(server, 1 + visit)
                start = time.perf_counter()
                await page.select_option(".kpi-genre select", label="Comédie")
                await page.wait_for_function(
                    "() => document.querySelector('.kpi-content').textContent"
                    ".includes('sur la sélection')", timeout=180_000)
                stats.kpi_filter.append(time.perf_counter() - start)
                memory["after an Indicateurs filter"] = _newest(server, 1 + visit)
        await browser.close()
    return stats, memory


def _newest(server: Server, n_kernels: int) -> list[tuple[int, int]]:
    """Memory of the visitor kernels (all but the freshly preheated spare one)."""
    return _rss_uss(sorted(server.kernels(), key=lambda k: k.create_time())[:n_kernels])


def _rss_uss(processes: list[psutil.Process]) -> list[tuple[int, int]]:
    """(RSS, USS) in bytes of each process still alive."""
    out = []
    for process in processes:
        try:
            info = process.memory_full_info()
            out.append((info.rss, info.uss))
        except psutil.Error:
            pass
    return out


# ----------------------------------------------------------------------------- report
def _seconds(values: list[float]) -> str:
    if not values:
        return "n/a"
    p95 = sorted(values)[max(0, round(0.95 * len(values)) - 1)]
    return (f"median {statistics.median(values):5.2f} s   p95 {p95:5.2f} s   "
            f"max {max(values):5.2f} s   (n={len(values)})")


def _memory(rows: list[tuple[int, int]]) -> str:
    if not rows:
        return "n/a"
    rss = max(r for r, _ in rows)
    uss = max(u for _, u in rows)
    return f"max RSS {mb(rss)}   max USS {mb(uss)}   ({len(rows)} kernel(s))"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench dashboard",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="full", choices=("tiny", "small", "full"))
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="use this CINE_DATA_DIR (processed + models) instead of --scale")
    parser.add_argument("--visits", type=int, default=3,
                        help="successive single visitors (page-open timing)")
    parser.add_argument("--rounds", type=int, default=5, help="recommendations of visitor 1")
    parser.add_argument("--crowds", type=int, nargs="*", default=[10, 20],
                        help="numbers of simultaneous visitors")
    parser.add_argument("--duration", type=float, default=120.0,
                        help="seconds each crowd keeps visiting")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} is missing: apt-get install chromium (see `make chromium`)",
              file=sys.stderr)
        return 1

    data = args.data_dir.resolve() if args.data_dir else ensure_data_dir(args.scale)
    n_films = len(pd.read_parquet(data / "processed" / "movies.parquet", columns=["tconst"]))
    titles = sample_titles(data, 200, args.seed)
    indicators.page_file(data / "processed", None, "Comedy").unlink(missing_ok=True)  # drawn live
    print(f"dashboard benchmark: {n_films:,} films ({data}), Voilà on 127.0.0.1, "
          f"Chromium headless, {os.cpu_count()} cores")

    with serve(data, preheat=True) as server:
        stats, memory = asyncio.run(single_visitor(server, titles, args.rounds, args.visits))
        print("\none visitor at a time (preheated kernel, pool of 1):")
        print(f"  page open -> usable input   {_seconds(stats.usable)}   "
              f"[{verdict(statistics.median(stats.usable), TARGETS['usable_s'])}]")
        print(f"  click -> 10 posters shown   {_seconds(stats.posters)}   "
              f"[{verdict(max(stats.posters), TARGETS['posters_s'])}]")
        print(f"  genre chosen -> KPI page    {_seconds(stats.kpi_filter)}   "
              "(drawn by a child process, then shared on disk)")
        for step, rows in memory.items():
            print(f"  kernel memory, {step:<32} {_memory(rows)}")
        visitor_rss = max((r for rows in memory.values() for r, _ in rows), default=0)
        print(f"  visitor kernel, highest of these steps: {mb(visitor_rss)}   "
              f"[{verdict(visitor_rss / 2**20, TARGETS['kernel_mb'])}]")
        if stats.errors:
            print(f"  errors: {stats.errors[:5]}")
        time.sleep(5)
        for n in args.crowds:
            server.wait_culled(timeout=CULL_IDLE_TIMEOUT + 120)  # previous visitors' kernels
            server.wait_idle_pool(1, timeout=600)
            before = len(server.errors_in_log())
            crowd_stats, peak, total, cpu = asyncio.run(crowd(server, n, args.duration, titles,
                                                         args.seed + n))
            log_errors = server.errors_in_log()[before:]
            print(f"\n{n} visitors at once for {args.duration:.0f} s "
                  f"({crowd_stats.rounds} recommendations done):")
            print(f"  page open -> usable input   {_seconds(crowd_stats.usable)}")
            print(f"  click -> 10 posters shown   {_seconds(crowd_stats.posters)}")
            print(f"  kernels at peak             {_memory(peak)}   all kernels {mb(total)}   "
                  f"server {mb(server.server_rss())}")
            print("  CPU time used               " + ", ".join(
                f"{role} {seconds:.0f} s" for role, seconds in cpu.items())
                + f"   (of {args.duration * os.cpu_count():.0f} s on {os.cpu_count()} cores)")
            print(f"  errors                      {len(crowd_stats.errors)} in browsers, "
                  f"{len(log_errors)} in the server log   "
                  f"[{'OK' if not crowd_stats.errors and not log_errors else 'ERRORS'}]")
            for error in (crowd_stats.errors + log_errors)[:5]:
                print(f"    {error}")
            print(f"  kernels still running after the visitors left: {len(server.kernels())} "
                  f"(idle ones are culled after {CULL_IDLE_TIMEOUT} s)")

    print("\nnaive: no preheated kernel (the notebook runs when the visitor arrives):")
    with serve(data, preheat=False) as server:
        cold = Stats()

        async def cold_visits() -> None:
            from playwright.async_api import async_playwright

            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for _ in range(2):
                    page = await open_page(browser, server.url, cold, timeout_s=180)
                    await page.context.close()
                await browser.close()

        asyncio.run(cold_visits())
        print(f"  page open -> usable input   {_seconds(cold.usable)}")
    return 0
