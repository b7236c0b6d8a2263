"""Plumbing of a visitor's Voilà kernel: give memory back, wait for the visitor."""

from __future__ import annotations

import ctypes
import os

import pyarrow


def release_memory() -> None:
    """Give the memory freed by loading or by a computation back to the system.

    Arrow's pool and the C heap keep freed pages for reuse, counted in the kernel's
    memory (building a title index left about 30 MB there). ``malloc_trim`` is glibc's
    (Linux); elsewhere only Arrow's pool is released.
    """
    pyarrow.default_memory_pool().release_unused()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing more to release


def wait_for_visitor() -> None:
    """In a preheated Voilà kernel, block until a visitor's request takes it from the pool.

    Run in the notebook's last cell: the cell ends when the visitor arrives, which marks the
    kernel active then. Otherwise a kernel that waited in the pool longer than the idle-cull
    timeout could be culled in the seconds before the visitor's browser connects (a dead
    page). Outside a preheated Voilà kernel it returns at once. This is the protocol of
    ``voila.utils.wait_for_request``, whose import would cost each kernel about 40 MB.
    """
    env = os.environ
    if env.get("VOILA_PREHEAT", "False") == "False" or not env.get("VOILA_KERNEL_ID"):
        return
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL", "/")
    url = (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
           f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env['VOILA_KERNEL_ID']}")
    try:
        with connect(url, open_timeout=5) as websocket:
            websocket.recv()  # Voilà sends the request's details when a visitor arrives
    except (OSError, TimeoutError, WebSocketException):
        pass  # no Voilà to talk to: nothing to wait for
