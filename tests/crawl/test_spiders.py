"""Every spider the project registers starts and yields requests."""

from __future__ import annotations

import pytest
from scrapy.crawler import Crawler
from scrapy.spiderloader import SpiderLoader

from wjcrawl.cli import project_settings

SETTINGS = project_settings()


@pytest.fixture(autouse=True)
def _scratch_database(tmp_path, monkeypatch) -> None:
    """The spider reads its crawl state from the database: give it an empty one."""
    SETTINGS.set("WJCRAWL_DATABASE_URL", f"sqlite:///{tmp_path / 'state.db'}", priority="cmdline")


SPIDERS = SpiderLoader.from_settings(SETTINGS).list()


def test_the_news_spider_is_registered() -> None:
    assert "news" in SPIDERS


@pytest.mark.parametrize("name", SPIDERS)
def test_spider_starts_and_yields_requests(name: str) -> None:
    spidercls = SpiderLoader.from_settings(SETTINGS).load(name)
    crawler = Crawler(spidercls, SETTINGS.copy())
    spider = spidercls.from_crawler(crawler, base_url="http://www.wj001.com")
    requests = list(spider.start_requests())
    assert requests and all(r.url.startswith("http://www.wj001.com/") for r in requests)


def test_named_channels_start_at_their_listings() -> None:
    from wjcrawl.spiders.news import NewsSpider

    crawler = Crawler(NewsSpider, SETTINGS.copy())
    spider = NewsSpider.from_crawler(crawler, base_url="http://127.0.0.1:9", channel="jinriyaowen,jingjixinwen")
    assert [r.url for r in spider.start_requests()] == [
        "http://127.0.0.1:9/news/jinriyaowen/",
        "http://127.0.0.1:9/news/jingjixinwen/",
    ]
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0  # loopback: the replica is not slowed


def test_real_site_defaults_are_polite() -> None:
    assert SETTINGS.getbool("ROBOTSTXT_OBEY")
    assert SETTINGS.getbool("AUTOTHROTTLE_ENABLED")
    assert SETTINGS.getfloat("DOWNLOAD_DELAY") >= 1
    assert SETTINGS.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert "+http" in SETTINGS.get("USER_AGENT")
