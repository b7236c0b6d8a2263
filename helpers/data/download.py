"""Fetch the seven IMDb files and the TMDB table into ``data/raw``, safely.

Each file streams into ``<name>.part`` (tqdm bar, retries with exponential backoff,
HTTP Range resume; ``<name>.part.meta.json`` holds the part's source and validators), is
verified (size, whole gzip stream, TMDB header) and only then renamed. A
``<name>.meta.json`` sidecar records the source, size, ETag and Last-Modified of a
verified file, so re-runs need no network, and a refresh (``refresh=True``) asks the
server with a conditional GET (``If-None-Match`` / ``If-Modified-Since``) whether the file
changed: 304 keeps the copy, 200 downloads the new one (resumable too); until the new one
is verified the old file and its sidecar stay as they were. A Google Drive file is fetched
by ``gdown`` (Drive's confirmation pages, cookies, resume), then verified and renamed the
same way; Drive gives no validators, so a refresh keeps a cached Drive file (``force``
fetches it again).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import shutil
import sys
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlparse

import requests
import urllib3
from tqdm import tqdm

from helpers import config, files
from helpers.errors import CineError, SourceUnreachable
from helpers.schema import SYNTHETIC_MARKER, TMDB_COLUMNS

ALL_FILES: tuple[str, ...] = (*config.IMDB_FILES, config.TMDB_FILE)

CHUNK = 1 << 20
TIMEOUT = (10, 60)  # seconds: connect, read
#: First retry delay in seconds, doubled at each attempt (tests set it to 0).
BACKOFF_SECONDS = 0.5
DEMO_ADVICE = "Use `python -m helpers demo` for offline synthetic data"
IMDB_ADVICE = f"{DEMO_ADVICE}, or set CINE_IMDB_SOURCE to a folder holding the files."
TMDB_ADVICE = f"{DEMO_ADVICE}, or set CINE_TMDB_SOURCE to a local copy of {config.TMDB_FILE}."


class _Transient(Exception):
    """A failure worth retrying (network, 5xx, truncated body); ``unreachable`` when no
    answer came from the server at all."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class _Fatal(Exception):
    """A failure retrying cannot fix (4xx, unexpected web page)."""


class _Corrupt(Exception):
    """A complete file whose content is not what it should be."""


class _Unchanged(Exception):
    """The server answered 304 Not Modified to a conditional GET: the cached copy is current."""


def download_all(
    raw_dir: Path | None = None,
    imdb_source: str | None = None,
    tmdb_source: str | None = None,
    progress: bool = True,
    *,
    only: Iterable[str] | None = None,
    force: bool = False,
    refresh: bool = False,
) -> dict[str, Path]:
    """Fetch the IMDb files and the TMDB table (or ``only`` some) into ``raw_dir``.

    ``refresh``: ask the http(s) sources whether cached files changed (conditional GET);
    local sources are compared by modification time anyway, a Google Drive file is kept.
    Returns {canonical file name: local path}; a local ``.tsv`` IMDb file keeps its name.
    """
    raw = Path(raw_dir) if raw_dir is not None else config.raw_dir()
    imdb = imdb_source or config.imdb_source()
    tmdb = tmdb_source or config.tmdb_source()
    names = list(ALL_FILES if only is None else only)
    unknown = sorted(set(names) - set(ALL_FILES))
    if unknown:
        raise CineError(f"unknown file(s) {', '.join(unknown)}; "
                        f"expected some of {', '.join(ALL_FILES)}")
    paths: dict[str, Path] = {}
    with requests.Session() as session:
        for name in names:
            if name == config.TMDB_FILE:
                paths[name] = _fetch_tmdb(tmdb, raw, session, progress, force, refresh)
            else:
                paths[name] = _fetch_imdb(name, imdb, raw, session, progress, force, refresh)
    if only is None:  # every raw file is real now: drop the demo's marker (read by the ingest)
        (raw / SYNTHETIC_MARKER).unlink(missing_ok=True)
    return paths


