"""Ingest benchmark: the streaming DuckDB ingest vs the naive pandas approach, side by side.

``python -m helpers bench ingest [--scale full|medium|small] [--naive-cap-gb 8]``

Each run is a fresh subprocess whose wall time, CPU time (user + system: unlike wall
time, independent of the other jobs sharing the machine) and peak RSS (whole process
tree) are measured. The naive approach (what peers write: ``pandas.read_csv`` of every
whole file, then filters and merges) runs under a memory cap: above it the process is
killed and reported as not fitting. When it cannot complete at the requested scale,
both approaches also run on the ``medium`` replica (1/10 of full), where the ratio is given.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import bench_dir, ensure_raw, mb, measure

SCALES = ("full", "medium", "small")
TARGET_SECONDS, TARGET_RSS = 120.0, 1.5 * 2**30
WAIT_FOR_BUILD_S = 3600  # another helper may be generating the same replica
LABELS = {"fast": "streaming DuckDB", "naive": "naive pandas"}


@dataclass
class Run:
    approach: str  # "fast" | "naive"
    scale: str
    seconds: float
    peak_rss: int
    status: str  # "ok", "killed above ..." or "failed ..."
    cpu: float = 0.0  # user + system CPU seconds of the process and its threads
    films: int | None = None


def wait_for_raw(scale: str) -> Path:
    """The replica of a scale: wait while another process builds it, else build it once."""
    raw = bench_dir() / f"raw_{scale}"
    deadline = time.monotonic() + WAIT_FOR_BUILD_S
    while raw.is_dir() and not (raw / ".complete").is_file():
        if time.monotonic() > deadline:
            raise SystemExit(f"{raw} is still incomplete after {WAIT_FOR_BUILD_S} s")
        print(f"waiting for the {scale} replica being built in {raw} ...", flush=True)
        time.sleep(15)
    return ensure_raw(scale)


def naive_ingest(raw: Path, out: Path) -> int:
    """The naive approach: read every whole file with pandas, then filter and merge."""
    import pandas as pd

    from helpers.config import DEFAULT_PARAMS as p

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(raw / f"{name}.tsv.gz", sep="\t", na_values="\\N",
                           keep_default_na=False, quoting=csv.QUOTE_NONE, low_memory=False)

    basics, ratings, akas = read("title.basics"), read("title.ratings"), read("title.akas")
    crew, principals, names = read("title.crew"), read("title.principals"), read("name.basics")
    episodes, tmdb = read("title.episode"), pd.read_csv(raw / "tmdb_full.csv")
    movies = basics[basics["titleType"] == "movie"].merge(ratings, on="tconst", how="left")
    for col in ("isAdult", "startYear", "runtimeMinutes"):
        movies[col] = pd.to_numeric(movies[col], errors="coerce")
    movies = movies[(movies["isAdult"] == 0) & movies["startYear"].between(p.min_year, p.max_year)
                    & movies["runtimeMinutes"].between(p.min_runtime, p.max_runtime)
                    & (movies["numVotes"] >= p.min_votes)]
    french = akas[akas["region"] == "FR"].drop_duplicates("titleId")
    movies = movies.merge(french[["titleId", "title"]].rename(
        columns={"titleId": "tconst", "title": "french_title"}), on="tconst", how="left")
    movies = movies.merge(crew, on="tconst", how="left")
    cast = principals[principals["category"].isin(["actor", "actress"])].merge(
        movies[["tconst"]], on="tconst").merge(names[["nconst", "primaryName"]], on="nconst",
                                                how="left")
    top = cast.sort_values(["tconst", "ordering"]).groupby("tconst").head(p.top_cast)
    movies = movies.merge(top.groupby("tconst").agg(cast=("nconst", list),
                                                    cast_names=("primaryName", list)),
                          on="tconst", how="left")
    best = tmdb.sort_values("vote_count", ascending=False).drop_duplicates("imdb_id")
    movies = movies.merge(best, left_on="tconst", right_on="imdb_id", how="left")
    series = basics[basics["titleType"].isin(p.series_types)].merge(ratings, on="tconst")
    series = series[series["numVotes"] >= p.min_series_votes]
    series["n_episodes"] = series["tconst"].map(episodes.groupby("parentTconst").size())
    out.mkdir(parents=True, exist_ok=True)
    movies.astype({"cast": str, "cast_names": str}).to_parquet(out / "movies.parquet")
    cast.to_parquet(out / "credits.parquet")
    series.to_parquet(out / "series.parquet")
    return len(movies)


def _child(argv: list[str]) -> int:
    """Entry point of the measured subprocess: ``fast|naive RAW OUT``; prints the film count."""
    approach, raw, out = argv[0], Path(argv[1]), Path(argv[2])
    if approach == "fast":
        from helpers.data.ingest import ingest

        films = ingest(raw, out)["tables"]["movies"]["rows"]
    else:
        films = naive_ingest(raw, out)
    print(json.dumps({"films": films}))
    return 0


def measure_run(approach: str, scale: str, raw: Path, cap: float | None = None,
                time_cap: float | None = None) -> Run:
    """Run one approach in a subprocess; kill it when its tree RSS exceeds ``cap`` bytes
    or its wall time exceeds ``time_cap`` seconds."""
    bench_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=bench_dir()) as tmp:
        cmd = [sys.executable, "-m", "benchmarks.ingest", approach, str(raw), f"{tmp}/out"]
        with open(f"{tmp}/stdout", "w+") as out, open(f"{tmp}/stderr", "w+") as err:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
            started = time.perf_counter()
            killed = ""
            with measure(proc.pid) as m:
                # WNOWAIT: the exited child stays a zombie (not reaped) until measured
                while os.waitid(os.P_PID, proc.pid,
                                os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                    elapsed = time.perf_counter() - started
                    if not killed and cap is not None and m.peak_rss > cap:
                        killed = f"killed above the {mb(cap)} cap"
                        proc.kill()
                    elif not killed and time_cap is not None and elapsed > time_cap:
                        killed = f"killed after {time_cap:.0f} s"
                        proc.kill()
                    time.sleep(0.1)
            _, status, usage = os.wait4(proc.pid, 0)  # reap, with the child's CPU usage
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
    if killed:
        return Run(approach, scale, m.seconds, m.peak_rss, killed, cpu)
    if proc.returncode != 0:
        last = (stderr.strip().splitlines() or ["?"])[-1]
        return Run(approach, scale, m.seconds, m.peak_rss, f"failed: {last}", cpu)
    return Run(approach, scale, m.seconds, m.peak_rss, "ok", cpu,
               json.loads(stdout.strip().splitlines()[-1])["films"])


def describe(raw: Path) -> str:
    files = sorted(p for p in raw.iterdir() if p.name.endswith((".gz", ".csv")))
    size = sum(p.stat().st_size for p in files)
    return f"{len(files)} files, {size / 2**30:.2f} GB on disk"


def print_table(runs: list[Run]) -> None:
    print(f"{'approach':<18} {'data':<8} {'wall time':>10} {'CPU time':>9} {'peak RSS':>10}"
          "  result")
    for r in runs:
        films = f" ({r.films:,} films)" if r.films is not None else ""
        print(f"{LABELS[r.approach]:<18} {r.scale:<8} {r.seconds:>9.1f}s {r.cpu:>8.1f}s "
              f"{mb(r.peak_rss):>10}  {r.status}{films}", flush=True)


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench ingest")
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument("--naive-cap-gb", type=float, default=8.0,
                        help="memory cap of the naive approach (a modest laptop)")
    parser.add_argument("--naive-time-cap", type=float, default=900.0,
                        help="wall-time cap (seconds) of the naive approach")
    args = parser.parse_args(argv)
    caps = (args.naive_cap_gb * 2**30, args.naive_time_cap)
    raw = wait_for_raw(args.scale)
    print(f"ingest benchmark on {os.cpu_count()} cores, {args.scale} replica: {describe(raw)}; "
          f"{load()}", flush=True)
    runs = [measure_run("fast", args.scale, raw)]
    print_table(runs)
    runs.append(measure_run("naive", args.scale, raw, *caps))
    compare = args.scale if runs[-1].status == "ok" else None
    if compare is None and args.scale == "full":
        raw_medium = wait_for_raw("medium")
        print(f"the naive approach did not complete on full: both run on the medium replica "
              f"(1/10 of full: {describe(raw_medium)})", flush=True)
        runs += [measure_run("fast", "medium", raw_medium),
                 measure_run("naive", "medium", raw_medium, *caps)]
        compare = "medium" if runs[-1].status == "ok" else None
    print(f"\nresults ({load()})")
    print_table(runs)
    if compare is not None:
        fast, naive = (r for r in runs if r.scale == compare)
        print(f"ratio naive / streaming on {compare}: wall time x{naive.seconds / fast.seconds:.1f}"
              f", peak memory x{naive.peak_rss / fast.peak_rss:.1f}")
    if args.scale == "full":
        main_run = runs[0]
        ok_time = main_run.status == "ok" and main_run.seconds < TARGET_SECONDS
        print(f"targets on full: wall time < {TARGET_SECONDS:.0f} s "
              f"{'MET' if ok_time else 'MISSED'}; peak RSS < {mb(TARGET_RSS)} "
              f"{'MET' if main_run.peak_rss < TARGET_RSS else 'MISSED'}")
    return 0 if runs[0].status == "ok" else 1


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
