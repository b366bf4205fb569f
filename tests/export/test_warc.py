"""WARC export: a real crawl of the replica into SQLite, written with write_warc, read back with warcio."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import zlib
from dataclasses import dataclass
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawl.test_crawl import crawl
from wjcrawl.export import write_warc
from wjcrawl.export.warc import warc_date
from wjcrawl.parsing import parse_article
from wjcrawl.records import ARTICLE_FIELDS, RawPage
from wjcrawl.replica import Replica, Site
from wjcrawl.store import ArticleStore

UA = "wjcrawl/test (+https://github.com/wjcrawl/wjcrawl; news archive crawler)"
SOFTWARE = "wjcrawl/test"


@dataclass
class Record:
    type: str
    version: str
    warc: dict[str, str]
    uri: str | None
    http: Any  # warcio StatusAndHeaders, None for warcinfo
    payload: bytes
    digests_ok: bool | None


def read_warc(data: bytes) -> list[Record]:
    records = []
    for r in ArchiveIterator(io.BytesIO(data), check_digests=True):
        payload = r.content_stream().read()
        records.append(
            Record(
                type=r.rec_type,
                version=r.rec_headers.protocol,
                warc=dict(r.rec_headers.headers),
                uri=r.rec_headers.get_header("WARC-Target-URI"),
                http=r.http_headers,
                payload=payload,
                digests_ok=r.digest_checker.passed,
            )
        )
    return records


def gzip_members(data: bytes) -> int:
    """How many gzip members the file is made of (a WARC.gz has one per record)."""
    count = 0
    while data:
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        member.decompress(data)
        assert member.eof, "truncated gzip member"
        data = member.unused_data
        count += 1
    return count


def sha1_base32(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def utc(fetched_at: str) -> str:
    return dt.datetime.fromisoformat(fetched_at).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """A crawled 40-article replica: (pages as stored, records as exported, WARC bytes, records written)."""
    tmp = tmp_path_factory.mktemp("warc")
    db = tmp / "wjcrawl.db"
    with Replica(Site(articles=40, page_size=5)) as replica:
        crawl(replica, db)
    store = ArticleStore(f"sqlite:///{db}")
    pages = list(store.iter_pages())
    records = list(store.iter_records())
    path = tmp / "wjcrawl.warc.gz"
    with path.open("wb") as out:
        written = write_warc(store.iter_pages(), out, software=SOFTWARE, user_agent=UA, filename=path.name)
    yield store, pages, records, path.read_bytes(), written
    store.close()


@pytest.mark.crawl
def test_one_warcinfo_then_a_response_and_a_request_per_stored_page(archive) -> None:
    _store, pages, _records, data, written = archive
    warc = read_warc(data)
    assert len(pages) > 40 and any(p.status == 404 for p in pages)
    assert written == len(warc) == 1 + 2 * len(pages)
    assert gzip_members(data) == len(warc), "each record must be its own gzip member"
    assert all(r.version == "WARC/1.1" for r in warc)
    assert [r.type for r in warc] == ["warcinfo"] + ["response", "request"] * len(pages)
    info = warc[0].payload.decode("utf-8")
    assert f"software: {SOFTWARE}\r\n" in info and f"http-header-user-agent: {UA}\r\n" in info
    assert warc[0].warc["WARC-Filename"] == "wjcrawl.warc.gz"


@pytest.mark.crawl
def test_responses_are_the_stored_pages_byte_for_byte(archive) -> None:
    _store, pages, _records, data, _written = archive
    responses = [r for r in read_warc(data) if r.type == "response"]
    assert [r.uri for r in responses] == [p.url for p in pages]
    for record, page in zip(responses, pages, strict=True):
        assert record.payload == page.body
        assert record.http.get_statuscode() == str(page.status)
        assert record.http.headers == list(page.headers.items())  # the replica's framing is correct as received
        assert record.warc["WARC-Date"] == utc(page.fetched_at)
        assert record.warc["WARC-Date"].endswith("Z")


@pytest.mark.crawl
def test_payload_digests_are_sha1_base32_of_the_stored_bodies(archive) -> None:
    _store, pages, _records, data, _written = archive
    warc = read_warc(data)
    responses = [r for r in warc if r.type == "response"]
    assert [r.warc["WARC-Payload-Digest"] for r in responses] == [sha1_base32(p.body) for p in pages]
    assert all(r.digests_ok is True for r in warc if r.type != "warcinfo"), "warcio's digest check failed"


@pytest.mark.crawl
def test_requests_are_gets_with_the_user_agent_linked_to_their_response(archive) -> None:
    _store, _pages, _records, data, _written = archive
    warc = read_warc(data)[1:]
    for response, request in zip(warc[::2], warc[1::2], strict=True):
        assert request.warc["WARC-Concurrent-To"] == response.warc["WARC-Record-ID"]
        assert request.uri == response.uri
        assert request.warc["WARC-Date"] == response.warc["WARC-Date"]
        assert request.http.protocol == "GET"
        path = response.uri.split("/", 3)[3]
        assert request.http.statusline == f"/{path} HTTP/1.1"
        assert request.http.get_header("User-Agent") == UA
        assert request.http.get_header("Host") == response.uri.split("/")[2]
        assert request.payload == b""


@pytest.mark.crawl
def test_reparsing_the_warc_bodies_gives_the_exported_records(archive) -> None:
    _store, _pages, records, data, _written = archive
    exported = {r["article_id"]: r for r in records}
    seen = set()
    for record in read_warc(data):
        if record.type != "response" or record.http.get_statuscode() != "200":
            continue
        article = parse_article(record.payload, record.uri, record.http.get_header("Content-Type"))
        expected = exported[article.article_id]
        # a cross-listed article's second page is its other URL; everything else is the record
        assert article.url == record.uri and article.url in expected["urls"]
        assert f"/news/{article.channel}/" in article.url
        got = article.to_dict()
        for key in ARTICLE_FIELDS:
            if key not in ("url", "channel"):
                assert got[key] == expected[key], (article.article_id, key)
        if article.url == expected["url"]:
            assert (article.url, article.channel) == (expected["url"], expected["channel"])
        seen.add(article.article_id)
    assert seen == set(exported)


@pytest.mark.crawl
def test_a_filtered_export_holds_only_that_channels_pages(archive) -> None:
    store, _pages, _records, _data, _written = archive
    out = io.BytesIO()
    written = write_warc(store.iter_pages(channel="jingjixinwen"), out, software=SOFTWARE, user_agent=UA)
    responses = [r for r in read_warc(out.getvalue()) if r.type == "response"]
    assert written == 1 + 2 * len(responses)
    ids = {r["article_id"] for r in store.iter_records(channel="jingjixinwen")}
    assert {r.uri.rsplit("/", 1)[1].split(".")[0] for r in responses} == ids
    assert all("/news/jingjixinwen/" in r.uri for r in responses)


def test_framing_headers_that_no_longer_describe_the_stored_body_are_renamed() -> None:
    """A chunked or compressed response is stored de-chunked and decompressed: its framing headers are
    kept under X-Archive-Orig- names and a true Content-Length is given; other headers stay as received
    (bytes outside ASCII included)."""
    body = "<html>武进</html>".encode()
    page = RawPage(
        url="http://www.wj001.com/news/jinriyaowen/2025-01-22/27001.html?a=1",
        status=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Transfer-Encoding": "chunked",
            "Content-Length": "17",
            "X-Note": "caf\xe9",
        },
        body=body,
        fetched_at="2025-01-22T20:15:30.123456+08:00",
    )
    odd = RawPage(
        url="http://www.wj001.com/x", status=599, headers={}, body=b"", fetched_at="2025-01-22T12:00:00+00:00"
    )
    out = io.BytesIO()
    assert write_warc([page, odd], out, software=SOFTWARE, user_agent=UA) == 5
    raw = zlib.decompressobj(16 + zlib.MAX_WBITS)
    first = raw.decompress(out.getvalue())  # the warcinfo record
    second = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw.unused_data)
    assert b"WARC-Type: warcinfo" in first
    head = second.split(b"\r\n\r\n", 2)[1]  # WARC headers, then the HTTP headers
    assert head.split(b"\r\n") == [
        b"HTTP/1.1 200 OK",
        b"Content-Type: text/html; charset=utf-8",
        b"X-Archive-Orig-Transfer-Encoding: chunked",
        b"X-Archive-Orig-Content-Length: 17",
        b"X-Note: caf\xe9",
        f"Content-Length: {len(body)}".encode(),
    ]
    warc = read_warc(out.getvalue())
    assert warc[1].payload == body and warc[1].digests_ok is True
    assert warc[1].warc["WARC-Date"] == "2025-01-22T12:15:30.123456Z"
    assert warc[2].http.statusline == "/news/jinriyaowen/2025-01-22/27001.html?a=1 HTTP/1.1"
    assert warc[3].http.statusline == "599" and warc[3].payload == b""


def test_warc_date_is_utc() -> None:
    assert warc_date("2025-01-22T08:00:00+08:00") == "2025-01-22T00:00:00Z"
    assert warc_date("2025-01-22T00:00:00") == "2025-01-22T00:00:00Z"
    with pytest.raises(ValueError):
        warc_date("")


def test_nothing_stored_gives_a_warcinfo_record_only() -> None:
    out = io.BytesIO()
    assert write_warc(iter(()), out, software=SOFTWARE, user_agent=UA) == 1
    assert [r.type for r in read_warc(out.getvalue())] == ["warcinfo"]
