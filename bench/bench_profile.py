"""Where the time goes: the wjcrawl crawl of a 5,000-article replica under cProfile (``python -m
bench.bench_profile [ARTICLES]``). The profiler roughly doubles the run time; read the shares, not the
seconds. The tables separate Scrapy's engine (the spine: reactor, scheduler, middleware chains) from
wjcrawl's own functions (parsing, pipelines, the store).
"""

from __future__ import annotations

import sys

from bench.bench_crawl import profile

ARTICLES = 5_000


def run() -> str:
    return profile(ARTICLES)


if __name__ == "__main__":
    print(profile(int(sys.argv[1]) if len(sys.argv) > 1 else ARTICLES))
