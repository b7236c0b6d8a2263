"""Atomic writes (readers see the old complete file or folder, or the new one, never half)
and the stamp of the code that produced a cached result."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa


@contextmanager
def atomic_file(path: Path, mode: str = "w", **open_kwargs: object) -> Iterator[IO]:
    """A file to fill that replaces ``path`` in one rename when the block ends without
    error; on error it is removed and ``path`` stays as it was. Concurrent writers of
    the same path each use their own temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically (``\\n`` line ends kept as given)."""
    with atomic_file(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return Path(path)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write bytes atomically."""
    with atomic_file(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def swap_in(stage: Path, out: Path) -> None:
    """Replace ``out`` by the complete ``stage`` folder (two renames on one filesystem)."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    try:
        stage.rename(out)
    except OSError:
        if old.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """An empty sibling folder of ``out`` to fill; it replaces ``out`` when the block ends
    without error, and is removed otherwise (``out`` then stays as it was)."""
    out = Path(out)
    stage = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        yield stage
        swap_in(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@lru_cache(maxsize=32)
def code_version(*modules: str) -> str:
    """A short hash of these modules' source files, read without importing them: cached
    results stamped with it are redrawn when that code changes."""
    digest = hashlib.sha1()
    for module in modules:
        digest.update(Path(importlib.util.find_spec(module).origin).read_bytes())
    return digest.hexdigest()[:12]


def write_arrow(table: pa.Table, path: Path) -> None:
    """Write ``table`` as an uncompressed Arrow IPC file, which :func:`map_arrow` maps."""
    import pyarrow as pa

    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def map_arrow(path: Path) -> pa.Table:
    """The table of an Arrow IPC file, mapped from disk: its columns are views of the file
    (pages are read when used and shared by every process mapping it)."""
    import pyarrow as pa

    return pa.ipc.open_file(pa.memory_map(str(path))).read_all()