def download_file(
    url: str,
    dest: Path,
    *,
    expected_size: int | None = None,
    progress: bool = True,
    retries: int = 4,
    session: requests.Session | None = None,
    backoff: float | None = None,
    advice: str = f"{DEMO_ADVICE}.",
    force: bool = False,
    refresh: bool = False,
) -> Path:
    """Download ``url`` to ``dest`` (resumable, verified, atomic); reuse a verified copy,
    after asking the server whether it changed when ``refresh`` (conditional GET).

    Raises CineError with one line naming the file and ``advice`` on any failure; the
    verified copy already at ``dest`` (if any) is then left as it was.
    """
    dest = Path(dest)
    cached = not force and _is_cached(dest, url)
    if cached and not refresh:
        return dest
    conditional = _conditional_headers(_read_meta(dest)) if cached else {}
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = _part_path(dest)
    state = _read_meta(part)  # source and validators of the bytes in the .part
    if force or state.get("source") != url:
        _drop_part(part)  # a leftover from another source cannot be resumed
        state = {}
    delay = BACKOFF_SECONDS if backoff is None else backoff
    own_session = session is None
    session = session or requests.Session()
    failures = 0  # consecutive attempts that added nothing to the .part
    try:
        while True:
            before = part.stat().st_size if part.exists() else 0
            try:
                total = _fetch_once(session, url, dest, state, progress, conditional)
                break
            except _Unchanged:
                _drop_part(part)
                meta = _read_meta(dest)
                meta["checked_at"] = _now()
                _write_meta(dest, meta)
                return dest
            except _Transient as exc:
                grew = part.exists() and part.stat().st_size > before
                failures = 0 if grew else failures + 1
                if failures > retries:
                    tried = f"tried {failures} time{'s' if failures > 1 else ''}"
                    error = SourceUnreachable if exc.unreachable else CineError
                    raise error(f"{dest.name}: {exc}, {tried}. {advice}") from None
                wait = delay * 2 ** max(failures - 1, 0)
                if progress:
                    tqdm.write(f"{dest.name}: {exc}; retrying in {wait:.1f} s", file=sys.stderr)
                time.sleep(wait)
    except _Fatal as exc:
        raise CineError(f"{dest.name}: {exc}. {advice}") from None
    except OSError as exc:
        raise _disk_error(dest, exc) from None
    finally:
        if own_session:
            session.close()
    _finalise(part, dest, url, None, expected_size or total, state, advice)
    return dest


@dataclass(frozen=True)
class DriveFile:
    """A file shared on Google Drive, by its id."""

    id: str

    @property
    def source(self) -> str:
        """How the cache records where the file came from."""
        return f"https://drive.google.com/uc?id={self.id}"


def fingerprint(path: Path) -> dict:
    """What identifies the verified copy at ``path``, from its sidecar: source, size, stamp
    and validators (and the download time when the server gave no validator). A build
    records these to tell, at the next refresh, whether anything changed."""
    meta = _read_meta(Path(path))
    found = {key: meta.get(key) for key in ("source", "size", "stamp", "etag", "last_modified")}
    if not (found["etag"] or found["last_modified"]):
        found["fetched_at"] = meta.get("fetched_at")
    return found


def tmdb_location(source: str) -> str | Path | DriveFile:
    """Resolve a TMDB source (Drive id or link, URL or local file) to what to fetch."""
    if _is_url(source):
        from gdown.parse_url import parse_url

        drive_id, _ = parse_url(source)  # drive.google.com / docs.google.com share links
        return DriveFile(drive_id) if drive_id else source
    path = Path(source).expanduser()
    if path.is_file():
        return path
    if re.fullmatch(r"[A-Za-z0-9_-]{20,}", source):
        return DriveFile(source)
    raise CineError(
        f"{config.TMDB_FILE}: CINE_TMDB_SOURCE={source!r} is not an http(s) URL, an existing "
        f"file nor a Google Drive file id. {DEMO_ADVICE}."
    )


# --- sources -----------------------------------------------------------------


