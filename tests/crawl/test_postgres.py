"""PostgreSQL as the archive: the same crawl as SQLite, and two crawlers writing one database at once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli, scrapy_crawl_argv
from tests.crawl.test_crawl import assert_matches_truth, crawl, export
from wjcrawl.records import ARTICLE_FIELDS
from wjcrawl.replica import Replica, Site

pytestmark = pytest.mark.crawl


def comparable(records: list[dict]) -> list[dict]:
    return [{k: r[k] for k in (*ARTICLE_FIELDS, "urls", "revision") if k not in ("url", "channel")} for r in records]


def test_postgres_export_equals_sqlite_export_for_the_same_crawl(postgres, tmp_path: Path) -> None:
    pg, lite = postgres.new_database(), f"sqlite:///{tmp_path / 'lite.db'}"
    with Replica(Site(articles=40, page_size=5)) as replica:
        crawl(replica, pg)
        crawl(replica, lite)
        truth = replica.site.truth(replica.base_url)
    from_pg = export(pg, tmp_path / "pg.jsonl")
    assert_matches_truth(from_pg, truth)
    assert comparable(from_pg) == comparable(export(lite, tmp_path / "lite.jsonl"))
    stats = run_cli("stats", "--db", pg)
    assert stats.returncode == 0 and "id gaps" in stats.stdout
    reparse = run_cli("reparse", "--db", pg)
    assert reparse.returncode == 0 and "updated=0" in reparse.stdout


def test_two_crawlers_writing_one_postgres_database_at_once(postgres, tmp_path: Path) -> None:
    """A cron run (`wjcrawl crawl`) and a manual channel run (`scrapy crawl`, which takes no lock)."""
    db = postgres.new_database()
    assert run_cli("db", "upgrade", "--db", db).returncode == 0
    with Replica(Site(articles=200, page_size=10)) as replica:
        manual = subprocess.Popen(
            scrapy_crawl_argv(
                replica.base_url,
                db,
                "-a",
                "channel=jinriyaowen,zhenquxinwen",
                "-s",
                "WJCRAWL_BATCH_SIZE=3",
                "-s",
                "LOG_LEVEL=ERROR",
            ),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        crawl(replica, db)
        _, err = manual.communicate(timeout=180)
        assert manual.returncode == 0, err[-2000:]
        truth = replica.site.truth(replica.base_url)
    records = export(db, tmp_path / "both.jsonl")
    assert_matches_truth(records, truth)  # no duplicate article, and the cross-listed one has both URLs
