"""Shared by the crawl, memory and export benchmarks: a replica served in its own process, child
processes measured with ``os.wait4`` (their own CPU seconds and peak RSS, nothing of ours or the
replica's mixed in), and one wjcrawl crawl per replica size per process run, whose database the
later benchmarks reuse instead of crawling again.
"""

from __future__ import annotations

import atexit
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PAGE_SIZE = 20
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
LARGE = os.environ.get("BENCH_LARGE", "") not in ("", "0")
BARE_SPIDER = Path(__file__).resolve().parent / "bare_spider.py"
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_work: Path | None = None
_crawls: dict[int, Crawl] = {}


def work_dir() -> Path:
    """One temporary directory per process run, removed at exit."""
    global _work
    if _work is None:
        _work = Path(tempfile.mkdtemp(prefix="wjcrawl-bench-"))
        atexit.register(shutil.rmtree, _work, ignore_errors=True)
    return _work


def crawl_env() -> dict[str, str]:
    """The environment of every crawl: no stray WJCRAWL_* from the caller, same concurrency for all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WJCRAWL_")}
    return env | {
        "WJCRAWL_CONCURRENCY": str(CONCURRENCY),
        "WJCRAWL_PROGRESS_INTERVAL": "0",
        "WJCRAWL_LOG_LEVEL": "ERROR",
    }


def summary(text: str, prefix: str) -> dict[str, str]:
    """The ``key=value`` pairs of the last line starting with ``prefix`` (wjcrawl's and bare's summaries)."""
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return dict(tok.split("=", 1) for tok in lines[-1][len(prefix) :].split() if "=" in tok) if lines else {}


@dataclass
class Run:
    """One child process, measured: wall seconds, its own user+sys CPU seconds and peak RSS."""

    argv: list[str]
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> Run:
        if self.returncode != 0:
            raise RuntimeError(f"{' '.join(self.argv[:4])}... exited {self.returncode}: {self.stderr.strip()[-2000:]}")
        return self


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` to completion; ``os.wait4`` gives the rusage of exactly this child."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            argv=argv,
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            maxrss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


class ReplicaProcess:
    """``wjcrawl replica`` in a process of its own, so that its CPU is never counted as a crawler's."""

    def __init__(self, articles: int, page_size: int = PAGE_SIZE) -> None:
        self.articles = articles
        argv = [sys.executable, "-m", "wjcrawl", "replica", "--port", "0", "--articles", str(articles)]
        self.proc = subprocess.Popen(
            [*argv, "--page-size", str(page_size)],
            env=crawl_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        m = re.search(r"at (http://\S+?)/?$", line.strip())
        if not m:
            self.stop()
            raise RuntimeError(f"replica did not start: {line!r}")
        self.base_url = m.group(1)

    def cpu_s(self) -> float:
        """User+sys CPU seconds the replica process has used so far (/proc/PID/stat)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK

    def capacity(self, paths: list[str], connections: int = 4) -> float:
        """Pages/s this replica process serves for ``paths`` to plain keep-alive clients (a lower
        bound: the clients are Python threads in this process, on the machine's other core)."""
        parts = urlsplit(self.base_url)
        done: list[int] = []

        def client(chunk: list[str]) -> None:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            for path in chunk:
                conn.request("GET", path)
                conn.getresponse().read()
                done.append(1)
            conn.close()

        per = -(-len(paths) // connections)
        threads = [threading.Thread(target=client, args=(paths[k * per : (k + 1) * per],)) for k in range(connections)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return len(done) / (time.perf_counter() - started)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> ReplicaProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Crawl:
    """A measured crawl of an N-article replica (wjcrawl's or bare Scrapy's)."""

    articles: int
    run: Run
    pages: int
    replica_cpu_s: float
    db: Path | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.run.wall_s

    @property
    def cpu_ms_per_page(self) -> float:
        return self.run.cpu_s / self.pages * 1000

    @property
    def replica_busy(self) -> float:
        """Share of the crawl's wall time the replica process spent on a CPU (1.0: it was the bottleneck)."""
        return self.replica_cpu_s / self.run.wall_s


def crawl_argv(base_url: str, database_url: str, *extra: str, prefix: Sequence[str] = ()) -> list[str]:
    """The one spelling of a benchmark's ``wjcrawl crawl`` (``prefix``: e.g. a profiler's argv)."""
    argv = [sys.executable, *prefix, "-m", "wjcrawl", "crawl", "--base-url", base_url, "--db", database_url]
    return [*argv, "--quiet", *extra]


def wjcrawl_crawl(
    articles: int, replica: ReplicaProcess | None = None, *prefix: str, database_url: str | None = None
) -> Crawl:
    """``wjcrawl crawl --quiet`` of an N-article replica into ``database_url``, by default a fresh
    SQLite database (``prefix``: e.g. a profiler's argv to run it under)."""
    own = replica is None
    replica = replica or ReplicaProcess(articles)
    try:
        db = None if database_url else work_dir() / f"crawl-{articles}-{time.monotonic_ns()}.db"
        argv = crawl_argv(replica.base_url, database_url or f"sqlite:///{db}", prefix=prefix)
        cpu0 = replica.cpu_s()
        run = run_measured(argv, crawl_env()).check()
        replica_cpu = replica.cpu_s() - cpu0
    finally:
        if own:
            replica.stop()
    found = summary(run.stdout, "wjcrawl crawl:")
    if found.get("status") != "finished":
        raise RuntimeError(f"wjcrawl crawl did not finish: {run.stdout.strip()}")
    return Crawl(articles, run, int(found["pages"]), replica_cpu, db, found)


def bare_crawl(articles: int, replica: ReplicaProcess, settings: dict[str, Any], parse: bool = False) -> Crawl:
    """The bare Scrapy spider (bench/bare_spider.py) over the same replica, with the given Scrapy settings
    (``parse``: running wjcrawl's article parser on every article page too)."""
    argv = [sys.executable, str(BARE_SPIDER), "--base-url", replica.base_url, *(["--parse"] if parse else [])]
    for key, value in settings.items():
        argv += ["--set", f"{key}={value}"]
    cpu0 = replica.cpu_s()
    run = run_measured(argv, crawl_env()).check()
    found = summary(run.stdout, "bare:")
    if found.get("status") != "finished":
        raise RuntimeError(f"bare crawl did not finish: {run.stdout.strip()} {run.stderr[-2000:]}")
    return Crawl(articles, run, int(found["pages"]), replica.cpu_s() - cpu0, None, found)


def crawled(articles: int, replica: ReplicaProcess | None = None) -> Crawl:
    """wjcrawl's crawl of an N-article replica, done once per process run and then reused."""
    if articles not in _crawls:
        _crawls[articles] = wjcrawl_crawl(articles, replica)
    return _crawls[articles]


def remember(crawl: Crawl) -> None:
    """Keep ``crawl`` as this run's crawl of its size (``crawled`` returns it from now on)."""
    _crawls[crawl.articles] = crawl


def largest_size() -> int:
    """The size the export benchmarks use: the largest crawled so far, else 20k (100k with BENCH_LARGE=1)."""
    default = 100_000 if LARGE else 20_000
    return max([default, *_crawls]) if LARGE else max(_crawls, default=default)


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")
