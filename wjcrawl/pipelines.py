"""Item pipelines, one concern each; their order lives in settings.ITEM_PIPELINES.

Every drop and every alias is counted in Scrapy's stats under ``wjcrawl/`` with its reason.
``FailedPage`` items (pages that could not be fetched or parsed) pass through untouched until the
store records them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import fields
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from wjcrawl.errors import StoreError, WjcrawlError
from wjcrawl.parsing import normalize_article
from wjcrawl.records import ARTICLE_FIELDS, ArticleItem, FailedPage, SeenUrl
from wjcrawl.store import ArticleStore, BatchResult

REQUIRED = ("url", "article_id", "channel", "title", "text", "content_hash")
logger = logging.getLogger(__name__)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _StatsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)


class ValidatePipeline(_StatsPipeline):
    """Drops articles that lack a required field or carry a malformed date or id."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        missing = [name for name in REQUIRED if not getattr(item, name)]
        reason = (
            f"missing_{missing[0]}"
            if missing
            else "bad_article_id"
            if not item.article_id.isdigit()
            else "bad_published_date"
            if item.published_date and not DATE.match(item.published_date)
            else None
        )
        if reason:
            self.stats.inc_value(f"wjcrawl/dropped/{reason}")
            raise DropItem(f"invalid article {item.url}: {reason}")
        return item


class NormalizePipeline(_StatsPipeline):
    """Applies the extraction module's normalization rules again (idempotent) to every article."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        # Mirror conversion (pinyin, t2s, full-width punctuation) only for mirror pages, as the parser
        # does: on an original page it would rewrite the site's own half-width punctuation, so a crawl
        # would store a different text (and content_hash) than `wjcrawl parse` and `reparse` compute.
        normalized = normalize_article(item, convert=item.rendering == "mirror")
        for name in ARTICLE_FIELDS:
            setattr(item, name, getattr(normalized, name))
        return item


class DeduplicatePipeline(_StatsPipeline):
    """Marks an article id already seen in this run under another URL as an alias of the first."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen: set[str] = set()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if item.article_id in self.seen:
            item.alias = True
            self.stats.inc_value("wjcrawl/alias/same_article_id")
        else:
            self.seen.add(item.article_id)
        return item


class StorePipeline(_StatsPipeline):
    """Stores articles, alias URLs, raw pages and failed pages in batched transactions."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.database_url: str = settings.get("WJCRAWL_DATABASE_URL")
        if not self.database_url:
            raise NotConfigured("WJCRAWL_DATABASE_URL is not set")
        self.batch_size = max(1, settings.getint("WJCRAWL_BATCH_SIZE", 100))
        self.batch: list[ArticleItem | FailedPage] = []
        self.store: ArticleStore | None = None
        self.run_id: int | None = None
        self.fatal: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = ArticleStore(self.database_url)
        self.run_id = self.store.start_run(getattr(spider or self.crawler.spider, "base_url", ""))
        self.stats.set_value("wjcrawl/run_id", self.run_id)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem | FailedPage | SeenUrl):
            return item
        self.batch.append(item)
        if len(self.batch) >= self.batch_size:
            self.flush()
        if self.fatal:
            raise DropItem(f"not stored (database failed): {getattr(item, 'url', '')}", log_level="DEBUG")
        if isinstance(item, SeenUrl):
            raise DropItem(f"alias recorded from a listing: {item.url}", log_level="DEBUG")
        if isinstance(item, FailedPage):  # recorded; feeds carry articles only
            raise DropItem(f"failed page recorded: {item.url} ({item.reason})", log_level="DEBUG")
        if item.alias:
            raise DropItem(f"alias recorded: {item.url} is article {item.article_id}", log_level="DEBUG")
        return item

    def flush(self, closing: bool = False) -> None:
        """Write the open batch. A database that cannot be written (disk full, read-only, locked too
        long) is fatal: the crawl stops at once instead of fetching pages it cannot keep; the failed
        batch's transaction is rolled back, so the next run fetches those articles again."""
        if not self.batch or self.store is None or self.fatal:
            return
        try:
            result = self.store.save(self.batch, self.run_id)
        except StoreError as exc:
            self.fatal = str(exc)
            self.batch = []
            self.stats.set_value("wjcrawl/fatal", self.fatal)
            logger.error("cannot store: %s; stopping the crawl", self.fatal)
            if not closing and self.crawler.engine is not None:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_error"))
            return
        self.batch = []
        for field in fields(BatchResult):
            if value := getattr(result, field.name):
                self.stats.inc_value(f"wjcrawl/stored/{field.name}", value)

    def close_spider(self, spider: Spider | None = None) -> None:
        self.flush(closing=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Records how the run ended; ``reason`` is Scrapy's finish reason (finished, shutdown...)."""
        if self.store is None:
            return
        get = self.stats.get_value
        counts = {
            "requests": get("downloader/request_count", 0),
            "articles_new": get("wjcrawl/stored/new", 0),
            "articles_updated": get("wjcrawl/stored/updated", 0),
            "failed": get("wjcrawl/stored/failures", 0),
        }
        stats = {k: (v if isinstance(v, int | float | str) else str(v)) for k, v in self.stats.get_stats().items()}
        try:
            self.store.finish_run(
                self.run_id or 0, "finished" if reason == "finished" else "interrupted", counts, stats
            )
        except WjcrawlError:
            logger.exception("could not record the end of crawl run %s", self.run_id)
        finally:
            self.store.close()