def _fetch_imdb(
    name: str, source: str, raw: Path, session: requests.Session, progress: bool, force: bool,
    refresh: bool = False,
) -> Path:
    """One IMDb file from a base URL or a local folder (``.tsv.gz`` or plain ``.tsv``)."""
    if _is_url(source):
        base = source if source.endswith("/") else source + "/"
        dest = download_file(urljoin(base, name), raw / name, progress=progress,
                             session=session, advice=IMDB_ADVICE, force=force, refresh=refresh)
    else:
        folder = Path(source).expanduser()
        if not folder.is_dir():
            raise CineError(
                f"{name}: CINE_IMDB_SOURCE={source!r} is neither an http(s) URL nor an existing "
                f"folder. {DEMO_ADVICE}, or point it at a folder holding the IMDb files."
            )
        plain = name.removesuffix(".gz")
        src = next((folder / n for n in (name, plain) if (folder / n).is_file()), None)
        if src is None:
            raise CineError(
                f"{name}: not found in {folder} (looked for {name} and {plain}). Put the file "
                f"there, or unset CINE_IMDB_SOURCE to download from {config.IMDB_DEFAULT_SOURCE}"
            )
        dest = copy_file(src, raw / src.name, progress=progress, advice=IMDB_ADVICE, force=force)
        if folder.resolve() == raw.resolve():
            return dest  # never delete files of the source folder itself
    for other in {name, name.removesuffix(".gz")} - {dest.name}:  # one file per table
        (raw / other).unlink(missing_ok=True)
        _meta_path(raw / other).unlink(missing_ok=True)
    return dest


def _fetch_tmdb(
    source: str, raw: Path, session: requests.Session, progress: bool, force: bool,
    refresh: bool = False,
) -> Path:
    dest = raw / config.TMDB_FILE
    where = tmdb_location(source)
    if isinstance(where, Path):
        return copy_file(where, dest, progress=progress, advice=TMDB_ADVICE, force=force)
    if isinstance(where, DriveFile):
        return download_drive_file(where, dest, progress=progress, advice=TMDB_ADVICE,
                                   force=force)
    return download_file(where, dest, progress=progress, session=session, advice=TMDB_ADVICE,
                         force=force, refresh=refresh)


def download_drive_file(
    drive: DriveFile, dest: Path, *, progress: bool = True, retries: int = 4,
    advice: str = f"{DEMO_ADVICE}.", force: bool = False,
) -> Path:
    """Fetch a Google Drive file with gdown into a sibling of ``dest``, then verify it and
    rename it over ``dest`` (the same checks and cache as :func:`download_file`)."""
    import gdown
    from gdown.exceptions import DownloadError, FileURLRetrievalError

    dest = Path(dest)
    if not force and _is_cached(dest, drive.source):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fetched = dest.with_name(dest.name + ".gdown")  # gdown resumes its own partial files
    try:
        gdown.download(id=drive.id, output=str(fetched), quiet=not progress, resume=True,
                       use_cookies=False, timeout=TIMEOUT, retries=retries)
    except FileURLRetrievalError:
        raise CineError(
            f"{dest.name}: Google Drive did not give the file {drive.id} (not shared "
            f"publicly, or its download quota is exceeded). {advice}") from None
    except (DownloadError, requests.RequestException) as exc:
        cause = exc.__cause__ if isinstance(exc, DownloadError) else exc
        error = (SourceUnreachable if isinstance(cause, requests.ConnectionError | requests.Timeout)
                 else CineError)
        raise error(f"{dest.name}: cannot fetch it from Google Drive ({type(cause).__name__}). "
                    f"{advice}") from None
    except OSError as exc:
        raise _disk_error(dest, exc) from None
    _finalise(fetched, dest, drive.source, None, None, {}, advice)
    return dest


def copy_file(
    src: Path, dest: Path, *, progress: bool = True, advice: str = f"{DEMO_ADVICE}.",
    force: bool = False,
) -> Path:
    """Copy a local source file to ``dest`` with the same checks as a download."""
    src = Path(src).resolve()
    stat = src.stat()
    if not force and _is_cached(dest, str(src), stat.st_mtime_ns):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = _part_path(dest)
    try:
        with open(src, "rb") as fin, open(part, "wb") as fout, tqdm.wrapattr(
            fout, "write", total=stat.st_size, desc=dest.name, unit="B", unit_scale=True,
            unit_divisor=1024, disable=not progress, leave=False,
        ) as out:
            shutil.copyfileobj(fin, out, CHUNK)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise _disk_error(dest, exc) from None
    _finalise(part, dest, str(src), stat.st_mtime_ns, stat.st_size, {}, advice)
    return dest


