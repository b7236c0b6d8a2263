"""Measurement tools shared by the benchmarks."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil

from helpers.schema import MANIFEST


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_cert(folder: Path, names: tuple[str, ...] = ("127.0.0.1",)) -> tuple[Path, Path]:
    """A self-signed certificate valid 2 days for ``names`` (IP addresses or host names, the
    first one its subject) and its key, made with openssl, in ``folder``."""
    def san(name: str) -> str:
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return f"DNS:{name}"
        return f"IP:{name}"

    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={names[0]}",
                    "-addext", "subjectAltName=" + ",".join(san(n) for n in names),
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def tree_rss(pid: int | None = None) -> int:
    """Resident memory (bytes) of a process and all its children."""
    proc = psutil.Process(pid)
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


@dataclass
class Measure:
    seconds: float = 0.0
    peak_rss: int = 0


@contextmanager
def measure(pid: int | None = None, interval: float = 0.05) -> Iterator[Measure]:
    """Wall time and peak RSS of the process tree, sampled in a thread."""
    result = Measure()
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result.peak_rss = max(result.peak_rss, tree_rss(pid))
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    start = time.perf_counter()
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        result.seconds = time.perf_counter() - start
        result.peak_rss = max(result.peak_rss, tree_rss(pid))


def latencies_ms(func: Callable[[object], object], inputs: list) -> np.ndarray:
    """Call ``func`` on each input; return the latencies in milliseconds."""
    out = np.empty(len(inputs))
    for i, item in enumerate(inputs):
        start = time.perf_counter()
        func(item)
        out[i] = (time.perf_counter() - start) * 1000
    return out


def wall_and_cpu_ms(func: Callable[[object], object],
                    inputs: list) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`latencies_ms`, plus each call's CPU time (this thread), which stays
    meaningful when other jobs share the cores and inflate the wall clock."""
    wall, cpu = np.empty(len(inputs)), np.empty(len(inputs))
    for i, item in enumerate(inputs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        func(item)
        cpu[i] = (time.thread_time() - start_cpu) * 1000
        wall[i] = (time.perf_counter() - start) * 1000
    return wall, cpu


def summarise_ms(values: np.ndarray) -> str:
    """``p50 / p95 / max`` of latencies, for printing."""
    p50, p95 = np.percentile(values, [50, 95])
    return f"p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   max {values.max():7.2f} ms"


def mb(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.0f} MB"


def bench_dir() -> Path:
    """Cache of benchmark data sets (``data/bench``), rebuilt on demand, never committed."""
    from helpers import config

    return config.data_dir() / "bench"


def ensure_raw(scale: str, seed: int = 0) -> Path:
    """Synthetic raw files of a scale, generated once into ``data/bench/raw_<scale>``."""
    from helpers.data.synthetic import generate

    raw = bench_dir() / f"raw_{scale}"
    done = raw / ".complete"
    if not done.is_file():
        generate(raw, scale=scale, seed=seed)
        done.write_text("ok\n")
    return raw


def ensure_processed(scale: str, seed: int = 0) -> Path:
    """Processed tables of a synthetic scale, built once into ``data/bench/processed_<scale>``."""
    from helpers.data.ingest import ingest

    processed = bench_dir() / f"processed_{scale}"
    if not (processed / MANIFEST).is_file():
        ingest(ensure_raw(scale, seed), processed)
    return processed
