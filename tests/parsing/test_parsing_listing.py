"""Listing, home and news-index pages → article links, next page, channels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wjcrawl.parsing import ListingPage, parse_listing
from wjcrawl.parsing.urls import canonical_url, is_article_url

ParsedListing = Callable[[str], ListingPage]


def test_listing_articles(
    listing_name: str, parsed_listing: ParsedListing, file_response: Callable[[str], Any]
) -> None:
    page = parsed_listing(listing_name)
    assert sorted(page.article_urls) == file_response(listing_name).meta["articles"]
    assert len(set(page.article_urls)) == len(page.article_urls)
    assert all(is_article_url(u) and canonical_url(u) == u for u in page.article_urls)


def test_listing_next_page(
    listing_name: str, parsed_listing: ParsedListing, file_response: Callable[[str], Any]
) -> None:
    assert parsed_listing(listing_name).next_page_url == file_response(listing_name).meta["next_page"]


def test_listing_links_to_the_channels(listing_name: str, parsed_listing: ParsedListing) -> None:
    assert "http://www.wj001.com/news/jinriyaowen/" in parsed_listing(listing_name).channel_urls


def test_nav_channels(nav_name: str, parsed_listing: ParsedListing, file_response: Callable[[str], Any]) -> None:
    assert sorted(parsed_listing(nav_name).channel_urls) == file_response(nav_name).meta["channels"]


def test_article_links_keep_page_order(parsed_listing: ParsedListing) -> None:
    urls = parsed_listing("listing-jingjixinwen-1").article_urls
    assert urls[0] == "http://www.wj001.com/news/jingjixinwen/2025-01-23/27039.html"  # ?from=list dropped
    assert urls[1] == "http://www.wj001.com/news/jingjixinwen/2025-01-23/27034.html"  # relative link


def test_news_index_lists_articles(parsed_listing: ParsedListing) -> None:
    assert "http://www.wj001.com/news/jinriyaowen/2025-01-23/27038.html" in parsed_listing("news-index").article_urls


BASE = "http://www.wj001.com/news/x/"


def _listing(links: str, url: str = BASE) -> ListingPage:
    return parse_listing(f'<html><body><div class="pages">{links}</div></body></html>'.encode(), url)


@pytest.mark.parametrize(
    ("links", "url", "expected"),
    [
        ('<a href="index_2.html">下一页</a>', BASE, BASE + "index_2.html"),
        ('<a href="list_3.html"> 下页 </a>', BASE + "list_2.html", BASE + "list_3.html"),
        ('<a href="?page=3">后页</a>', BASE + "?page=2", BASE + "?page=3"),
        ('<a href="?page=3">&gt;&gt;</a><a href="?page=2">&gt;</a>', BASE, BASE + "?page=2"),
        ('<a href="?page=3">&gt;&gt;</a>', BASE, None),  # ">>" is the last page, not the next
        ('<a href="list_2.html">下页</a>', BASE + "list_2.html", None),  # a link to itself: last page
        ('<a href="index.html">下一页</a>', BASE, None),  # index.html is the channel folder itself
        ('<a href="?page=2">下一页</a>', BASE + "?page=2#top", None),
        ('<a href="index_2.html">下一页 (共5页)</a>', BASE, None),  # the whole text must match
        ('<a href="javascript:void(0)">下一页</a>', BASE, None),
        ("", BASE, None),
    ],
)
def test_next_page_by_link_text(links: str, url: str, expected: str | None) -> None:
    assert _listing(links, url).next_page_url == expected


def test_channel_links_are_canonical_and_unique() -> None:
    page = _listing(
        '<a href="/news/a/">A</a><a href="/news/a/index.html">A</a><a href="HTTP://WWW.WJ001.COM/news/b/?x=1">B</a>'
        '<a href="/news/">新闻中心</a><a href="/news/a/index_2.html">2</a>'
    )
    assert page.channel_urls == ["http://www.wj001.com/news/a/", "http://www.wj001.com/news/b/"]


def test_empty_listing() -> None:
    assert parse_listing(b"", BASE) == ListingPage()
