"""End-to-end: `wjcrawl crawl` through Scrapy's engine against the replica over HTTP, into a real SQLite file."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, run_cli, scrapy_crawl_argv, start_crawl
from wjcrawl.records import ARTICLE_FIELDS
from wjcrawl.replica import Replica, Site
from wjcrawl.store import ArticleStore

SCHEMA = json.loads((ROOT / "docs" / "article.schema.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.crawl


def database_url(db: Path | str) -> str:
    """An SQLite file as a database URL; a URL (PostgreSQL) as it is."""
    return db if isinstance(db, str) else f"sqlite:///{db}"


def crawl(replica: Replica, db: Path | str, *extra: str, env: dict[str, str] | None = None):
    result = run_cli("crawl", "--base-url", replica.base_url, "--db", database_url(db), "--quiet", *extra, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def export(db: Path | str, out: Path, *extra: str) -> list[dict]:
    result = run_cli("export", "--db", database_url(db), "-o", str(out), *extra)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def assert_matches_truth(records: list[dict], truth: list[dict]) -> None:
    by_id = {r["article_id"]: r for r in records}
    assert len(by_id) == len(records), "an article was exported twice"
    assert sorted(by_id) == sorted(t["article_id"] for t in truth)
    for expected in truth:
        got = by_id[expected["article_id"]]
        for key, value in expected.items():
            if key in ("url", "channel"):
                # the first URL an article is stored under stays its URL; cross-listed: either path
                assert got["url"] in expected["urls"]
                assert f"/news/{got['channel']}/" in got["url"]
            else:
                assert got[key] == value, (expected["article_id"], key)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """One full crawl of a 40-article replica, exported: (replica, db, records, crawl result).

    Shared by the module's tests, which only read it (or re-crawl, which must change nothing).
    """
    tmp_path = tmp_path_factory.mktemp("crawled")
    with Replica(Site(articles=40, page_size=5), log_file=tmp_path / "requests.jsonl") as replica:
        db = tmp_path / "wjcrawl.db"
        result = crawl(replica, db)
        records = export(db, tmp_path / "articles.jsonl")
        yield replica, db, records, result


def test_full_crawl_exports_exactly_the_truth(crawled) -> None:
    replica, _db, records, _ = crawled
    assert_matches_truth(records, replica.site.truth(replica.base_url))


def test_export_follows_the_schema_and_is_sorted(crawled) -> None:
    _replica, _db, records, _ = crawled
    for record in records:
        jsonschema.validate(record, SCHEMA)
        assert "<script" not in record["html"] and "onclick" not in record["html"]
    keys = [(r["published_date"], int(r["article_id"])) for r in records]
    assert keys == sorted(keys)


def test_cross_listed_article_is_stored_once_with_both_urls(crawled) -> None:
    replica, _db, records, _ = crawled
    cross = [r for r in records if len(r["urls"]) == 2]
    assert len(cross) == 1
    assert sorted(cross[0]["urls"]) == sorted(
        replica.base_url + p
        for p in (a.path(c) for a in replica.site.articles() if a.special == "cross" for c in a.channels)
    )


def test_crawl_is_polite_and_stays_on_site(crawled) -> None:
    replica, db, _records, result = crawled
    paths = [r["path"] for r in replica.requests]
    assert paths[0] == "/robots.txt"
    assert not any(p.startswith("/news/neibu/") for p in paths), "robots.txt disallowed path requested"
    assert not any("?from=" in p for p in paths), "tracking query strings must be stripped"
    assert all(r["ua"].startswith("wjcrawl/") and "+http" in r["ua"] for r in replica.requests)
    store = ArticleStore(f"sqlite:///{db}")
    [run] = store.runs()
    assert run["status"] == "finished"
    assert run["stats"].get("wjcrawl/skipped/offsite", 0) >= 1
    assert run["stats"].get("wjcrawl/skipped/robots", 0) >= 1
    failures = [f for f in store.failures() if f["reason"] != "robots.txt disallowed"]
    store.close()
    missing = next(a for a in replica.site.articles() if a.special == "missing")
    assert [f["url"] for f in failures] == [replica.base_url + missing.path()]
    summary = result.stdout.strip().splitlines()[-1]
    fields = dict(kv.split("=", 1) for kv in summary.split(": ", 1)[1].split())
    assert fields["status"] == "finished" and int(fields["articles_new"]) == len(_records)


def test_a_second_full_crawl_changes_nothing(crawled, tmp_path: Path) -> None:
    replica, db, records, _ = crawled
    crawl(replica, db)
    again = export(db, tmp_path / "again.jsonl")
    assert [r["article_id"] for r in again] == [r["article_id"] for r in records]
    assert all(r["revision"] == 1 for r in again)
    assert [{k: r[k] for k in ARTICLE_FIELDS} for r in again] == [{k: r[k] for k in ARTICLE_FIELDS} for r in records]


def test_reparse_of_stored_pages_changes_nothing(crawled) -> None:
    _replica, db, records, _ = crawled
    result = run_cli("reparse", "--db", f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    assert f"updated=0 unchanged={len(records)} recovered=0 failed=0" in result.stdout


def test_stats_lists_channels_and_gaps(crawled) -> None:
    _replica, db, records, _ = crawled
    result = run_cli("stats", "--db", f"sqlite:///{db}", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert sum(row["articles"] for row in report["per_channel_month"]) == len(records)
    ids = sorted(int(r["article_id"]) for r in records)
    expected_missing = (ids[-1] - ids[0] + 1) - len(ids)
    assert sum(g["last"] - g["first"] + 1 for g in report["id_gaps"]) == expected_missing > 0


def test_export_filters_and_gzip(crawled, tmp_path: Path) -> None:
    _replica, db, records, _ = crawled
    only = export(db, tmp_path / "c.jsonl", "--channel", "jingjixinwen", "--since", "2025-01-20")
    assert only and all(r["channel"] == "jingjixinwen" and r["published_date"] >= "2025-01-20" for r in only)
    result = run_cli("export", "--db", f"sqlite:///{db}", "-o", str(tmp_path / "a.jsonl.gz"), "--gzip")
    assert result.returncode == 0
    import gzip

    lines = gzip.decompress((tmp_path / "a.jsonl.gz").read_bytes()).decode().splitlines()
    assert len(lines) == len(records)


def test_scrapy_crawl_feed_gives_the_same_records_as_export(crawled, tmp_path: Path) -> None:
    replica, _db, records, _ = crawled
    feed_db, feed = tmp_path / "feed.db", tmp_path / "feed.jsonl"
    result = subprocess.run(
        scrapy_crawl_argv(replica.base_url, f"sqlite:///{feed_db}", "-s", "LOG_LEVEL=WARNING", "-O", str(feed)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    fed = {r["article_id"]: r for r in map(json.loads, feed.read_text(encoding="utf-8").splitlines())}
    exported = {r["article_id"]: r for r in records}
    assert sorted(fed) == sorted(exported)
    skip = {"url", "channel"}  # which of a cross-listed article's two URLs comes first depends on timing
    for article_id, record in exported.items():
        assert {k: v for k, v in fed[article_id].items() if k in ARTICLE_FIELDS and k not in skip} == {
            k: record[k] for k in ARTICLE_FIELDS if k not in skip
        }


def test_sigkill_mid_crawl_then_a_normal_run_loses_and_doubles_nothing(tmp_path: Path) -> None:
    with Replica(Site(articles=300, page_size=10)) as replica:
        db = tmp_path / "killed.db"
        proc = start_crawl(replica.base_url, db, batch_size=7, output=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(replica.requests) < 120 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        partial = ArticleStore(f"sqlite:///{db}")
        stored_before = partial.counts()["articles"]
        partial.close()
        assert 0 < stored_before < len(replica.site.truth(replica.base_url)), "kill did not land mid-run"
        crawl(replica, db)
        records = export(db, tmp_path / "after.jsonl")
        assert_matches_truth(records, replica.site.truth(replica.base_url))


def test_cli_exports_warc_and_writes_the_report(crawled, tmp_path: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    _replica, db, _records, _ = crawled
    warc = tmp_path / "archive.warc.gz"
    result = run_cli("export", "--db", f"sqlite:///{db}", "--format", "warc", "-o", str(warc))
    assert result.returncode == 0, result.stderr
    with warc.open("rb") as f:
        kinds = [record.rec_type for record in ArchiveIterator(f)]
    store = ArticleStore(f"sqlite:///{db}")
    pages = store.counts()["pages"]
    store.close()
    assert kinds[0] == "warcinfo" and kinds.count("response") == pages == kinds.count("request")
    assert run_cli("export", "--db", f"sqlite:///{db}", "--format", "warc", "--gzip", "-o", "x").returncode == 2
    report = run_cli("report", "--db", f"sqlite:///{db}", "-o", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report" / "index.html").is_file() and list((tmp_path / "report").glob("*.png"))
