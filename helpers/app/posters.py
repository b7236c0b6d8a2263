"""Film posters: TMDB URL, optional local cache and a generated SVG placeholder.

The dashboard never shows a broken-image icon: every ``<img>`` carries a
placeholder (an SVG data URI with the title and year) used when the film has no
poster and, through ``onerror``, when the poster cannot load (offline, 404).

Local cache: ``cache_posters`` downloads posters into ``config.posters_dir()``.
Voilà only serves files that live under the notebook's folder (the project
root), at ``voila/files/<path>``, and only for allowlisted extensions (jpg, png,
gif, svg by default). So a cached poster is used only when the data folder is
inside the project root; otherwise (``CINE_DATA_DIR`` elsewhere, Colab) the page
falls back to the TMDB URL: embedding every image in the page would make each
result a large message per visitor, which is what the cache is meant to avoid.
"""

from __future__ import annotations

import hashlib
import html
import re
import textwrap
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pandas as pd

from helpers import config, files
from helpers.errors import CineError

if TYPE_CHECKING:
    import requests

TMDB_IMAGE_BASE = "https://image.tmdb.org/t/p/"
DEFAULT_SIZE = "w342"
#: Where Voilà serves the files found under the notebook's folder.
VOILA_FILES_PREFIX = "voila/files/"
_POSTER_PATH = re.compile(r"^/[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(?:jpe?g|png|gif|webp)$", re.IGNORECASE)
#: Background gradients of the placeholders (dark, so the white title reads well).
_PALETTE = (
    ("#1d3557", "#457b9d"),  # navy
    ("#6a040f", "#b5313a"),  # burgundy
    ("#1b4332", "#40916c"),  # forest
    ("#3c096c", "#7b2cbf"),  # plum
    ("#7f4f24", "#b08968"),  # walnut
    ("#005f73", "#0a9396"),  # teal
    ("#343a40", "#6c757d"),  # slate
    ("#9c2c00", "#e85d04"),  # amber
)


def poster_url(poster_path: object, size: str = DEFAULT_SIZE,
               base_url: str = TMDB_IMAGE_BASE) -> str | None:
    """TMDB image URL of a ``poster_path`` ("/abc.jpg"), or None when absent or malformed."""
    if not isinstance(poster_path, str) or not _POSTER_PATH.match(poster_path):
        return None
    return f"{base_url.rstrip('/')}/{size}{quote(poster_path)}"


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def placeholder_svg(title: object, year: object = None, key: str = "") -> str:
    """A 2:3 SVG poster showing the (escaped) title and year, coloured from ``key``."""
    title_text = _text(title).strip() or "Film sans titre"
    year_text = _text(year)
    if year_text.endswith(".0"):
        year_text = year_text[:-2]
    digest = hashlib.sha1((key or title_text).encode("utf-8", "surrogatepass")).digest()
    top, bottom = _PALETTE[digest[0] % len(_PALETTE)]
    lines = textwrap.wrap(title_text, width=16)[:5] or [title_text[:16]]
    if len(textwrap.wrap(title_text, width=16)) > 5:
        lines[-1] = lines[-1][:15] + "…"
    first_y = 250 - 22 * (len(lines) - 1)
    tspans = "".join(
        f'<tspan x="171" y="{first_y + 44 * i}">{html.escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="342" height="513" viewBox="0 0 342 513">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient></defs>"
        '<rect width="342" height="513" fill="url(#g)"/>'
        '<rect x="14" y="14" width="314" height="485" rx="10" fill="none" '
        'stroke="#ffffff" stroke-opacity="0.25" stroke-width="2"/>'
        # a clapperboard drawn with shapes (emoji fonts are not everywhere)
        '<g fill="#ffffff" fill-opacity="0.35">'
        '<rect x="131" y="74" width="80" height="50" rx="4"/>'
        '<path d="M131 66 L207 52 L211 64 L135 78 Z"/></g>'
        '<text text-anchor="middle" font-family="Georgia, serif" font-size="34" '
        f'font-weight="bold" fill="#ffffff">{tspans}</text>'
        '<text x="171" y="450" text-anchor="middle" font-family="sans-serif" font-size="28" '
        f'fill="#ffffff" fill-opacity="0.8">{html.escape(year_text)}</text>'
        "</svg>"
    )


def placeholder_uri(title: object, year: object = None, key: str = "") -> str:
    """The placeholder as a ``data:`` URI, percent-encoded (safe in any HTML attribute)."""
    svg = placeholder_svg(title, year, key)
    return "data:image/svg+xml;charset=utf-8," + quote(svg, safe="", errors="replace")


def display_title(row: Mapping) -> str:
    """French title when there is one, else the primary or original title."""
    for key in ("french_title", "primary_title", "original_title"):
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def cached_file(poster_path: object, cache_dir: Path | None = None,
                size: str = DEFAULT_SIZE) -> Path:
    """Where the cached copy of a poster lives (whether or not it exists)."""
    folder = Path(cache_dir) if cache_dir is not None else config.posters_dir()
    return folder / size / str(poster_path).lstrip("/")


