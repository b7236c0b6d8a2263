"""Admission arithmetic of CineKernelManager without starting kernels (its counts are
read from the manager's own tables, filled here by hand), and the server's log helpers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from jupyter_server._tz import utcnow

from helpers.app.admission import CineKernelManager
from helpers.app.server import PrivacyFilter, TokenBucket


def manager(max_kernels: int, live: int = 0, starting: int = 0,
            pool: list[str] | None = None) -> CineKernelManager:
    """A manager with ``live`` started kernels, ``starting`` pending ones and a pool whose
    entries are "ready", "starting" (kernel pending) or "delayed" (refill not begun)."""
    km = CineKernelManager(max_kernels=max_kernels)
    loop = asyncio.new_event_loop()
    km._kernels.update({f"k{i}": object() for i in range(live)})
    km._pending_kernels.update({f"p{i}": object() for i in range(starting)})
    entries = []
    for state in pool or []:
        future = loop.create_future()
        if state == "ready":
            future.set_result({"kernel_id": "k0"})
        else:
            km._preheat_starting += state == "starting"
        entries.append(future)
    km._pools = {"dashboard.ipynb": entries}
    km.notebook_data = {"dashboard.ipynb": {}} if pool else {}
    return km


def test_a_ready_preheated_kernel_is_always_given(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CINE_DATA_DIR", str(tmp_path))  # tables in the folder: no release
    km = manager(2, live=2, pool=["ready"])  # a visitor and the ready kernel: at the cap
    assert km.used() == 2 and km.would_admit()
    assert km.status() == {"kernels": 2, "visitors": 1, "preheated_ready": 1, "capacity": 2,
                           "accepting": True, "release": None}


def test_no_ready_kernel_and_no_room_refuses() -> None:
    km = manager(2, live=2, pool=["delayed"])  # its refill will need a third slot
    assert km.used() == 3 and not km.would_admit() and km.admit() is None


def test_taking_a_preheated_kernel_reserves_nothing() -> None:
    km = manager(3, live=1, pool=["starting"], starting=1)
    assert km.used() == 2  # the starting refill is counted once (pending), not twice
    assert km.admit() is not None and km.used() == 2  # its entry is already counted


def test_reservations_count_until_released_or_started() -> None:
    km = manager(3, live=1)  # no pool (--no-preheat): each page starts its kernel
    first, second = km.admit(), km.admit()
    assert km.used() == 3 and km.admit() is None
    first.release()
    first.release()  # idempotent
    assert km.used() == 2 and km.would_admit()
    km._reservations.popleft().consumed = True  # what start_kernel does
    second.release()  # already consumed: nothing more to give back
    assert km.used() == 1


def test_no_cap_admits_everyone() -> None:
    km = manager(0, live=50)
    assert km.would_admit() and km.admit() is not None


@pytest.mark.parametrize(("cap", "live", "starting", "blocked"), [
    (20, 1, 3, False), (20, 1, 4, True), (10, 9, 0, False), (10, 10, 0, True)])
def test_a_start_waits_for_a_slot_and_for_fewer_than_four_starts(
        cap: int, live: int, starting: int, blocked: bool) -> None:
    assert manager(cap, live=live, starting=starting)._no_slot() is blocked


def test_cull_limit_by_what_the_visitor_does() -> None:
    km = manager(5)
    km.unconnected_timeout, km.disconnected_timeout, km.cull_idle_timeout = 30, 120, 1200
    km._kernel_connections.update({"a": 0, "b": 1, "c": 0})
    km._ever_connected.add("c")
    km._served.update({"a", "b", "c"})
    assert km.cull_limit("a") == (30, "page never connected")
    assert km.cull_limit("b") == (1200, "connected but idle")
    assert km.cull_limit("c") == (120, "visitor left")


@pytest.mark.parametrize(("message", "clean"), [
    ("200 GET /films/?email=a@b.fr 12 ms", "200 GET /films/?[query] 12 ms"),
    ("Uncaught exception GET /x?y=1 (192.168.1.20)\nHTTPServerRequest(protocol='http')",
     "Uncaught exception GET /x?[query] ([ip])\n[request]"),
    ("404 GET /films/voila/files/a.png (::1) 3 ms", "404 GET /films/voila/files/a.png ([ip]) 3 ms"),
    ("Kernel started: 1b2c at 10:00:00", "Kernel started: 1b2c at 10:00:00")])
def test_privacy_filter(message: str, clean: str) -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "%s", (message,), None)
    assert PrivacyFilter().filter(record) and record.getMessage() == clean


def test_token_bucket() -> None:
    bucket = TokenBucket(rate=0.0, burst=3)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert TokenBucket(rate=1e9, burst=5).take(5) and not TokenBucket(1.0, 5).take(6)


def test_a_kernel_still_running_the_notebook_for_its_page_is_not_taken_for_a_bot() -> None:
    """Seen with 40 visitors on 2 cores: a kernel idle between two cells of the notebook
    for 38 s, its page not sent yet, was culled as "page never connected" (its visitor got
    "Kernel died"). The 30 s start when the page has been sent."""
    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

    km = manager(5)
    km.unconnected_timeout, km.unsent_timeout = 30, 300
    km._kernels["k"] = kernel = ServerKernelManager()
    kernel.execution_state = "idle"
    kernel.last_activity = utcnow() - timedelta(seconds=60)
    assert km.cull_limit("k") == (300, "page not sent yet")
    asyncio.run(km.cull_kernel_if_idle("k"))
    assert "k" in km._kernels
    km.page_served("k", "cookie")  # the page is sent: the wait for its websocket starts now
    assert km.cull_limit("k") == (30, "page never connected")
    kernel.last_activity = utcnow() - timedelta(seconds=31)
    shut = []
    km.shutdown_kernel = lambda kernel_id, *a, **k: shut.append(kernel_id)
    asyncio.run(km.cull_kernel_if_idle("k"))
    assert shut == ["k"]


def test_a_kernel_without_activity_yet_is_left_alone() -> None:
    """Seen under a crowd: a kernel just added has no last_activity; reading the unset trait
    raised a TraitError in every cull pass ("exception ... checking the idle duration")."""
    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

    km = manager(5)
    km._kernels["new"] = ServerKernelManager()
    asyncio.run(km.cull_kernel_if_idle("new"))  # no exception, nothing culled
    assert "new" in km._kernels
