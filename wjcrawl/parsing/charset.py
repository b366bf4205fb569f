"""Decode a page's bytes: the HTTP header's charset only when it fits the body, else the meta, else detection.

Legacy GBK pages behind a server whose default header says ``charset=utf-8`` are common on Chinese
sites; Scrapy trusts the header and would hand us mojibake. A wrong charset almost never decodes a
CJK page *strictly* (GBK text is not valid UTF-8), so a strict decode is the test of a declaration.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# GB2312 and GBK are subsets of GB18030: decoding as GB18030 loses nothing and accepts more pages.
GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz"})
DETECTION_ORDER = ("utf-8", "gb18030")


def _normalize(encoding: str | None) -> str | None:
    """A codec name Python knows, with the GB family folded into GB18030; None when unknown."""
    if not encoding:
        return None
    name = encoding.strip().lower()
    if name in GB_FAMILY:
        return "gb18030"
    resolved = resolve_encoding(name)
    if not resolved:
        return None
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return None


@lru_cache(maxsize=64)
def _single_byte(encoding: str) -> bool:
    """True for 8-bit codecs (cp1252, latin-1...): they decode almost any bytes, so a clean decode
    with one proves nothing."""
    try:
        return len(bytes(range(0x80, 0x100)).decode(encoding, "replace")) == 0x80
    except LookupError:
        return False


def _strict(body: bytes, encoding: str | None) -> str | None:
    """``body`` decoded with ``encoding``, or None when it does not decode cleanly."""
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode(body: bytes, content_type: str | None) -> tuple[str, str, bool]:
    """(text, encoding used, clean): ``clean`` is False when no candidate decoded strictly and
    w3lib's detection had to replace bytes."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        text = _strict(body[len(bom) :], bom_encoding)
        if text is not None:
            return text, _normalize(bom_encoding) or bom_encoding, True
    header = _normalize(http_content_type_encoding(content_type) if content_type else None)
    meta = _normalize(html_body_declared_encoding(body))
    candidates: list[str] = []
    if header and _single_byte(header):
        # An 8-bit header decodes nearly anything: weak evidence, tried after the meta and UTF-8.
        candidates += [c for c in (meta, "utf-8", header) if c]
    elif header:
        # A GB header over a body that is valid UTF-8 *and* declared UTF-8 in its meta: the bytes and
        # the page agree against a server default (valid UTF-8 is almost never GBK by chance).
        if header == "gb18030" and meta == "utf-8" and _strict(body, "utf-8") is not None:
            candidates.append("utf-8")
        candidates.append(header)
    if meta:
        candidates.append(meta)
    candidates += DETECTION_ORDER
    seen: set[str] = set()
    for encoding in candidates:
        if encoding in seen:
            continue
        seen.add(encoding)
        text = _strict(body, encoding)
        if text is not None:
            return text, encoding, True
    encoding, text = html_to_unicode(content_type, body)
    return text, _normalize(encoding) or encoding, False


def decode_page(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(text, encoding used): the header's charset when the body decodes cleanly with it, else the
    ``<meta>`` charset (GB2312/GBK read as GB18030), else detection (UTF-8, GB18030, then w3lib)."""
    text, encoding, _clean = decode(body, content_type)
    return text, encoding
