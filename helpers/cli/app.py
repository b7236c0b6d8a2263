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
