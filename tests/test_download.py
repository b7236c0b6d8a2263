"""Download: against a local HTTP server on 127.0.0.1 serving synthetic raw files."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from http_fixtures import DriveProxy, FileServer, make_test_certificates

from helpers import cli, config
from helpers.data import download
from helpers.data.download import (
    ALL_FILES,
    DriveFile,
    download_all,
    download_file,
    tmdb_location,
)
from helpers.data.synthetic import generate
from helpers.errors import CineError, SourceUnreachable
from helpers.schema import SYNTHETIC_MARKER, TMDB_COLUMNS

TMDB = config.TMDB_FILE
BIG = "/imdb/title.principals.tsv.gz"


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny synthetic raw files in the exact IMDb/TMDB formats."""
    folder = tmp_path_factory.mktemp("source")
    generate(folder, "tiny", seed=0)
    return folder


@pytest.fixture(scope="module")
def source(source_dir: Path) -> dict[str, bytes]:
    return {name: (source_dir / name).read_bytes() for name in ALL_FILES}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "BACKOFF_SECONDS", 0.0)


@pytest.fixture()
def server(source: dict[str, bytes]):
    files = {f"/imdb/{n}": data for n, data in source.items() if n != TMDB}
    files[f"/tmdb/{TMDB}"] = source[TMDB]
    with FileServer(files) as srv:
        yield srv


def _fetch(server: FileServer, raw: Path, **kwargs) -> dict[str, Path]:
    return download_all(raw, imdb_source=server.url + "imdb",
                        tmdb_source=f"{server.url}tmdb/{TMDB}", progress=False, **kwargs)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _leftovers(raw: Path) -> list[str]:
    return sorted(p.name for p in raw.iterdir()) if raw.exists() else []


# --- full download, cache ---------------------------------------------------------------


def test_downloads_all_eight_files_byte_identical(server, source, tmp_path):
    raw = tmp_path / "raw"
    paths = _fetch(server, raw)
    assert paths == {name: raw / name for name in ALL_FILES}
    for name in ALL_FILES:
        assert paths[name].read_bytes() == source[name]
        meta = json.loads((raw / f"{name}.meta.json").read_text())
        assert meta["verified"] is True and meta["size"] == len(source[name])
    assert not [p for p in raw.iterdir() if p.name.endswith(".part")]
    assert len(server.log) == 8


def test_cached_files_are_not_downloaded_again_even_offline(server, source, tmp_path):
    raw = tmp_path / "raw"
    _fetch(server, raw)
    _fetch(server, raw)
    assert len(server.log) == 8  # the second run asked nothing
    server.close()  # offline now: the verified cache is enough
    paths = _fetch(server, raw)
    assert paths[TMDB].read_bytes() == source[TMDB]


def test_file_without_verified_sidecar_is_fetched_again(server, source, tmp_path):
    raw = tmp_path / "raw"
    _fetch(server, raw)
    (raw / "title.ratings.tsv.gz").write_bytes(b"synthetic leftover")  # e.g. written by the demo
    (raw / "title.ratings.tsv.gz.meta.json").unlink()
    (raw / SYNTHETIC_MARKER).write_text("{}")
    _fetch(server, raw, only=["title.ratings.tsv.gz"])
    assert (raw / "title.ratings.tsv.gz").read_bytes() == source["title.ratings.tsv.gz"]
    assert len(server.log) == 9
    assert (raw / SYNTHETIC_MARKER).exists()  # other files may still be synthetic
    _fetch(server, raw)
    assert len(server.log) == 9
    assert not (raw / SYNTHETIC_MARKER).exists()  # all eight files are real now
    _fetch(server, raw, only=["title.ratings.tsv.gz"], force=True)
    assert len(server.log) == 10


# --- resume -------------------------------------------------------------------------


def test_dropped_connection_resumes_with_range(server, source, tmp_path):
    body = source["title.principals.tsv.gz"]
    half = len(body) // 2
    server.cut_once[BIG] = half
    dest = download_file(server.url + BIG[1:], tmp_path / "p.tsv.gz", progress=False)
    assert dest.read_bytes() == body
    assert server.requests_for(BIG) == [None, f"bytes={half}-"]


