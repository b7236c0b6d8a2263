"""Posters: TMDB URLs, SVG placeholder (offline path) and the local cache against a local server."""

from __future__ import annotations

import io
import socket
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt

from helpers import config
from helpers.app import posters
from helpers.errors import CineError

PREFIX = "data:image/svg+xml;charset=utf-8,"


def _png() -> bytes:
    buffer = io.BytesIO()
    plt.imsave(buffer, np.linspace(0, 1, 6 * 4 * 3).reshape(6, 4, 3), format="png")
    return buffer.getvalue()


PNG = _png()


def _svg(uri: str) -> ET.Element:
    assert uri.startswith(PREFIX)
    return ET.fromstring(unquote(uri[len(PREFIX):]))


def _texts(root: ET.Element) -> list[str]:
    return [t.strip() for t in root.itertext() if t.strip()]


class _ImgParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.imgs.append(dict(attrs))


def _parse_img(tag: str) -> dict[str, str | None]:
    parser = _ImgParser()
    parser.feed(tag)
    assert len(parser.imgs) == 1
    return parser.imgs[0]


def test_poster_url_from_tmdb_path() -> None:
    assert posters.poster_url("/kqjL17yufvn9OVLyXYpvtyrFfak.jpg") == (
        "https://image.tmdb.org/t/p/w342/kqjL17yufvn9OVLyXYpvtyrFfak.jpg")
    assert posters.poster_url("/a.png", "w185", "http://127.0.0.1:9/") == (
        "http://127.0.0.1:9/w185/a.png")


@pytest.mark.parametrize("bad", [None, float("nan"), "", "abc.jpg", "/../etc/passwd",
                                 "/a/b.jpg", '/x".jpg', "/.hidden.jpg", "/a.exe"])
def test_poster_url_rejects_missing_or_malformed_paths(bad: object) -> None:
    assert posters.poster_url(bad) is None


def test_placeholder_is_valid_svg_with_escaped_title_and_year() -> None:
    uri = posters.placeholder_uri('Le <b>"Grand"</b> & l\'été', 1962, "tt1")
    assert "<" not in uri and '"' not in uri and "'" not in uri and " " not in uri
    root = _svg(uri)
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 342 513"
    texts = _texts(root)
    assert "1962" in texts
    assert " ".join(texts[:-1]) == 'Le <b>"Grand"</b> & l\'été'


def test_placeholder_wraps_long_titles_and_handles_missing_values() -> None:
    long_title = "Un titre vraiment très long pour une affiche de cinéma en Creuse " * 3
    lines = _texts(_svg(posters.placeholder_uri(long_title, None)))
    assert len(lines) == 5 and lines[-1].endswith("…")
    assert _texts(_svg(posters.placeholder_uri(None, float("nan")))) == ["Film sans titre"]
    assert _texts(_svg(posters.placeholder_uri("Amélie", 2001.0))) == ["Amélie", "2001"]


def test_placeholder_colour_depends_on_key_only() -> None:
    def colour(key: str) -> str:
        stop = _svg(posters.placeholder_uri("Même titre", 2000, key)).iter(
            "{http://www.w3.org/2000/svg}stop")
        return next(stop).get("stop-color")

    colours = {colour(f"tt{i:07d}") for i in range(40)}
    assert len(colours) > 3
    assert colour("tt0000001") == colour("tt0000001")


def test_poster_src_without_poster_path_is_the_placeholder(tmp_path: Path) -> None:
    row = {"tconst": "tt1", "french_title": "Le Fabuleux Destin", "primary_title": "Amelie",
           "year": 2001, "poster_path": None}
    src = posters.poster_src(row, cache_dir=tmp_path)
    assert _texts(_svg(src)) == ["Le Fabuleux", "Destin", "2001"]


def test_poster_img_has_escaped_attributes_and_onerror_fallback(tmp_path: Path) -> None:
    row = {"tconst": "tt2", "french_title": '<img src=x onerror=alert(1)>"', "year": 1999,
           "poster_path": "/p.jpg"}
    tag = posters.poster_img(row, cache_dir=tmp_path)
    assert "<img src=x" not in tag.replace('<img class="poster"', "")
    attrs = _parse_img(tag)
    assert attrs["src"] == "https://image.tmdb.org/t/p/w342/p.jpg"
    assert attrs["onerror"] == ("this.onerror=null;this.removeAttribute('srcset');"
                                "this.src=this.dataset.fallback;")
    assert attrs["alt"] == 'Affiche : <img src=x onerror=alert(1)>"'
    assert _texts(_svg(attrs["data-fallback"]))[-1] == "1999"


