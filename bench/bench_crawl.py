"""Full first crawl of a 5,000- and a 20,000-article replica (page size 20): ``wjcrawl crawl`` against a
bare Scrapy spider (``bench/bare_spider.py``: same listing and article requests, responses thrown
away, no items, no pipelines) over the same replica process, in the same run; two alternated rounds,
the best of each kept.

Both crawlers run as child processes with the same Scrapy engine settings (every Scrapy setting of
``wjcrawl.settings``, the per-domain concurrency from ``BENCH_CONCURRENCY``, default 8; delay and
AutoThrottle off, as wjcrawl turns them off against loopback); their CPU seconds are their own
user+sys from ``os.wait4``, which concurrency cannot hide. The replica runs in a process of its own
(its capacity and how busy it was are shown, so it is seen not to be the bottleneck). Goal: wjcrawl
at least 0.9x bare Scrapy in pages/s and in CPU per page (bare CPU / wjcrawl CPU), on both sizes.
A third crawl, the bare spider running wjcrawl's article parser on every article and throwing the
record away, shows the ceiling: what any crawl that parses the pages can reach against bare Scrapy.

``python -m bench.bench_crawl profile [ARTICLES]`` runs the wjcrawl crawl under cProfile instead and
prints its top functions.
"""

from __future__ import annotations

import json
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._shared import (
    CONCURRENCY,
    ReplicaProcess,
    bare_crawl,
    crawl_env,
    ratio,
    remember,
    wjcrawl_crawl,
    work_dir,
)

SIZES = (5_000, 20_000)
ROUNDS = 2
GOAL = 0.9
# Scrapy settings of wjcrawl.settings that are not the engine's: its components, feeds and logging.
NOT_ENGINE = {
    "BOT_NAME",
    "SPIDER_MODULES",
    "NEWSPIDER_MODULE",
    "ITEM_PIPELINES",
    "EXTENSIONS",
    "FEED_EXPORT_FIELDS",
    "FEED_EXPORT_ENCODING",
    "LOG_LEVEL",
    "LOG_FILE",
    "DEFAULT_DROPITEM_LOG_LEVEL",
}


