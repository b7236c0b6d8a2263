"""Voilà's webpack chunks that the page needs, in one script named after its content.

Voilà 0.5's front end is JupyterLab's core split by webpack into numbered chunks
(``voila/static/<id>.voila.js``): the page fetches 72 of them, in waves, before its input
is usable, and their names carry no content hash, so a browser (or nginx) cannot keep them
for good. At server start :func:`build_bundle` concatenates the chunks of
:data:`PAGE_CHUNKS` into one script, ``voila/static/chunks.<hash>.js`` (``<hash>``: the
first 20 hex digits of the SHA-256 of its bytes), which the ``cine`` template loads just
before ``voila.js`` and which is served with a year-long immutable cache lifetime.

Why it is safe: each chunk file only pushes ``[[chunk ids], {module id: factory}]`` onto
the global array of webpack's JSONP runtime (``self.webpackChunk_JUPYTERLAB_CORE_OUTPUT``;
the name is read from ``voila.js``). When ``voila.js`` starts, the runtime installs every
chunk already pushed and marks it loaded, so it never fetches it; a module only runs when
something requires it, as before. A chunk missing from the bundle is still fetched on
demand, so the bundle is only an optimisation: a stale list costs requests, never the page
(tested both ways). Each chunk is wrapped in its own function so that its ``"use strict"``
directive (or its absence) keeps its meaning. ``voila.js`` itself stays a script of its own
(so that the page still works should the bundle fail to load) but is asked for as
``voila.js?v=<hash of its bytes>``, which Voilà's static handler and the nginx site serve
as long-lived too: a repeat visit revalidates nothing (webpack's runtime drops the query
when it derives the chunks' URL from its own).

How the lists are kept right: :data:`PAGE_CHUNKS` is what the page fetched with no bundle,
in Chromium, during a whole visit (load, recommendation, film sheet, Indicateurs, À propos),
for :data:`VOILA_VERSION` (pinned in requirements.txt); ``tests/test_chunks.py`` repeats that
visit without the bundle and fails, naming the ids fetched, when they are not exactly the
list (a listed chunk not fetched must have come inside a fetched file: webpack merged 9981
into 3916's file, for one); with the bundle it checks that the page fetches no chunk at all,
and that the extensions' files it asks for are exactly those of :data:`EXTENSION_CHUNKS`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tornado.web

from helpers.errors import CineError

#: Voilà's version for which :data:`PAGE_CHUNKS` was recorded.
VOILA_VERSION = "0.5.13"
#: Chunk ids the page fetches (Voilà 0.5.13, the two front-end extensions of
#: ``helpers.app.serve.LAB_EXTENSIONS``): all of them before the input is usable, none later.
PAGE_CHUNKS: tuple[int, ...] = (
    73, 143, 225, 431, 457, 614, 630, 1187, 1601, 1621, 1670, 1996, 2121, 2296, 2772, 2829,
    2930, 3144, 3249, 3307, 3311, 3459, 3649, 3916, 3989, 3992, 4041, 4135, 4173, 4222,
    4371, 4486, 4653, 4729, 4875, 4972, 5044, 5312, 5688, 5764, 5767, 5992, 6008, 6049,
    6074, 6305, 6382, 6468, 6573, 7155, 7245, 7259, 7393, 7483, 7556, 7598, 7770, 7883,
    8017, 8135, 8487, 8766, 8773, 8862, 8925, 9081, 9151, 9212, 9582, 9684, 9890, 9981,
)
#: The files of the two front-end extensions (``helpers.app.serve.LAB_EXTENSIONS``) that the
#: page loads, recorded with PAGE_CHUNKS: each one's ``remoteEntry`` and these chunk ids.
#: Voilà asks for them only once its own code has run; the page names them in
#: ``<link rel="preload">`` so that they download with the bundle instead of after it. A
#: hint only: a file the page would not ask for costs its bytes, never the page.
EXTENSION_CHUNKS: dict[str, tuple[int, ...]] = {
    "@jupyter-widgets/jupyterlab-manager": (7, 32, 84, 121, 160, 170, 452, 704, 718, 967),
    "@voila-dashboards/widgets-manager8": (496, 883),
}
#: The runtime whose chunks these are, and the URL path of chunk files under the base URL.
RUNTIME = "voila.js"
CHUNK_FILE = "{}.voila.js"
#: Cache lifetime of the bundle (its name changes with its content).
CACHE_CONTROL = "public, max-age=31536000, immutable"
#: ``self.webpackChunkNAME=self.webpackChunkNAME||[]`` in the runtime.
_GLOBAL = re.compile(r"self\.(webpackChunk\w+)=self\.\1\|\|\[\]")
#: A JSONP chunk file: license comment, optional directive, one push of its own id.
_CHUNK = r'^(?:/\*!.*?\*/\s*)?(?:"use strict";)?\(self\.{0}=self\.{0}\|\|\[\]\)\.push\(\[\[{1}[,\]]'
_PUSHED = re.compile(r"\.push\(\[\[(\d+(?:,\d+)*)\]")


class ChunkBundleError(CineError):
    """Voilà's static files do not look as this module expects (another Voilà build)."""


