"""Customer-facing commands: serve, indicators."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from helpers import config


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    from helpers.app.serve import DEFAULT_PORT

    parser.add_argument("--host", default=None,
                        help="address to listen on (env CINE_HOST; default 127.0.0.1, "
                             "behind a reverse proxy keep it so)")
    parser.add_argument("--port", type=int, default=None,
                        help=f"port (env CINE_PORT; default {DEFAULT_PORT})")
    parser.add_argument("--base-url", default=None,
                        help="URL path the dashboard lives under, e.g. /films/ "
                             "(env CINE_BASE_URL; default /)")
    parser.add_argument("--max-visitors", type=int, default=None,
                        help="most kernels alive at once, preheated pool included (env "
                             "CINE_MAX_VISITORS; default: from the memory available and "
                             "the size of a visitor's kernel, printed at start)")
    parser.add_argument("--no-preheat", action="store_true",
                        help="do not keep a preheated kernel ready (slower first page)")
    parser.add_argument("--pool-size", type=int, default=1,
                        help="number of preheated kernels kept ready (default 1)")
    parser.add_argument("--demo", action="store_true",
                        help="serve the synthetic demo built by `python -m helpers demo` "
                             "(its own folder, CINE_DEMO_DIR) instead of the real data")
    parser.add_argument("--cache-posters", action="store_true",
                        help="first download the TMDB posters into data/posters (needs internet; "
                             "served only when the data folder is inside the project)")


def run_serve(args: argparse.Namespace) -> int:
    from helpers.app.serve import serve

    if args.demo:  # the Voilà process and its kernels inherit the data folder
        os.environ["CINE_DATA_DIR"] = str(config.demo_dir())
    return serve(host=args.host, port=args.port, base_url=args.base_url,
                 max_visitors=args.max_visitors, preheat=not args.no_preheat,
                 pool_size=args.pool_size, cache_posters=args.cache_posters)


def add_nginx_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write the nginx site of the dashboard (deploy/nginx/cine-creuse.conf.j2 rendered, "
        "its French error pages, and brotli.conf where Debian's brotli module is installed) "
        "into --out, for Debian's nginx (see the README, 'Going online').")
    parser.add_argument("--server-name", action="append", required=True, metavar="NAME",
                        help="public host name, e.g. films.cinema-gueret.fr (repeatable)")
    parser.add_argument("--cert", required=True,
                        help="TLS certificate chain, e.g. /etc/letsencrypt/live/NAME/"
                             "fullchain.pem")
    parser.add_argument("--key", required=True,
                        help="its private key, e.g. /etc/letsencrypt/live/NAME/privkey.pem")
    parser.add_argument("--backend", action="append", metavar="HOST:PORT",
                        help="a `serve` process (repeatable; default 127.0.0.1:8866); with "
                             "several, visitors are routed by a cookie (see --sticky)")
    parser.add_argument("--base-url", default=None,
                        help="URL path of the dashboard (env CINE_BASE_URL; default /films/)")
    parser.add_argument("--out", type=Path, default=Path("/etc/nginx/cine-creuse"),
                        help="folder to write into (default /etc/nginx/cine-creuse)")
    parser.add_argument("--listen", action="append", metavar="ADDRESS",
                        help="https listen address (repeatable; default 443 and [::]:443)")
    parser.add_argument("--http-listen", action="append", metavar="ADDRESS",
                        help="plain http address, redirected to https (repeatable; default "
                             "80 and [::]:80; 'none' for no http server)")
    parser.add_argument("--acme-root", default="/var/www/html",
                        help="webroot of certbot's challenges on http (default Debian's "
                             "/var/www/html, as for the first certificate; '' for none)")
    parser.add_argument("--log-dir", type=Path, default=Path("/var/log/nginx"))
    parser.add_argument("--sticky", choices=("cookie", "ip", "none"), default=None,
                        help="how a visitor stays on one backend (default: cookie with "
                             "several backends)")
    parser.add_argument("--brotli", choices=("auto", "on", "off"), default="auto",
                        help="auto: where Debian's libnginx-mod-http-brotli-filter is installed")
    parser.add_argument("--page-rate", type=int, default=20,
                        help="page loads a minute per client address (default 20)")
    parser.add_argument("--page-burst", type=int, default=10,
                        help="page loads allowed at once above that rate (default 10)")


def run_nginx(args: argparse.Namespace) -> int:
    from helpers.app.nginx import site, write_site

    http = [] if args.http_listen in (["none"], [""]) else args.http_listen or ["80", "[::]:80"]
    nginx_site = site(
        args.server_name, args.cert, args.key,
        args.base_url or os.environ.get("CINE_BASE_URL") or "/films/",
        backends=args.backend or ["127.0.0.1:8866"],
        https_listen=args.listen or ["443", "[::]:443"], http_listen=http,
        acme_root=Path(args.acme_root) if args.acme_root else None, log_dir=args.log_dir,
        sticky=args.sticky, brotli={"auto": None, "on": True, "off": False}[args.brotli],
        page_rate=args.page_rate, page_burst=args.page_burst)
    written = write_site(nginx_site, args.out)
    for path in written:
        print(f"wrote {path}")
    print(f"brotli: {'on' if nginx_site.uses_brotli else 'off'}; routing: "
          f"{nginx_site.sticky_mode}")
    print(f"then: ln -sf {written[0]} /etc/nginx/sites-enabled/ && nginx -t && "
          "systemctl reload nginx")
    return 0


def add_indicators_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--processed", type=Path, default=None,
                        help="processed tables folder (default: the configured one)")
    parser.add_argument("--decades", type=int, nargs=2, metavar=("FROM", "TO"),
                        help="decade range, for instance 1960 1990")
    parser.add_argument("--genre", help="IMDb genre, for instance Comedy")


def run_indicators(args: argparse.Namespace) -> int:
    from helpers.app.indicators import draw_page

    decades = tuple(sorted(args.decades)) if args.decades else None
    print(draw_page(args.processed or config.processed_dir(), decades, args.genre))
    return 0