def _served_url(path: Path) -> str | None:
    """URL under which Voilà serves ``path``, or None when it is outside the project root."""
    try:
        relative = path.resolve().relative_to(config.PROJECT_ROOT)
    except ValueError:
        return None
    return VOILA_FILES_PREFIX + quote(relative.as_posix())


def poster_src(movie_row: Mapping, cache_dir: Path | None = None,
               size: str = DEFAULT_SIZE) -> str:
    """Best image source for a film: served cached file, else TMDB URL, else placeholder."""
    poster_path = movie_row.get("poster_path")
    url = poster_url(poster_path, size)
    if url is None:
        return placeholder_uri(display_title(movie_row), movie_row.get("year"),
                               _text(movie_row.get("tconst")))
    local = cached_file(poster_path, cache_dir, size)
    if local.is_file():
        served = _served_url(local)
        if served is not None:
            return served
    return url


#: Shown instead of a poster that fails to load (the srcset is dropped too, or the browser
#: would keep trying its candidates).
FALLBACK_HANDLER = ("this.onerror=null;this.removeAttribute('srcset');"
                    "this.src=this.dataset.fallback;")


def poster_img(movie_row: Mapping, css_class: str = "poster", cache_dir: Path | None = None,
               size: str = DEFAULT_SIZE, srcset: Sequence[str] = (),
               sizes: str = "100vw") -> str:
    """An ``<img>`` tag (escaped) that switches to the placeholder if the poster fails to load.

    ``srcset`` lists TMDB sizes (``("w185", "w342")``) the browser may pick from for the
    displayed width ``sizes`` (a CSS ``sizes`` value) and the screen's pixel density; ``size``
    is the fallback ``src``. Posters load lazily, as they come into view.
    """
    title = display_title(movie_row)
    fallback = placeholder_uri(title, movie_row.get("year"), _text(movie_row.get("tconst")))
    src = poster_src(movie_row, cache_dir, size)
    alt = f"Affiche : {_text(title)}"
    choices = ""
    if srcset and poster_url(movie_row.get("poster_path")) is not None:
        candidates = ", ".join(f"{poster_src(movie_row, cache_dir, s)} {s.lstrip('w')}w"
                               for s in srcset)
        choices = f' srcset="{html.escape(candidates)}" sizes="{html.escape(sizes)}"'
    return (
        f'<img class="{html.escape(css_class)}" src="{html.escape(src)}"{choices} '
        f'data-fallback="{html.escape(fallback)}" alt="{html.escape(alt)}" loading="lazy" '
        f'decoding="async" onerror="{FALLBACK_HANDLER}">'
    )


def _download(url: str, dest: Path, timeout: float, session: requests.Session) -> bool:
    """Fetch one image into ``dest`` atomically (the session retries, see ``_retrying``)."""
    import requests

    try:
        response = session.get(url, timeout=timeout)
    except requests.RequestException:
        return False
    if response.status_code != 200 or not response.content:
        return False  # 404 and other client errors; server errors already retried
    files.write_bytes(dest, response.content)
    return True


def _retrying(session: requests.Session, retries: int) -> requests.Session:
    """Retry network errors, 429 and 5xx with exponential backoff (urllib3's ``Retry``)."""
    from requests.adapters import HTTPAdapter
    from urllib3.util import Retry

    retry = Retry(total=retries, backoff_factor=0.2, status_forcelist=(429, 500, 502, 503, 504),
                  allowed_methods=("GET",), raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def cache_posters(movies: pd.DataFrame, dest: Path | None = None, size: str = DEFAULT_SIZE,
                  workers: int = 8, retries: int = 3, base_url: str = TMDB_IMAGE_BASE,
                  timeout: float = 10.0) -> dict[str, Path]:
    """Download the films' posters concurrently into ``dest``; return ``{tconst: file}``.

    Existing files are skipped, downloads are atomic (temporary file then rename),
    network errors and server errors are retried; films whose poster cannot be
    fetched are left out of the result (the page shows their placeholder). Raises
    CineError at once when the image server cannot be reached at all.
    """
    folder = Path(dest) if dest is not None else config.posters_dir()
    jobs: dict[str, tuple[str, Path]] = {}
    for tconst, poster_path in zip(movies["tconst"], movies["poster_path"], strict=True):
        url = poster_url(poster_path, size, base_url)
        if url is not None:
            jobs[tconst] = (url, cached_file(poster_path, folder, size))
    todo = {t: job for t, job in jobs.items() if not job[1].is_file()}
    # imported here: a visitor's kernel imports this module but never downloads (about 5 MB)
    import requests
    from tqdm.auto import tqdm

    with _retrying(requests.Session(), retries) as session, \
            ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        if todo:
            try:  # any HTTP answer will do: fail fast offline instead of retrying every poster
                requests.head(base_url, timeout=timeout)  # no retry: offline is final
            except requests.RequestException as exc:
                raise CineError(f"cannot reach {base_url} ({type(exc).__name__}): posters not "
                                "cached, the dashboard shows placeholders instead") from exc
        futures = {t: pool.submit(_download, url, path, timeout, session)
                   for t, (url, path) in todo.items()}
        for future in tqdm(futures.values(), total=len(futures), desc="affiches",
                           disable=len(futures) < 20):
            future.result()
    return {t: path for t, (_, path) in jobs.items() if path.is_file()}
