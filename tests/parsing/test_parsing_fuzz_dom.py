"""Structural fuzzing: real pages with nodes deleted, duplicated, reordered, hostile markup injected and
encodings mixed. Only the parser's own error type escapes, and a record is complete and valid or
not produced at all; its html never carries script, style, iframe, event handlers or javascript:."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wjcrawl.errors import ParseError
from wjcrawl.parsing import parse_article

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
ARTICLES = sorted(p.stem for p in PAGES.glob("article-*.html"))
HOSTILE = [
    "<script>alert(1)</script>",
    "<style>p{}</style>",
    '<iframe src="http://evil.example/"></iframe>',
    '<img src="x.jpg" onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<p onclick="steal()">点击</p>',
    '<object data="x.swf"></object>',
    '<svg onload="alert(1)"></svg>',
    '<a href="JaVaScRiPt:alert(1)">y</a>',
    "<p>未闭合的<b>段落",
    '<div id="Zoom"><p>第二个正文</p></div>',
]
PINYIN = re.compile(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def load(name: str) -> tuple[bytes, dict]:
    return (PAGES / f"{name}.html").read_bytes(), json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))


@st.composite
def mutated_pages(draw: st.DrawFn) -> tuple[bytes, str, str | None]:
    name = draw(st.sampled_from(ARTICLES))
    body, meta = load(name)
    charset = "gb18030" if "gbk" in name else "utf-8"
    tree = lxml.html.fromstring(body.decode(charset))
    for _ in range(draw(st.integers(1, 5))):
        nodes = list(tree.iter())[1:]
        if not nodes:
            break
        node = draw(st.sampled_from(nodes))
        parent = node.getparent()
        action = draw(st.sampled_from(["delete", "duplicate", "reorder", "hostile", "empty"]))
        if parent is None:
            continue
        if action == "delete":
            parent.remove(node)
        elif action == "duplicate":
            parent.insert(parent.index(node), copy.deepcopy(node))
        elif action == "reorder" and len(parent) > 1:
            parent.remove(node)
            parent.insert(draw(st.integers(0, len(parent))), node)
        elif action == "hostile":
            parent.insert(
                parent.index(node), lxml.html.fragment_fromstring(draw(st.sampled_from(HOSTILE)), create_parent="div")
            )
        elif action == "empty":
            node.text, node.tail = "", ""
            for child in list(node):
                node.remove(child)
    html = lxml.html.tostring(tree, encoding="unicode")
    encoding = draw(st.sampled_from(["same", "other", "mixed"]))
    if encoding == "same":
        data = html.encode(charset, errors="replace")
    elif encoding == "other":
        data = html.encode("utf-8" if charset != "utf-8" else "gb18030", errors="replace")
    else:  # half in one encoding, half in the other
        half = len(html) // 2
        data = html[:half].encode("utf-8") + html[half:].encode("gb18030", errors="replace")
    return data, meta["url"], draw(st.sampled_from([meta["content_type"], None, "text/html; charset=gbk"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=mutated_pages())
def test_mutated_pages_give_a_complete_safe_record_or_a_parse_error(page) -> None:
    body, url, content_type = page
    try:
        article = parse_article(body, url, content_type)
    except ParseError:
        return
    assert article.title.strip() and article.text.strip() and article.article_id.isdigit()
    assert article.published_date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", article.published_date)
    assert article.published_at is None or article.published_at.endswith("+08:00")
    assert len(article.content_hash) == 64 and article.rendering in ("original", "mirror")
    assert "\u3000" not in article.text and not PINYIN.search(article.text)
    html = article.html.lower()
    for banned in ("<script", "<style", "<iframe", "<object", "javascript:", " onclick=", " onerror=", " onload="):
        assert banned not in html, banned
    for image in article.images:
        assert image.url.startswith(("http://", "https://"))
