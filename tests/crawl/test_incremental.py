"""Incremental cron runs against the replica, day after day: a re-run costs only what is new."""

from __future__ import annotations

import datetime as dt
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli, start_crawl
from tests.crawl.test_crawl import assert_matches_truth, crawl, export
from tests.pgserver import free_port
from wjcrawl.replica import CHANNELS, Replica, Site
from wjcrawl.store import ArticleStore

pytestmark = pytest.mark.crawl
C = len(CHANNELS)


def serve(site: Site, port: int) -> Replica:
    """Each day's replica on the same port: the archive's URLs stay the same from day to day."""
    return Replica(site, port=port)


def article_paths(site: Site) -> set[str]:
    return {a.path(c) for a in site.articles() for c in a.channels}


@pytest.fixture
def day1(tmp_path: Path):
    """A full day-1 crawl of a 120-article replica (10 per listing page); yields (db, port)."""
    port, db = free_port(), tmp_path / "cron.db"
    with serve(Site(articles=120), port) as replica:
        crawl(replica, db)
    return db, port


def test_day_two_fetches_only_the_new_articles(day1, tmp_path: Path) -> None:
    db, port = day1
    day2 = Site(articles=120, day=2, new_per_day=8)
    with serve(day2, port) as replica:
        result = crawl(replica, db)
        paths = replica.paths_requested()
        truth = day2.truth(replica.base_url)
    stored = article_paths(Site(articles=120))
    assert not [p for p in paths if p in stored], "a stored article was downloaded again"
    new = {a.path() for a in day2.articles()[120:]}
    assert new <= set(paths)
    k = len(new)
    assert len(paths) <= k + C + 2, paths
    assert "mode=incremental" in result.stdout
    assert_matches_truth(export(db, tmp_path / "day2.jsonl"), truth)


def test_a_day_with_nothing_new_costs_at_most_c_plus_2_requests(day1) -> None:
    db, port = day1
    with serve(Site(articles=120), port) as replica:
        crawl(replica, db)
        paths = replica.paths_requested()
    assert len(paths) <= C + 2, paths
    assert "/robots.txt" in paths and "/news/" in paths and "/" not in paths


def test_full_walks_every_listing_page_but_downloads_nothing_stored(day1) -> None:
    db, port = day1
    site = Site(articles=120)
    with serve(site, port) as replica:
        crawl(replica, db, "--full")
        paths = replica.paths_requested()
    assert not set(paths) & article_paths(site)
    assert sum(1 for p in paths if ("/news/" in p and not p.endswith(".html")) or "index_" in p or "list_" in p) >= sum(
        site.pages_of(c) for c in CHANNELS
    )


def test_refresh_days_records_a_new_revision_for_a_corrected_article(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "refresh.db"
    with serve(Site(articles=60, corrections=True), port) as replica:
        crawl(replica, db)
    day2 = Site(articles=60, day=2, corrections=True)
    corrected = day2.article(day2.newest_of_day(1))
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    days = (today - corrected.date).days + 1  # the window reaches back to the corrected article's date
    with serve(day2, port) as replica:
        crawl(replica, db, "--refresh-days", str(days))
        assert corrected.path() in replica.paths_requested()
        truth = day2.truth(replica.base_url)
    records = export(db, tmp_path / "refreshed.jsonl")
    assert_matches_truth(records, truth)
    by_id = {r["article_id"]: r for r in records}
    assert by_id[str(corrected.id)]["revision"] == 2
    assert all(r["revision"] == 1 for r in records if r["article_id"] != str(corrected.id))
    refreshed_same_day = [
        r for r in records if r["published_date"] == corrected.date.isoformat() and r["article_id"] != str(corrected.id)
    ]
    assert refreshed_same_day and all(r["last_seen_at"] > r["first_seen_at"] for r in refreshed_same_day)
    store = ArticleStore(f"sqlite:///{db}")
    [old] = store.revisions(str(corrected.id))
    store.close()
    assert old["revision"] == 1 and "更正" not in old["text"] and "更正" in by_id[str(corrected.id)]["text"]


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_an_overlapping_run_exits_at_once_and_touches_nothing(tmp_path: Path) -> None:
    db = tmp_path / "overlap.db"
    with Replica(Site(articles=1500, page_size=20)) as replica:
        first = start_crawl(replica.base_url, db)
        store = ArticleStore(f"sqlite:///{db}")
        wait_for(lambda: store.lock_holder() is not None and len(replica.requests) > 30)
        before = store.counts()["articles"], len(store.runs())
        started = time.monotonic()
        second = run_cli("crawl", "--base-url", replica.base_url, "--db", f"sqlite:///{db}", "--quiet")
        assert second.returncode == 0, second.stderr
        assert "another crawl is running" in second.stderr and "status=locked" in second.stdout
        assert time.monotonic() - started < 15
        assert len(store.runs()) == before[1]  # the second run did not even record itself
        alarmed = run_cli(
            "crawl", "--base-url", replica.base_url, "--db", f"sqlite:///{db}", "--quiet", "--locked-exit-code", "75"
        )
        assert alarmed.returncode == 75
        first.send_signal(signal.SIGTERM)  # graceful: the open batch is stored, the run marked interrupted
        first.wait(timeout=60)
        assert first.returncode == 0, first.stderr[-2000:]
        assert store.lock_holder() is None
        assert store.runs()[0]["status"] == "interrupted"
        assert store.counts()["articles"] >= before[0]
        store.close()
        crawl(replica, db)
        assert_matches_truth(export(db, tmp_path / "after.jsonl"), replica.site.truth(replica.base_url))


def test_sigkill_at_several_points_of_a_rerun_loses_and_doubles_nothing(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "killed.db"
    with serve(Site(articles=100), port) as replica:
        crawl(replica, db)
    day2 = Site(articles=100, day=2, new_per_day=60)  # more new articles than fit on a listing page
    with serve(day2, port) as replica:
        for kill_after in (3, 12, 30, 45):
            replica.requests.clear()
            proc = start_crawl(replica.base_url, db)
            wait_for(lambda n=kill_after, p=proc: len(replica.requests) >= n or p.poll() is not None)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        result = crawl(replica, db)  # takes over the dead run's lock, walks everything again
        assert "mode=full" in result.stdout
        assert_matches_truth(export(db, tmp_path / "after.jsonl"), day2.truth(replica.base_url))