def test_part_left_by_an_interrupted_run_is_resumed(server, source, tmp_path):
    body = source["title.principals.tsv.gz"]
    half = len(body) // 2
    server.cut_once[BIG] = half
    server.statuses[BIG] = [200, 503, 503]  # then the server goes down
    dest = tmp_path / "title.principals.tsv.gz"
    with pytest.raises(CineError, match=r"HTTP 503 Service Unavailable .*, tried 2 times"):
        download_file(server.url + BIG[1:], dest, progress=False, retries=1)
    assert _leftovers(tmp_path) == ["title.principals.tsv.gz.part",
                                    "title.principals.tsv.gz.part.meta.json"]
    assert (tmp_path / "title.principals.tsv.gz.part").stat().st_size == half
    download_file(server.url + BIG[1:], dest, progress=False)
    assert dest.read_bytes() == body
    assert server.requests_for(BIG) == [None, f"bytes={half}-", f"bytes={half}-", f"bytes={half}-"]


def test_server_ignoring_range_restarts_from_zero(server, source, tmp_path):
    body = source["title.principals.tsv.gz"]
    server.cut_once[BIG] = len(body) // 3
    server.ignore_range = True
    dest = download_file(server.url + BIG[1:], tmp_path / "p.tsv.gz", progress=False)
    assert dest.read_bytes() == body
    assert server.requests_for(BIG) == [None, f"bytes={len(body) // 3}-"]


def test_file_changed_on_server_between_runs_restarts(server, source, tmp_path):
    old = source["title.principals.tsv.gz"]
    server.cut_once[BIG] = len(old) // 2
    server.statuses[BIG] = [200, 503]
    dest = tmp_path / "title.principals.tsv.gz"
    with pytest.raises(CineError):
        download_file(server.url + BIG[1:], dest, progress=False, retries=0)
    new = source["title.episode.tsv.gz"]
    server.files[BIG] = new  # today's release: If-Range no longer matches
    download_file(server.url + BIG[1:], dest, progress=False)
    assert dest.read_bytes() == new


def test_complete_part_answered_416_is_finalised(server, source, tmp_path):
    body = source["title.principals.tsv.gz"]
    dest = tmp_path / "title.principals.tsv.gz"
    (tmp_path / f"{dest.name}.part").write_bytes(body)
    (tmp_path / f"{dest.name}.part.meta.json").write_text(
        json.dumps({"source": server.url + BIG[1:]}))
    download_file(server.url + BIG[1:], dest, progress=False)
    assert dest.read_bytes() == body
    assert server.requests_for(BIG) == [f"bytes={len(body)}-"]


# --- refresh: conditional GET ---------------------------------------------------------------


def test_refresh_with_nothing_changed_makes_only_conditional_requests(server, tmp_path):
    raw = tmp_path / "raw"
    _fetch(server, raw)
    before = {p.name: p.stat().st_mtime_ns for p in raw.iterdir()
              if not p.name.endswith(".meta.json")}
    server.answers.clear()
    _fetch(server, raw, refresh=True)
    assert len(server.answers) == 8
    assert all(status == 304 and match and since for _, status, match, since in server.answers)
    assert {p.name: p.stat().st_mtime_ns for p in raw.iterdir()
            if not p.name.endswith(".meta.json")} == before  # nothing rewritten
    meta = json.loads((raw / "title.crew.tsv.gz.meta.json").read_text())
    assert meta["verified"] is True and "checked_at" in meta


def test_refresh_downloads_only_the_changed_file(server, source, tmp_path):
    raw = tmp_path / "raw"
    _fetch(server, raw)
    new = source["title.episode.tsv.gz"]
    server.files["/imdb/title.crew.tsv.gz"] = new
    server.answers.clear()
    paths = _fetch(server, raw, refresh=True)
    assert paths["title.crew.tsv.gz"].read_bytes() == new
    assert sorted(status for _, status, _, _ in server.answers) == [200] + [304] * 7
    assert [p for p, status, _, _ in server.answers if status == 200] == [
        "/imdb/title.crew.tsv.gz"]
    meta = json.loads((raw / "title.crew.tsv.gz.meta.json").read_text())
    assert meta["size"] == len(new)
    assert meta["etag"] == f'"{hashlib.sha1(new).hexdigest()[:16]}"'  # the new version's


