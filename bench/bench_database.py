"""The same crawl into SQLite and into PostgreSQL: a 5,000-article replica crawled by ``wjcrawl crawl``
into the embedded SQLite default and into a PostgreSQL 15 server on loopback (Debian's package, started
here with its default durable settings: fsync on), then exported from each.

Reported per database: the crawl's pages/s and its own CPU per page (the crawler process, from
``os.wait4``), the database server's CPU for PostgreSQL (the postmaster and its exited backends, from
``/proc``; SQLite runs inside the crawler, so its cost is already in the crawler's CPU), and the
export's records/s. The two exports must be the same records (compared after dropping the per-run
timestamps). Both crawls run against the same replica process, two alternated rounds, the best of
each kept.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._shared import ReplicaProcess, ratio, run_measured, wjcrawl_crawl, work_dir
from bench.bench_crawl import ROUNDS, warm_paths

ARTICLES = 5_000
LOOPBACK = re.compile(rb"http://127\.0\.0\.1:\d+")
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _server_cpu_s(pid: int) -> float:
    """CPU seconds of the whole PostgreSQL server so far: the postmaster, the children it has reaped
    (backends that disconnected) and the children still running (checkpointer, WAL writer, ...)."""

    def stat(p: Path) -> list[str]:
        return p.read_text().rsplit(")", 1)[1].split()

    fields = stat(Path(f"/proc/{pid}/stat"))
    total = sum(int(fields[k]) for k in (11, 12, 13, 14))
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            child = stat(path)
        except OSError:  # gone meanwhile
            continue
        if int(child[1]) == pid:  # field 4, ppid
            total += int(child[11]) + int(child[12])
    return total / _CLK_TCK


def _export(database_url: str, out: Path) -> tuple[int, float]:
    run = run_measured([sys.executable, "-m", "wjcrawl", "export", "--db", database_url, "-o", str(out)]).check()
    return sum(1 for _ in out.open("rb")), run.wall_s


def _records(path: Path) -> list[dict[str, Any]]:
    """Export records without the per-run fields (when it was fetched differs between the two crawls),
    the replica's loopback address written as one placeholder (each crawl had a replica of its own)."""
    drop = ("first_seen_at", "last_seen_at")
    return [
        {k: v for k, v in json.loads(LOOPBACK.sub(b"http://replica", line)).items() if k not in drop}
        for line in path.open("rb")
    ]


def _differences(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> str:
    """Which records differ and in which fields, all reported. One difference is expected: the
    cross-listed article's ``url``/``channel`` is the URL stored first, and which of its two listings
    is fetched first depends on timing (README, "The export")."""
    if len(a) != len(b):
        return f"{len(a)} vs {len(b)} records"
    found = []
    for x, y in zip(a, b, strict=True):
        if x != y:
            found.append(f"{x['article_id']} ({', '.join(k for k in x if x[k] != y.get(k))})")
    return "; ".join(found)


def run() -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.pgserver import PostgresServer, postgres_bindir

    started = time.perf_counter()
    bindir = postgres_bindir()
    if bindir is None:
        return {"PostgreSQL": "not installed (apt-get install postgresql); nothing measured"}
    root = Path(tempfile.mkdtemp(prefix="wjcrawl-bench-pg-"))
    server = PostgresServer(bindir, root, durable=True).start()
    try:
        pid = int((server.data / "postmaster.pid").read_text().split()[0])
        # Same replica, warmed the same way, alternated rounds, the best (least CPU) of each kept.
        lites, pgs = [], []
        with ReplicaProcess(ARTICLES) as replica:
            replica.capacity(paths=warm_paths(ARTICLES))
            for _ in range(ROUNDS):
                lites.append(wjcrawl_crawl(ARTICLES, replica))
                url = server.new_database()
                cpu0 = _server_cpu_s(pid)
                pg = wjcrawl_crawl(ARTICLES, replica, database_url=url)
                time.sleep(0.5)  # let the postmaster reap the crawl's backends
                pgs.append((pg, url, _server_cpu_s(pid) - cpu0))
        lite = min(lites, key=lambda c: c.run.cpu_s)
        pg, url, pg_server_cpu = min(pgs, key=lambda p: p[0].run.cpu_s)
        lite_out, pg_out = work_dir() / "sqlite.jsonl", work_dir() / "pg.jsonl"
        lite_n, lite_s = _export(f"sqlite:///{lite.db}", lite_out)
        pg_n, pg_s = _export(url, pg_out)
        differ = _differences(_records(lite_out), _records(pg_out))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return {
        "articles": ARTICLES,
        "pages fetched SQLite / PostgreSQL": f"{lite.pages} / {pg.pages}",
        "crawl pages/s SQLite": round(lite.pages_per_s, 1),
        "crawl pages/s PostgreSQL": round(pg.pages_per_s, 1),
        "pages/s ratio PostgreSQL/SQLite": ratio(pg.pages_per_s, lite.pages_per_s),
        "crawler CPU s/1000 pages SQLite (database inside)": round(lite.cpu_ms_per_page, 3),
        "crawler CPU s/1000 pages PostgreSQL": round(pg.cpu_ms_per_page, 3),
        "PostgreSQL server CPU s/1000 pages": round(pg_server_cpu / pg.pages * 1000, 3),
        "crawl peak RSS MB SQLite / PostgreSQL (crawler)": f"{lite.run.maxrss_mb:.1f} / {pg.run.maxrss_mb:.1f}",
        "export records/s SQLite": round(lite_n / lite_s),
        "export records/s PostgreSQL": round(pg_n / pg_s),
        "records exported SQLite / PostgreSQL": f"{lite_n} / {pg_n}",
        "records that differ (timestamps aside)": differ or "none",
        "benchmark seconds": round(time.perf_counter() - started),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<50} {value}")
