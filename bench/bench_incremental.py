"""Incremental cron runs on a 20,000-article replica: requests and seconds of a re-run with k new
articles (k = 0, 1, 10, 100), next to the first full crawl and next to a deltafetch-style run
(``--full``: walks every listing page, skips every stored article by its id, as a request-fingerprint
skip would). Each re-run starts from a copy of the day-1 archive; k new articles are day 2 of a
replica publishing k a day. The budget is k + C + 2 requests (C = 5 channels).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._shared import crawl_argv, crawl_env
from wjcrawl.replica import CHANNELS, Replica, Site

ARTICLES = int(os.environ.get("BENCH_INCREMENTAL_ARTICLES", "20000"))


def _crawl(site: Site, port: int, db: Path, *extra: str) -> tuple[int, float]:
    with Replica(site, port=port) as replica:
        started = time.perf_counter()
        subprocess.run(
            crawl_argv(replica.base_url, f"sqlite:///{db}", *extra),
            env=crawl_env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return len(replica.requests), time.perf_counter() - started


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="wjcrawl-bench-"))
    try:
        with Replica(Site(articles=1)) as probe:
            port = int(probe.base_url.rsplit(":", 1)[1])
        day1 = work / "day1.db"
        requests, seconds = _crawl(Site(articles=ARTICLES, page_size=20), port, day1)
        result: dict[str, Any] = {
            "articles": ARTICLES,
            "full_crawl_requests": requests,
            "full_crawl_s": round(seconds, 1),
        }
        for k in (0, 1, 10, 100):
            site = Site(articles=ARTICLES, page_size=20, day=2, new_per_day=k)
            for mode, extra in (("incremental", ()), ("deltafetch_style", ("--full",))):
                db = work / f"k{k}-{mode}.db"
                shutil.copy(day1, db)
                requests, seconds = _crawl(site, port, db, *extra)
                result[f"k={k} {mode} requests"] = requests
                result[f"k={k} {mode} s"] = round(seconds, 1)
            result[f"k={k} budget k+C+2"] = k + len(CHANNELS) + 2
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<36} {value}")