def test_refresh_with_last_modified_only(server, source, tmp_path):
    """A server without ETags: If-Modified-Since with the stored Last-Modified date."""
    server.etags = False
    path = "/imdb/title.crew.tsv.gz"
    dest = tmp_path / "title.crew.tsv.gz"
    download_file(server.url + path[1:], dest, progress=False)
    assert json.loads((tmp_path / "title.crew.tsv.gz.meta.json").read_text())["etag"] is None
    download_file(server.url + path[1:], dest, progress=False, refresh=True)
    assert server.answers[-1][1:] == (304, None, server.answers[-1][3])
    assert server.answers[-1][3] is not None
    server.files[path] = source["title.episode.tsv.gz"]
    server.modified[path] = server.started + 60
    download_file(server.url + path[1:], dest, progress=False, refresh=True)
    assert server.answers[-1][1] == 200 and dest.read_bytes() == source["title.episode.tsv.gz"]


def test_refresh_download_cut_mid_body_resumes(server, source, tmp_path):
    dest = tmp_path / "title.principals.tsv.gz"
    download_file(server.url + BIG[1:], dest, progress=False)
    new = source["title.akas.tsv.gz"]
    server.files[BIG] = new
    server.cut_once[BIG] = len(new) // 2
    server.log.clear()
    download_file(server.url + BIG[1:], dest, progress=False, refresh=True)
    assert dest.read_bytes() == new
    assert server.requests_for(BIG) == [None, f"bytes={len(new) // 2}-"]
    assert _leftovers(tmp_path) == [dest.name, f"{dest.name}.meta.json"]


def test_a_corrupt_new_version_leaves_the_verified_copy_untouched(server, source, tmp_path):
    raw = tmp_path / "raw"
    _fetch(server, raw, only=["title.basics.tsv.gz"])
    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    server.files["/imdb/title.basics.tsv.gz"] = source["title.basics.tsv.gz"][:100]
    with pytest.raises(CineError, match=r"title\.basics\.tsv\.gz: the file from .* is corrupt"):
        _fetch(server, raw, only=["title.basics.tsv.gz"], refresh=True)
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before  # file and sidecar