@dataclass(frozen=True)
class ChunkBundle:
    """The bundle as served: its file name, bytes and gzip bytes; the chunk files it holds
    (``ids``) and every chunk they install (a file may carry other chunks' modules too)."""

    name: str
    body: bytes
    gzipped: bytes
    ids: tuple[int, ...]
    installs: frozenset[int]
    runtime_version: str  # of voila.js, which the page then asks for as voila.js?v=<it>
    covered: tuple[int, ...] = ()  # listed, left out: another file of the bundle installs it
    skipped: tuple[int, ...] = ()  # listed, left out: absent or not a chunk of the runtime


def find_static(paths: Sequence[Path | str], name: str) -> Path | None:
    """The file Voilà serves as ``voila/static/<name>``: the first of ``paths`` holding it
    (the rule of Voilà's ``MultiStaticFileHandler``)."""
    for root in paths:
        candidate = Path(root) / name
        if candidate.is_file():
            return candidate
    return None


def chunk_global(runtime: str) -> str:
    """The name of the JSONP runtime's global array (``webpackChunk_JUPYTERLAB_...``)."""
    names = set(_GLOBAL.findall(runtime))
    if len(names) != 1:
        raise ChunkBundleError(f"{RUNTIME}: expected one webpack chunk array, found "
                               f"{sorted(names) or 'none'}")
    return names.pop()


def wrap(chunk_id: int, source: bytes) -> bytes:
    """One chunk as a statement of the bundle: in its own function (its strictness kept),
    called with the global ``this``; the new line before the end closes any line comment."""
    return b"/* chunk %d */\n(function () {\n%s\n}).call(this);\n" % (chunk_id, source)


def pushed_ids(source: str) -> tuple[int, ...]:
    """The chunk ids a chunk file installs (``push([[3916,9981],...``: 3916 and 9981)."""
    match = _PUSHED.search(source)
    return tuple(int(i) for i in match[1].split(",")) if match else ()


