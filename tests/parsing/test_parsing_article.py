"""Article pages → records: every saved article page against its expected record, field by field,
the cleaned HTML, normalization, and the pages that are not articles."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import pytest
from lxml import html as lxml_html

from wjcrawl.errors import NotAnArticle, ParseError
from wjcrawl.parsing import normalize_article, parse_article, parse_response
from wjcrawl.parsing.mirror import PINYIN_RE
from wjcrawl.records import Article
from wjcrawl.replica.server import NOT_FOUND

ParsedArticle = Callable[[str], Article]
JAVASCRIPT_RE = re.compile(r"javascript\s*:", re.IGNORECASE)


def test_field_matches_expected(
    article_field: tuple[str, str], parsed_article: ParsedArticle, file_response: Callable[[str], Any]
) -> None:
    name, field = article_field
    expected = file_response(name).expected[field]
    value = getattr(parsed_article(name), field)
    if field == "images":
        value = [dataclasses.asdict(image) for image in value]
    assert value == expected


def test_html_is_clean_and_absolute(article_name: str, parsed_article: ParsedArticle) -> None:
    html = parsed_article(article_name).html
    fragment = lxml_html.fragment_fromstring(html)
    assert fragment.tag == "div"
    for el in fragment.iter():
        assert el.tag not in ("script", "style", "iframe", "object", "embed"), el.tag
        assert not [a for a in el.attrib if a.lower().startswith("on")], el.attrib
        for attr in ("href", "src"):
            if el.get(attr) is not None:
                assert el.get(attr).startswith(("http://", "https://")), el.get(attr)
    assert not JAVASCRIPT_RE.search(html)
    assert "document.write" not in html


def test_html_keeps_the_body_text(article_name: str, parsed_article: ParsedArticle) -> None:
    article = parsed_article(article_name)
    body_text = lxml_html.fragment_fromstring(article.html).text_content()
    first = article.text.split("\n")[0]
    assert first[:20] in body_text


def test_images_are_in_the_html(article_name: str, parsed_article: ParsedArticle) -> None:
    article = parsed_article(article_name)
    for image in article.images:
        assert f'src="{image.url}"' in article.html


def test_normalize_is_a_fixpoint_of_parsed_records(article_name: str, parsed_article: ParsedArticle) -> None:
    article = parsed_article(article_name)
    assert normalize_article(article) == article


def test_text_has_no_indentation_or_pinyin(article_name: str, parsed_article: ParsedArticle) -> None:
    article = parsed_article(article_name)
    assert "\u3000" not in article.text and "\xa0" not in article.text
    assert not PINYIN_RE.search(article.text)
    assert all(line == line.strip() and line for line in article.text.split("\n"))


def test_parse_response_reads_a_scrapy_like_response(
    file_response: Callable[[str], Any], parsed_article: ParsedArticle
) -> None:
    page = file_response("article-27008-old-gbk-headerlies")

    class Headers(dict[bytes, bytes]):
        pass

    class Response:
        body = page.body
        url = page.url
        headers = Headers({b"Content-Type": page.content_type.encode("latin-1")})

    assert parse_response(Response()) == parsed_article(page.name)


def test_query_string_and_case_do_not_change_the_record(
    file_response: Callable[[str], Any], parsed_article: ParsedArticle
) -> None:
    page = file_response("article-27000-old-utf8")
    url = page.url.replace("http://www.wj001.com", "HTTP://WWW.WJ001.COM:80") + "?from=list#top"
    assert parse_article(page.body, url, page.content_type) == parsed_article(page.name)


def test_normalize_article_converts_a_raw_mirror_record() -> None:
    raw = Article(
        url="HTTP://www.wj001.com/news/jinriyaowen/2025-01-23/1.html?x=1",
        article_id="1",
        channel="jinriyaowen",
        title=" 武進(jìn)新聞 ",
        text="\u3000\u3000隨著改革,區(qū)總工會\n\n  著力推進(jìn)  ",
        html="<div></div>",
        content_hash="",
        authors=["何新雨", "", "何新雨"],
        editor="  ",
        source="武進(jìn)日報",
        keywords=["工會", " "],
        breadcrumb=["新聞中心", ""],
    )
    article = normalize_article(raw)
    assert article.url == "http://www.wj001.com/news/jinriyaowen/2025-01-23/1.html"
    assert article.title == "武进新闻"
    assert article.text == "随着改革，区总工会\n着力推进"
    assert (article.source, article.authors, article.editor) == ("武进日报", ["何新雨"], None)
    assert (article.keywords, article.breadcrumb) == (["工会"], ["新闻中心"])
    assert normalize_article(article) == article


@pytest.mark.parametrize("body", [b"", b"   \n", b"\x00"])
def test_empty_bodies_are_not_articles(body: bytes) -> None:
    with pytest.raises(NotAnArticle):
        parse_article(body, "http://www.wj001.com/news/jinriyaowen/2025-01-23/1.html", "text/html")


def test_a_listing_page_is_not_an_article(file_response: Callable[[str], Any]) -> None:
    page = file_response("listing-jinriyaowen-1")
    with pytest.raises(NotAnArticle, match="no title"):
        parse_article(page.body, page.url, page.content_type)


def test_a_404_page_is_not_an_article() -> None:
    with pytest.raises(NotAnArticle, match=r"no title .* and no body text"):
        parse_article(
            NOT_FOUND.encode(), "http://www.wj001.com/news/jinriyaowen/2025-01-23/1.html", "text/html; charset=utf-8"
        )


def test_a_page_with_a_title_but_no_body_text_is_not_an_article() -> None:
    page = '<html><body><div class="heading">标题</div><div id="Zoom"><p>\u3000\u3000</p></div></body></html>'
    with pytest.raises(NotAnArticle, match="no body text"):
        parse_article(page.encode(), "http://www.wj001.com/news/x/2025-01-23/1.html")


def test_undecodable_garbage_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_article(bytes(range(128, 256)) * 20, "http://www.wj001.com/news/x/2025-01-23/1.html")


def test_an_article_at_a_url_without_an_id_is_not_an_article(file_response: Callable[[str], Any]) -> None:
    page = file_response("article-27000-old-utf8")
    with pytest.raises(NotAnArticle, match="article URL"):
        parse_article(page.body, "http://www.wj001.com/news/jinriyaowen/", page.content_type)


# --- variants the fixtures do not hold -------------------------------------------------------------

URL = "http://www.wj001.com/news/jinriyaowen/2025-01-22/123.html"


def _page(meta: str, body: str, extra: str = "") -> bytes:
    return (
        f'<html><head><meta charset="utf-8"><meta name="KEYWORDS" content="工会、 产改；改革"></head><body>'
        f'<h1 class="title">标题</h1><div class="author">{meta}</div><div id="zoom">{body}</div>{extra}'
        "</body></html>"
    ).encode()


def test_meta_fields_in_any_order_and_missing_ones() -> None:
    article = parse_article(_page("<span>作者: 张三，李四</span><span>2025年1月21日 9:05</span>", "<p>正文</p>"), URL)
    assert article.authors == ["张三", "李四"]
    assert article.source is None
    assert (article.published_date, article.published_at) == ("2025-01-21", "2025-01-21T09:05:00+08:00")
    assert article.keywords == ["工会", "产改", "改革"]
    assert article.editor is None and article.breadcrumb == []


def test_date_falls_back_to_the_url() -> None:
    article = parse_article(_page("<span>来源：武进日报</span>", "<p>正文</p>"), URL)
    assert (article.published_date, article.published_at) == ("2025-01-22", None)
    assert article.source == "武进日报"


def test_body_lines_breaks_images_and_captions() -> None:
    body = (
        '<p>第一段<br>第二段</p><script>x()</script><div><img src="a.jpg" onclick="x()"></div>'
        '<p>图为现场。</p><p><img src="//cdn.example.com/b.png"></p><p>' + "长" * 100 + "</p>"
        '<p><a href="javascript:alert(1)">链接</a></p>'
    )
    article = parse_article(_page("", body, "<p>责编：王五 审核：赵六</p>"), URL)
    assert article.text.split("\n") == ["第一段", "第二段", "图为现场。", "长" * 100, "链接"]
    assert [(i.url, i.caption) for i in article.images] == [
        ("http://www.wj001.com/news/jinriyaowen/2025-01-22/a.jpg", "图为现场。"),
        ("http://cdn.example.com/b.png", None),  # a long paragraph is body text, not a caption
    ]
    assert article.editor == "王五"
    assert "javascript" not in article.html and "onclick" not in article.html and "<script" not in article.html


def test_editor_as_the_last_body_paragraph() -> None:
    article = parse_article(_page("", "<p>正文</p><p>责编:王五</p>"), URL)
    assert (article.text, article.editor) == ("正文", "王五")
