"""Peak RSS (``ru_maxrss`` of the child from ``os.wait4``) of ``wjcrawl crawl`` over a 1,000- and a
10,000-article replica (and 100,000 with ``BENCH_LARGE=1``, about ten minutes more), and of
``wjcrawl export -o FILE`` of each crawled database, up to the largest one crawled in this run.

A crawl's memory must not grow with the archive: goal, crawl RSS at 100k at most 1.3x the RSS at 1k
(judged with BENCH_LARGE=1 only; without it the 10k / 1k ratio and a linear extrapolation, which
overestimates, are shown). The export streams: its RSS must stay flat (largest / smallest at most
1.3x too).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from bench._shared import LARGE, crawled, largest_size, ratio, run_measured

SIZES = (1_000, 10_000, *((100_000,) if LARGE else ()))
GOAL = 1.3


def export_rss(articles: int) -> tuple[float, float]:
    """(peak RSS MB, wall s) of ``wjcrawl export`` of the crawled N-article database."""
    crawl = crawled(articles)
    out = crawl.db.with_suffix(".jsonl") if crawl.db else None
    run = run_measured(
        [sys.executable, "-m", "wjcrawl", "export", "--db", f"sqlite:///{crawl.db}", "-o", str(out)]
    ).check()
    if out:
        out.unlink(missing_ok=True)
    return run.maxrss_mb, run.wall_s


def run() -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any] = {}
    crawl_rss: dict[int, float] = {}
    for n in SIZES:
        crawl = crawled(n)  # reused if bench_crawl already crawled this size in this run
        crawl_rss[n] = crawl.run.maxrss_mb
        result[f"crawl {n:,} articles: peak RSS MB"] = round(crawl.run.maxrss_mb, 1)
    small, large = SIZES[0], SIZES[-1]
    growth = ratio(crawl_rss[large], crawl_rss[small])
    result[f"crawl RSS {large // 1000}k / {small // 1000}k"] = growth
    per_10k = (crawl_rss[large] - crawl_rss[small]) / ((large - small) / 10_000)
    result["crawl RSS growth MB per 10k articles"] = round(per_10k, 1)
    if not LARGE:
        result["crawl RSS 100k / 1k, extrapolated linearly"] = ratio(crawl_rss[small] + per_10k * 9.9, crawl_rss[small])
    export_sizes = sorted({*SIZES, largest_size()})
    export: dict[int, float] = {}
    for n in export_sizes:
        export[n], _seconds = export_rss(n)
        result[f"export {n:,} articles: peak RSS MB"] = round(export[n], 1)
    top = export_sizes[-1]
    result[f"export RSS {top // 1000}k / {small // 1000}k"] = ratio(export[top], export[small])
    if LARGE:
        result["goal crawl RSS 100k <= 1.3x 1k"] = "met" if growth <= GOAL else "not met"
    else:
        result["goal crawl RSS 100k <= 1.3x 1k"] = f"measured with BENCH_LARGE=1 only ({large // 1000}k / 1k: {growth})"
    result["goal export RSS flat (<= 1.3x)"] = "met" if export[top] / export[small] <= GOAL else "not met"
    result["benchmark seconds"] = round(time.perf_counter() - started)
    return result


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<44} {value}")