def engine_settings() -> dict[str, Any]:
    """The Scrapy settings a wjcrawl crawl of the replica runs with, read in the crawls' environment."""
    code = (
        "import json, wjcrawl.settings as s, scrapy.settings.default_settings as d; "
        "print(json.dumps({k: getattr(s, k) for k in dir(s) if k.isupper() and hasattr(d, k)}, default=str))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=crawl_env(), capture_output=True, text=True, check=True)
    values = json.loads(out.stdout)
    settings = {k: v for k, v in values.items() if k not in NOT_ENGINE}
    # What wjcrawl's spider does against a loopback base URL (settings.WJCRAWL_LOOPBACK_FAST).
    return settings | {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


def warm_paths(articles: int) -> list[str]:
    """The healing-500 article first (so that neither crawl meets its one 500), then a spread of articles."""
    from wjcrawl.replica import Site

    site = Site(articles=articles)
    heal = [site.article(i).path() for i, name in site.specials.items() if name == "heal500"]
    step = max(1, site.total // 2000)
    return heal + [site.article(i).path() for i in range(0, site.total, step)]


def run() -> dict[str, Any]:
    started = time.perf_counter()
    settings = engine_settings()
    result: dict[str, Any] = {
        "per-domain concurrency / CONCURRENT_REQUESTS": f"{CONCURRENCY} / {settings.get('CONCURRENT_REQUESTS')}",
        "CONCURRENT_ITEMS (both crawlers)": settings.get("CONCURRENT_ITEMS", "100 (Scrapy default)"),
    }
    goals: list[bool] = []
    for n in SIZES:
        with ReplicaProcess(n) as replica:
            capacity = replica.capacity(paths=warm_paths(n))
            # Alternated rounds, the best of each kind kept (one busy moment on a shared 2-core machine
            # moves a single crawl by 10-20 %): the fastest for pages/s, the least CPU for CPU/page.
            bares, wjs, ceilings = [], [], []
            for _ in range(ROUNDS):
                bares.append(bare_crawl(n, replica, settings))
                wjs.append(wjcrawl_crawl(n, replica))
                ceilings.append(bare_crawl(n, replica, settings, parse=True))
        bare, wj, ceiling = (min(runs, key=lambda c: c.run.cpu_s) for runs in (bares, wjs, ceilings))
        bare_fast, wj_fast, ceiling_fast = (min(runs, key=lambda c: c.run.wall_s) for runs in (bares, wjs, ceilings))
        remember(wj)  # bench_memory and bench_export reuse this crawl's database (and its peak RSS)
        k = f"{n // 1000}k"
        speed = ratio(wj_fast.pages_per_s, bare_fast.pages_per_s)
        cpu = ratio(bare.cpu_ms_per_page, wj.cpu_ms_per_page)
        goals += [speed >= GOAL, cpu >= GOAL]
        result |= {
            f"{k} pages fetched bare / wjcrawl": f"{bare.pages} / {wj.pages}",
            f"{k} replica capacity pages/s": round(capacity),
            f"{k} bare pages/s (fastest round)": round(bare_fast.pages_per_s, 1),
            f"{k} wjcrawl pages/s (fastest round)": round(wj_fast.pages_per_s, 1),
            f"{k} bare + wjcrawl parser pages/s (fastest round)": round(ceiling_fast.pages_per_s, 1),
            f"{k} pages/s ratio wjcrawl/bare": speed,
            f"{k} bare CPU s/1000 pages (least-CPU round)": round(bare.cpu_ms_per_page, 3),
            f"{k} wjcrawl CPU s/1000 pages (least-CPU round)": round(wj.cpu_ms_per_page, 3),
            f"{k} CPU/page ratio bare/wjcrawl": cpu,
            f"{k} bare + wjcrawl parser CPU s/1000 pages": round(ceiling.cpu_ms_per_page, 3),
            f"{k} ceiling: CPU/page ratio bare/(bare + parser)": ratio(bare.cpu_ms_per_page, ceiling.cpu_ms_per_page),
            f"{k} wjcrawl CPU/page over the ceiling's": ratio(wj.cpu_ms_per_page, ceiling.cpu_ms_per_page),
            f"{k} replica CPU s/1000 pages": round(wj.replica_cpu_s / wj.pages * 1000, 3),
            f"{k} replica busy bare / wjcrawl": f"{bare_fast.replica_busy:.0%} / {wj_fast.replica_busy:.0%}",
            f"{k} wall s bare / wjcrawl / bare + parser (fastest)": (
                f"{bare_fast.run.wall_s:.1f} / {wj_fast.run.wall_s:.1f} / {ceiling_fast.run.wall_s:.1f}"
            ),
        }
    result["goal >= 0.9x bare, pages/s and CPU/page, both sizes"] = "met" if all(goals) else "not met"
    result["benchmark seconds"] = round(time.perf_counter() - started)
    return result


# --- profile ---------------------------------------------------------------------------------------


def _name(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    path = Path(filename)
    parts = path.parts
    for root in ("wjcrawl", "scrapy", "twisted", "sqlalchemy", "asyncio", "lxml", "lxml_html_clean", "w3lib"):
        if root in parts:
            return f"{'/'.join(parts[parts.index(root) :])}:{line}({name})"
    return f"{path.name}:{line}({name})"


def _table(stats: pstats.Stats, keys: list[tuple[str, int, str]], total: float) -> str:
    rows = ["| # | function | calls | own s | cumulative s | cumulative % |", "| --- | --- | --- | --- | --- | --- |"]
    for rank, func in enumerate(keys, 1):
        cc, nc, tt, ct, _callers = stats.stats[func]  # type: ignore[attr-defined]
        calls = f"{nc}" if cc == nc else f"{nc}/{cc}"
        rows.append(f"| {rank} | `{_name(func)}` | {calls} | {tt:.2f} | {ct:.2f} | {ct / total:.0%} |")
    return "\n".join(rows)


def profile(articles: int = 5_000, top: int = 15) -> str:
    """The wjcrawl crawl of an N-article replica under cProfile: top functions as Markdown tables."""
    out = work_dir() / f"crawl-{articles}.prof"
    with ReplicaProcess(articles) as replica:
        replica.capacity(paths=warm_paths(articles)[:1])
        crawl = wjcrawl_crawl(articles, replica, "-m", "cProfile", "-o", str(out))
    stats = pstats.Stats(str(out))
    entries = stats.stats  # type: ignore[attr-defined]
    total = max(ct for _cc, _nc, _tt, ct, _ in entries.values())
    # The call-stack spine (runpy, cli.main, the reactor loop) sits near 100%: leave it out of "cumulative".
    spine = 0.5 * total
    by_cum = sorted((f for f in entries if entries[f][3] < spine), key=lambda f: -entries[f][3])[:top]
    by_own = sorted(entries, key=lambda f: -entries[f][2])[:top]
    ours = [f for f in entries if "/wjcrawl/" in f[0] and entries[f][3] < spine]
    ours = sorted(ours, key=lambda f: -entries[f][3])[:top]
    own_total = sum(entries[f][2] for f in entries if "/wjcrawl/" in f[0])
    lines = [
        f"cProfile of `wjcrawl crawl` over a {articles}-article replica: {crawl.pages} pages, "
        f"{total:.1f} s profiled ({crawl.run.cpu_s:.1f} CPU s with the profiler on); "
        f"wjcrawl's own code (own time in wjcrawl/): {own_total:.1f} s = {own_total / total:.0%}.",
        "",
        f"Top {top} by cumulative time (below 50% of the run: the call-stack spine is left out):",
        "",
        _table(stats, by_cum, total),
        "",
        f"Top {top} by own time:",
        "",
        _table(stats, by_own, total),
        "",
        f"Top {top} of wjcrawl's own functions by cumulative time:",
        "",
        _table(stats, ours, total),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["profile"]:
        print(profile(int(sys.argv[2]) if len(sys.argv) > 2 else 5_000))
    else:
        for key, value in run().items():
            print(f"{key:<52} {value}")
