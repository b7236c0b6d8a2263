"""Data releases: the tables and the model of one build, swapped in while the dashboard serves.

Layout under the data folder::

    releases/20260102T043012Z/processed/   the tables of that build (and its KPI pages)
    releases/20260102T043012Z/models/      the model fitted on them
    releases/20260102T043012Z/inputs.json  the raw files it was built from
    current -> releases/20260102T043012Z   the release in service (a symbolic link)

A build fills ``releases/.building-<stamp>-<pid>`` and renames it once complete;
:func:`switch` replaces the ``current`` link in one ``rename(2)``, so a process starting
sees the old release or the new one, never half of one (``helpers.config.release_dir``
resolves the link once). A process that started before keeps reading its own release: no
file of a release is ever overwritten, and :func:`prune` removes a release only when no
process maps or holds open any of its files (:func:`in_use`, from ``/proc``; a visitor's
kernel memory-maps its model for as long as it lives).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from helpers import config, files
from helpers.errors import CineError

INPUTS = "inputs.json"
LOCK = ".build.lock"
#: Releases kept besides the one in service, newest first, for going back by hand
#: (``ln -sfn releases/<stamp> current``); older ones are removed once unused.
KEEP_PREVIOUS = 1
_BUILDING = ".building-"


def releases_dir(data: Path) -> Path:
    return Path(data) / config.RELEASES_DIR


def current(data: Path) -> Path | None:
    """The release in service, or None (no release yet: the tables sit in the data folder)."""
    release = config.release_dir(data)
    return release if release != Path(data) else None


def listing(data: Path) -> list[Path]:
    """The complete releases, oldest first."""
    folder = releases_dir(data)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


@contextmanager
def lock(data: Path) -> Iterator[None]:
    """One build at a time in a data folder (a second one fails at once, it does not wait)."""
    Path(data).mkdir(parents=True, exist_ok=True)
    with open(Path(data) / LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CineError(f"another build is running in {data} (it holds {LOCK}); wait "
                            "for it to end") from None
        yield


def build_release(data: Path, fill: Callable[[Path], None]) -> Path:
    """A new release filled by ``fill(folder)``; on any error the half-built folder is
    removed and the error raised (the release in service is untouched)."""
    stamp = _new_stamp(data)
    stage = releases_dir(data) / f"{_BUILDING}{stamp}-{os.getpid()}"
    stage.mkdir(parents=True)
    try:
        fill(stage)
        release = releases_dir(data) / stamp
        stage.rename(release)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return release


def switch(data: Path, release: Path) -> None:
    """Put ``release`` in service: the ``current`` link is replaced in one rename."""
    data = Path(data)
    link = data / config.CURRENT_LINK
    if link.exists() and not link.is_symlink():
        raise CineError(f"{link} is not a symbolic link: move it away, then build again")
    new = data / f".{config.CURRENT_LINK}.new-{os.getpid()}"
    new.unlink(missing_ok=True)
    new.symlink_to(Path(release).relative_to(data), target_is_directory=True)
    os.replace(new, link)


def write_inputs(release: Path, inputs: dict) -> None:
    files.write_text(Path(release) / INPUTS, json.dumps(inputs, indent=1, sort_keys=True))


def read_inputs(release: Path) -> dict | None:
    """What a release was built from, or None when unknown."""
    try:
        return json.loads((Path(release) / INPUTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def in_use(folder: Path) -> bool:
    """Whether a process maps, holds open or works in a file of ``folder`` (Linux
    ``/proc``; processes of other users are not visible, so run builds as the user that
    serves). Without ``/proc`` nothing can be known: True, the folder is kept."""
    proc = Path("/proc")
    if not (proc / "self" / "maps").is_file():
        return True
    prefix = str(Path(folder).resolve()) + os.sep
    for entry in proc.iterdir():
        if entry.name.isdigit() and _process_uses(entry, prefix):
            return True
    return False


def _process_uses(entry: Path, prefix: str) -> bool:
    try:
        if prefix in (entry / "maps").read_text(errors="replace"):
            return True
        if (os.readlink(entry / "cwd") + os.sep).startswith(prefix):
            return True
        return any(os.readlink(fd).startswith(prefix) for fd in (entry / "fd").iterdir())
    except OSError:  # the process ended meanwhile, or belongs to another user
        return False


def prune(data: Path, keep: int = KEEP_PREVIOUS) -> tuple[list[Path], list[Path]]:
    """Remove the releases older than the ``keep`` newest ones besides the release in
    service, and half-built folders of builds that died, unless in use. Returns (removed,
    kept because in use)."""
    serving = current(data)
    older = [r for r in reversed(listing(data)) if r != serving]
    folder = releases_dir(data)
    dead = [p for p in folder.glob(f"{_BUILDING}*") if not _alive(p.name.rsplit("-", 1)[-1])]
    removed, busy = [], []
    for release in older[keep:] + dead:
        if in_use(release):
            busy.append(release)
        else:
            shutil.rmtree(release, ignore_errors=True)
            removed.append(release)
    return removed, busy


def _new_stamp(data: Path) -> str:
    """``20260102T043012Z`` (UTC), with ``-2``, ``-3``... when that second is taken."""
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stamp, n = base, 1
    while (releases_dir(data) / stamp).exists():
        n += 1
        stamp = f"{base}-{n}"
    return stamp


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
