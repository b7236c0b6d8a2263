"""``build --refresh`` against the local HTTP server of the download tests (ETag,
Last-Modified, 304): only what changed upstream is downloaded, nothing is rebuilt when
nothing changed, a new release is swapped in while the dashboard serves (open pages keep
theirs, new visitors and the preheated kernel get the new one) and a failed refresh
leaves the release in service byte-identical.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests
from http_fixtures import FileServer

from benchmarks.dashboard import Server, serve
from benchmarks.widget_client import WidgetClient
from helpers import cli, config
from helpers.data import download, releases
from helpers.data.download import ALL_FILES
from helpers.data.synthetic import generate
from helpers.errors import CineError

TMDB = config.TMDB_FILE
AKAS = "/imdb/title.akas.tsv.gz"
BASICS = "/imdb/title.basics.tsv.gz"
RATINGS = "/imdb/title.ratings.tsv.gz"
#: A French title that no synthetic catalogue holds, given by the refreshed akas file.
NEW_TITLE = "Zorglub contre-attaque"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of a folder with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def gz_lines(data: bytes) -> list[str]:
    return gzip.decompress(data).decode("utf-8").splitlines()


def gz(lines: list[str]) -> bytes:
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("refresh_source")
    generate(folder, "tiny", seed=0)
    return {name: (folder / name).read_bytes() for name in ALL_FILES}


@pytest.fixture(scope="module")
def upstream_server(source: dict[str, bytes]) -> Iterator[FileServer]:
    with FileServer({}) as server:
        yield server


def _point_at(server: FileServer, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "BACKOFF_SECONDS", 0.0)
    monkeypatch.setenv("CINE_DATA_DIR", str(data))
    monkeypatch.setenv("CINE_IMDB_SOURCE", server.url + "imdb")
    monkeypatch.setenv("CINE_TMDB_SOURCE", f"{server.url}tmdb/{TMDB}")


def _reset(server: FileServer, source: dict[str, bytes]) -> None:
    server.files = {f"/imdb/{n}": data for n, data in source.items() if n != TMDB}
    server.files[f"/tmdb/{TMDB}"] = source[TMDB]
    server.answers.clear()
    server.modified.clear()


@pytest.fixture(scope="module")
def built(upstream_server: FileServer, source: dict[str, bytes],
          tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder after a first ``build`` from the upstream files (one release)."""
    from helpers.app.build import build

    data = tmp_path_factory.mktemp("refresh_built") / "data"
    _reset(upstream_server, source)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _point_at(upstream_server, data, monkeypatch)
        build(progress=False)
    return data


