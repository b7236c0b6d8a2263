"""The data jobs never lose real data: the demo has its own folder, the notebooks fall back to
it only when the sources cannot be reached, and synthetic files never replace downloaded ones.

Regression test of a review finding: ``demo`` wrote into the real ``data/raw`` and
``ensure_data`` fell back to the demo on any error, so an ingest error after a long download
replaced the real raw files by synthetic ones.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
from pathlib import Path

import pytest

from helpers import cli, config
from helpers.app.build import build, ensure_data
from helpers.data import download
from helpers.data.download import download_all
from helpers.data.synthetic import generate
from helpers.errors import CineError


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of a folder with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture()
def real_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose raw files were fetched by the download code from a local source
    (a verified copy with its sidecar, as after a real download), plus a sentinel file; the
    ratings file has a row the ingest cannot read, so a build fails after the download."""
    source = tmp_path / "source"
    generate(source, scale="tiny", seed=1)
    ratings = source / "title.ratings.tsv.gz"
    with gzip.open(ratings, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    lines.insert(2, "tt9999999\tnot-a-number\t12")
    with gzip.open(ratings, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    data = tmp_path / "data"
    monkeypatch.setenv("CINE_DATA_DIR", str(data))
    monkeypatch.delenv("CINE_DEMO_DIR", raising=False)
    monkeypatch.setenv("CINE_IMDB_SOURCE", str(source))
    monkeypatch.setenv("CINE_TMDB_SOURCE", str(source / config.TMDB_FILE))
    download_all(config.raw_dir(), progress=False)
    (config.raw_dir() / "sentinel.txt").write_text("real data, keep me\n")
    return config.raw_dir()


@pytest.mark.slow
def test_a_real_raw_folder_survives_the_demo_and_a_failing_build(real_raw: Path) -> None:
    before = snapshot(real_raw)
    assert "sentinel.txt" in before and "title.basics.tsv.gz.meta.json" in before

    assert cli.main(["demo", "--scale", "tiny"]) == 0
    assert snapshot(real_raw) == before
    demo = config.demo_dir()
    assert demo == real_raw.parent / "demo"
    assert json.loads((demo / "processed" / "manifest.json").read_text())["synthetic"]

    with pytest.raises(CineError, match="title.ratings.tsv.gz cannot be read"):
        ensure_data()  # an ingest error is raised, never replaced by the demo
    assert snapshot(real_raw) == before
    assert os.environ["CINE_DATA_DIR"] == str(real_raw.parent)
    assert not (real_raw.parent / "processed" / "manifest.json").exists()

    with pytest.raises(CineError, match="title.ratings.tsv.gz cannot be read"):
        build()  # downloads are cached (verified copies), then the same ingest error
    assert snapshot(real_raw) == before

    with pytest.raises(CineError, match="holds downloaded data"):
        generate(real_raw, scale="tiny")
    assert snapshot(real_raw) == before


@pytest.mark.slow
def test_unreachable_sources_fall_back_to_the_demo_in_its_own_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CINE_DATA_DIR", str(data))
    monkeypatch.delenv("CINE_DEMO_DIR", raising=False)
    monkeypatch.setenv("CINE_IMDB_SOURCE", closed_port_url())
    monkeypatch.setattr(download, "BACKOFF_SECONDS", 0)
    processed = ensure_data()
    assert processed == data / "demo" / "processed"
    assert os.environ["CINE_DATA_DIR"] == str(data / "demo")  # the notebook now reads the demo
    assert json.loads((processed / "manifest.json").read_text())["synthetic"]["scale"] == "small"
    assert not (data / "raw" / "title.basics.tsv.gz").exists()


def test_an_http_error_is_not_a_reason_to_use_the_demo(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A source that answers (here a folder that does not exist) is an error to fix."""
    monkeypatch.setenv("CINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CINE_IMDB_SOURCE", str(tmp_path / "no-such-folder"))
    with pytest.raises(CineError, match="neither an http"):
        ensure_data()
    assert not (tmp_path / "data" / "demo").exists()
