"""``python -m helpers bench kernel``: where a visitor kernel's memory goes.

Serves the dashboard as ``python -m helpers serve`` does, lets one lightweight visitor
(:class:`benchmarks.widget_client.WidgetClient`, the page's own websocket protocol) do
``--rounds`` recommendations, then reads the visitor kernel's ``/proc/<pid>/smaps`` and
groups its resident memory (RSS), its proportional share (PSS: shared pages divided among
the processes mapping them) and its private pages (USS) by what is mapped: anonymous
memory (Python objects, NumPy/Arrow buffers), shared libraries (by package), the model's
memory-mapped files, other files. Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections import defaultdict
from pathlib import Path

from benchmarks.common import mb
from benchmarks.dashboard import ensure_data_dir, sample_titles, serve
from benchmarks.widget_client import WidgetClient

_SITE = re.compile(r"site-packages/([^/]+)/")


def category(path: str, data: Path) -> str:
    """What a mapping holds, from its path in smaps."""
    if not path or path.startswith("[heap]") or path.startswith("[anon") or path == "[stack]":
        return "anonymous (Python objects, NumPy/Arrow buffers)"
    if path.startswith(str(data)) or "/models/" in path:
        return "data files (memory-mapped model and index)"
    if ".so" in path:
        match = _SITE.search(path)
        package = match[1].split(".")[0] if match else Path(path).name.split(".")[0]
        return f"library: {package.removesuffix('.libs')}"
    if path.startswith("["):
        return "other kernel mappings"
    return "other files"


def smaps(pid: int, data: Path) -> dict[str, dict[str, int]]:
    """{category: {"rss", "pss", "private"} in bytes} of a process."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    current = "other"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            current = category(head[5] if len(head) > 5 else "", data)
        elif head[0] in {"Rss:", "Pss:", "Private_Clean:", "Private_Dirty:"}:
            key = {"Rss:": "rss", "Pss:": "pss"}.get(head[0], "private")
            totals[current][key] += int(head[1]) * 1024
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench kernel", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="full", choices=("tiny", "small", "full"))
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    data = args.data_dir.resolve() if args.data_dir else ensure_data_dir(args.scale)
    titles = sample_titles(data, 50, 0)

    async def visit(url: str) -> WidgetClient:
        client = await WidgetClient.open(url)
        for i in range(args.rounds):
            await client.recommend_round(titles[i % len(titles)][:6])
        return client

    with serve(data, preheat=True, max_visitors=4) as server:
        server.wait_idle_pool(1)
        loop = asyncio.new_event_loop()
        client = loop.run_until_complete(visit(server.url))
        server.wait_idle_pool(2)
        visitor = next(k for k in server.kernels()
                       if client.kernel_id in " ".join(k.cmdline()))
        totals = smaps(visitor.pid, data)
        loop.run_until_complete(client.close())
        loop.close()
    print(f"visitor kernel after {args.rounds} recommendations ({data}):")
    print(f"  {'what':<52} {'RSS':>8} {'PSS':>8} {'private':>8}")
    rows = sorted(totals.items(), key=lambda kv: -kv[1]["rss"])
    for name, values in rows:
        if values["rss"] >= 2**20:
            print(f"  {name:<52} {mb(values['rss']):>8} {mb(values['pss']):>8} "
                  f"{mb(values['private']):>8}")
    total = {key: sum(v[key] for v in totals.values()) for key in ("rss", "pss", "private")}
    print(f"  {'total':<52} {mb(total['rss']):>8} {mb(total['pss']):>8} "
          f"{mb(total['private']):>8}")
    return 0
