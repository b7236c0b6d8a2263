"""Admission control for the dashboard's kernels (one kernel per visitor).

:class:`CineKernelManager` is the kernel manager Voilà builds its preheated pool on
(``VoilaConfiguration.multi_kernel_manager_class``). It keeps three promises:

- **a hard cap**: never more than ``max_kernels`` kernel processes alive or starting,
  preheated pool included; a start past the cap waits for a slot (only pool refills
  ever do: visitors past the cap are refused by :meth:`CineKernelManager.admit`);
- **admission**: :meth:`admit` tells a page request whether a kernel is available for it
  now (a ready preheated kernel, or room for one more), without starting anything;
- **culling** by what the visitor does: a kernel whose page never opened its websocket
  (a bot, a script, a link preview) goes after ``unconnected_timeout`` seconds (counted
  from the end of its page, then from the page's last asset request: a browser slowed by
  a crowd is no bot; a kernel still running the notebook for a page not sent yet, or for
  the preheated pool, has ``unsent_timeout``), one whose
  visitor left (websocket closed) after ``disconnected_timeout``, and one whose visitor
  is connected but idle after ``cull_idle_timeout`` (its sockets are first closed with
  :data:`IDLE_CLOSE_CODE` and the minutes as reason, so that the page can say why);
- **fresh data for new visitors**: when ``build`` puts a new data release in service
  (``<data>/current`` switched, see :mod:`helpers.data.releases`), the preheated kernels,
  which loaded the old one, are replaced (checked at each culling round); the kernels of
  open pages keep theirs.

Counts are exact for live kernels and conservative around a pool refill (a kernel whose
start has just returned may count twice for a moment), so a refusal can come a visitor
early, never late.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jupyter_core.utils import ensure_async
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer, TraitError

from helpers import config

#: Websocket close code sent to a page whose kernel is released for inactivity
#: (4000-4999: reserved for applications, RFC 6455 section 7.4.2).
IDLE_CLOSE_CODE = 4001
#: How often a start waiting for a free slot looks again (seconds).
SLOT_POLL_S = 0.25
#: Seconds a replaced preheated kernel gets to end its notebook before it is stopped.
RETIRE_WAIT_S = 30


@dataclass
class Reservation:
    """A page request's claim on a kernel until its kernel starts or the request ends."""

    manager: CineKernelManager | None = None
    consumed: bool = False

    def release(self) -> None:
        """Give the claim back (the request ended without starting a kernel of its own)."""
        if self.manager is not None and not self.consumed:
            self.consumed = True
            try:
                self.manager._reservations.remove(self)
            except ValueError:
                pass


class CineKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager with a hard cap, an admission test and visitor-aware culling."""

    max_kernels = Integer(0, config=True,
                          help="Most kernels alive or starting at once, preheated pool "
                               "included (0: no cap).")
    unconnected_timeout = Integer(30, config=True,
                                  help="Seconds before a kernel whose page never connected "
                                       "is shut down (bots, scripts, link previews).")
    unsent_timeout = Integer(300, config=True,
                             help="Seconds before a kernel whose page was never sent (its "
                                  "notebook still running, e.g. under a crowd) is shut down.")
    disconnected_timeout = Integer(120, config=True,
                                   help="Seconds before a kernel whose visitor left (websocket "
                                        "closed) is shut down.")
    max_starting = Integer(4, config=True,
                           help="Most kernel processes starting at once (a burst of visitors "
                                "queues instead of starving every start of CPU; 0: no limit).")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._reservations: deque[Reservation] = deque()
        self._waiting = 0  # starts waiting for a free slot
        self._preheat_starting = 0  # pool refills inside start_kernel
        self._ever_connected: set[str] = set()
        self._sockets: dict[str, set] = {}
        self._limits: dict[str, tuple] = {}
        self._pages: dict[str, str] = {}  # page cookie -> kernel id, until it connects
        self._served: set[str] = set()  # kernels whose page was fully sent
        self._release = config.release_dir()  # the data release the pool's kernels load
        self._retiring: set[asyncio.Future] = set()

    # ------------------------------------------------------------------ counting
    def live_ids(self) -> set[str]:
        """Kernels alive, starting or shutting down (each is a process)."""
        return set(self._kernels) | set(self._pending_kernels)

    def _pool_entries(self) -> list[asyncio.Future]:
        return [entry for pool in getattr(self, "_pools", {}).values() for entry in pool]

    def _pool_ready(self) -> int:
        """Preheated kernels ready to be taken."""
        return sum(1 for entry in self._pool_entries() if _ready(entry))

    def used(self) -> int:
        """Kernels alive or promised: live, waiting for a slot, pool refills about to start,
        and page requests admitted that have not started their kernel yet."""
        not_done = sum(1 for entry in self._pool_entries() if not entry.done())
        delayed = max(0, not_done - self._preheat_starting)
        return len(self.live_ids()) + self._waiting + delayed + len(self._reservations)

    def status(self) -> dict:
        """Cheap figures for monitoring (``healthz``)."""
        live = len(self.live_ids())
        ready = self._pool_ready()
        return {"kernels": live, "visitors": max(0, live - ready), "preheated_ready": ready,
                "capacity": self.max_kernels, "accepting": self.would_admit(),
                "release": _release_name(self._release)}

    # ----------------------------------------------------------------- admission
    def takes_pool(self) -> bool:
        """Whether Voilà's page handler will take a preheated kernel (ready or on its way)
        rather than start one: a pool entry waits (the server ignores ``template`` and
        ``theme`` overrides, which would make Voilà start a kernel of its own)."""
        return (bool(getattr(self, "notebook_data", None))
                and any(getattr(self, "_pools", {}).values()))

    def would_admit(self) -> bool:
        """Whether a page request arriving now would get a kernel."""
        if self.max_kernels <= 0:
            return True
        if self.takes_pool():
            pools = [pool for pool in self._pools.values() if pool]
            if any(_ready(pool[0]) for pool in pools):
                return True  # taken at once; its refill waits for a slot if need be
        return self.used() < self.max_kernels

    def admit(self) -> Reservation | None:
        """A claim for a page request, or None when the service is full.

        Taking a preheated kernel adds no kernel (its entry is already counted, and so will
        its refill be): only a request that will start a kernel of its own holds a
        reservation until it does. Must be followed, without an ``await`` in between, by
        Voilà's page handler, which takes the preheated kernel synchronously.
        """
        if not self.would_admit():
            return None
        if self.takes_pool():
            return Reservation(None, consumed=True)
        reservation = Reservation(self)
        self._reservations.append(reservation)
        return reservation

    async def start_kernel(self, *, kernel_id: str | None = None, path: str | None = None,
                           **kwargs: object) -> str:
        """Start a kernel once a slot is free (a visitor's start consumes its reservation)."""
        preheat = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
        if not preheat and self._reservations:
            self._reservations.popleft().consumed = True
        self._preheat_starting += preheat
        try:
            self._waiting += 1
            try:
                while self._no_slot():
                    await asyncio.sleep(SLOT_POLL_S)
            finally:
                self._waiting -= 1
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self._preheat_starting -= preheat

    def _no_slot(self) -> bool:
        starting = sum(1 for k in self._pending_kernels if k not in self._kernels)
        return ((self.max_kernels > 0 and len(self.live_ids()) >= self.max_kernels)
                or (self.max_starting > 0 and starting >= self.max_starting))

    # ---------------------------------------------------------------- connections
    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._ever_connected.add(kernel_id)
        self._forget_pages(kernel_id)

    def _forget_pages(self, kernel_id: str) -> None:
        for page in [p for p, k in self._pages.items() if k == kernel_id]:
            del self._pages[page]

    def track_socket(self, kernel_id: str, socket: object) -> None:
        self._sockets.setdefault(kernel_id, set()).add(socket)

    def rate_limits(self, kernel_id: str, make: Callable[[], tuple]) -> tuple:
        """The rate limiters of a kernel's websockets (``make()`` builds them once): shared by
        all the sockets a client opens to it, so that several sockets get no more."""
        if kernel_id not in self._limits:
            self._limits[kernel_id] = make()
        return self._limits[kernel_id]

    def untrack_socket(self, kernel_id: str, socket: object) -> None:
        sockets = self._sockets.get(kernel_id, set())
        sockets.discard(socket)
        if not sockets:
            self._sockets.pop(kernel_id, None)

    def page_served(self, kernel_id: str, page: str | None = None) -> None:
        """A visitor's page was fully sent: the wait for its websocket starts now. ``page``:
        the page's cookie, sent back by the browser with each asset it loads."""
        self._served.add(kernel_id)
        if page is not None and kernel_id not in self._ever_connected:
            self._pages[page] = kernel_id
        self.page_loading(page, kernel_id)

    def page_loading(self, page: str | None, kernel_id: str | None = None) -> None:
        """The browser of a page still loads its assets: it is no bot, give it time."""
        kernel_id = kernel_id or self._pages.get(page or "")
        kernel = self._kernels.get(kernel_id or "")
        if kernel is None or kernel_id in self._ever_connected:
            self._pages.pop(page or "", None)
            return
        kernel.last_activity = utcnow()

    async def shutdown_kernel(self, kernel_id: str, *args: object, **kwargs: object) -> None:
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._ever_connected.discard(kernel_id)
            self._served.discard(kernel_id)
            self._limits.pop(kernel_id, None)
            self._forget_pages(kernel_id)

    # ------------------------------------------------------------ data releases
    async def renew_pool_on_new_release(self) -> bool:
        """When a new data release is in service, replace the preheated kernels that have
        started (they may have loaded the old one; kernels still starting will load the
        new one). Refills are started before the old kernels stop, so a visitor arriving
        meanwhile still finds the pool. Returns whether the release changed."""
        release = config.release_dir()
        if release == self._release:
            return False
        self.log.info("Data release %s in service: restarting the preheated kernels",
                      _release_name(release))
        self._release = release
        stale: list[dict] = []
        for name, pool in getattr(self, "_pools", {}).items():
            for entry in [e for e in pool if _ready(e)]:
                pool.remove(entry)
                stale.append(entry.result())
            self.fill_if_needed(delay=0, notebook_name=name)
        retiring = asyncio.gather(*(self._retire(content) for content in stale))
        self._retiring.add(retiring)  # a reference until done (the culling goes on)
        retiring.add_done_callback(self._retiring.discard)
        return True

    async def _retire(self, content: dict) -> None:
        """Shut down a preheated kernel no visitor took, cleanly: its last cell waits for
        a visitor, so it is first sent what a visitor's arrival sends; the notebook then
        ends and the kernel stops (stopped anyway after :data:`RETIRE_WAIT_S`)."""
        from voila.request_info_handler import RequestInfoSocketHandler

        kernel_id = content["kernel_id"]
        RequestInfoSocketHandler.send_updates({"kernel_id": kernel_id, "payload": "{}"})
        try:
            await asyncio.wait_for(asyncio.shield(content["task"]), RETIRE_WAIT_S)
        except Exception:  # noqa: BLE001 - a kernel that could not end its notebook
            self.log.warning("Preheated kernel %s did not end its notebook", kernel_id)
        if kernel_id in self:
            await ensure_async(self.shutdown_kernel(kernel_id))

    # ------------------------------------------------------------------- culling
    async def cull_kernels(self) -> None:
        """Each culling round also checks the data release (see
        :meth:`renew_pool_on_new_release`)."""
        try:
            await self.renew_pool_on_new_release()
        except Exception:  # noqa: BLE001 - never stop the culling rounds
            self.log.exception("Could not renew the preheated kernels")
        await super().cull_kernels()

    def cull_limit(self, kernel_id: str) -> tuple[int, str]:
        """Seconds of inactivity allowed to this kernel, and why."""
        if self._kernel_connections.get(kernel_id, 0):
            return self.cull_idle_timeout, "connected but idle"
        if kernel_id in self._ever_connected:
            return self.disconnected_timeout, "visitor left"
        if kernel_id not in self._served:
            return self.unsent_timeout, "page not sent yet"
        return self.unconnected_timeout, "page never connected"

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Shut the kernel down when idle past its limit (see :meth:`cull_limit`)."""
        kernel = self._kernels.get(kernel_id)
        last_activity = _last_activity(kernel)
        if last_activity is None:
            return None
        if getattr(kernel, "execution_state", None) == "dead":
            return await super().cull_kernel_if_idle(kernel_id)
        if getattr(kernel, "execution_state", None) == "busy":
            return None
        idle = (utcnow() - last_activity).total_seconds()
        limit, why = self.cull_limit(kernel_id)
        if idle <= limit:
            return None
        self.log.info("Culling kernel %s (%s for %d s)", kernel_id, why, idle)
        for socket in list(self._sockets.get(kernel_id, ())):
            # the reason is the idle time in minutes, for the page's French notice
            socket.close(IDLE_CLOSE_CODE, str(max(1, round(self.cull_idle_timeout / 60))))
        await ensure_async(self.shutdown_kernel(kernel_id))
        return None


def _last_activity(kernel: object) -> datetime | None:
    """The kernel's last activity; None while jupyter_server has not set it yet (a kernel
    just added: reading the unset trait raises a TraitError, not an AttributeError)."""
    try:
        return getattr(kernel, "last_activity", None)
    except TraitError:
        return None


def _release_name(release: Path) -> str | None:
    """A release's stamp; None for tables in the data folder itself (no release)."""
    return release.name if release.parent.name == config.RELEASES_DIR else None


def _ready(entry: asyncio.Future) -> bool:
    """A pool entry whose kernel has started and run the notebook's first cells."""
    return entry.done() and not entry.cancelled() and entry.exception() is None
