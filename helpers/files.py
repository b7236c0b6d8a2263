"""Folders written all at once: readers see the old complete folder or the new one, never half."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
