"""Plumbing of a visitor's Voilà kernel: give memory back, wait for the visitor."""

from __future__ import annotations

import ctypes
import mmap
import os
from pathlib import Path

import pyarrow

from helpers import config


def release_memory() -> None:
    """Give the memory freed by loading or by a computation back to the system.

    Arrow's pool and the C heap keep freed pages for reuse, counted in the kernel's
    memory (building a title index left about 30 MB there). ``malloc_trim`` is glibc's
    (Linux); elsewhere only Arrow's pool is released. Then :func:`unmap_data_pages`.
    """
    pyarrow.default_memory_pool().release_unused()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing more to release
    unmap_data_pages(config.data_dir())


def unmap_data_pages(folder: Path) -> int:
    """Drop from this process the pages it has read of the files it maps from ``folder``
    (the model, the title index, the catalogue); return the bytes of the mappings.

    A recommendation reads most of the model's mapped files (about 60 MB on all IMDb's
    films), which then count in the kernel's resident memory until it ends although they
    are the page cache, shared by every kernel. ``MADV_DONTNEED`` on a read-only file
    mapping only unhooks them: the next read finds them in the page cache again (a minor
    fault, no disk read, the same bytes). Writable mappings are never touched (their
    private changes would be lost). Linux only; elsewhere nothing happens.
    """
    prefix = f"{os.path.realpath(folder)}{os.sep}"
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            lines = maps.readlines()
        libc = ctypes.CDLL(None)
    except OSError:
        return 0  # no /proc: not Linux
    dropped = 0
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and "w" not in fields[1] and fields[5].startswith(prefix):
            start, end = (int(address, 16) for address in fields[0].split("-"))
            if libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start),
                            mmap.MADV_DONTNEED) == 0:
                dropped += end - start
    return dropped


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