@pytest.fixture()
def upstream(upstream_server: FileServer, source: dict[str, bytes], built: Path,
             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FileServer:
    """The upstream files as first built, and CINE_DATA_DIR on a copy of that build."""
    data = tmp_path / "data"
    shutil.copytree(built, data, symlinks=True)
    _reset(upstream_server, source)
    _point_at(upstream_server, data, monkeypatch)
    return upstream_server


def build_cli(capsys: pytest.CaptureFixture, *options: str) -> tuple[int, str, str]:
    code = cli.main(["build", "--quiet", *options])
    out, err = capsys.readouterr()
    return code, out, err


def renamed_akas(akas: bytes, release: Path) -> bytes:
    """The akas file with the French titles of the catalogue's most-voted film with one
    replaced by :data:`NEW_TITLE` (what a month of IMDb edits looks like to the ingest)."""
    movies = pd.read_parquet(release / "processed" / "movies.parquet")
    tconst = movies[movies["french_title"].notna()].nlargest(1, "num_votes")["tconst"].item()
    lines = gz_lines(akas)
    for i, line in enumerate(lines):
        cols = line.split("\t")
        if cols[0] == tconst and cols[3] == "FR":
            lines[i] = "\t".join([*cols[:2], NEW_TITLE, *cols[3:]])
    assert NEW_TITLE in "\n".join(lines)
    return gz(lines)


# ------------------------------------------------------------------ without a server
def test_nothing_changed_upstream_means_conditional_requests_only_and_no_rebuild(
        upstream: FileServer, capsys: pytest.CaptureFixture) -> None:
    data = config.data_dir()
    (first,) = releases.listing(data)
    assert releases.current(data) == first
    assert releases.read_inputs(first).keys() == set(ALL_FILES)
    assert config.processed_dir() == first / "processed"
    assert os.readlink(data / "current") == f"releases/{first.name}"  # relative: movable
    before = snapshot(first)
    assert "processed/manifest.json" in before and "models/recommender/meta.json" in before
    assert any(name.startswith("processed/.dashboard-cache/indicators-") for name in before)

    upstream.answers.clear()
    code, out, _ = build_cli(capsys, "--refresh")
    assert code == 0
    assert out.splitlines() == [f"nothing changed upstream since release {first.name}: "
                                "nothing rebuilt"]
    assert len(upstream.answers) == 8
    assert upstream.conditional_requests() == [(path, 304) for path, *_ in upstream.answers]
    assert releases.listing(data) == [first] and releases.current(data) == first
    assert snapshot(first) == before


@pytest.mark.parametrize("damage", ["corrupt download", "unreadable table"])
def test_a_failed_refresh_leaves_the_release_in_service_byte_identical(
        upstream: FileServer, source: dict[str, bytes], capsys: pytest.CaptureFixture,
        damage: str) -> None:
    data = config.data_dir()
    (first,) = releases.listing(data)
    before, raw_before = snapshot(first), snapshot(config.raw_dir())
    if damage == "corrupt download":  # a truncated gzip: refused by the download
        upstream.files[BASICS] = source["title.basics.tsv.gz"][:200]
        expected = r"^error: title\.basics\.tsv\.gz: the file from .* is corrupt"
    else:  # a whole file the ingest cannot read: refused after the download
        lines = gz_lines(source["title.ratings.tsv.gz"])
        upstream.files[RATINGS] = gz([*lines[:2], "tt9999999\tnot-a-number\t12", *lines[2:]])
        expected = r"^error: .*/raw/title\.ratings\.tsv\.gz cannot be read"

    code, out, err = build_cli(capsys, "--refresh")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert re.match(expected, err), err
    assert releases.listing(data) == [first] and releases.current(data) == first
    assert snapshot(first) == before
    assert not list(releases.releases_dir(data).glob(".building-*"))
    if damage == "corrupt download":  # the verified raw file and its sidecar are kept
        assert snapshot(config.raw_dir()) == raw_before
    else:  # the new raw file differs from what the release was built from: tried again
        code, out, err = build_cli(capsys, "--refresh")
        assert code == 1 and "cannot be read" in err and "nothing changed" not in out
        assert snapshot(first) == before


def test_one_build_at_a_time(upstream: FileServer) -> None:
    from helpers.app.build import build

    with releases.lock(config.data_dir()), pytest.raises(CineError, match="another build"):
        build(progress=False)
    assert upstream.answers == []  # refused before any download


def test_prune_keeps_the_release_in_service_the_previous_one_and_those_in_use(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = []
    for name in ("20260101T000000Z", "20260201T000000Z", "20260301T000000Z",
                 "20260401T000000Z"):
        folder = releases.releases_dir(data) / name
        (folder / "models").mkdir(parents=True)
        (folder / "models" / "items.npy").write_bytes(b"\0" * 4096)
        made.append(folder)
    oldest, second, previous, newest = made
    releases.switch(data, newest)
    dead = releases.releases_dir(data) / ".building-20260402T000000Z-999999999"
    alive = releases.releases_dir(data) / f".building-20260402T000000Z-{os.getpid()}"
    dead.mkdir()
    alive.mkdir()
    # a kernel of the oldest release still maps its model
    holder = subprocess.Popen(
        [sys.executable, "-c", "import mmap, sys; f = open(sys.argv[1], 'rb'); "
         "m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ); f.close(); "
         "print('mapped', flush=True); sys.stdin.read()", str(oldest / "models" / "items.npy")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "mapped\n"
        assert releases.in_use(oldest) and not releases.in_use(second)
        removed, busy = releases.prune(data)
        assert sorted(removed) == sorted([second, dead]) and busy == [oldest]
        assert releases.listing(data) == [oldest, previous, newest] and alive.is_dir()
    finally:
        holder.communicate("")
    removed, busy = releases.prune(data)
    assert removed == [oldest] and busy == []
    assert releases.listing(data) == [previous, newest]
    assert releases.current(data) == newest and config.release_dir(data) == newest


# ------------------------------------------------------------- while the dashboard serves
def kernel_release(server: Server, kernel_id: str, data: Path) -> str:
    """The release whose model the kernel process ``kernel_id`` memory-maps."""
    folder = str(releases.releases_dir(data)) + "/"
    for kernel in server.kernels():
        if kernel_id in " ".join(kernel.cmdline()):
            maps = Path(f"/proc/{kernel.pid}/maps").read_text().splitlines()
            (name,) = {line.split(folder, 1)[1].split("/")[0] for line in maps
                       if folder in line}
            return name
    raise AssertionError(f"no process for kernel {kernel_id}")


def suggestions(client: WidgetClient) -> list[str]:
    return [client.states[m].get("description", "") for m in client.visible("reco-suggestion")]


async def typed(client: WidgetClient, text: str) -> list[str]:
    """Type ``text`` in the title box; the suggestions shown (none after 3 s: none)."""
    await client.request_states()  # what the kernel holds now
    (box,) = client.find("reco-input")
    await client.set(box, value=text)
    try:
        await client.wait_for(lambda: client.visible("reco-suggestion"), timeout=3)
    except TimeoutError:
        return []
    return suggestions(client)


@pytest.mark.slow
@pytest.mark.xdist_group("refresh")
def test_refresh_while_serving(upstream: FileServer, source: dict[str, bytes],
                               capsys: pytest.CaptureFixture) -> None:
    data = config.data_dir()
    (first,) = releases.listing(data)
    with serve(data, preheat=True, base_url="/films/", max_visitors=4, cull_interval=1,
               cull_idle_timeout=3) as server:
        health = lambda: requests.get(f"{server.url}healthz", timeout=5).json()  # noqa: E731
        assert health()["release"] == first.name

        async def visits() -> None:
            old = await WidgetClient.open(server.url)  # an open page on the first release
            assert kernel_release(server, old.kernel_id, data) == first.name
            assert not [s for s in await typed(old, "zorglub") if NEW_TITLE in s]

            upstream.files[AKAS] = renamed_akas(source["title.akas.tsv.gz"], first)
            upstream.answers.clear()
            code, out, _ = await asyncio.to_thread(build_cli, capsys, "--refresh")
            assert code == 0 and out.splitlines()[0] == "changed: title.akas.tsv.gz"
            assert sorted(s for _, s, _, _ in upstream.answers) == [200] + [304] * 7
            second = releases.current(data)
            assert second != first and releases.listing(data) == [first, second]
            assert f"kept old release {first.name}" not in out  # the previous one is kept

            deadline = time.monotonic() + 120  # the preheated kernel is replaced
            while (health()["release"], health()["preheated_ready"]) != (second.name, 1):
                assert time.monotonic() < deadline, health()
                await asyncio.sleep(0.5)
            new = await WidgetClient.open(server.url)
            assert kernel_release(server, new.kernel_id, data) == second.name
            assert [s for s in await typed(new, "zorglub") if NEW_TITLE in s]
            # the open page still works, on its own release
            assert kernel_release(server, old.kernel_id, data) == first.name
            assert not [s for s in await typed(old, "zorglub contre") if NEW_TITLE in s]
            assert await old.recommend_round("le") < 30
            assert await new.recommend_round("le") < 30
            await old.close()
            await new.close()

        asyncio.run(visits())
        assert "restarting the preheated kernel" in server.log.read_text()
        assert not server.errors_in_log(), server.errors_in_log()
