"""A bare Scrapy spider: the baseline wjcrawl's crawl is measured against (``bench/bench_crawl.py``).

It requests what ``wjcrawl crawl`` requests on a first run of the replica -- robots.txt, the home
page and the news-center index, every channel's listing pages (the next page found by its link
text, as wjcrawl does) and every article page linked from them (query string dropped, as wjcrawl's
canonical URLs do) -- and does nothing with the responses: no parsing of articles, no items, no
pipelines, no database. Same downloader settings as wjcrawl: robots.txt obeyed, the same
CONCURRENT_REQUESTS and per-domain concurrency (``WJCRAWL_CONCURRENCY``), no delay, no AutoThrottle.

Standalone on purpose (imports Scrapy and w3lib only; wjcrawl's parser only with ``--parse``, which
runs ``wjcrawl.parsing.parse_response`` on each article page and throws the record away: bare
Scrapy plus the parser, the most a crawl that parses every article can hope for)::

    python bench/bare_spider.py --base-url http://127.0.0.1:8000 [--set NAME=JSON]...

(``bench_crawl`` passes every Scrapy setting of ``wjcrawl.settings`` that is not a pipeline, an
extension, a feed or logging with ``--set``, so that a Scrapy setting tuned in wjcrawl is tuned for
the baseline too), and prints one ``bare: key=value ...`` summary line on stdout when the crawl ends.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from w3lib.encoding import html_body_declared_encoding

ARTICLE_PATH_RE = re.compile(r"/\d{4}-\d{2}-\d{2}/\d+\.s?html?$", re.IGNORECASE)
CHANNEL_INDEX_RE = re.compile(r"^/news/[A-Za-z0-9_-]+/(?:index\.s?html?)?$", re.IGNORECASE)
NEXT_TEXTS = frozenset({"下一页", "下页", "后页", ">", "下一頁", "下頁", "後頁", "›"})
WS_RE = re.compile(r"\s+")


def settings(concurrency: int) -> dict[str, Any]:
    """wjcrawl's downloader settings against a loopback site, nothing else (no pipelines, no extensions)."""
    return {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "USER_AGENT": "bare-scrapy-bench (+loopback benchmark)",
        "LOG_LEVEL": "ERROR",
    }


class BareSpider(scrapy.Spider):
    """Walks the channels' listings by next-page link text and requests every article page; keeps nothing."""

    name = "bare"

    def __init__(self, base_url: str = "http://127.0.0.1:8000", parse: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self.parse_response = None
        if parse:  # the one place wjcrawl is imported: its article parser, result thrown away
            from wjcrawl.parsing import parse_response

            self.parse_response = parse_response

    async def start(self) -> Any:
        for path in ("/", "/news/"):
            yield scrapy.Request(self.base_url + path, callback=self.parse_index)

    def parse_index(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href.strip())
            path = urlsplit(url).path
            if path != "/news/" and CHANNEL_INDEX_RE.match(path):
                yield scrapy.Request(url, callback=self.parse_listing)

    def parse_listing(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        try:  # one channel serves GBK under a header that says utf-8: its next-page text needs the meta charset
            response.body.decode(response.encoding)
        except (UnicodeDecodeError, LookupError):
            response = response.replace(encoding=html_body_declared_encoding(response.body) or "gb18030")
        next_url = None
        for a in response.xpath("//a[@href]"):
            url = response.urljoin(a.attrib["href"].strip())
            if ARTICLE_PATH_RE.search(urlsplit(url).path):
                yield scrapy.Request(url.split("#", 1)[0].split("?", 1)[0], callback=self.parse_article)
            elif next_url is None and WS_RE.sub(" ", "".join(a.xpath(".//text()").getall())).strip() in NEXT_TEXTS:
                next_url = url.split("#", 1)[0]
        if next_url and next_url != response.url:  # a last page may link to itself
            yield scrapy.Request(next_url, callback=self.parse_listing)

    def parse_article(self, response: scrapy.http.Response) -> None:
        if self.parse_response is not None:
            with contextlib.suppress(Exception):  # a page that is not an article: nothing to keep anyway
                self.parse_response(response)
        return None  # the page was downloaded: that is all a bare crawl does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("WJCRAWL_CONCURRENCY", "2")))
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="a Scrapy setting, value as JSON (bench_crawl passes wjcrawl's engine settings this way)",
    )
    parser.add_argument(
        "--parse",
        action="store_true",
        help="also run wjcrawl's article parser on each article page (the ceiling wjcrawl can reach)",
    )
    args = parser.parse_args(argv)
    overrides = {}
    for pair in args.set:
        name, _, value = pair.partition("=")
        try:
            overrides[name] = json.loads(value)
        except ValueError:
            overrides[name] = value
    process = CrawlerProcess(settings(args.concurrency) | overrides)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base_url=args.base_url, parse=args.parse)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    summary = {
        "status": stats.get("finish_reason", "failed"),
        "requests": stats.get("downloader/request_count", 0),
        "pages": stats.get("response_received_count", 0),
    }
    print("bare: " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)
    return 0 if summary["status"] == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
