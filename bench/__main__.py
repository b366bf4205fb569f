"""`make bench`: run every benchmark in one process run and write docs/benchmarks.md.

Figures are ratios taken in one run on this machine, never timed tests. ``make bench-large``
(``BENCH_LARGE=1``) adds the 100,000-article crawl and export to the memory and export benchmarks.
What the figures mean and what stands in the way of the goals: docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import importlib
import platform
import sys
from pathlib import Path

import scrapy
import sqlalchemy

# In this order: bench_crawl's crawls are reused by bench_memory, bench_export and bench_database
# (one crawl per replica size per run); the profile and the incremental runs crawl on their own.
BENCHMARKS = (
    "bench.bench_replica",
    "bench.bench_parse",
    "bench.bench_crawl",
    "bench.bench_memory",
    "bench.bench_export",
    "bench.bench_database",
    "bench.bench_profile",
    "bench.bench_incremental",
)
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def main() -> int:
    sections = [
        "# Benchmarks\n",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {_cores()} cores, "
        f"Python {platform.python_version()}, Scrapy {scrapy.__version__}, SQLAlchemy {sqlalchemy.__version__}. "
        "Regenerate with `make bench`.\n",
    ]
    for name in BENCHMARKS:
        module = importlib.import_module(name)
        print(f"== {name}", flush=True)
        result = module.run()  # a table of measures, or Markdown of its own (the profile)
        if isinstance(result, str):
            body = result
        else:
            body = "| measure | value |\n| --- | --- |\n" + "\n".join(f"| {k} | {v} |" for k, v in result.items())
        print(body, flush=True)
        doc = (module.__doc__ or "").strip()
        sections.append(f"## {name.split('.')[-1]}\n\n{doc}\n\n{body}\n")
    DOC.write_text("\n".join(sections), encoding="utf-8")
    print(f"written {DOC}")
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
