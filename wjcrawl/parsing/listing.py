"""Listing, home and news-index pages → the article links on them, the next page, the channels.

Pagination is followed by the link's text (下一页, 下页, 后页, ``>``), never by a guessed URL: the
site's page-2 scheme is unknown and differs by channel (``index_2.html``, ``list_2.html``,
``?page=2``). Every article-shaped link is reported, off-site ones included: what to follow is the
spider's decision, not the parser's.
"""

from __future__ import annotations

import dataclasses
import re

from lxml import etree
from w3lib.url import canonicalize_url

from wjcrawl.errors import NotAnArticle, ParseError
from wjcrawl.parsing.article import clean_text, load_document
from wjcrawl.parsing.mirror import strip_pinyin
from wjcrawl.parsing.urls import canonical_url, channel_index_url, is_article_url, resolve_link

LINKS_XP = etree.XPath("//a[@href]")
NAV_LINKS_XP = etree.XPath("//div[contains(concat(' ', normalize-space(@class), ' '), ' navtable ')]/div/a[@href]")
# Texts of a "next page" link, simplified and traditional (the mirror). ">" is next; ">>" is last.
NEXT_TEXTS = frozenset({"下一页", "下页", "后页", ">", "下一頁", "下頁", "後頁", "›"})
INDEX_FILE_RE = re.compile(r"/index\.s?html?$", re.IGNORECASE)


@dataclasses.dataclass
class ListingPage:
    """What a listing page offers a crawler."""

    article_urls: list[str] = dataclasses.field(default_factory=list)  # canonical, page order, unique
    next_page_url: str | None = None  # absolute; None on the last page
    channel_urls: list[str] = dataclasses.field(default_factory=list)  # canonical /news/<slug>/


def _page_key(url: str) -> str:
    """Two URLs of one page compare equal: canonical with the query kept, ``index.html`` dropped."""
    try:
        url = canonicalize_url(url, keep_fragments=False)
    except (ValueError, UnicodeError):
        url = url.split("#", 1)[0]
    path_end = url.find("?")
    path, query = (url, "") if path_end < 0 else (url[:path_end], url[path_end:])
    return canonical_url(INDEX_FILE_RE.sub("/", path)) + query


def _absolute(url: str) -> str:
    """A link as a crawler requests it: absolute, percent-encoded, query kept, fragment dropped."""
    try:
        return canonicalize_url(url, keep_fragments=False)
    except (ValueError, UnicodeError):
        return url.split("#", 1)[0]


def parse_listing(body: bytes, url: str, content_type: str | None = None) -> ListingPage:
    """Article links, next-page link and channel links of a listing (or home / news-index) page."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body or not body.strip():
        return ListingPage()
    try:
        return _parse_listing(bytes(body), url, content_type)
    except NotAnArticle:
        return ListingPage()
    except ParseError:
        raise
    except Exception as exc:  # one odd page must not stop a crawl: report it as a ParseError
        raise ParseError(f"cannot parse listing {url}: {type(exc).__name__}: {exc}") from exc


def _parse_listing(body: bytes, url: str, content_type: str | None) -> ListingPage:
    doc = load_document(body, url, content_type)
    page = ListingPage()
    articles: dict[str, None] = {}
    channels: dict[str, None] = {}
    self_key = _page_key(url)
    nav_links = list(NAV_LINKS_XP(doc.root))
    nav_ids = {id(a) for a in nav_links}
    links = nav_links + [a for a in LINKS_XP(doc.root) if id(a) not in nav_ids]
    for a in links:
        target = resolve_link(doc.base_url, a.get("href"))
        if target is None:
            continue
        if is_article_url(target):
            articles.setdefault(canonical_url(target), None)
            continue
        channel = channel_index_url(target)
        if channel:
            channels.setdefault(channel, None)
        if page.next_page_url is None and clean_text(strip_pinyin(a.text_content())) in NEXT_TEXTS:
            absolute = _absolute(target)
            if _page_key(absolute) != self_key:
                page.next_page_url = absolute
    page.article_urls = list(articles)
    page.channel_urls = list(channels)
    return page
