"""ArticleStore against a real SQLite file: batches, revisions, aliases, failures, streaming export."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import update

from wjcrawl.errors import CrawlLocked, StoreError, UsageError
from wjcrawl.records import ArticleItem, FailedPage, RawPage, SeenUrl
from wjcrawl.store import ArticleStore
from wjcrawl.store.models import CrawlLockRow


def make_item(
    article_id: int, text: str = "正文。", channel: str = "jinriyaowen", date: str = "2025-01-23"
) -> ArticleItem:
    url = f"http://www.wj001.com/news/{channel}/{date}/{article_id}.html"
    title = f"标题{article_id}"
    return ArticleItem(
        url=url,
        article_id=str(article_id),
        channel=channel,
        title=title,
        text=text,
        html=f"<p>{text}</p>",
        content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
        published_date=date,
        urls=[url],
        page=RawPage(
            url=url,
            status=200,
            headers={"Content-Type": "text/html"},
            body=f"<html>{text}</html>".encode(),
            fetched_at="2025-01-23T01:00:00+00:00",
        ),
    )


@pytest.fixture
def store(database_url: str) -> ArticleStore:
    """Every store test runs against SQLite and PostgreSQL."""
    s = ArticleStore(database_url)
    yield s
    s.close()


def test_new_articles_are_stored_once_with_their_page(store: ArticleStore) -> None:
    result = store.save([make_item(1), make_item(2)])
    assert (result.new, result.updated) == (2, 0)
    again = store.save([make_item(1), make_item(2)])
    assert (again.new, again.unchanged) == (0, 2)
    assert store.counts() == {"articles": 2, "urls": 2, "pages": 2, "revisions": 0, "failures": 0}


def test_changed_content_bumps_revision_and_keeps_the_old_one(store: ArticleStore) -> None:
    store.save([make_item(1, "旧的正文。")])
    result = store.save([make_item(1, "新的正文。")])
    assert result.updated == 1
    [record] = list(store.iter_records())
    assert record["revision"] == 2 and record["text"] == "新的正文。"
    [old] = store.revisions("1")
    assert old["revision"] == 1 and old["text"] == "旧的正文。"


def test_alias_adds_a_url_not_an_article(store: ArticleStore) -> None:
    store.save([make_item(5)])
    alias = make_item(5, channel="zhenquxinwen")
    alias.alias = True
    result = store.save([alias])
    assert result.aliases == 1
    [record] = list(store.iter_records())
    assert record["channel"] == "jinriyaowen"
    assert record["urls"] == sorted([make_item(5).url, alias.url])


def test_a_url_seen_on_a_listing_becomes_an_alias_without_a_download(store: ArticleStore) -> None:
    store.save([make_item(6)])
    other = "http://www.wj001.com/news/zhenquxinwen/2025-01-23/6.html"
    result = store.save([SeenUrl(url=other, article_id="6", channel="zhenquxinwen")])
    assert result.aliases == 1 and store.counts()["pages"] == 1
    [record] = list(store.iter_records())
    assert other in record["urls"]
    assert other in store.crawl_state().known_urls


def test_failures_back_off_by_kind(store: ArticleStore) -> None:
    gone, flaky = make_item(7).url, make_item(8).url
    store.save(
        [FailedPage(url=gone, reason="http 404", status=404), FailedPage(url=flaky, reason="http 503", status=503)]
    )
    state = store.crawl_state()
    assert state.waiting_failures == {gone} and state.due_failures == {flaky}


def test_the_lock_admits_one_run_and_is_taken_over_when_its_holder_is_gone(store: ArticleStore) -> None:
    store.acquire_lock("first")
    store.acquire_lock("first")  # re-entrant for its holder
    with pytest.raises(CrawlLocked):
        store.acquire_lock("second")
    with store.session() as s:  # pretend the holder was a process that has exited since
        s.execute(update(CrawlLockRow).values(pid=_exited_pid()))
    store.acquire_lock("second")
    assert store.lock_holder()["pid"] == os.getpid()
    store.release_lock("second")
    assert store.lock_holder() is None


def test_a_silent_lock_is_stale(store: ArticleStore) -> None:
    store.acquire_lock("first")
    with store.session() as s:
        s.execute(update(CrawlLockRow).values(host="elsewhere", heartbeat_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    store.acquire_lock("second", stale_after=600)


def _exited_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_failure_is_recorded_counted_and_cleared_when_the_article_arrives(store: ArticleStore) -> None:
    url = make_item(9).url
    store.save([FailedPage(url=url, reason="http 500", status=500)])
    store.save([FailedPage(url=url, reason="http 503", status=503)])
    [failure] = store.failures()
    assert failure["attempts"] == 2 and failure["reason"] == "http 503"
    store.save([make_item(9)])
    assert store.failures() == []


def test_export_is_sorted_by_date_then_id_and_streams_past_one_chunk(store: ArticleStore) -> None:
    items = [make_item(n, date=f"2025-01-{10 + n % 3:02d}") for n in range(2500, 0, -1)]
    for k in range(0, len(items), 500):
        store.save(items[k : k + 500])
    records = list(store.iter_records())
    assert len(records) == 2500
    keys = [(r["published_date"], int(r["article_id"])) for r in records]
    assert keys == sorted(keys)
    assert all(r["first_seen_at"].endswith("+08:00") for r in records)
    assert len(list(store.iter_records(since="2025-01-11", until="2025-01-11"))) == 834


def test_id_gaps_and_channel_months(store: ArticleStore) -> None:
    store.save([make_item(n) for n in (10, 11, 14, 20)])
    assert store.id_gaps() == [(12, 13), (15, 19)]
    assert store.articles_per_channel_month() == {("jinriyaowen", "2025-01"): 4}


def test_runs_are_recorded(store: ArticleStore) -> None:
    run = store.start_run("http://127.0.0.1:1")
    store.finish_run(run, "finished", {"requests": 7, "articles_new": 3, "articles_updated": 0, "failed": 1}, {"x": 1})
    [row] = store.runs()
    assert row["status"] == "finished" and row["requests"] == 7 and row["stats"] == {"x": 1}


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y", "sqlite+nosuchdriver:///x.db"])
def test_bad_database_urls_are_usage_errors(url: str) -> None:
    with pytest.raises(UsageError):
        ArticleStore(url)


def test_unopenable_database_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        ArticleStore(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}")
