"""Server, network and process faults: the crawl keeps going, records what failed, loses nothing."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli, start_crawl
from tests.crawl.test_crawl import assert_matches_truth, export
from tests.crawl.test_incremental import serve, wait_for
from tests.pgserver import free_port
from wjcrawl.replica import Replica, Site
from wjcrawl.replica.faults import ARTICLE_FAULTS
from wjcrawl.store import ArticleStore

pytestmark = pytest.mark.crawl
FAULT_ENV = {"WJCRAWL_DOWNLOAD_TIMEOUT": "2", "WJCRAWL_DOWNLOAD_MAXSIZE": str(1024 * 1024)}
# What each fault must leave in the failures table (None: the article is stored correctly anyway).
RECORDED_AS = {
    "500-heal": "http 500",
    "502-heal": "http 502",
    "503-permanent": "http 503",
    "reset": "Error",
    "timeout": "Timeout",
    "drip": None,
    "truncated": "DataLoss",
    "garbage": "ParseError",
    "empty": "NotAnArticle",
    "wrong-charset": None,
    "huge": "max size",
    "redirect-loop": "more than 5 redirects",
    "redirect-offsite": "off the site",
}
NOT_RETRIED_NEXT_RUN = {"garbage", "empty"}  # not an article: backs off instead of hammering the server


def crawl_with(replica: Replica, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("crawl", "--base-url", replica.base_url, "--db", f"sqlite:///{db}", "--quiet", *extra, env=FAULT_ENV)


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    line = result.stdout.strip().splitlines()[-1]
    return dict(kv.split("=", 1) for kv in line.split(": ", 1)[1].split())


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory):
    """Day 1 archived cleanly; day 2 crawled with every article fault; then day 2 again, healed."""
    tmp = tmp_path_factory.mktemp("faults")
    db, port = tmp / "faults.db", free_port()
    with serve(Site(articles=60), port) as replica:
        assert crawl_with(replica, db).returncode == 0
    day1 = export(db, tmp / "day1.jsonl")
    day2 = Site(articles=60, day=2, new_per_day=len(ARTICLE_FAULTS) + 3)
    with Replica(day2, port=port, faults=ARTICLE_FAULTS) as replica:
        faulty_run = crawl_with(replica, db)
        targets = {mode: replica.base_url + path for path, mode in replica.fault_paths.items()}
        truth = day2.truth(replica.base_url)
    store = ArticleStore(f"sqlite:///{db}")
    failures = {f["url"]: f for f in store.failures()}
    after_faults = export(db, tmp / "after-faults.jsonl")
    store.close()
    with serve(day2, port) as replica:
        healed_run = crawl_with(replica, db)
    healed = export(db, tmp / "healed.jsonl")
    return {
        "day1": day1,
        "run": faulty_run,
        "targets": targets,
        "failures": failures,
        "truth": truth,
        "after": after_faults,
        "healed_run": healed_run,
        "healed": healed,
        "db": db,
    }


def test_the_faulty_crawl_completes_and_counts_its_failures(faulty) -> None:
    assert faulty["run"].returncode == 0, faulty["run"].stderr[-2000:]
    recorded = [m for m, reason in RECORDED_AS.items() if reason]
    assert int(summary(faulty["run"])["failed"]) >= len(recorded)
    assert "Traceback" not in faulty["run"].stderr


@pytest.mark.parametrize("mode", ARTICLE_FAULTS)
def test_each_fault_is_recorded_with_its_reason_or_survived(faulty, mode: str) -> None:
    url = faulty["targets"][mode]
    stored = {r["url"]: r for r in faulty["after"]}
    truth = {r["url"]: r for r in faulty["truth"]}
    if RECORDED_AS[mode] is None:
        assert url not in faulty["failures"]
        assert stored[url]["text"] == truth[url]["text"] and stored[url]["title"] == truth[url]["title"]
    else:
        assert url in faulty["failures"], f"{mode} not recorded"
        assert RECORDED_AS[mode].lower() in faulty["failures"][url]["reason"].lower()
        assert url not in stored


def test_nothing_stored_before_the_faults_changed(faulty) -> None:
    before = {r["article_id"]: r for r in faulty["day1"]}
    after = {r["article_id"]: r for r in faulty["after"]}
    assert all(after[k] == v for k, v in before.items())


def test_the_next_run_retries_what_is_retryable_and_completes(faulty) -> None:
    assert faulty["healed_run"].returncode == 0
    skipped = {faulty["targets"][m] for m in NOT_RETRIED_NEXT_RUN}
    truth = [r for r in faulty["truth"] if r["url"] not in skipped]
    assert_matches_truth(faulty["healed"], truth)


def test_a_listing_whose_layout_changed_raises_the_alarm(tmp_path: Path) -> None:
    db, port = tmp_path / "layout.db", free_port()
    with serve(Site(articles=60), port) as replica:
        assert crawl_with(replica, db).returncode == 0
    with Replica(Site(articles=60, day=2), port=port, faults=["listing-layout"]) as replica:
        result = crawl_with(replica, db)
        quiet = crawl_with(replica, db, "--layout-exit-code", "0")
    assert result.returncode == 3, result.stderr
    assert "ALERT: possible layout change" in result.stderr and summary(result)["alert"] == "layout_change"
    assert quiet.returncode == 0


def test_article_pages_whose_layout_changed_raise_the_alarm(tmp_path: Path) -> None:
    db, port = tmp_path / "layout2.db", free_port()
    with serve(Site(articles=60), port) as replica:
        assert crawl_with(replica, db).returncode == 0
    with Replica(Site(articles=60, day=2, new_per_day=10), port=port, faults=["article-layout"]) as replica:
        result = crawl_with(replica, db)
    assert result.returncode == 3 and "could not be parsed" in result.stderr
    store = ArticleStore(f"sqlite:///{db}")
    assert sum(1 for f in store.failures() if f["reason"].startswith("NotAnArticle")) == 10
    store.close()


def test_sigkill_ten_times_at_random_moments_then_a_clean_run(tmp_path: Path) -> None:
    db, port, rng = tmp_path / "kill10.db", free_port(), random.Random(7)
    with serve(Site(articles=80), port) as replica:
        assert crawl_with(replica, db).returncode == 0
    day2 = Site(articles=80, day=2, new_per_day=50)
    with serve(day2, port) as replica:
        for _ in range(10):
            replica.requests.clear()
            proc = start_crawl(replica.base_url, db)
            kill_after = rng.randint(1, 40)
            wait_for(lambda n=kill_after, p=proc: len(replica.requests) >= n or p.poll() is not None)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        result = crawl_with(replica, db)
        assert result.returncode == 0, result.stderr[-2000:]
        assert_matches_truth(export(db, tmp_path / "after.jsonl"), day2.truth(replica.base_url))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_read_only_database_is_a_clear_fatal_error(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    with Replica(Site(articles=20)) as replica:
        assert crawl_with(replica, db).returncode == 0
        before = db.read_bytes()
        url = f"sqlite:///file:{db}?mode=ro&uri=true"
        result = run_cli("crawl", "--base-url", replica.base_url, "--db", url, "--quiet")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "readonly" in lines[0].replace("-", "").lower()
    assert db.read_bytes() == before


def test_a_full_disk_stops_the_crawl_with_a_clear_error_and_nothing_corrupted(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes every write past the limit fail with EFBIG, as a full disk would."""
    import resource

    db = tmp_path / "full.db"
    with Replica(Site(articles=200)) as replica:
        limit = 600 * 1024

        def small_disk() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        proc = start_crawl(replica.base_url, db, batch_size=10, preexec_fn=small_disk)
        try:
            _out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        assert proc.returncode == 1, err[-2000:]
        assert "disk" in err.splitlines()[-1].lower()
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert crawl_with(replica, db).returncode == 0  # room again: the next run completes the archive
        assert_matches_truth(export(db, tmp_path / "after.jsonl"), replica.site.truth(replica.base_url))


def test_a_database_locked_by_another_process_waits_then_fails_clearly(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    with Replica(Site(articles=10)) as replica:
        assert crawl_with(replica, db).returncode == 0
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            result = run_cli("crawl", "--base-url", replica.base_url, "--db", f"sqlite:///{db}?timeout=1", "--quiet")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "locked" in lines[0]
