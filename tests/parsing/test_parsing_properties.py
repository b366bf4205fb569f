"""Property tests: whatever bytes arrive, the parser raises nothing but ParseError, and what it
returns keeps its invariants; canonical URLs and normalization are idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wjcrawl.errors import ParseError
from wjcrawl.parsing import canonical_url, normalize_article, normalize_punctuation, parse_article, parse_date
from wjcrawl.parsing.mirror import PINYIN_RE
from wjcrawl.records import Article

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
URL = "http://www.wj001.com/news/jinriyaowen/2025-01-23/27038.html"
CONTENT_TYPES = st.sampled_from(
    [
        None,
        "text/html",
        "text/html; charset=utf-8",
        "text/html; charset=gbk",
        "text/html; charset=bogus",
        "text/html; charset=iso-8859-1",
    ]
)
# Pieces that stress the parser: structure, the fields' markers, encodings, broken URLs.
SNIPPETS = [
    b"<p>",
    b"</p>",
    b"</div>",
    b'<div id="Zoom">',
    b'<div id="zoom">',
    b'<h1 class="title">',
    b'<div class="heading">',
    b"<script>",
    b"<style>",
    b"<!--",
    b"<![CDATA[",
    b"&#",
    b"&#xD800;",
    b"\x00",
    "\u3000\u3000".encode(),
    "進(jìn)".encode(),
    "責(zé)編(biān):".encode(),
    "来源：".encode(),
    "日期：2025-13-45 99:99".encode(),
    b'<img src="http://[">',
    b'<a href="javascript:x()">',
    b'<base href="http://[::1">',
    b'<meta charset="gbk">',
    b"<br>",
    "\ufeff".encode(),
    b"\xff\xfe",
    b'<?xml version="1.0" encoding="utf-8"?>',
]


def _check(article: Article) -> None:
    """Invariants of every record the parser returns."""
    assert article.title and article.text
    assert "\u3000" not in article.text
    assert not PINYIN_RE.search(article.text)
    assert article.published_at is None or article.published_at.endswith("+08:00")
    assert "<script" not in article.html.lower()
    normalized = normalize_article(article)
    assert normalize_article(normalized) == normalized


def _parse(body: bytes, content_type: str | None, url: str = URL) -> None:
    try:
        article = parse_article(body, url, content_type)
    except ParseError:
        return
    _check(article)


@FAST
@given(body=st.binary(max_size=3000), content_type=CONTENT_TYPES)
def test_arbitrary_bytes_raise_only_parse_errors(body: bytes, content_type: str | None) -> None:
    _parse(body, content_type)


@FAST
@given(text=st.text(max_size=500), content_type=CONTENT_TYPES)
def test_arbitrary_text_raises_only_parse_errors(text: str, content_type: str | None) -> None:
    body = f'<html><body><div class="heading">{text}</div><div id="Zoom"><p>{text}</p></div></body></html>'
    _parse(body.encode("utf-8", "surrogatepass"), content_type)


def _mutate(body: bytes, data: st.DataObject) -> bytes:
    for _ in range(data.draw(st.integers(1, 6), label="mutations")):
        kind = data.draw(st.sampled_from(["delete", "insert", "duplicate", "snippet", "truncate"]))
        at = data.draw(st.integers(0, len(body)))
        size = data.draw(st.integers(0, 400))
        if kind == "delete":
            body = body[:at] + body[at + size :]
        elif kind == "insert":
            body = body[:at] + data.draw(st.binary(max_size=50)) + body[at:]
        elif kind == "duplicate":
            body = body[:at] + body[at : at + size] + body[at:]
        elif kind == "snippet":
            body = body[:at] + data.draw(st.sampled_from(SNIPPETS)) + body[at:]
        else:
            body = body[:at]
    return body


@FAST
@given(data=st.data())
def test_mutated_fixture_pages_raise_only_parse_errors(
    data: st.DataObject, article_names: list[str], file_response: Callable[[str], Any]
) -> None:
    page = file_response(data.draw(st.sampled_from(article_names), label="page"))
    body = _mutate(page.body, data)
    content_type = data.draw(st.one_of(st.just(page.content_type), CONTENT_TYPES), label="content_type")
    _parse(body, content_type, page.url)


HOSTS = st.sampled_from(["www.wj001.com", "WWW.WJ001.COM", "127.0.0.1", "[::1]", "例子.中国", "a-b.example"])
SEGMENTS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), max_size=8)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "HTTPS", "Http"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":"]))
    path = "/".join(draw(st.lists(SEGMENTS, max_size=4)))
    query = draw(st.sampled_from(["", "?from=list", "?a=1&b=%E6%96%B0", "?"]))
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return f"{scheme}://{draw(HOSTS)}{port}/{path}{query}{fragment}"


@FAST
@given(url=urls())
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "?" not in once and "#" not in once
    assert once.startswith(("http://", "https://"))
    default_port = ":80" if once.startswith("http:") else ":443"
    assert not once.split("/")[2].endswith(default_port)


@FAST
@given(url=st.text(max_size=80))
def test_canonical_url_never_raises_and_is_idempotent_on_any_text(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@FAST
@given(text=st.text(alphabet=st.sampled_from(list(",:;()，：；（） a1中/")), max_size=30))
def test_normalize_punctuation_is_idempotent(text: str) -> None:
    once = normalize_punctuation(text)
    assert normalize_punctuation(once) == once


@FAST
@given(
    moment=st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
    style=st.sampled_from(
        ["{d.year}-{d.month}-{d.day}", "{d:%Y-%m-%d %H:%M}", "{d.year}年{d.month}月{d.day}日", "{d:%Y/%m/%d %H:%M:%S}"]
    ),
)
def test_parse_date_reads_what_it_is_given(moment: dt.datetime, style: str) -> None:
    found = parse_date(style.format(d=moment))
    assert found is not None
    assert found[0] == moment.date().isoformat()
    if "%H" in style:
        assert found[1] is not None and found[1].endswith("+08:00")
        assert found[1][11:16] == f"{moment:%H:%M}"
    else:
        assert found[1] is None


@FAST
@given(text=st.text(max_size=60))
def test_parse_date_times_are_always_shanghai(text: str) -> None:
    found = parse_date(text)
    assert found is None or found[1] is None or found[1].endswith("+08:00")


def test_parsing_is_pure() -> None:
    """wjcrawl.parsing imports no engine, database or settings, and reads no environment."""
    package = Path(__file__).resolve().parents[2] / "wjcrawl" / "parsing"
    for path in package.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for forbidden in (
            "import scrapy",
            "from scrapy",
            "sqlalchemy",
            "os.environ",
            "getenv",
            "wjcrawl.settings",
            "wjcrawl.store",
        ):
            assert forbidden not in source, f"{path.name}: {forbidden}"
