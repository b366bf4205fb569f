"""Replica capacity: start-up time at 100k articles and pages/s served over keep-alive connections.

The crawl benchmarks compare wjcrawl with bare Scrapy against the replica, so the replica must not
be the bottleneck: this prints its own capacity to put next to them.
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlsplit

from wjcrawl.replica import Replica, Site


def _client(base_url: str, paths: list[str], counts: list[int]) -> None:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    for path in paths:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        counts.append(resp.status)
    conn.close()


def run(articles: int = 100_000, requests: int = 4000, connections: int = 4) -> dict[str, float]:
    started = time.perf_counter()
    site = Site(articles=articles)
    replica = Replica(site).start()
    startup = time.perf_counter() - started
    paths = [site.article(i).path() for i in range(0, site.total, max(1, site.total // requests))][:requests]
    counts: list[int] = []
    per = len(paths) // connections
    threads = [
        threading.Thread(target=_client, args=(replica.base_url, paths[k * per : (k + 1) * per], counts))
        for k in range(connections)
    ]
    t0, c0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    replica.stop()
    return {
        "articles": articles,
        "startup_s": round(startup, 3),
        "requests": len(counts),
        "pages_per_s": round(len(counts) / elapsed, 1),
        "cpu_s_per_1000_pages": round((time.process_time() - c0) / len(counts) * 1000, 3),
    }


if __name__ == "__main__":
    result = run()
    print("replica capacity (server and clients share this process, so this is a lower bound):")
    for key, value in result.items():
        print(f"  {key:<22} {value}")
