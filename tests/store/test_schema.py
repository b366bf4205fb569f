"""Alembic migrations: the schema is created and upgraded through them, never silently altered."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, insert, update

from tests.conftest import run_cli
from wjcrawl.errors import StoreError
from wjcrawl.store import ArticleStore, schema
from wjcrawl.store.models import ArticleRow, ArticleUrlRow, Base
from wjcrawl.store.store import open_engine


def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    engine = open_engine(database_url)
    schema.upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_head_constant_is_alembics_head() -> None:
    """Every command checks the database against schema.HEAD without importing Alembic: a new
    migration must bump it."""
    assert schema.head() == schema.HEAD


@pytest.mark.parametrize("revision", ["0001", "head"])
def test_current_reads_the_revision_alembic_wrote(database_url: str, revision: str) -> None:
    engine = open_engine(database_url)
    assert schema.current(engine) is None
    schema.upgrade(engine, revision)
    with engine.connect() as conn:
        assert schema.current(engine) == MigrationContext.configure(conn).get_current_revision()
    assert schema.current(engine) == ("0001" if revision == "0001" else schema.HEAD)
    engine.dispose()


def test_an_empty_database_gets_the_schema_on_first_use(database_url: str) -> None:
    ArticleStore(database_url).close()
    result = run_cli("db", "current", "--db", database_url)
    assert result.returncode == 0, result.stderr
    assert f"database={schema.head()} code={schema.head()}" in result.stdout


def test_an_old_database_with_data_is_upgraded_with_nothing_lost(database_url: str) -> None:
    engine = open_engine(database_url)
    schema.upgrade(engine, "0001")
    now = dt.datetime(2025, 1, 23, 1, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(ArticleRow.__table__),
            [
                {
                    "article_id": "27281",
                    "id_number": 27281,
                    "url": "http://www.wj001.com/news/a/2025-01-23/27281.html",
                    "channel": "a",
                    "breadcrumb": [],
                    "title": "标题",
                    "source": "武进日报",
                    "authors": ["何新雨"],
                    "editor": None,
                    "published_date": "2025-01-23",
                    "published_at": None,
                    "keywords": [],
                    "text": "正文。",
                    "html": "<p>正文。</p>",
                    "images": [],
                    "content_hash": "0" * 64,
                    "rendering": "original",
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "revision": 1,
                }
            ],
        )
        conn.execute(
            insert(ArticleUrlRow.__table__),
            [
                {
                    "url": "http://www.wj001.com/news/a/2025-01-23/27281.html",
                    "article_id": "27281",
                    "channel": "a",
                    "first_seen_at": now,
                }
            ],
        )
        old = MetaData()
        old.reflect(conn, only=["failures"])
        conn.execute(
            insert(old.tables["failures"]),
            [
                {
                    "url": "http://www.wj001.com/news/a/2025-01-20/27000.html",
                    "reason": "http 404",
                    "status": 404,
                    "attempts": 1,
                    "first_failed_at": now,
                    "last_failed_at": now,
                }
            ],
        )
    engine.dispose()

    with pytest.raises(StoreError, match="wjcrawl db upgrade"):
        ArticleStore(database_url)
    refused = run_cli("crawl", "--base-url", "http://127.0.0.1:9", "--db", database_url)
    assert refused.returncode == 1 and "wjcrawl db upgrade" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    upgraded = run_cli("db", "upgrade", "--db", database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"0001 -> {schema.head()}" in upgraded.stdout
    store = ArticleStore(database_url)
    [record] = list(store.iter_records())
    assert record["title"] == "标题" and record["authors"] == ["何新雨"]
    assert store.crawl_state().due_failures == {"http://www.wj001.com/news/a/2025-01-20/27000.html"}
    store.close()


def test_a_database_from_a_newer_wjcrawl_is_refused(database_url: str) -> None:
    ArticleStore(database_url).close()
    engine = open_engine(database_url)
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn, only=["alembic_version"])
        conn.execute(update(meta.tables["alembic_version"]).values(version_num="9999_future"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this wjcrawl"):
        ArticleStore(database_url)
