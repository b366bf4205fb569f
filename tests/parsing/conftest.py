"""Helpers for the parsing tests: saved replica pages (bytes as served + sidecar JSON) and a
per-session cache of parsed records, built inside fixtures, never at import time.

Tests get everything through fixtures (``file_response``, ``parsed_article``, ``parsed_listing``) and
through the parameters this file generates (``article_name``, ``article_field``, ``listing_name``,
``nav_name``), so no test module imports this one by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from wjcrawl.parsing import ListingPage, parse_article, parse_listing
from wjcrawl.records import ARTICLE_FIELDS, Article

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


def _names(prefix: str) -> list[str]:
    return sorted(p.stem for p in PAGES.glob(f"{prefix}*.html"))


# Names only (a directory listing): the pages themselves are read and parsed inside tests.
ARTICLE_NAMES = _names("article-")
LISTING_NAMES = _names("listing-")
NAV_NAMES = ["home", "news-index"]
MIRROR_NAME = "article-27038-old-utf8-mirror"
# Every field a record carries except ``html`` (checked for safety, not equality).
COMPARED_FIELDS = [f for f in ARTICLE_FIELDS if f != "html"]

# Where the replica's expected record (its truth) is wrong and the parser right: (page, field) ->
# reason. Strict xfail, so the test fails (XPASS) once the truth is fixed and the entry must go.
# (Empty now: the one found, published_at of article-27006 whose page shows no date or time, was fixed
# in the replica by ``ReplicaArticle.date_on_page``.)
KNOWN_TRUTH_ERRORS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class FilePage:
    """A saved page: what the server sent and what a correct parser extracts from it."""

    name: str
    body: bytes
    url: str
    content_type: str | None
    meta: dict[str, Any]

    @property
    def expected(self) -> dict[str, Any]:
        return self.meta["expected"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize over every saved page of a kind: ``article_name``, ``article_field`` (page x field,
    with known truth errors as strict xfails), ``listing_name`` and ``nav_name``."""
    names = metafunc.fixturenames
    if "article_name" in names:
        metafunc.parametrize("article_name", ARTICLE_NAMES)
    if "article_field" in names:
        params = []
        for name in ARTICLE_NAMES:
            for field in COMPARED_FIELDS:
                reason = KNOWN_TRUTH_ERRORS.get((name, field))
                marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
                params.append(pytest.param((name, field), id=f"{name}-{field}", marks=marks))
        metafunc.parametrize("article_field", params)
    if "listing_name" in names:
        metafunc.parametrize("listing_name", LISTING_NAMES)
    if "nav_name" in names:
        metafunc.parametrize("nav_name", NAV_NAMES)


@cache
def load_page(name: str) -> FilePage:
    """Load ``tests/fixtures/pages/<name>.html`` and its sidecar JSON."""
    meta = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    return FilePage(
        name=name,
        body=(PAGES / f"{name}.html").read_bytes(),
        url=meta["url"],
        content_type=meta.get("content_type"),
        meta=meta,
    )


@pytest.fixture(scope="session")
def file_response() -> Callable[[str], FilePage]:
    """``file_response(name)``: a saved page (bytes, url, content_type, sidecar JSON)."""
    return load_page


@pytest.fixture(scope="session")
def article_names() -> list[str]:
    """Every saved article page's name (for strategies that draw pages)."""
    return ARTICLE_NAMES


@pytest.fixture(scope="session")
def mirror_name() -> str:
    """The real captured mirror page (traditional characters + pinyin)."""
    return MIRROR_NAME


@pytest.fixture(scope="session")
def parsed_article() -> Callable[[str], Article]:
    """``parsed_article(name)``: the fixture page's Article, parsed once per session."""

    @cache
    def parse(name: str) -> Article:
        page = load_page(name)
        return parse_article(page.body, page.url, page.content_type)

    return parse


@pytest.fixture(scope="session")
def parsed_listing() -> Callable[[str], ListingPage]:
    """``parsed_listing(name)``: the fixture page's ListingPage, parsed once per session."""

    @cache
    def parse(name: str) -> ListingPage:
        page = load_page(name)
        return parse_listing(page.body, page.url, page.content_type)

    return parse
