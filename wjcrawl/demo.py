"""``make demo``: serve the replica, crawl it into ./wjcrawl.db, export ./articles.jsonl, summarize.

Runs the same commands an operator would (``wjcrawl crawl``, ``wjcrawl export``) as subprocesses,
against a replica served from this process on 127.0.0.1, then checks the export against the
replica's truth so the demo also shows that the archive is right.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from wjcrawl.replica import Replica, Site

DB = Path("wjcrawl.db")
EXPORT = Path("articles.jsonl")


def main() -> int:
    started = time.monotonic()
    with Replica(Site(articles=60)) as replica:
        print(f"demo: replica of the news center serving {replica.site.total} articles at {replica.base_url}/")
        crawl = subprocess.run(
            [sys.executable, "-m", "wjcrawl", "crawl", "--base-url", replica.base_url, "--db", f"sqlite:///{DB}"],
            check=False,
            env=os.environ | {"WJCRAWL_LOG_LEVEL": "WARNING"},
        )
        if crawl.returncode != 0:
            print(f"demo: crawl failed with exit code {crawl.returncode}", file=sys.stderr)
            return crawl.returncode
        truth = {r["article_id"]: r for r in replica.site.truth(replica.base_url)}
        requests = len(replica.requests)
    export = subprocess.run(
        [sys.executable, "-m", "wjcrawl", "export", "--db", f"sqlite:///{DB}", "-o", str(EXPORT)], check=False
    )
    if export.returncode != 0:
        return export.returncode
    records = [json.loads(line) for line in EXPORT.read_text(encoding="utf-8").splitlines()]
    exact = sum(
        1
        for r in records
        if r["article_id"] in truth
        and all(r[k] == v for k, v in truth[r["article_id"]].items() if k not in ("url", "channel", "urls"))
    )
    print()
    print(
        f"demo: {len(records)} articles archived from {requests} requests "
        f"in {time.monotonic() - started:.1f}s; {exact}/{len(truth)} match the replica's truth field by field"
    )
    mirror = next((r for r in records if r["rendering"] == "mirror"), None)
    if mirror:
        print(
            f"demo: the mirror-rendered seed page came out as: {mirror['title']} / {mirror['source']} / "
            f"{', '.join(mirror['authors'])} / {mirror['published_date']}"
        )
    print(f"demo: database  {DB.resolve()}")
    print(f"demo: export    {EXPORT.resolve()}")
    print("demo: next: `.venv/bin/wjcrawl stats` for coverage, `make test` for the test suite")
    return 0


if __name__ == "__main__":
    sys.exit(main())