def test_cached_poster_served_by_voila_only_inside_project_root(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row = {"tconst": "tt3", "primary_title": "X", "year": 2000, "poster_path": "/c.jpg"}
    cache = tmp_path / "data" / "posters"
    (cache / "w342").mkdir(parents=True)
    (cache / "w342" / "c.jpg").write_bytes(PNG)
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    assert posters.poster_src(row, cache_dir=cache) == "voila/files/data/posters/w342/c.jpg"
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "elsewhere")
    assert posters.poster_src(row, cache_dir=cache) == "https://image.tmdb.org/t/p/w342/c.jpg"


class _Server:
    """A local image server: ``ok`` works, ``flaky`` fails twice with 500, ``missing`` is 404."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                server.hits[self.path] += 1
                name = self.path.rsplit("/", 1)[-1]
                if name.startswith("ok") or (name.startswith("flaky")
                                             and server.hits[self.path] > 2):
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(PNG)))
                    self.end_headers()
                    self.wfile.write(PNG)
                else:
                    self.send_error(500 if name.startswith("flaky") else 404)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"


@pytest.fixture()
def image_server() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_cache_posters_downloads_retries_and_skips(image_server: _Server, tmp_path: Path) -> None:
    movies = pd.DataFrame({
        "tconst": ["tt1", "tt2", "tt3", "tt4", "tt5"],
        "poster_path": ["/ok1.png", "/flaky.png", "/missing.png", None, "/ok2.png"],
    })
    dest = tmp_path / "posters"
    result = posters.cache_posters(movies, dest, size="w92", workers=4, retries=3,
                                   base_url=image_server.url)
    assert result == {"tt1": dest / "w92" / "ok1.png", "tt2": dest / "w92" / "flaky.png",
                      "tt5": dest / "w92" / "ok2.png"}
    assert all(path.read_bytes() == PNG for path in result.values())
    assert image_server.hits == {"/w92/ok1.png": 1, "/w92/flaky.png": 3,
                                 "/w92/missing.png": 1, "/w92/ok2.png": 1}
    assert sorted(p.name for p in (dest / "w92").iterdir()) == ["flaky.png", "ok1.png", "ok2.png"]

    again = posters.cache_posters(movies, dest, size="w92", base_url=image_server.url)
    assert again == result
    assert image_server.hits["/w92/ok1.png"] == 1  # existing files are not fetched again
    assert image_server.hits["/w92/missing.png"] == 2


def test_cache_posters_gives_up_after_retries(image_server: _Server, tmp_path: Path) -> None:
    movies = pd.DataFrame({"tconst": ["tt9"], "poster_path": ["/flaky9.png"]})
    assert posters.cache_posters(movies, tmp_path, retries=1, base_url=image_server.url) == {}
    assert image_server.hits == {"/w342/flaky9.png": 2}
    assert list(tmp_path.rglob("*")) == []  # nothing half-written


def test_missing_poster_falls_back_to_placeholder_in_the_page(image_server: _Server,
                                                              tmp_path: Path) -> None:
    row = {"tconst": "tt3", "primary_title": "Perdu", "year": 1980, "poster_path": "/missing.png"}
    posters.cache_posters(pd.DataFrame([row]), tmp_path, base_url=image_server.url)
    attrs = _parse_img(posters.poster_img(row, cache_dir=tmp_path))
    assert attrs["src"] == "https://image.tmdb.org/t/p/w342/missing.png"  # fails offline ...
    assert _texts(_svg(attrs["data-fallback"])) == ["Perdu", "1980"]  # ... then this shows


def test_placeholder_title_skips_missing_french_title() -> None:
    row = {"tconst": "tt4", "french_title": float("nan"), "primary_title": "Psycho",
           "year": 1960, "poster_path": "/p.jpg"}
    attrs = _parse_img(posters.poster_img(row))
    assert _texts(_svg(attrs["data-fallback"])) == ["Psycho", "1960"]
    assert attrs["alt"] == "Affiche : Psycho"


def test_cache_posters_fails_fast_when_offline(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    movies = pd.DataFrame({"tconst": ["tt1", "tt2"], "poster_path": ["/a.jpg", "/b.jpg"]})
    with pytest.raises(CineError, match="cannot reach"):
        posters.cache_posters(movies, tmp_path, base_url=f"http://127.0.0.1:{port}/", timeout=2)
    assert list(tmp_path.iterdir()) == []
