"""``python -m helpers nginx``: the dashboard's nginx site, rendered from ``deploy/nginx/``.

:func:`write_site` renders ``deploy/nginx/cine-creuse.conf.j2`` with a :class:`NginxSite`
(every value is checked first: nothing that could end a directive reaches the file) and
writes into one folder the site configuration, the French pages nginx answers with itself
(``errors/429.html`` past the page-load rate limit, ``errors/503.html`` when no dashboard
server answers, both from :mod:`helpers.app.pages`) and, when Debian's brotli module is
installed, ``brotli.conf`` (included by the site only then, so that the site still loads
on an nginx without it).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from helpers import config, files
from helpers.app import pages
from helpers.app.mail import LINK_PATHS
from helpers.app.serve import normalise_base_url
from helpers.errors import CineError

DEPLOY_DIR = config.PROJECT_ROOT / "deploy" / "nginx"
TEMPLATE = "cine-creuse.conf.j2"
SITE_FILE = "cine-creuse.conf"
BROTLI_FILE = "brotli.conf"
ERRORS_DIR = "errors"
#: Debian's brotli filter module (package libnginx-mod-http-brotli-filter).
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
#: Cookie naming a visitor's backend (a random id nginx sets; no personal data).
ROUTE_COOKIE = "cc_route"
STICKY = ("cookie", "ip", "none")

_NAME = re.compile(r"(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+|_")
_HOST_PORT = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}")
_LISTEN = re.compile(r"(?:(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]*\]):)?\d{1,5}")
_PATH = re.compile(r"/[A-Za-z0-9._/+-]*")
#: A sub-path such as /films/ ("/" would give two "location /" blocks: nginx refuses the site).
_BASE = re.compile(r"/(?:[A-Za-z0-9._-]+/)+")


@dataclass(frozen=True)
class NginxSite:
    """Settings of the site (see ``python -m helpers nginx --help`` for each)."""

    server_names: tuple[str, ...]
    certificate: Path
    certificate_key: Path
    backends: tuple[str, ...] = ("127.0.0.1:8866",)
    base_url: str = "/films/"
    https_listen: tuple[str, ...] = ("443", "[::]:443")
    http_listen: tuple[str, ...] = ("80", "[::]:80")
    log_dir: Path = Path("/var/log/nginx")
    acme_root: Path | None = Path("/var/www/html")  # Debian's default site's webroot
    #: cookie (default with several backends), ip (ip_hash) or none (one backend)
    sticky: str | None = None
    #: brotli include: None means "where Debian's module is installed"
    brotli: bool | None = None
    page_rate: int = 20  # page loads a minute per client address
    page_burst: int = 10  # page loads at once above that rate

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check(problems, "server name", self.server_names, _NAME)
        _check(problems, "backend (host:port)", self.backends, _HOST_PORT)
        _check(problems, "listen address", (*self.https_listen, *self.http_listen), _LISTEN)
        paths = [self.certificate, self.certificate_key, self.log_dir]
        _check(problems, "absolute path", [str(p) for p in paths + [self.acme_root] if p],
               _PATH)
        if not _BASE.fullmatch(self.base_url):
            problems.append(f"base URL {self.base_url!r} (give a path such as /films/)")
        if self.sticky not in (None, *STICKY):
            problems.append(f"sticky {self.sticky!r} (one of {', '.join(STICKY)})")
        if not (self.server_names and self.backends and self.https_listen):
            problems.append("empty list (server names, backends and https addresses are "
                            "needed)")
        if not (0 < self.page_rate <= 6000 and 0 <= self.page_burst <= 1000):
            problems.append(f"page rate {self.page_rate}/min, burst {self.page_burst}")
        if problems:
            raise CineError("nginx site: invalid " + "; invalid ".join(problems))

    @property
    def sticky_mode(self) -> str:
        if self.sticky is not None:
            return self.sticky
        return "cookie" if len(self.backends) > 1 else "none"

    @property
    def uses_brotli(self) -> bool:
        return BROTLI_MODULE.is_file() if self.brotli is None else self.brotli


def _check(problems: list[str], what: str, values: object, pattern: re.Pattern) -> None:
    for value in values:
        if not pattern.fullmatch(str(value)):
            problems.append(f"{what} {value!r}")


def site(server_names: list[str], certificate: str, certificate_key: str,
         base_url: str = "/films/", **options: object) -> NginxSite:
    """A :class:`NginxSite` from command-line style values (lists, strings)."""
    tuples = {k: tuple(v) for k, v in options.items() if isinstance(v, list)}
    return NginxSite(tuple(server_names), Path(certificate), Path(certificate_key),
                     base_url=normalise_base_url(base_url), **{**options, **tuples})


def render_site(site: NginxSite, out_dir: Path) -> str:
    """The site configuration, for files written in ``out_dir`` (see :func:`write_site`)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(DEPLOY_DIR),
                                     undefined=jinja2.StrictUndefined, autoescape=False,
                                     keep_trailing_newline=True)
    out_dir = Path(out_dir).resolve()
    port = site.https_listen[0].rsplit(":", 1)[-1]
    links = sorted(path.split("/", 1) for path in LINK_PATHS.values())
    (prefix,) = {first for first, _ in links}
    return environment.get_template(TEMPLATE).render(
        server_names=site.server_names, backends=site.backends, base_url=site.base_url,
        base_re=re.escape(site.base_url), https_listen=site.https_listen,
        http_listen=site.http_listen, https_port_suffix="" if port == "443" else f":{port}",
        certificate=site.certificate, certificate_key=site.certificate_key,
        log_dir=site.log_dir, acme_root=site.acme_root, sticky=site.sticky_mode,
        route_cookie=ROUTE_COOKIE, page_rate=site.page_rate, page_burst=site.page_burst,
        links_prefix=prefix,
        links_re=re.escape(prefix) + "/(?:" + "|".join(rest for _, rest in links) + ")",
        errors_dir=out_dir / ERRORS_DIR,
        brotli_include=out_dir / BROTLI_FILE if site.uses_brotli else None)


def write_site(site: NginxSite, out_dir: Path) -> list[Path]:
    """Write the site configuration, its French error pages and (with brotli) the brotli
    settings into ``out_dir``; returns the files written, the configuration first."""
    out_dir = Path(out_dir).resolve()
    written = [files.write_text(out_dir / SITE_FILE, render_site(site, out_dir))]
    for name, page in (("429.html", pages.too_many_page()),
                       ("503.html", pages.restarting_page())):
        written.append(files.write_text(out_dir / ERRORS_DIR / name, page))
    if site.uses_brotli:
        written.append(Path(shutil.copyfile(DEPLOY_DIR / BROTLI_FILE, out_dir / BROTLI_FILE)))
    return written
