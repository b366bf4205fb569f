"""The ``news`` spider: walks the news center's channels and requests their article pages.

Thin on purpose: it only decides what to request next. Links and fields come from
``wjcrawl.parsing``; what happens to an article is the pipelines' business.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from wjcrawl.errors import ParseError, UsageError
from wjcrawl.parsing import (
    ListingPage,
    article_id_from_url,
    canonical_url,
    channel_from_url,
    is_article_url,
    parse_listing,
    parse_response,
    resolve_link,
)
from wjcrawl.records import ArticleItem, FailedPage, RawPage, SeenUrl
from wjcrawl.spiders.policy import FetchPolicy
from wjcrawl.store import ArticleStore

REDIRECTS = [301, 302, 303, 307, 308]
# Articles before listing pages: a listing page is fetched when the articles it linked are done, so
# the scheduler holds about one page of article requests per channel, not the whole site's
# (Scrapy's queue is LIFO: without this a full crawl runs ahead through the listings and keeps
# thousands of pending requests in memory).
ARTICLE_PRIORITY = 1
CHANNEL_SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; anything but an http(s) URL with a host is a usage error."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"base URL must be an http(s) URL like http://www.wj001.com, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_channel(slug: str) -> str:
    slug = slug.strip().strip("/")
    if not slug or not set(slug) <= CHANNEL_SLUG_CHARS:
        raise UsageError(f"channel must be a slug like jinriyaowen, not {slug!r}")
    return slug


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def raw_page(response: Response) -> RawPage:
    headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
    return RawPage(
        url=canonical_url(response.url),
        status=response.status,
        headers=headers,
        body=response.body,
        fetched_at=dt.datetime.now(dt.UTC).isoformat(),
    )


class NewsSpider(scrapy.Spider):
    """Discovers the news-center channels, walks each channel's listing pages, fetches the articles."""

    name = "news"

    def __init__(
        self,
        base_url: str | None = None,
        channel: str | list[str] | None = None,
        full: str | bool = False,
        refresh_days: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._base_url_arg = base_url
        self._channel_arg = channel
        self.full = str(full).lower() in ("1", "true", "yes")
        self.refresh_days = int(refresh_days) if refresh_days not in (None, "") else None
        if self.refresh_days is not None and self.refresh_days < 1:
            raise UsageError(f"refresh days must be >= 1, not {refresh_days!r}")
        self.base_url = ""
        self.channels: list[str] = []
        self.known_channels: list[str] = []
        self.policy = FetchPolicy(host="", full=True)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.base_url = check_base_url(spider._base_url_arg or settings.get("WJCRAWL_BASE_URL"))
        channels = spider._channel_arg or settings.getlist("WJCRAWL_CHANNELS")
        if isinstance(channels, str):
            channels = channels.split(",")
        spider.channels = [check_channel(c) for c in channels if c.strip()]
        host = urlsplit(spider.base_url).hostname or ""
        spider.allowed_domains = [host]
        # The crawl state is loaded once per run; a first run (empty archive) or --full walks everything.
        store = ArticleStore(settings.get("WJCRAWL_DATABASE_URL"))
        try:
            state = store.crawl_state()
        finally:
            store.close()
        spider.policy = FetchPolicy.build(host, state, spider.full, spider.refresh_days)
        spider.known_channels = sorted(state.channels)
        if is_loopback(spider.base_url) and settings.getbool("WJCRAWL_LOOPBACK_FAST"):
            # The replica on this machine: no reason to be slow. set() keeps any -s override.
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.crawler.stats.set_value("wjcrawl/full_walk", self.policy.full)
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for url in sorted(self.policy.state.due_failures):  # failed last time, retryable now
            if self.policy.on_site(url) and (not self.channels or channel_from_url(url) in self.channels):
                yield self._article_request(url)
        if self.channels:
            for slug in self.channels:
                yield self._listing_request(f"{self.base_url}/news/{slug}/")
            return
        # A full run discovers channels from the home page's navigation and the news-center index;
        # a re-run asks only the index (it lists every channel) plus the channels already archived.
        for path in ("/", "/news/") if self.policy.full else ("/news/",):
            yield scrapy.Request(self.base_url + path, callback=self.parse_index, errback=self.failed)
        if not self.policy.full:
            for slug in self.known_channels:
                yield self._listing_request(f"{self.base_url}/news/{slug}/")

    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        """Home page or news-center index: follow every channel found in navigation or listings."""
        page = self._listing(response)
        for url in page.channel_urls:
            if urlsplit(url).path.startswith("/news/") and urlsplit(url).path != "/news/":
                yield self._listing_request(url)

    def parse_channel(self, response: Response) -> Iterator[scrapy.Request | SeenUrl]:
        """A channel's listing page: request its articles, then the next listing page by its link text."""
        page = self._listing(response)
        self.crawler.stats.inc_value("wjcrawl/listing_pages")
        if not page.article_urls:
            self.crawler.stats.inc_value("wjcrawl/listing_without_articles")
            if channel_from_url(response.url) in self.known_channels:
                self.crawler.stats.inc_value("wjcrawl/listing_empty_known_channel")
            self.logger.warning("listing page without article links: %s", response.url)
        for url in page.article_urls:
            if self.policy.wants(url):
                yield self._article_request(url)
            elif self.policy.new_alias(url):
                yield SeenUrl(url=url, article_id=article_id_from_url(url) or "", channel=channel_from_url(url) or "")
            else:
                self.crawler.stats.inc_value(
                    "wjcrawl/skipped/known" if self.policy.on_site(url) else "wjcrawl/skipped/offsite"
                )
        if not page.next_page_url:  # None on the last page, also when it links to itself
            return
        if self.policy.keep_paging(page.article_urls):
            yield self._listing_request(page.next_page_url)
        else:
            self.crawler.stats.inc_value("wjcrawl/listing_stopped_at_known")

    def parse_article(self, response: Response) -> Iterator[ArticleItem | FailedPage | scrapy.Request]:
        if 300 <= response.status < 400:
            yield from self._redirected(response)
            return
        page = raw_page(response)
        try:
            article = parse_response(response)
        except ParseError as exc:
            self.crawler.stats.inc_value("wjcrawl/failed")
            self.crawler.stats.inc_value("wjcrawl/failed/parse")
            self.crawler.stats.inc_value(f"wjcrawl/failed/{type(exc).__name__}")
            self.logger.warning("cannot parse %s: %s", response.url, exc)
            yield FailedPage(url=page.url, reason=f"{type(exc).__name__}: {exc}", status=response.status, page=page)
            return
        self.crawler.stats.inc_value("wjcrawl/articles_parsed")
        yield ArticleItem.from_article(article, page)

    def failed(self, failure: Failure) -> Iterator[FailedPage]:
        """A request that failed for good (HTTP error after retries, timeout, DNS...): record it."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            original = request.meta.get("redirect_urls", [request.url])[0]
            if "robots" in str(failure.value).lower() and not request.meta.get("redirect_urls"):
                # Skipped by choice, not a failure; a disallowed article is remembered so that
                # re-runs count it as known (and look again when its retry is due).
                self.crawler.stats.inc_value("wjcrawl/skipped/robots")
                if is_article_url(request.url):
                    yield FailedPage(url=canonical_url(request.url), reason="robots.txt disallowed")
                return
            # A redirect loop, or a redirect off the site: the page is not to be had here.
            reason = f"redirect: {failure.value or 'to ' + request.url}"
            self.crawler.stats.inc_value("wjcrawl/failed")
            self.crawler.stats.inc_value("wjcrawl/failed/redirect")
            self.logger.warning("failed %s: %s", original, reason)
            if is_article_url(original):
                yield FailedPage(url=canonical_url(original), reason=reason)
            return
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        reason = f"http {status}" if status else f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.crawler.stats.inc_value("wjcrawl/failed")
        self.crawler.stats.inc_value(f"wjcrawl/failed/{reason.split(':')[0].replace(' ', '_')}")
        self.logger.warning("failed %s: %s", request.url, reason)
        if not is_article_url(request.url):
            self.crawler.stats.inc_value("wjcrawl/failed/listing")  # the next run walks every page again
            slug = channel_from_url(request.url)
            if status == 404 and slug in self.channels and request.url.rstrip("/").endswith(slug):
                self.crawler.stats.set_value("wjcrawl/unknown_channel", slug)
        else:
            page = raw_page(response) if response is not None else None
            yield FailedPage(url=canonical_url(request.url), reason=reason, status=status, page=page)

    def _article_request(self, url: str, hops: int = 0, first: str | None = None) -> scrapy.Request:
        # Article redirects are followed here, not by Scrapy, so that one leading off the site is
        # recorded as a failure of the article (Scrapy would drop it silently at scheduling).
        meta = {"dont_redirect": True, "handle_httpstatus_list": REDIRECTS, "hops": hops, "first_url": first or url}
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.failed, meta=meta, priority=ARTICLE_PRIORITY
        )

    def _redirected(self, response: Response) -> Iterator[FailedPage | scrapy.Request]:
        location = response.headers.get(b"Location", b"").decode("latin-1")
        target = resolve_link(response.url, location) or ""
        first, hops = response.meta.get("first_url", response.url), response.meta.get("hops", 0) + 1
        max_hops = self.settings.getint("REDIRECT_MAX_TIMES")  # the limit Scrapy applies to listings
        if target and self.policy.on_site(target) and hops <= max_hops:
            request = self._article_request(target, hops, first)
            yield request.replace(dont_filter=True)  # a redirect may come back to a URL already seen
            return
        reason = f"redirect: off the site to {target}" if target else "redirect: without a Location"
        if hops > max_hops:
            reason = f"redirect: more than {max_hops} redirects"
        self.crawler.stats.inc_value("wjcrawl/failed")
        self.crawler.stats.inc_value("wjcrawl/failed/redirect")
        self.logger.warning("failed %s: %s", first, reason)
        yield FailedPage(url=canonical_url(first), reason=reason, status=response.status)

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(urljoin(self.base_url, url), callback=self.parse_channel, errback=self.failed)

    def _listing(self, response: Response) -> ListingPage:
        content_type = response.headers.get(b"Content-Type")
        return parse_listing(response.body, response.url, content_type.decode("latin-1") if content_type else None)
