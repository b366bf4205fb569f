"""Date strings as the site writes them; URL canonicalization and the facts an article URL carries."""

from __future__ import annotations

import pytest

from wjcrawl.parsing import (
    article_id_from_url,
    canonical_url,
    channel_from_url,
    date_from_url,
    is_article_url,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-1-22", ("2025-01-22", None)),
        ("2025-01-23", ("2025-01-23", None)),
        ("2025-01-23 09:41", ("2025-01-23", "2025-01-23T09:41:00+08:00")),
        ("2025-01-23 9:41:07", ("2025-01-23", "2025-01-23T09:41:07+08:00")),
        ("2025年1月23日", ("2025-01-23", None)),
        ("2025年01月23日 09:41", ("2025-01-23", "2025-01-23T09:41:00+08:00")),
        ("2025年1月23日9时41分", ("2025-01-23", "2025-01-23T09:41:00+08:00")),
        ("2025/01/23", ("2025-01-23", None)),
        ("2025.1.23 18:05", ("2025-01-23", "2025-01-23T18:05:00+08:00")),
        ("日期：2025-01-19 08:00\xa0\xa0报料热线：86050111", ("2025-01-19", "2025-01-19T08:00:00+08:00")),
        ("2025-01-23 25:61", ("2025-01-23", None)),  # an impossible time: the date alone
        ("2025-02-30", None),
        ("86050111", None),
        ("", None),
        ("作者：何新雨", None),
    ],
)
def test_parse_date(text: str, expected: tuple[str, str | None] | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://www.wj001.com/news/jinriyaowen/2025-01-23/27038.html",
            "http://www.wj001.com/news/jinriyaowen/2025-01-23/27038.html",
        ),
        (
            "HTTP://WWW.WJ001.COM:80/news/jinriyaowen/2025-01-23/27038.html?from=list#top",
            "http://www.wj001.com/news/jinriyaowen/2025-01-23/27038.html",
        ),
        (
            "https://www.wj001.com:443/news/a/2025-01-23/1.shtml?a=1&b=2",
            "https://www.wj001.com/news/a/2025-01-23/1.shtml",
        ),
        ("http://www.wj001.com:8080/news/", "http://www.wj001.com:8080/news/"),
        ("http://www.wj001.com", "http://www.wj001.com/"),
        ("  http://www.wj001.com/a b/新闻.html  ", "http://www.wj001.com/a%20b/%E6%96%B0%E9%97%BB.html"),
        ("http://www.wj001.com/%7Ea/", "http://www.wj001.com/~a/"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected


@pytest.mark.parametrize(
    ("url", "article", "article_id", "channel", "date"),
    [
        ("http://www.wj001.com/news/jinriyaowen/2021-01-20/27281.html", True, "27281", "jinriyaowen", "2021-01-20"),
        ("/news/jinriyaowen/2025-01-23/27038.html?from=list", True, "27038", "jinriyaowen", "2025-01-23"),
        ("http://www.wj001.com/news/x/2025-01-23/1.shtml", True, "1", "x", "2025-01-23"),
        ("http://www.wj001.com/news/x/2025-01-23/1.htm", True, "1", "x", "2025-01-23"),
        ("http://www.wj001.com/news/x/2025-13-45/1.html", True, "1", "x", None),  # shape, but no real date
        ("http://www.wj001.com/news/jinriyaowen/", False, None, "jinriyaowen", None),
        ("http://www.wj001.com/news/jinriyaowen/index_2.html", False, None, "jinriyaowen", None),
        ("http://www.wj001.com/", False, None, None, None),
        ("http://www.wj001.com/2025-01-23/abc.html", False, None, None, None),
    ],
)
def test_article_url_facts(
    url: str, article: bool, article_id: str | None, channel: str | None, date: str | None
) -> None:
    assert is_article_url(url) is article
    assert article_id_from_url(url) == article_id
    assert channel_from_url(url) == channel
    assert date_from_url(url) == date
