"""Voilà's webpack chunks in one content-hashed script (``helpers.app.chunks``).

The bundle built from the installed Voilà: exactly the listed chunks, each wrapped, named
after its hash; its shape checks on hand-made files; its JavaScript run by Node (each
chunk keeps its own strictness, pushes reach webpack's array). In Chromium, a whole visit
(load, recommendation, film sheet, Indicateurs, À propos): with the bundle no chunk is
fetched; without it the page works and fetches exactly :data:`PAGE_CHUNKS` (the list is
neither stale nor padded); with two chunks left out it works and fetches those two only.
HTTP headers of the bundle (Voilà alone) are in ``test_server.py``, through nginx in
``test_nginx.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require
from page_fixtures import browser, french_titles, open_page, pick, recommend, show_tab, site
from voila.utils import get_voila_labextensions_path

from benchmarks.dashboard import serve
from helpers.app import chunks
from helpers.app.serve import LAB_EXTENSIONS

__all__ = ["browser"]  # a fixture
#: Where Voilà's chunks are installed (the last of Voilà's static folders holding them).
VOILA_STATIC = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "base" / "static"
CHUNK_URL = re.compile(r"/voila/static/(\d+)\.voila\.js(?:\?|$)")
RUNTIME = 'r=self.webpackChunk_TEST=self.webpackChunk_TEST||[];r.forEach(t)'


# ------------------------------------------------------------------------ the bundle
def test_the_bundle_holds_exactly_the_listed_chunks_and_is_named_after_its_bytes() -> None:
    bundle = chunks.build_bundle([VOILA_STATIC])
    assert bundle is not None
    assert len(chunks.PAGE_CHUNKS) == 72 and bundle.skipped == ()
    # three one-chunk files are also merged into bigger ones (3916 pushes [3916, 9981])
    assert bundle.covered == (614, 6074, 9981)
    assert bundle.ids == tuple(i for i in chunks.PAGE_CHUNKS if i not in bundle.covered)
    assert bundle.installs == {*chunks.PAGE_CHUNKS, 9907}  # 9907: inside 5688, 7883, ...
    assert [int(i) for i in re.findall(rb"^/\* chunk (\d+) \*/$", bundle.body, re.M)] == list(
        bundle.ids)
    for chunk_id in (73, 9890):  # the first and last, byte for byte inside their wrapper
        source = (VOILA_STATIC / f"{chunk_id}.voila.js").read_bytes()
        assert chunks.wrap(chunk_id, source) in bundle.body
    assert bundle.name == f"chunks.{hashlib.sha256(bundle.body).hexdigest()[:20]}.js"
    runtime = (VOILA_STATIC / "voila.js").read_bytes()
    assert bundle.runtime_version == hashlib.sha256(runtime).hexdigest()[:20]
    assert gzip.decompress(bundle.gzipped) == bundle.body
    assert chunks.build_bundle([VOILA_STATIC]) == bundle  # same files, same name


def test_the_extension_files_to_preload_are_named_as_the_page_asks_for_them(
        tmp_path: Path) -> None:
    assert set(chunks.EXTENSION_CHUNKS) == set(LAB_EXTENSIONS)
    urls = chunks.extension_preloads(get_voila_labextensions_path([]))
    assert len(urls) == 14
    manager = "@jupyter-widgets/jupyterlab-manager/static/"
    assert urls[:2] == [f"{manager}remoteEntry.c8c9eed2cdefdeac.js",
                        f"{manager}7.2a0ce575775f5aad.js?v=2a0ce575775f5aad"]
    # another install: a chunk missing, an extension without package.json, one unknown
    folder = tmp_path / "labextensions" / "@x" / "ext"
    (folder / "static").mkdir(parents=True)
    (folder / "package.json").write_text(
        '{"jupyterlab": {"_build": {"load": "static/remoteEntry.0123456789abcdef.js"}}}')
    (folder / "static" / "remoteEntry.0123456789abcdef.js").write_text("")
    (folder / "static" / "5.fedcba9876543210.js").write_text("")
    (tmp_path / "labextensions" / "@y" / "broken").mkdir(parents=True)
    assert chunks.extension_preloads([tmp_path / "labextensions"], {
        "@x/ext": (5, 6), "@y/broken": (1,), "@z/absent": (1,)}) == [
        "@x/ext/static/remoteEntry.0123456789abcdef.js",
        "@x/ext/static/5.fedcba9876543210.js?v=fedcba9876543210"]


def _static(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "static"
    folder.mkdir()
    for name, text in {"voila.js": RUNTIME, **files}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _chunk(chunk_id: int, body: str = "", strict: bool = False, name: str = "TEST") -> str:
    push = (f"(self.webpackChunk_{name}=self.webpackChunk_{name}||[]).push("
            f"[[{chunk_id}],{{{chunk_id}0:(e,t,n)=>{{{body}}}}}]);")
    return ('/*! For license information please see x.LICENSE.txt */\n"use strict";' + push
            if strict else push)


def test_chunks_not_shaped_as_expected_are_left_out(tmp_path: Path) -> None:
    folder = _static(tmp_path, {
        "1.voila.js": _chunk(1),
        "2.voila.js": _chunk(2, strict=True),
        "3.voila.js": _chunk(4),  # pushes another id than its name
        "5.voila.js": "console.log('not a chunk')",
        "6.voila.js": _chunk(6, name="OTHER"),  # another runtime's array
        "8.voila.js": _chunk(8).replace("[[8]", "[[8,9]"),  # also installs chunk 9
        "9.voila.js": _chunk(9),
    })
    bundle = chunks.build_bundle([tmp_path / "empty", folder], [9, 2, 1, 3, 5, 6, 7, 1, 8])
    assert bundle is not None
    assert (bundle.ids, bundle.covered, bundle.skipped) == ((2, 1, 8), (9,), (3, 5, 6, 7))
    assert bundle.installs == {1, 2, 8, 9}
    assert chunks.build_bundle([folder], [3, 7]) is None
    (folder / "voila.js").write_text("no runtime here", encoding="utf-8")
    with pytest.raises(chunks.ChunkBundleError, match="expected one webpack chunk array"):
        chunks.build_bundle([folder], [1])
    with pytest.raises(chunks.ChunkBundleError, match="voila.js not found"):
        chunks.build_bundle([tmp_path / "empty"], [1])


def test_each_chunk_keeps_its_strictness_and_pushes_onto_the_runtime_array(
        tmp_path: Path) -> None:
    """Concatenated bare, the first chunk's "use strict" would make every later chunk strict
    (and break sloppy code); each chunk runs in its own function instead."""
    node = shutil.which("node")
    require(node is not None, "node is not installed (`apt-get install nodejs`)")
    folder = _static(tmp_path, {
        "1.voila.js": _chunk(1, strict=True),
        "2.voila.js": _chunk(2) + "sloppyGlobal = 42;",  # a ReferenceError if strict
        "3.voila.js": _chunk(3, strict=True) + "strictThis = (function () { return this; })();",
    })
    bundle = chunks.build_bundle([folder], [1, 2, 3])
    assert bundle is not None and bundle.ids == (1, 2, 3)
    (tmp_path / "bundle.js").write_bytes(bundle.body)
    script = tmp_path / "run.js"  # the bundle run as a script of its own, as a page does
    script.write_text(
        "globalThis.self = globalThis; globalThis.strictThis = 'unset';\n"
        "require('vm').runInThisContext(require('fs').readFileSync(process.argv[2], 'utf8'));\n"
        "console.log(JSON.stringify({pushed: self.webpackChunk_TEST.map(c => c[0][0]), "
        "sloppy: globalThis.sloppyGlobal, strictThis: typeof strictThis}));\n",
        encoding="utf-8")
    done = subprocess.run([node, str(script), str(tmp_path / "bundle.js")],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    # chunk 3's "use strict" makes its own inner function strict (this: undefined)
    assert json.loads(done.stdout) == {"pushed": [1, 2, 3], "sloppy": 42,
                                       "strictThis": "undefined"}


# ------------------------------------------------------------------ in the browser
def whole_visit(page: object, data_dir: Path) -> list[str]:
    """Load (done by ``open_page``), pick a film, recommend, open a sheet and come back, the
    Indicateurs and À propos tabs; the URLs of the requests seen from the start."""
    (label, typed), _ = french_titles(data_dir)
    pick(page, typed, label)
    recommend(page)
    page.locator(".cc-card-open:visible").first.click()
    page.locator(".cc-sheet-title").wait_for(state="visible")
    page.click(".cc-sheet-back")
    page.locator(".cc-sheet").wait_for(state="hidden")
    show_tab(page, "Indicateurs")
    show_tab(page, "À propos")
    page.wait_for_timeout(1000)  # anything loaded late
    assert page.errors == [] and page.dialogs == []
    return page.requested


def chunk_ids(urls: list[str]) -> set[int]:
    return {int(m[1]) for url in urls if (m := CHUNK_URL.search(url))}


@pytest.fixture()
def visitor(browser: object) -> Iterator[callable]:
    pages: list[object] = []

    def opened(url: str) -> object:
        page = open_page(browser, url, 390, 844, record=True)
        pages.append(page)
        return page

    yield opened
    for page in pages:
        page.context.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.xdist_group("browser")
def test_with_the_bundle_a_whole_visit_fetches_no_chunk(visitor: callable, tiny_data_dir: Path,
                                                         request: pytest.FixtureRequest) -> None:
    page = visitor(site(tiny_data_dir, request).url)
    urls = whole_visit(page, tiny_data_dir)
    assert chunk_ids(urls) == set()
    bundles = [u for u in urls if re.search(r"/voila/static/chunks\.[0-9a-f]{20}\.js$", u)]
    assert len(bundles) == 1  # the preload and the script share one request
    # the extensions' files: each asked for once, all by the preloads (a preload whose URL
    # the page did not ask for would add a request, and Chromium would warn)
    preloaded = page.eval_on_selector_all(
        "link[rel=preload][href*='/voila/labextensions/']", "links => links.map(l => l.href)")
    extension_files = [u for u in urls if "/voila/labextensions/" in u]
    assert len(preloaded) == 14 and sorted(extension_files) == sorted(preloaded)
    assert [m for m in page.console if "preload" in m.lower()] == []


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.xdist_group("browser")
@pytest.mark.parametrize("left_out", [list(chunks.PAGE_CHUNKS), [73, 9890]],
                         ids=["no bundle", "two chunks left out"])
def test_chunks_missing_from_the_bundle_are_fetched_and_the_page_works(
        visitor: callable, tiny_data_dir: Path, left_out: list[int]) -> None:
    """Without a bundle the page fetches the listed chunks and no other: the list is complete
    and holds nothing the page does not load (a listed chunk not fetched must have come
    inside a fetched file, as 9981 inside 3916). When this fails after a Voilà upgrade, write
    the fetched ids into ``helpers.app.chunks.PAGE_CHUNKS``."""
    kept = [i for i in chunks.PAGE_CHUNKS if i not in left_out]
    with serve(tiny_data_dir, preheat=True,
               extra=[f"--CineVoila.chunk_bundle={kept}"]) as server:
        page = visitor(server.url)
        fetched = chunk_ids(whole_visit(page, tiny_data_dir))
        bundled = re.findall(r"voila/static/chunks\.[0-9a-f]{20}\.js", page.content())
    assert len(bundled) == (2 if kept else 0)  # the preload and the script, or neither
    if kept:
        assert fetched == set(left_out)
        return
    inside = {c for i in fetched for c in chunks.pushed_ids(
        (VOILA_STATIC / f"{i}.voila.js").read_text(encoding="utf-8"))}
    message = f"fetched without a bundle: {sorted(fetched)}"
    assert fetched <= set(chunks.PAGE_CHUNKS) <= inside, message
