"""Export throughput: records/s of ``wjcrawl export -o FILE`` of the largest database crawled in this
run (20,000 articles; 100,000 with ``BENCH_LARGE=1``) against a raw SQLAlchemy Core iteration of
``SELECT * FROM articles`` over the same rows, all as child processes timed in the same run.

Two baselines: the literal ``text("SELECT * FROM articles")`` (rows as the driver returns them: JSON
and timestamps left as strings), and a Core ``select()`` of the reflected ``articles`` table (JSON
decoded, timestamps parsed: the typed values the export starts from). A floor next to them: the
``text()`` rows each written to a file as a JSON line with orjson, nothing decoded, no order -- the least any
JSON Lines export of these rows does, so its ratio to ``text()`` bounds what the export can reach.
End to end includes each process's start-up (imports, opening the database); "net" subtracts the
same command over no rows (``--since 2999-01-01`` / ``WHERE 0``), which leaves the streaming rate.
Each command is timed as the fastest of three runs. Goal: the export at least 0.5x the raw
``text()`` iteration, end to end.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from bench._shared import Run, crawled, largest_size, ratio, run_measured, summary

GOAL = 0.5
REPEAT = 3
RAW = """
import os
import sys
import orjson
import sqlalchemy as sa
engine = sa.create_engine(sys.argv[1])
condition = sys.argv[3] or "1"
if sys.argv[2] == "text":
    query = sa.text(f"SELECT * FROM articles WHERE {condition}")
else:  # Core select() of the reflected table: JSON and DATETIME columns come back typed
    query = sa.select(sa.Table("articles", sa.MetaData(), autoload_with=engine)).where(sa.text(condition))
n = 0
# "lines": written to a file next to the export's, as the export writes (else nowhere)
with engine.connect() as conn, open(sys.argv[5] if sys.argv[4:5] == ["lines"] else os.devnull, "wb") as out:
    result = conn.execution_options(stream_results=True, yield_per=1000).execute(query)
    if sys.argv[4:5] == ["lines"]:  # the least a JSON Lines export does: each row as one line, no decoding
        keys = list(result.keys())
        for row in result:
            out.write(orjson.dumps(dict(zip(keys, row))) + b"\\n")
            n += 1
    else:
        for row in result:
            n += 1
print(f"raw: rows={n}")
"""


def _best(argv: list[str]) -> Run:
    """The fastest of REPEAT runs: each takes about a second, so one busy moment would decide a single one."""
    return min((run_measured(argv).check() for _ in range(REPEAT)), key=lambda run: run.wall_s)


def _raw(db_url: str, kind: str, where: str = "", *extra: str) -> tuple[int, float]:
    run = _best([sys.executable, "-c", RAW, db_url, kind, where, *extra])
    return int(summary(run.stdout, "raw:")["rows"]), run.wall_s


def _export(db_url: str, out: str, *extra: str) -> tuple[int, float, float]:
    run = _best([sys.executable, "-m", "wjcrawl", "export", "--db", db_url, "-o", out, *extra])
    return int(summary(run.stderr, "wjcrawl export:")["articles"]), run.wall_s, run.cpu_s


def run() -> dict[str, Any]:
    started = time.perf_counter()
    articles = largest_size()
    crawl = crawled(articles)
    assert crawl.db is not None
    db_url = f"sqlite:///{crawl.db}"
    out = crawl.db.with_suffix(".export.jsonl")
    _raw(db_url, "text")  # warm the page cache for all
    rows, raw_s = _raw(db_url, "text")
    typed_rows, typed_s = _raw(db_url, "core")
    line_rows, line_s = _raw(db_url, "text", "", "lines", str(out))
    out.unlink()
    records, export_s, export_cpu = _export(db_url, str(out))
    size_mb = out.stat().st_size / 2**20
    out.unlink()
    _, raw_empty_s = _raw(db_url, "text", "0")
    _, typed_empty_s = _raw(db_url, "core", "0")
    _, export_empty_s, _ = _export(db_url, str(out), "--since", "2999-01-01")
    out.unlink(missing_ok=True)

    def net(n: int, seconds: float, empty: float) -> float:
        return n / max(seconds - empty, 1e-3)

    end_to_end = ratio(records / export_s, rows / raw_s)
    return {
        "articles crawled": articles,
        "rows text() / typed Core / records exported": f"{rows} / {typed_rows} / {records}",
        "export MB (JSON Lines)": round(size_mb, 1),
        "raw text() iteration records/s": round(rows / raw_s),
        "typed Core select() records/s": round(typed_rows / typed_s),
        "floor: raw text() rows as JSON lines (no decoding, unordered) records/s": round(line_rows / line_s),
        "floor ratio lines/raw text() (end to end)": ratio(line_rows / line_s, rows / raw_s),
        "wjcrawl export records/s": round(records / export_s),
        "ratio export/raw text() (end to end)": end_to_end,
        "ratio export/typed Core (end to end)": ratio(records / export_s, typed_rows / typed_s),
        "start-up s text() / Core / export (no rows)": (
            f"{raw_empty_s:.2f} / {typed_empty_s:.2f} / {export_empty_s:.2f}"
        ),
        "net records/s text() / Core / export": (
            f"{net(rows, raw_s, raw_empty_s):.0f} / {net(typed_rows, typed_s, typed_empty_s):.0f} / "
            f"{net(records, export_s, export_empty_s):.0f}"
        ),
        "ratio export/raw text() (net of start-up)": ratio(
            net(records, export_s, export_empty_s), net(rows, raw_s, raw_empty_s)
        ),
        "export CPU s per 1000 records": round(export_cpu / records * 1000, 3),
        "goal export >= 0.5x raw text() (end to end)": "met" if end_to_end >= GOAL else "not met",
        "benchmark seconds": round(time.perf_counter() - started),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<40} {value}")