# --- one HTTP attempt -----------------------------------------------------------


def _fetch_once(
    session: requests.Session, url: str, dest: Path, state: dict, progress: bool,
    conditional: dict[str, str] | None = None,
) -> int | None:
    """Append the rest of ``url`` to the ``.part`` file; return the full size if known.

    ``state``: the part's source and validators (updated, saved beside the part);
    ``conditional``: headers asking whether the cached file changed, sent when no part is
    being resumed (raises :class:`_Unchanged` on 304).
    """
    part = _part_path(dest)
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Accept-Encoding": "identity"}  # the bytes on the wire are the file
    if offset:
        headers["Range"] = f"bytes={offset}-"
        validator = state.get("etag") or state.get("last_modified")
        if validator and not validator.startswith("W/"):
            headers["If-Range"] = validator  # the server restarts (200) if the file changed
    elif conditional:
        headers.update(conditional)
    resp = _get(session, url, headers)
    with resp:
        if resp.status_code == 304 and not offset and conditional:
            raise _Unchanged
        if resp.status_code == 416:
            total = _range_total(resp.headers.get("Content-Range"))
            if offset and total == offset:
                return total  # the .part was already complete
            part.unlink(missing_ok=True)
            raise _Transient(f"{urlparse(url).netloc} refused to resume; restarting")
        if resp.status_code == 206:
            start = _range_start(resp.headers.get("Content-Range"))
            total = _range_total(resp.headers.get("Content-Range"))
            if start != offset:
                part.unlink(missing_ok=True)
                raise _Transient(f"{urlparse(url).netloc} resumed at the wrong offset")
        else:  # 200: a fresh start, or a server that ignores Range
            offset = 0
            length = resp.headers.get("Content-Length")
            total = int(length) if length else None
        state.update(source=url, etag=resp.headers.get("ETag"),
                     last_modified=resp.headers.get("Last-Modified"))
        _write_meta(part, state)
        with open(part, "ab" if offset else "wb") as fh, tqdm(
            total=total, initial=offset, desc=dest.name, unit="B", unit_scale=True,
            unit_divisor=1024, disable=not progress, leave=False,
        ) as bar:
            broken = False
            # read1 (urllib3 >= 2) returns what arrived, so a cut loses no byte received
            read = getattr(resp.raw, "read1", resp.raw.read)
            while True:
                try:
                    chunk = read(CHUNK)
                except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError):
                    broken = True  # the next attempt resumes from what was written
                    break
                if not chunk:
                    break
                fh.write(chunk)
                bar.update(len(chunk))
        size = part.stat().st_size
        if broken or (total is not None and size < total):
            of_total = f" of {total}" if total is not None else ""
            raise _Transient(f"connection to {_site(url)} lost at {size}{of_total} bytes")
        return total


def _get(session: requests.Session, url: str, headers: dict[str, str]) -> requests.Response:
    """GET with streaming; a web page instead of the file is an error (login portal...)."""
    try:
        resp = session.get(url, headers=headers, stream=True, timeout=TIMEOUT)
    except requests.ConnectionError:
        raise _Transient(f"cannot reach {_site(url)} (no network?)", unreachable=True) from None
    except requests.Timeout:
        raise _Transient(f"{_site(url)} did not answer in time", unreachable=True) from None
    except requests.RequestException as exc:
        raise _Fatal(f"bad request for {url} ({type(exc).__name__})") from None
    code = resp.status_code
    if code >= 500 or code in (408, 429):
        resp.close()
        raise _Transient(f"HTTP {code} {resp.reason} from {url}")
    if code >= 400 and code != 416:
        resp.close()
        raise _Fatal(f"HTTP {code} {resp.reason} for {url}")
    if "text/html" in resp.headers.get("Content-Type", ""):
        resp.close()
        raise _Fatal(f"{url} returned a web page instead of the file (a login portal, or a "
                     "link to a page?); download it in a browser and point the setting at "
                     "the copy")
    return resp


