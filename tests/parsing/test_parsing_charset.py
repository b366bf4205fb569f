"""Charset: the header's charset only when it decodes the body cleanly, else meta, else detection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wjcrawl.parsing import decode_page

TEXT = "武进新闻网：区总工会持续推进产改工作"


def _html(charset_meta: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>{TEXT}</title></head><body><p>{TEXT}</p></body></html>"


@pytest.mark.parametrize("name", ["article-27008-old-gbk-headerlies", "article-27002-new-gbk-headerlies"])
def test_gbk_page_with_a_lying_utf8_header(name: str, file_response: Callable[[str], Any]) -> None:
    page = file_response(name)
    assert "charset=utf-8" in page.content_type
    text, encoding = decode_page(page.body, page.content_type)
    assert encoding == "gb18030"
    assert page.expected["title"] in text and "\ufffd" not in text


def test_gbk_page_with_a_correct_header(file_response: Callable[[str], Any]) -> None:
    page = file_response("article-27004-old-gbk")
    assert "charset=gbk" in page.content_type
    text, encoding = decode_page(page.body, page.content_type)
    assert encoding == "gb18030" and page.expected["title"] in text


def test_utf8_page(file_response: Callable[[str], Any]) -> None:
    page = file_response("article-27000-old-utf8")
    text, encoding = decode_page(page.body, page.content_type)
    assert encoding == "utf-8" and page.expected["title"] in text


def test_page_without_a_charset_header(file_response: Callable[[str], Any]) -> None:
    page = file_response("listing-wenjiaotiyu-1")
    assert page.content_type == "text/html"
    text, encoding = decode_page(page.body, page.content_type)
    assert encoding == "utf-8" and "文教体育" in text


@pytest.mark.parametrize(
    ("body", "content_type", "encoding"),
    [
        (_html("gb2312").encode("gbk"), "text/html; charset=utf-8", "gb18030"),  # header lies, meta right
        (_html("gb2312").encode("gbk"), None, "gb18030"),  # no header: meta
        (_html(None).encode("gbk"), "text/html; charset=utf-8", "gb18030"),  # header lies, no meta: detection
        (_html(None).encode("gbk"), None, "gb18030"),  # nothing declared: detection
        (_html(None).encode("utf-8"), None, "utf-8"),
        (_html("gbk").encode("utf-8"), "text/html; charset=utf-8", "utf-8"),  # meta lies, header right
        (_html("utf-8").encode("utf-8"), "text/html; charset=gbk", "utf-8"),  # GB header over declared UTF-8
        (_html(None).encode("utf-8"), "text/html; charset=iso-8859-1", "utf-8"),  # 8-bit header proves nothing
        (b"\xef\xbb\xbf" + _html("gbk").encode("utf-8"), "text/html; charset=gbk", "utf-8"),  # BOM first
    ],
)
def test_decode_page(body: bytes, content_type: str | None, encoding: str) -> None:
    text, used = decode_page(body, content_type)
    assert used == encoding
    assert TEXT in text


def test_garbage_decodes_with_replacement_and_never_raises() -> None:
    text, encoding = decode_page(bytes(range(256)) * 3, "text/html; charset=nonsense")
    assert isinstance(text, str) and encoding
