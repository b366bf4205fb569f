"""LockHeartbeat keeps the crawl lock fresh through one store opened for the whole crawl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from scrapy import Spider
from scrapy.utils.test import get_crawler
from sqlalchemy import select, update

from wjcrawl.extensions import LockHeartbeat
from wjcrawl.store import ArticleStore
from wjcrawl.store.models import CrawlLockRow


def test_lock_heartbeat_refreshes_the_lock_it_holds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    store = ArticleStore(url)
    store.acquire_lock("token")
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    with store.session() as s:
        s.execute(update(CrawlLockRow).values(heartbeat_at=old))
    crawler = get_crawler(settings_dict={"WJCRAWL_LOCK_TOKEN": "token", "WJCRAWL_DATABASE_URL": url})
    heartbeat = LockHeartbeat.from_crawler(crawler)
    spider = Spider("news")
    heartbeat.spider_opened(spider)
    try:
        heartbeat.tick()
    finally:
        heartbeat.spider_closed(spider)
    with store.session() as s:
        beat = s.scalar(select(CrawlLockRow.heartbeat_at))
    store.close()
    assert beat is not None and beat.replace(tzinfo=beat.tzinfo or dt.UTC) > old