# --- verification, cache and atomic rename ------------------------------------------------


def _finalise(
    part: Path, dest: Path, source: str, stamp: int | None, expected_size: int | None,
    state: dict, advice: str,
) -> None:
    """Verify the complete ``.part``, rename it over ``dest`` and record it as verified
    (with the validators in ``state``); a corrupt part is deleted and ``dest`` kept."""
    try:
        size = part.stat().st_size
        if expected_size is not None and size != expected_size:
            raise _Corrupt(f"{size} bytes instead of {expected_size}")
        _check_content(part, dest.name)
    except _Corrupt as exc:
        _drop_part(part)
        raise CineError(
            f"{dest.name}: the file from {source} is corrupt ({exc}); it was deleted. "
            f"Run the command again; if it persists: {advice}"
        ) from None
    os.replace(part, dest)
    _write_meta(dest, {"source": source, "etag": state.get("etag"),
                       "last_modified": state.get("last_modified"), "stamp": stamp,
                       "size": size, "verified": True, "fetched_at": _now()})
    _meta_path(part).unlink(missing_ok=True)


def _check_content(path: Path, name: str) -> None:
    """Raise _Corrupt unless the gzip stream is whole / the TSV or TMDB header is right."""
    try:
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rb") as fh:
            header = fh.readline(1 << 16).decode("utf-8-sig", "replace")
            if name.endswith(".gz"):
                while fh.read(CHUNK):  # whole stream, CRC included, in constant memory
                    pass
    except (OSError, EOFError, zlib.error) as exc:
        raise _Corrupt(f"gzip stream broken: {exc}") from None
    if ".tsv" in name and "\t" not in header:
        raise _Corrupt("first line is not a tab-separated header")
    if name.endswith(".csv"):
        columns = [c.strip() for c in next(csv.reader([header]), [])]
        missing = [c for c in TMDB_COLUMNS if c not in columns]
        if missing:
            raise _Corrupt(f"not the TMDB table: {len(missing)} of its {len(TMDB_COLUMNS)} "
                           f"columns missing, e.g. {', '.join(missing[:3])}")


def _is_cached(dest: Path, source: str, stamp: int | None = None) -> bool:
    """A verified copy of this very source sits at ``dest`` (no network needed)."""
    meta = _read_meta(dest)
    return (
        dest.is_file()
        and meta.get("verified") is True
        and meta.get("source") == source
        and meta.get("stamp") == stamp
        and meta.get("size") == dest.stat().st_size
    )


def _conditional_headers(meta: dict) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` from a verified copy's validators."""
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


def _part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _drop_part(part: Path) -> None:
    """Delete a partial download and its sidecar."""
    part.unlink(missing_ok=True)
    _meta_path(part).unlink(missing_ok=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _meta_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".meta.json")


def _read_meta(dest: Path) -> dict:
    try:
        meta = json.loads(_meta_path(dest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _write_meta(dest: Path, meta: dict) -> None:
    files.write_text(_meta_path(dest), json.dumps(meta, indent=1))


# --- small parsers ------------------------------------------------------------------


def _is_url(source: str) -> bool:
    return urlparse(source).scheme in {"http", "https"}


def _site(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _range_start(content_range: str | None) -> int | None:
    match = re.match(r"bytes (\d+)-", content_range or "")
    return int(match.group(1)) if match else None


def _range_total(content_range: str | None) -> int | None:
    match = re.search(r"/(\d+)\s*$", content_range or "")
    return int(match.group(1)) if match else None


def _disk_error(dest: Path, exc: OSError) -> CineError:
    return CineError(
        f"{dest.name}: cannot write in {dest.parent} ({exc.strerror or exc}). Free some disk "
        "space or choose another folder (--raw or CINE_DATA_DIR)."
    )