# --- corrupt files, HTTP errors, offline ------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage body", "truncated"])
def test_corrupt_gzip_is_rejected_and_nothing_is_left(server, source, tmp_path, damage):
    body = source["title.basics.tsv.gz"]
    bad = body[:10] + b"\x00garbage" * 500 if damage == "garbage body" else body[: len(body) // 2]
    server.files["/imdb/title.basics.tsv.gz"] = bad
    raw = tmp_path / "raw"
    corrupt = r"^title\.basics\.tsv\.gz: the file from http.* is corrupt \(gzip stream broken"
    with pytest.raises(CineError, match=corrupt) as e:
        _fetch(server, raw, only=["title.basics.tsv.gz"])
    assert "\n" not in str(e.value)
    assert _leftovers(raw) == []


def test_size_different_from_the_expected_one_is_rejected(server, source, tmp_path):
    size = len(source["title.crew.tsv.gz"])
    with pytest.raises(CineError, match=rf"is corrupt \({size} bytes instead of {size + 1}\)"):
        download_file(server.url + "imdb/title.crew.tsv.gz", tmp_path / "title.crew.tsv.gz",
                      expected_size=size + 1, progress=False)
    assert _leftovers(tmp_path) == []


def test_tmdb_table_with_wrong_columns_is_rejected(server, tmp_path):
    server.files[f"/tmdb/{TMDB}"] = b"a,b,c\n1,2,3\n"
    raw = tmp_path / "raw"
    with pytest.raises(CineError, match=r"^tmdb_full\.csv: .* 25 of its 25 columns missing"):
        _fetch(server, raw, only=[TMDB])
    assert _leftovers(raw) == []


def test_offline_gives_one_clear_line_quickly(tmp_path):
    start = time.perf_counter()
    with pytest.raises(CineError) as e:
        download_all(tmp_path, imdb_source=_closed_port_url(), progress=False)
    assert time.perf_counter() - start < 5
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith("title.basics.tsv.gz: cannot reach http://127.0.0.1:")
    assert "(no network?), tried 5 times. Use `python -m helpers demo`" in message
    assert message.endswith("or set CINE_IMDB_SOURCE to a folder holding the files.")
    assert _leftovers(tmp_path) == []


def test_backoff_doubles_between_attempts(monkeypatch, tmp_path):
    delays: list[float] = []
    monkeypatch.setattr(download.time, "sleep", delays.append)
    with pytest.raises(CineError):
        download_file(_closed_port_url() + "x.gz", tmp_path / "x.gz", progress=False,
                      retries=3, backoff=0.5)
    assert delays == [0.5, 1.0, 2.0]


def test_http_404_fails_at_once(server, tmp_path):
    del server.files["/imdb/title.crew.tsv.gz"]
    with pytest.raises(CineError, match=r"^title\.crew\.tsv\.gz: HTTP 404 Not Found for http"):
        _fetch(server, tmp_path, only=["title.crew.tsv.gz"])
    assert server.requests_for("/imdb/title.crew.tsv.gz") == [None]


def test_http_5xx_is_retried(server, source, tmp_path):
    server.statuses["/imdb/title.crew.tsv.gz"] = [503, 502]
    paths = _fetch(server, tmp_path, only=["title.crew.tsv.gz"])
    assert paths["title.crew.tsv.gz"].read_bytes() == source["title.crew.tsv.gz"]
    assert len(server.requests_for("/imdb/title.crew.tsv.gz")) == 3
    server.statuses["/imdb/title.crew.tsv.gz"] = [500] * 10
    with pytest.raises(CineError, match=r"HTTP 500 .*, tried 5 times"):
        download_file(server.url + "imdb/title.crew.tsv.gz", tmp_path / "c.gz", progress=False)


# --- Google Drive (the real gdown, through a local HTTPS proxy playing Drive) ------------

DRIVE_ID = "1VB5_gl1fnyBDzcIOXZ5vUSbCY68VZN1v"
#: Drive's "virus scan warning" page for large files (the form on one line, as Drive sends it).
DRIVE_PAGE = (
    '<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head>\n'
    "<body><p>Google Drive can't scan this file for viruses.</p>\n"
    '<form id="download-form" action="https://drive.usercontent.google.com/download" '
    'method="get"><input type="submit" id="uc-download-link" value="Download anyway"/>'
    '<input type="hidden" name="id" value="{id}"><input type="hidden" name="export" '
    'value="download"><input type="hidden" name="confirm" value="t">'
    '<input type="hidden" name="uuid" value="u-123"></form></body></html>')


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_test_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture()
def drive(source: dict[str, bytes], certificates, monkeypatch: pytest.MonkeyPatch):
    """Drive as gdown sees it: /uc answers with the virus-scan page, whose form leads to the
    file on drive.usercontent.google.com (Content-Disposition, as Drive sends it)."""
    ca, cert, key = certificates
    body = {"bytes": source[TMDB]}

    def uc(query: dict[str, str]) -> tuple:
        return "text/html; charset=utf-8", DRIVE_PAGE.format(id=query.get("id")).encode()

    def usercontent(query: dict[str, str]) -> tuple:
        if query.get("confirm") == "t" and query.get("uuid") == "u-123":
            return ("application/octet-stream", body["bytes"],
                    {"Content-Disposition": f'attachment; filename="{TMDB}"'})
        return "text/html; charset=utf-8", DRIVE_PAGE.format(id=query.get("id")).encode()

    with FileServer({"/uc": uc, "/download": usercontent}) as files, \
            DriveProxy(files, cert, key) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
        monkeypatch.setenv("NO_PROXY", "")
        yield files, proxy, body


def test_google_drive_file_through_gdown(drive, source, tmp_path):
    files, proxy, _ = drive
    paths = download_all(tmp_path, tmdb_source=DRIVE_ID, only=[TMDB], progress=False)
    assert paths[TMDB].read_bytes() == source[TMDB]
    assert proxy.tunnels == ["drive.google.com", "drive.usercontent.google.com"]
    assert [urlparse(p).path for p, _ in files.log] == ["/uc", "/download"]
    assert parse_qs(urlparse(files.log[1][0]).query) == {
        "id": [DRIVE_ID], "export": ["download"], "confirm": ["t"], "uuid": ["u-123"]}
    assert _leftovers(tmp_path) == [TMDB, f"{TMDB}.meta.json"]  # no partial file left
    files.log.clear()  # a verified copy: no network the second time
    download_all(tmp_path, tmdb_source=f"https://drive.google.com/file/d/{DRIVE_ID}/view",
                 only=[TMDB], progress=False)
    assert files.log == []
    # Drive gives no validator: a refresh keeps the verified copy (no network either)
    download_all(tmp_path, tmdb_source=DRIVE_ID, only=[TMDB], progress=False, refresh=True)
    assert files.log == []


def test_google_drive_page_without_the_file_is_an_error(drive, tmp_path):
    files, _, _ = drive
    files.files["/uc"] = lambda q: ("text/html", b"<html><p>Quota exceeded</p></html>")
    with pytest.raises(CineError, match=r"^tmdb_full\.csv: Google Drive did not give the file"):
        download_all(tmp_path, tmdb_source=DRIVE_ID, only=[TMDB], progress=False)
    assert _leftovers(tmp_path) == []


def test_google_drive_file_that_is_not_the_tmdb_table_is_deleted(drive, tmp_path):
    _, _, body = drive
    body["bytes"] = b"id,title\n1,Amelie\n"
    with pytest.raises(CineError, match=r"is corrupt \(not the TMDB table"):
        download_all(tmp_path, tmdb_source=DRIVE_ID, only=[TMDB], progress=False)
    assert _leftovers(tmp_path) == []


def test_google_drive_unreachable_is_said_so(tmp_path, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", _closed_port_url().rstrip("/"))
    with pytest.raises(SourceUnreachable, match=r"^tmdb_full\.csv: cannot fetch it from Google"):
        download_all(tmp_path, tmdb_source=DRIVE_ID, only=[TMDB], progress=False)
    assert _leftovers(tmp_path) == []


def test_web_page_instead_of_a_file_is_an_error(server, tmp_path):
    server.files["/download"] = lambda q: ("text/html", b"<html><p>Portail captif</p></html>")
    with pytest.raises(CineError, match=r"^tmdb_full\.csv: .* returned a web page instead"):
        download_all(tmp_path, tmdb_source=server.url + "download?id=X", only=[TMDB],
                     progress=False)
    assert _leftovers(tmp_path) == []


def test_tmdb_source_forms(tmp_path):
    file_id = "ABC_def-123456789012345"
    drive = DriveFile(file_id)
    assert tmdb_location(file_id) == drive
    assert tmdb_location(f"https://drive.google.com/file/d/{file_id}/view?usp=sharing") == drive
    assert tmdb_location(f"https://drive.google.com/uc?export=download&id={file_id}") == drive
    assert tmdb_location("https://example.org/t.csv") == "https://example.org/t.csv"
    (tmp_path / "t.csv").write_text("x")
    assert tmdb_location(str(tmp_path / "t.csv")) == tmp_path / "t.csv"
    with pytest.raises(CineError, match=r"CINE_TMDB_SOURCE='nope\.csv' is not"):
        tmdb_location("nope.csv")


def test_default_sources_are_the_documented_ones(monkeypatch):
    monkeypatch.delenv("CINE_IMDB_SOURCE", raising=False)
    monkeypatch.delenv("CINE_TMDB_SOURCE", raising=False)
    assert config.imdb_source() == "https://datasets.imdbws.com/"
    assert tmdb_location(config.tmdb_source()) == DriveFile("1VB5_gl1fnyBDzcIOXZ5vUSbCY68VZN1v")
    monkeypatch.setenv("CINE_IMDB_SOURCE", "/some/folder")
    assert config.imdb_source() == "/some/folder"


def test_tmdb_columns_match_the_real_table(real_dir):
    header = (real_dir / "wcs_tmdb_full/tmdb_full_first100rows.csv").open().readline()
    assert TMDB_COLUMNS == tuple(header.strip().split(","))


# --- local sources -------------------------------------------------------------------------


def test_local_folder_is_copied_and_cached(source_dir, source, tmp_path):
    raw = tmp_path / "raw"
    paths = download_all(raw, imdb_source=str(source_dir), tmdb_source=str(source_dir / TMDB),
                         progress=False)
    assert {n: p.read_bytes() for n, p in paths.items()} == source
    stamps = {p.stat().st_mtime_ns for p in paths.values()}
    download_all(raw, imdb_source=str(source_dir), tmdb_source=str(source_dir / TMDB),
                 progress=False)
    assert {p.stat().st_mtime_ns for p in paths.values()} == stamps  # not copied again


def test_real_plain_tsv_samples_keep_their_names(real_dir, source_dir, tmp_path):
    raw = tmp_path / "raw"
    download_all(raw, imdb_source=str(source_dir), tmdb_source=str(source_dir / TMDB),
                 progress=False)
    imdb = real_dir / "imdb_pimdb_testdata"
    tmdb = real_dir / "wcs_tmdb_full/tmdb_full_first100rows.csv"
    paths = download_all(raw, imdb_source=str(imdb), tmdb_source=str(tmdb), progress=False)
    for name in config.IMDB_FILES:
        plain = name.removesuffix(".gz")
        assert paths[name] == raw / plain
        assert paths[name].read_bytes() == (imdb / plain).read_bytes()
        assert not (raw / name).exists()  # the stale .gz of the same table is gone
    assert paths[TMDB].read_bytes() == tmdb.read_bytes()


def test_real_sample_with_byte_order_mark_is_accepted(real_dir, tmp_path):
    folder = real_dir / "imdb_osll_sample_2018"  # title.principals.tsv starts with a BOM
    names = ["title.basics.tsv.gz", "title.crew.tsv.gz", "title.principals.tsv.gz",
             "name.basics.tsv.gz"]
    paths = download_all(tmp_path, imdb_source=str(folder), only=names, progress=False)
    assert paths["title.principals.tsv.gz"].read_bytes()[:3] == b"\xef\xbb\xbf"
    for name in names:
        assert paths[name].read_bytes() == (folder / name.removesuffix(".gz")).read_bytes()


def test_missing_file_in_local_folder_is_named(source_dir, tmp_path):
    folder = tmp_path / "imdb"
    folder.mkdir()
    for name in config.IMDB_FILES[:3]:
        (folder / name).write_bytes((source_dir / name).read_bytes())
    raw = tmp_path / "raw"
    with pytest.raises(CineError, match=(
            rf"^title\.principals\.tsv\.gz: not found in {folder} \(looked for "
            r"title\.principals\.tsv\.gz and title\.principals\.tsv\)")):
        download_all(raw, imdb_source=str(folder), only=config.IMDB_FILES, progress=False)
    assert sorted(p.name for p in raw.glob("*.gz")) == sorted(config.IMDB_FILES[:3])
    with pytest.raises(CineError, match=r"is neither an http\(s\) URL nor an existing folder"):
        download_all(raw, imdb_source=str(tmp_path / "nowhere"), progress=False)


# --- command line --------------------------------------------------------------------------


def test_cli_error_is_one_line_and_non_zero(tmp_path, capsys):
    code = cli.main(["download", "--raw", str(tmp_path), "--imdb-source", _closed_port_url(),
                     "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("error: title.basics.tsv.gz: cannot reach")


def test_cli_only_and_success(source_dir, tmp_path, capsys):
    code = cli.main(["download", "--raw", str(tmp_path), "--imdb-source", str(source_dir),
                     "--tmdb-source", str(source_dir / TMDB), "--only", "title.ratings.tsv.gz",
                     TMDB, "--quiet"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split()[0] for line in out] == ["title.ratings.tsv.gz", TMDB]


def test_cli_subprocess_prints_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "helpers", "download", "--raw", str(tmp_path),
         "--imdb-source", str(tmp_path / "missing"), "--quiet"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: title.basics.tsv.gz: CINE_IMDB_SOURCE='{tmp_path / 'missing'}' is neither an "
        "http(s) URL nor an existing folder. Use `python -m helpers demo` for offline synthetic "
        "data, or point it at a folder holding the IMDb files."
    ]
