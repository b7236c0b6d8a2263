"""The "Indicateurs" pages on disk: keys, decade order, and how many are drawn at once.

Regression tests of review findings: decades given in reverse order failed ("drawing the
indicators failed"); any number of visitors could start drawing processes at once; the
page key did not cover the formatting and HTML code a page uses.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import psutil
import pytest
from test_layers import import_graph

from helpers import config
from helpers.app import indicators


@pytest.fixture()
def processed(tiny_data_dir: Path) -> Path:
    folder = tiny_data_dir / "processed"
    for page in indicators.cache_dir(folder).glob("indicators-*.html"):
        page.unlink()
    return folder


def test_page_key_covers_every_module_a_page_is_drawn_with() -> None:
    graph = import_graph(config.PROJECT_ROOT)
    used = {"helpers.app.indicators", *graph["helpers.app.indicators"],
            *graph["helpers.analysis.plots"]}
    drawn_with = {m for m in used if m.count(".") >= 1 and m not in {
        "helpers.config", "helpers.errors", "helpers.files", "helpers.schema", "helpers.data",
        "helpers.analysis", "helpers.app", "helpers.data.catalog"}}
    assert drawn_with <= set(indicators.PAGE_CODE)
    assert {"helpers.fmt", "helpers.app.fragments"} <= set(indicators.PAGE_CODE)


def test_decades_in_reverse_order_give_the_same_page(processed: Path) -> None:
    assert indicators.page_file(processed, (2000, 1990), None) == indicators.page_file(
        processed, (1990, 2000), None)
    reverse = indicators.page(processed, (2009, 1995), None)  # years within the decades
    assert reverse == indicators.page(processed, (1990, 2000), None)
    assert reverse.count('<img src="data:image/png;base64,') == 8


def _ask(processed: str, genres: list[str]) -> None:
    threads = [threading.Thread(target=indicators.page, args=(Path(processed), None, g))
               for g in genres]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.slow
def test_pages_drawn_at_once_are_bounded_for_the_whole_server(processed: Path) -> None:
    """Three "kernels" (processes) ask for six pages at once, two of them the same page:
    never more than MAX_DRAWS drawing processes, and each page drawn once."""
    genres = ["Comedy", "Drama", "Action", "Horror", "Western"]
    asks = [genres[:2], genres[2:4], [genres[4], genres[0]]]
    seen: dict[int, str] = {}
    most = 0
    context = multiprocessing.get_context("spawn")
    kernels = [context.Process(target=_ask, args=(str(processed), a)) for a in asks]
    for kernel in kernels:
        kernel.start()
    deadline = time.monotonic() + 120
    while any(k.is_alive() for k in kernels) and time.monotonic() < deadline:
        drawing = []
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmd = proc.info["cmdline"] or []
            if "indicators" in cmd and "--genre" in cmd and str(processed) in cmd:
                drawing.append(proc.info["pid"])
                seen[proc.info["pid"]] = cmd[cmd.index("--genre") + 1]
        most = max(most, len(drawing))
        time.sleep(0.02)
    for kernel in kernels:
        kernel.join(5)
        assert kernel.exitcode == 0
    assert most == indicators.MAX_DRAWS == 2
    assert sorted(seen.values()) == sorted(genres)  # Comedy was asked twice, drawn once
    for genre in genres:
        assert indicators.page_file(processed, None, genre).is_file()
