"""Scrapy extensions, one job each."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from wjcrawl.store import ArticleStore


class _Periodic:
    """Base of the extensions that do something every ``interval`` seconds while the spider is open."""

    interval: float
    loop: task.LoopingCall | None = None

    def connect(self, crawler: Crawler) -> None:
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_opened(self, spider: Spider) -> None:
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider: Spider) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()

    def tick(self) -> None:
        raise NotImplementedError


class ProgressReporter(_Periodic):
    """Prints a progress line (pages, articles new/updated, failures) to stderr every few seconds."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.stats = crawler.stats
        self.interval = interval
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        interval = crawler.settings.getfloat("WJCRAWL_PROGRESS_INTERVAL", 0)
        if interval <= 0:
            raise NotConfigured("WJCRAWL_PROGRESS_INTERVAL is 0")
        ext = cls(crawler, interval)
        ext.connect(crawler)
        return ext

    def tick(self) -> None:
        get = self.stats.get_value
        print(
            f"progress: {time.monotonic() - self.started:.0f}s pages={get('response_received_count', 0)} "
            f"articles={get('item_scraped_count', 0)} new={get('wjcrawl/stored/new', 0)} "
            f"updated={get('wjcrawl/stored/updated', 0)} failed={get('wjcrawl/failed', 0)}",
            file=sys.stderr,
            flush=True,
        )


class LockHeartbeat(_Periodic):
    """Refreshes the crawl lock's heartbeat while the crawl runs, so no other run takes it over."""

    def __init__(self, crawler: Crawler, token: str, database_url: str, interval: float) -> None:
        self.token = token
        self.database_url = database_url
        self.interval = interval
        self.store: ArticleStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        token = crawler.settings.get("WJCRAWL_LOCK_TOKEN")
        if not token:
            raise NotConfigured("no crawl lock held (WJCRAWL_LOCK_TOKEN is set by `wjcrawl crawl`)")
        ext = cls(
            crawler,
            token,
            crawler.settings.get("WJCRAWL_DATABASE_URL"),
            crawler.settings.getfloat("WJCRAWL_LOCK_HEARTBEAT", 60),
        )
        ext.connect(crawler)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        from wjcrawl.store import ArticleStore

        self.store = ArticleStore(self.database_url)  # opened once: a beat is then one UPDATE
        super().spider_opened(spider)

    def spider_closed(self, spider: Spider) -> None:
        super().spider_closed(spider)
        if self.store is not None:
            self.store.close()

    def tick(self) -> None:
        if self.store is not None:
            self.store.heartbeat(self.token)


class LayoutWatch:
    """Flags a likely layout change: known listings without article links, or most articles unparseable.

    A silent empty crawl is the worst failure an archive can have: the alert lands in the run's
    stats, in the log at ERROR, and in `wjcrawl crawl`'s exit code (WJCRAWL_LAYOUT_EXIT_CODE).
    """

    def __init__(self, crawler: Crawler, min_pages: int, ratio: float) -> None:
        self.stats = crawler.stats
        self.min_pages = min_pages
        self.ratio = ratio

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        ratio = crawler.settings.getfloat("WJCRAWL_LAYOUT_FAILURE_RATIO", 0.5)
        if ratio <= 0:
            raise NotConfigured("WJCRAWL_LAYOUT_FAILURE_RATIO is 0")
        ext = cls(crawler, crawler.settings.getint("WJCRAWL_LAYOUT_MIN_PAGES", 5), ratio)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        get = self.stats.get_value
        empty = get("wjcrawl/listing_empty_known_channel", 0)
        failed, parsed = get("wjcrawl/failed/parse", 0), get("wjcrawl/articles_parsed", 0)
        alert = None
        if empty:
            alert = f"{empty} listing page(s) of archived channels had no article links"
        elif failed >= self.min_pages and failed > self.ratio * (failed + parsed):
            alert = f"{failed} of {failed + parsed} article pages could not be parsed"
        if alert:
            self.stats.set_value("wjcrawl/alert/layout_change", alert)
            spider.logger.error("possible layout change: %s", alert)
