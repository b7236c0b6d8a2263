"""Benchmarks printing figures next to the naive approach, outside the runtime package.

Run ``python -m helpers bench <name> [options]`` (or ``python -m benchmarks <name>``).
Each benchmark is a module ``benchmarks.<name>`` with ``main(argv) -> int``.
"""

BENCHMARKS = ("ingest", "kpi", "search", "recommend", "dashboard", "flood", "kernel", "notify",
              "page", "proxy")
