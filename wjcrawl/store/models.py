"""SQLAlchemy 2.0 typed models: the archive's tables.

``articles`` holds one row per site article id with the current record; ``article_revisions`` keeps
every superseded version; ``article_urls`` every URL an article was seen under; ``pages`` the raw
responses, byte for byte, so any article can be re-parsed later; ``failures`` what could not be
fetched or parsed; ``crawl_runs`` one row per run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ArticleRow(Base):
    """The current record of one site article (one row per ``article_id``)."""

    __tablename__ = "articles"

    article_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[int] = mapped_column(BigInteger, index=True)  # article_id as a number: sorting, gaps
    url: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(64), index=True)
    breadcrumb: Mapped[list[Any]] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[Any]] = mapped_column(JSON)
    editor: Mapped[str | None] = mapped_column(Text)
    published_date: Mapped[str | None] = mapped_column(String(10), index=True)
    published_at: Mapped[str | None] = mapped_column(String(25))
    keywords: Mapped[list[Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    images: Mapped[list[Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    rendering: Mapped[str] = mapped_column(String(16))
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_articles_date_id", "published_date", "id_number"),)


class ArticleRevisionRow(Base):
    """A superseded version of an article, kept when its content changed."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    superseded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ArticleUrlRow(Base):
    """A URL (canonical) under which an article was seen, with that URL's channel."""

    __tablename__ = "article_urls"

    url: Mapped[str] = mapped_column(String(512), primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PageRow(Base):
    """A raw response as received: status, headers, body bytes, when, and which encoding decoded it."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(512), index=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ux_pages_url_sha", "url", "body_sha256", unique=True),)


class FailureRow(Base):
    """A URL that could not be fetched or parsed, with why, and when to try it again."""

    __tablename__ = "failures"

    url: Mapped[str] = mapped_column(String(512), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    next_retry_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # None: due now


class CrawlLockRow(Base):
    """The one-run-at-a-time lock of a database: who holds it, and when it last said it was alive."""

    __tablename__ = "crawl_locks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CrawlRunRow(Base):
    """One crawl run: when, against what, how it ended, and its counts."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # running, finished, interrupted, failed
    base_url: Mapped[str] = mapped_column(Text)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
