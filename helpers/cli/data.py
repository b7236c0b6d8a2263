"""Data commands: download, synth, ingest, build, demo."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from helpers import config


def add_download_arguments(parser: argparse.ArgumentParser) -> None:
    from helpers.data.download import ALL_FILES

    parser.add_argument("--raw", type=Path, help="destination folder (default: data/raw)")
    parser.add_argument("--imdb-source",
                        help="base URL or local folder of the IMDb files (CINE_IMDB_SOURCE)")
    parser.add_argument("--tmdb-source",
                        help="Google Drive id, URL or local file of the TMDB table "
                        "(CINE_TMDB_SOURCE)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=ALL_FILES,
                        help=f"fetch only these files ({', '.join(ALL_FILES)})")
    parser.add_argument("--force", action="store_true", help="fetch again even if cached")
    parser.add_argument("--refresh", action="store_true",
                        help="ask the http(s) sources whether cached files changed "
                             "(conditional GET) and download only those")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run_download(args: argparse.Namespace) -> int:
    from helpers.data.download import download_all

    paths = download_all(args.raw, args.imdb_source, args.tmdb_source, progress=not args.quiet,
                         only=args.only, force=args.force, refresh=args.refresh)
    for name, path in paths.items():
        print(f"{name:<26} {path.stat().st_size / 1e6:10.1f} MB  {path}")
    return 0


def add_synth_arguments(parser: argparse.ArgumentParser) -> None:
    from helpers.data.synthetic import SCALES

    parser.add_argument("--scale", default="tiny", choices=tuple(SCALES))
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: the configured data/raw)")
    parser.add_argument("--seed", type=int, default=0)


def run_synth(args: argparse.Namespace) -> int:
    from helpers.data.synthetic import generate
    from helpers.schema import SYNTHETIC_MARKER

    out = args.out or config.raw_dir()
    start = time.perf_counter()
    paths = generate(out, scale=args.scale, seed=args.seed)
    rows = json.loads(paths[SYNTHETIC_MARKER].read_text())["rows"]
    for name, count in rows.items():
        size = paths[name].stat().st_size
        print(f"{name:<26} {count:>12,} rows  {size / 2**20:>9,.1f} MB")
    print(f"SYNTHETIC {args.scale} data (seed {args.seed}) written to {out} "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


def add_ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", type=Path, default=None,
                        help="folder of the raw files (default: data/raw)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder of the Parquet tables (default: data/processed)")
    parser.add_argument("--min-votes", type=int, default=None,
                        help=f"minimum IMDb votes of a kept film (default "
                             f"{config.DEFAULT_PARAMS.min_votes})")
    parser.add_argument("--partial", action="store_true",
                        help="accept a partial set of IMDb files (only title.basics required)")


def run_ingest(args: argparse.Namespace) -> int:
    from helpers.data.ingest import ingest

    params = config.DEFAULT_PARAMS
    if args.min_votes is not None:
        params = replace(params, min_votes=args.min_votes)
    out = args.out or config.processed_dir()
    manifest = ingest(args.raw or config.raw_dir(), out, params, require_all=not args.partial)
    for name, info in manifest["tables"].items():
        print(f"{name:<13} {info['rows']:>10,} rows")
    if manifest["missing_files"]:
        print(f"missing files: {', '.join(manifest['missing_files'])}")
    print(f"tables written to {out} in {manifest['seconds']} s")
    return 0


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Download (cached), ingest and fit into a new data release put in service while the "
        "dashboard serves (data/current). Sources follow CINE_IMDB_SOURCE and "
        "CINE_TMDB_SOURCE; without internet use `python -m helpers demo`."
    )
    parser.add_argument("--refresh", action="store_true",
                        help="monthly refresh: download only the files changed upstream "
                             "(conditional GET; a Google Drive file is kept) and rebuild only "
                             "if something changed")
    parser.add_argument("--force", action="store_true",
                        help="download every file again (the Google Drive one included)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run_build(args: argparse.Namespace) -> int:
    from helpers.app.build import build

    result = build(refresh=args.refresh, force=args.force, progress=not args.quiet)
    serving = result.serving.name if result.serving else "none"
    if result.release is None:
        print(f"nothing changed upstream since release {serving}: nothing rebuilt")
    else:
        changed = ", ".join(result.changed) if result.changed else "none (rebuilt anyway)"
        print(f"changed: {changed}")
        print(f"release {serving} in service ({config.data_dir() / config.CURRENT_LINK}): "
              "new visitors get it, open pages keep theirs")
    for release in result.removed:
        print(f"removed old release {release.name}")
    for release in result.in_use:
        print(f"kept old release {release.name}: still used by a running process")
    return 0


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", default="small", choices=("tiny", "small", "full"))
    parser.add_argument("--seed", type=int, default=0)


def run_demo(args: argparse.Namespace) -> int:
    from helpers.app.build import build_demo

    data = build_demo(scale=args.scale, seed=args.seed)
    print(f"demo data ready in {data} (SYNTHETIC, not real IMDb/TMDB data)")
    print("serve it with: python -m helpers serve --demo")
    return 0
