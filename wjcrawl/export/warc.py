"""WARC export: the archive's stored raw responses as WARC/1.1, one gzip member per record.

A ``warcinfo`` record comes first; then, for every stored page in fetch order, a ``response``
record (status line, headers and body as stored; WARC-Date is the fetch time in UTC) followed by
the ``request`` record that asked for it (``GET`` with the crawler's User-Agent), linked to the
response by WARC-Concurrent-To. Any WARC tool (warcio, pywb, ReplayWeb.page) reads the file.

The stored body is what Scrapy handed the spider: de-chunked and, for a compressed response,
decompressed (Scrapy then drops ``Content-Encoding``). The two framing headers that would no longer
describe that body are kept under ``X-Archive-Orig-`` names (the convention of pywb and
Heritrix-derived tools) and a correct ``Content-Length`` is given, so readers find the payload
exactly where it is; every other header stays byte for byte as received. The real site and the
replica send neither, so their records carry their headers unchanged.
"""

from __future__ import annotations

import datetime as dt
import http
from collections.abc import Iterable
from io import BytesIO
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from wjcrawl.records import RawPage

WARC_VERSION = "1.1"
ORIG_PREFIX = "X-Archive-Orig-"
WARC_1_1_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


class _Latin1Headers(StatusAndHeaders):
    """HTTP headers written back as the bytes they were received as.

    The spider keeps header values as latin-1 decoded text (one character per byte); warcio would
    percent-encode any non-ASCII character, so a header is encoded back to latin-1 here instead.
    """

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1", "replace") + b"\r\n"


def warc_date(fetched_at: str) -> str:
    """An ISO 8601 time with any offset as a WARC-Date: UTC, ``Z``, fractions only when present."""
    if not fetched_at:
        raise ValueError("a stored page without a fetch time")
    moment = dt.datetime.fromisoformat(fetched_at)
    if moment.tzinfo is None:  # the archive keeps UTC; a naive value can only be UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return datetime_to_iso_date(moment.astimezone(dt.UTC).replace(tzinfo=None), use_micros=True)


def response_headers(page: RawPage) -> list[tuple[str, str]]:
    """The page's headers in received order, with stale framing headers renamed (see the module doc)."""
    length = str(len(page.body))
    headers: list[tuple[str, str]] = []
    needs_length = False
    for name, value in page.headers.items():
        lower = name.lower()
        if lower == "transfer-encoding" or (lower == "content-length" and value.strip() != length):
            headers.append((ORIG_PREFIX + name, value))
            needs_length = True
        else:
            headers.append((name, value))
    if needs_length and not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(("Content-Length", length))
    return headers


def _status_line(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _request_target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return target, parts.netloc


def write_warc(
    pages: Iterable[RawPage],
    out: BinaryIO,
    *,
    software: str,
    user_agent: str,
    filename: str | None = None,
) -> int:
    """Write ``pages`` to ``out`` as a gzipped WARC/1.1 file; returns the number of records written.

    ``pages`` is streamed (``ArticleStore.iter_pages``): one page is in memory at a time.
    ``software`` and ``user_agent`` go into the warcinfo record, the User-Agent also into each
    request record; ``filename`` (the file's final name) into WARC-Filename.
    """
    writer = WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
    info = {
        "software": software,
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_1_1_SPEC,
        "http-header-user-agent": user_agent,
        "robots": "obey",
        "description": "wjcrawl archive of the Wujin News news center (武进新闻网): stored raw responses",
    }
    writer.write_record(writer.create_warcinfo_record(filename or "", info))
    written = 1
    for page in pages:
        date = warc_date(page.fetched_at)
        response = writer.create_warc_record(
            page.url,
            "response",
            payload=BytesIO(page.body),
            length=len(page.body),
            http_headers=_Latin1Headers(_status_line(page.status), response_headers(page), protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": date},
        )
        target, host = _request_target(page.url)
        request = writer.create_warc_record(
            page.url,
            "request",
            http_headers=_Latin1Headers(
                f"GET {target} HTTP/1.1",
                [("Host", host), ("User-Agent", user_agent)],
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        # Writes the response, then the request with WARC-Concurrent-To: the response's record id.
        writer.write_request_response_pair(request, response)
        written += 2
    return written