def build_bundle(static_paths: Sequence[Path | str],
                 chunk_ids: Iterable[int] = PAGE_CHUNKS) -> ChunkBundle | None:
    """The bundle of these chunks, read from Voilà's static folders; None when none is
    usable. A chunk absent or not shaped as a JSONP chunk of the runtime is left out (the
    page fetches it as before, ``skipped``); so is a one-chunk file whose chunk another file
    of the bundle installs (``covered``: webpack split it out, and also merged it there)."""
    runtime = find_static(static_paths, RUNTIME)
    if runtime is None:
        raise ChunkBundleError(f"{RUNTIME} not found in Voilà's static folders")
    runtime_bytes = runtime.read_bytes()
    array = chunk_global(runtime_bytes.decode("utf-8", errors="replace"))
    sources: dict[int, bytes] = {}
    skipped: list[int] = []
    for chunk_id in dict.fromkeys(int(i) for i in chunk_ids):
        path = find_static(static_paths, CHUNK_FILE.format(chunk_id))
        source = path.read_bytes() if path is not None else b""
        shape = re.compile(_CHUNK.format(re.escape(array), chunk_id), re.DOTALL)
        if shape.match(source.decode("utf-8", errors="replace")):
            sources[chunk_id] = source
        else:
            skipped.append(chunk_id)
    pushed = {i: pushed_ids(source.decode("utf-8", errors="replace"))
              for i, source in sources.items()}
    merged = {c for i, ids in pushed.items() if len(ids) > 1 for c in ids[1:]}
    covered = [i for i, ids in pushed.items() if ids == (i,) and i in merged]
    kept = [i for i in sources if i not in covered]
    if not kept:
        return None
    header = (f"/* Voila's webpack chunks needed by the page, concatenated by "
              f"helpers.app.chunks, each pushed onto self.{array} (licences: "
              f"<id>.voila.js.LICENSE.txt next to each chunk) */\n").encode()
    body = header + b"".join(wrap(i, sources[i]) for i in kept)
    digest = hashlib.sha256(body).hexdigest()[:20]
    return ChunkBundle(f"chunks.{digest}.js", body, gzip.compress(body, 9, mtime=0),
                       tuple(kept), frozenset(c for i in kept for c in pushed[i]),
                       hashlib.sha256(runtime_bytes).hexdigest()[:20], tuple(covered),
                       tuple(skipped))


def extension_preloads(labextension_paths: Sequence[Path | str],
                       extensions: dict[str, Sequence[int]] = EXTENSION_CHUNKS) -> list[str]:
    """URL paths under ``voila/labextensions/`` of these extensions' files, as the page asks
    for them: ``<name>/static/remoteEntry.<hash>.js`` (from the extension's package.json)
    and ``<name>/static/<id>.<hash>.js?v=<hash>`` (JupyterLab's builder names chunks so);
    files not installed are left out."""
    urls = []
    for name, chunk_ids in extensions.items():
        folder = next((Path(root) / name for root in labextension_paths
                       if (Path(root) / name / "package.json").is_file()), None)
        if folder is None:
            continue
        try:
            build = json.loads((folder / "package.json").read_text(encoding="utf-8"))
            load = build["jupyterlab"]["_build"]["load"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if (folder / load).is_file():
            urls.append(f"{name}/{load}")
        for chunk_id in chunk_ids:
            found = [f.name for f in (folder / "static").glob(f"{int(chunk_id)}.*.js")
                     if re.fullmatch(rf"{int(chunk_id)}\.[0-9a-f]{{16,}}\.js", f.name)]
            if len(found) == 1:
                urls.append(f"{name}/static/{found[0]}?v={found[0].split('.')[1]}")
    return urls


class ScriptHandler(tornado.web.RequestHandler):
    """``GET`` of one script built at start (the chunk bundle, a patched extension file):
    served from memory, gzip-compressed once, cached for good by browsers; any other name
    under its pattern is a 404 (an old page's bundle is gone)."""

    def initialize(self, name: str, body: bytes, gzipped: bytes, etag: str) -> None:
        self.name, self.body, self.gzipped, self.etag = name, body, gzipped, etag

    def compute_etag(self) -> str:
        return self.etag

    def head(self, name: str) -> None:
        self.get(name, body=False)

    def get(self, name: str, body: bool = True) -> None:
        if name != self.name:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "application/javascript; charset=UTF-8")
        self.set_header("Cache-Control", CACHE_CONTROL)
        data = self.body
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            # Tornado's gzip transform leaves an encoded response alone and adds Vary
            self.set_header("Content-Encoding", "gzip")
            data = self.gzipped
        if body:
            self.write(data)
        else:
            self.set_header("Content-Length", len(data))


def script_route(pattern: str, name: str, body: bytes,
                 gzipped: bytes | None = None) -> tuple[str, type, dict]:
    """The handler spec serving ``body`` as ``name`` at ``pattern`` (whose one group is the
    name); the ETag is weak (the gzip and plain bytes are the same script)."""
    etag = f'W/"{hashlib.sha256(body).hexdigest()[:20]}"'
    return (pattern, ScriptHandler, {"name": name, "body": body, "etag": etag,
                                     "gzipped": gzipped or gzip.compress(body, 9, mtime=0)})
