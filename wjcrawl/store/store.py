"""ArticleStore: the only code that talks to the database.

Sessions are opened here and nowhere else; writes come in batches (one transaction per batch), so a
killed crawl loses at most its open batch and never leaves a half-written article. Upserts are
dialect-aware ``INSERT ... ON CONFLICT`` statements, so a row is never written twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Engine, Select, String, create_engine, delete, event, func, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from wjcrawl.errors import CrawlLocked, StoreError, UsageError
from wjcrawl.records import ARTICLE_FIELDS, ArticleItem, FailedPage, RawPage, SeenUrl
from wjcrawl.store import schema
from wjcrawl.store.models import (
    ArticleRevisionRow,
    ArticleRow,
    ArticleUrlRow,
    CrawlLockRow,
    CrawlRunRow,
    FailureRow,
    PageRow,
)

logger = logging.getLogger(__name__)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # the site's time zone (no DST): exports, "today"
EXPORT_CHUNK = 1000
JSON_FIELDS = ("breadcrumb", "authors", "keywords", "images")  # the record's JSON columns
RETRYABLE = {"40P01", "40001"}  # PostgreSQL: deadlock detected, serialization failure


@dataclass
class CrawlState:
    """The archive as an incremental crawl sees it at its start."""

    known_ids: set[str] = field(default_factory=set)
    known_urls: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)
    due_failures: set[str] = field(default_factory=set)  # retry these in this run
    waiting_failures: set[str] = field(default_factory=set)  # backing off: treat as known
    last_run_unfinished: bool = False  # the previous run was killed/interrupted or missed listing pages

    @property
    def empty(self) -> bool:
        return not self.known_ids


def retry_delay(failure: FailedPage, attempts: int) -> dt.timedelta:
    """When to try a failed URL again: gone pages back off, server and network trouble retries next run."""
    if failure.reason.startswith("robots.txt"):
        return dt.timedelta(days=7)  # disallowed: look again in a week, in case robots.txt changed
    if failure.status in (404, 410) or failure.reason.startswith(("NotAnArticle", "ParseError")):
        return min(dt.timedelta(hours=12) * 2 ** (attempts - 1), dt.timedelta(days=30))
    return dt.timedelta(0)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class BatchResult:
    """What one batch changed: new articles, updated (new revision), unchanged, alias URLs added."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    aliases: int = 0
    failures: int = 0


@lru_cache(maxsize=4096)
def iso8601(value: dt.datetime | None) -> str | None:
    """Archive timestamps are exported in ISO 8601 with the site's +08:00 offset.

    Cached: a batch of articles shares one timestamp, so an export formats each about once."""
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds")


@lru_cache(maxsize=4096)
def _timestamp(value: str | dt.datetime | None) -> str | None:
    """A timestamp column as the driver returned it (SQLite: text in SQLAlchemy's format, always UTC;
    PostgreSQL: an aware datetime) in the export's ISO 8601 +08:00 form."""
    return iso8601(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)


def _only_articles(query: Select[Any], since: str | None, until: str | None, channel: str | None) -> Select[Any]:
    """``query`` (over the articles table) narrowed to articles published in [since, until], of ``channel``."""
    articles = ArticleRow.__table__
    if since:
        query = query.where(articles.c.published_date >= since)
    if until:
        query = query.where(articles.c.published_date <= until)
    if channel:
        query = query.where(articles.c.channel == channel)
    return query


def _raw_page(row: Any) -> RawPage:
    """A stored page row (a Core row mapping) as the ``RawPage`` it was saved from."""
    return RawPage(
        url=row["url"],
        status=row["status"],
        headers=row["headers"],
        body=row["body"],
        fetched_at=iso8601(row["fetched_at"]) or "",
    )


def open_engine(database_url: str, writer: bool = False) -> Engine:
    """An engine for ``database_url``; bad URLs and missing drivers are usage errors.

    A SQLite ``writer`` engine begins every transaction with BEGIN IMMEDIATE: a second writer then
    waits for the first (up to the busy timeout) instead of failing when it upgrades a read lock.
    """
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise UsageError(f"not a database URL: {database_url!r} (try sqlite:///wjcrawl.db)") from None
    try:
        if url.get_backend_name() == "sqlite":
            # how long to wait for another process's write lock; `?timeout=N` in the URL overrides it
            engine = create_engine(
                url,
                connect_args={} if "timeout" in url.query else {"timeout": 60},
                json_deserializer=orjson.loads,  # JSON columns read back 3x faster, same values
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            if writer:
                event.listen(engine, "connect", _sqlite_manual_transactions)
                event.listen(engine, "begin", _sqlite_begin_immediate)
        else:
            engine = create_engine(url, pool_pre_ping=True, json_deserializer=orjson.loads)
    except NoSuchModuleError:
        raise UsageError(f"unsupported database URL scheme: {url.drivername!r}") from None
    except ModuleNotFoundError as exc:
        raise UsageError(
            f"the driver for {url.drivername!r} is not installed ({exc.name}); for PostgreSQL install wjcrawl[postgres]"
        ) from None
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (export) never block the crawl's writes
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_manual_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" event say how a transaction starts


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class ArticleStore:
    """The archive: articles, their URLs and revisions, raw pages, failures and crawl runs."""

    def __init__(self, database_url: str, create: bool = True) -> None:
        """Open the archive; ``create`` makes the schema on an empty database (through the migrations)."""
        self.database_url = database_url
        self.engine = open_engine(database_url)  # reads: exports and reports stream from here
        sqlite_db = self.engine.dialect.name == "sqlite"
        self._writer = open_engine(database_url, writer=True) if sqlite_db else self.engine
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False)
        try:
            schema.ensure(self.engine, create=create)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {self.engine.url.render_as_string()}: {_first_line(exc)}") from None

    def close(self) -> None:
        self.engine.dispose()
        self._writer.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A (writing) session in one transaction: committed on success, rolled back on any error."""
        session = self._write_sessions()
        try:
            with session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {_first_line(exc)}") from exc
        finally:
            session.close()

    def _insert(self, model: Any) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(model)

    # --- crawl state ---------------------------------------------------------------------------

    def crawl_state(self) -> CrawlState:
        """What an incremental run needs to know, loaded once: known ids, failures and their due times."""
        now = dt.datetime.now(dt.UTC)
        with self.session() as s:
            state = CrawlState(
                known_ids=set(s.scalars(select(ArticleRow.article_id))),
                known_urls=set(s.scalars(select(ArticleUrlRow.url))),
                channels=set(s.scalars(select(ArticleUrlRow.channel).distinct())),
            )
            last = s.scalars(select(CrawlRunRow).order_by(CrawlRunRow.id.desc()).limit(1)).first()
            state.last_run_unfinished = last is not None and (
                last.status != "finished" or bool((last.stats or {}).get("wjcrawl/failed/listing"))
            )
            for url, next_retry_at in s.execute(select(FailureRow.url, FailureRow.next_retry_at)):
                due = next_retry_at is None or _aware(next_retry_at) <= now
                (state.due_failures if due else state.waiting_failures).add(url)
        return state

    # --- the one-run-at-a-time lock ----------------------------------------------------------------

    def acquire_lock(self, token: str, stale_after: float = 600.0) -> None:
        """Take the crawl lock, or take over a stale one; raise CrawlLocked while another run holds it.

        A lock is stale when its holder ran on this host and its process is gone (a killed run), or
        when it has not sent a heartbeat for ``stale_after`` seconds (a run on another host that died).
        """
        now = dt.datetime.now(dt.UTC)
        me = {"token": token, "host": socket.gethostname(), "pid": os.getpid(), "acquired_at": now, "heartbeat_at": now}
        with self.session() as s:
            stmt = self._insert(CrawlLockRow).values(name="crawl", **me).on_conflict_do_nothing()
            inserted = s.execute(stmt.returning(CrawlLockRow.name)).scalar() is not None
            if inserted:
                return
            held = s.execute(select(CrawlLockRow).where(CrawlLockRow.name == "crawl")).scalar_one()
            if held.token == token:
                return
            gone = held.host == me["host"] and not _pid_alive(held.pid)
            silent = (now - _aware(held.heartbeat_at)).total_seconds() > stale_after
            if not (gone or silent):
                raise CrawlLocked(
                    f"another crawl is running on this database (pid {held.pid} on {held.host}, "
                    f"since {iso8601(held.acquired_at)})"
                )
            takeover = (
                update(CrawlLockRow)
                .where(CrawlLockRow.name == "crawl", CrawlLockRow.token == held.token)
                .values(**me)
                .returning(CrawlLockRow.name)
            )
            taken = s.execute(takeover).scalar() is not None
            if not taken:
                raise CrawlLocked("another crawl took over the stale lock first")
            logger.warning("took over the stale crawl lock of pid %s on %s", held.pid, held.host)

    def heartbeat(self, token: str) -> None:
        with self.session() as s:
            s.execute(
                update(CrawlLockRow)
                .where(CrawlLockRow.name == "crawl", CrawlLockRow.token == token)
                .values(heartbeat_at=dt.datetime.now(dt.UTC))
            )

    def release_lock(self, token: str) -> None:
        with self.session() as s:
            s.execute(delete(CrawlLockRow).where(CrawlLockRow.name == "crawl", CrawlLockRow.token == token))

    def lock_holder(self) -> dict[str, Any] | None:
        with self.session() as s:
            row = s.scalars(select(CrawlLockRow)).first()
            return None if row is None else {"host": row.host, "pid": row.pid, "since": iso8601(row.acquired_at)}

    def channels(self) -> set[str]:
        """Channel slugs the archive has articles under."""
        with self.session() as s:
            return set(s.scalars(select(ArticleUrlRow.channel).distinct()))

    def start_run(self, base_url: str) -> int:
        with self.session() as s:
            run = CrawlRunRow(started_at=dt.datetime.now(dt.UTC), status="running", base_url=base_url, stats={})
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, counts: dict[str, int], stats: dict[str, Any]) -> None:
        with self.session() as s:
            s.execute(
                update(CrawlRunRow)
                .where(CrawlRunRow.id == run_id)
                .values(finished_at=dt.datetime.now(dt.UTC), status=status, stats=stats, **counts)
            )

    # --- writes ----------------------------------------------------------------------------------

    def save(self, items: Sequence[ArticleItem | FailedPage | SeenUrl], run_id: int | None = None) -> BatchResult:
        """Store a batch of articles, aliases, URLs seen on listings and failed pages in one transaction.

        A batch that loses a deadlock to a concurrent crawler (PostgreSQL aborts one of the two) is
        simply run again: it is one transaction, so nothing of the failed attempt remains.
        """
        for attempt in range(1, 4):
            try:
                return self._save(items, run_id)
            except StoreError as exc:
                if attempt == 3 or getattr(getattr(exc.__cause__, "orig", None), "sqlstate", None) not in RETRYABLE:
                    raise
                logger.warning("batch lost a deadlock with another writer; retrying (%s)", attempt)
        raise AssertionError("unreachable")

    def _save(self, items: Sequence[ArticleItem | FailedPage | SeenUrl], run_id: int | None) -> BatchResult:
        result = BatchResult()
        now = dt.datetime.now(dt.UTC)
        with self.session() as s:
            pages = [i.page for i in items if not isinstance(i, SeenUrl) and i.page is not None]
            if pages:
                s.execute(self._insert(PageRow).on_conflict_do_nothing(), [_page_row(p, run_id) for p in pages])
            failures = [i for i in items if isinstance(i, FailedPage)]
            self._record_failures(s, failures, now)
            result.failures = len(failures)
            articles = [i for i in items if isinstance(i, ArticleItem)]
            url_rows = [
                {"url": u, "article_id": item.article_id, "channel": item.channel, "first_seen_at": now}
                for item in articles
                for u in item.urls
            ]
            result.aliases += sum(1 for item in articles if item.alias)
            # One record per article id, in id order (rows locked in one order: no deadlocks).
            latest = {item.article_id: item.record() for item in articles if not item.alias}
            if latest:
                # INSERT ... ON CONFLICT DO NOTHING RETURNING: what comes back was really new, even with a
                # second crawler writing the same database; the rest is updated under a row lock.
                rows = [
                    record | {"id_number": int(aid), "first_seen_at": now, "last_seen_at": now, "revision": 1}
                    for aid, record in sorted(latest.items())
                ]
                table = ArticleRow.__table__
                stmt = self._insert(table).on_conflict_do_nothing(index_elements=["article_id"])
                inserted = set(s.execute(stmt.returning(table.c.article_id), rows).scalars())
                result.new += len(inserted)
                others = sorted(set(latest) - inserted)
                if others:
                    query = select(ArticleRow).where(ArticleRow.article_id.in_(others)).with_for_update()
                    for row in s.scalars(query.order_by(ArticleRow.article_id)):
                        if self._refresh(s, row, latest[row.article_id], now):
                            result.updated += 1
                        else:
                            result.unchanged += 1
            s.flush()
            seen = [i for i in items if isinstance(i, SeenUrl)]
            url_rows += [
                {"url": i.url, "article_id": i.article_id, "channel": i.channel, "first_seen_at": now} for i in seen
            ]
            result.aliases += len(seen)
            if url_rows:
                url_rows.sort(key=lambda r: r["url"])
                s.execute(self._insert(ArticleUrlRow).on_conflict_do_nothing(), url_rows)
                # an article that arrived is no longer a failure under any of its URLs
                s.execute(delete(FailureRow).where(FailureRow.url.in_([r["url"] for r in url_rows])))
        return result

    @staticmethod
    def _refresh(s: Session, row: ArticleRow, record: dict[str, Any], now: dt.datetime) -> bool:
        """Bring a stored article up to date; True when its content changed (a new revision)."""
        row.last_seen_at = now
        if row.content_hash == record["content_hash"]:
            return False
        s.add(
            ArticleRevisionRow(
                article_id=row.article_id,
                revision=row.revision,
                content_hash=row.content_hash,
                record=_row_record(row),
                superseded_at=now,
            )
        )
        for key in ARTICLE_FIELDS:
            if key not in ("url", "channel"):  # the first URL stays the article's URL
                setattr(row, key, record[key])
        row.revision += 1
        return True

    def _record_failures(self, s: Session, failures: Sequence[FailedPage], now: dt.datetime) -> None:
        """Upsert the batch's failed URLs: one query for their earlier attempts, one statement to write.
        A URL failing twice in one batch counts as one attempt (its last failure is kept)."""
        latest = {f.url: f for f in failures}
        if not latest:
            return
        urls = sorted(latest)  # rows in key order: concurrent writers lock them in the same order
        known = dict(s.execute(select(FailureRow.url, FailureRow.attempts).where(FailureRow.url.in_(urls))).all())
        rows = []
        for url in urls:
            failure, attempts = latest[url], known.get(url, 0) + 1
            rows.append(
                {
                    "url": url,
                    "first_failed_at": now,
                    "reason": failure.reason,
                    "status": failure.status,
                    "attempts": attempts,
                    "last_failed_at": now,
                    "next_retry_at": now + retry_delay(failure, attempts),
                }
            )
        stmt = self._insert(FailureRow)
        updated = ("reason", "status", "attempts", "last_failed_at", "next_retry_at")
        s.execute(stmt.on_conflict_do_update(index_elements=["url"], set_={k: stmt.excluded[k] for k in updated}), rows)

    # --- reads -----------------------------------------------------------------------------------

    def iter_records(
        self, since: str | None = None, until: str | None = None, channel: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every article as an export record, sorted by published date then id, streamed in chunks."""
        table = ArticleRow.__table__
        # Tuple rows of exactly the exported columns (no ORM objects, no mappings): nothing accumulates,
        # memory stays flat, and each record is one zip() of the row with the field names. JSON and
        # timestamp columns are read as the driver returns them and decoded here (orjson, a cached
        # timestamp per batch): SQLAlchemy's per-value result processors cost as much as the fetch.
        raw = [type_coerce(table.c[k], String) if k in JSON_FIELDS else table.c[k] for k in ARTICLE_FIELDS]
        extra = (type_coerce(table.c.first_seen_at, String), type_coerce(table.c.last_seen_at, String))
        query = select(*raw, *extra, table.c.revision).order_by(table.c.published_date, table.c.id_number)
        query = _only_articles(query, since, until, channel)
        n, url_at, id_at = len(ARTICLE_FIELDS), ARTICLE_FIELDS.index("url"), ARTICLE_FIELDS.index("article_id")
        json_at = [(k, ARTICLE_FIELDS.index(k)) for k in JSON_FIELDS]
        # JSON columns come back as text from SQLite (decoded here) and already decoded from
        # PostgreSQL, whose driver decodes by the column's own type.
        decode_json = self.engine.dialect.name == "sqlite"
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=EXPORT_CHUNK).execute(query)
            for chunk in result.partitions(EXPORT_CHUNK):
                urls: dict[str, list[str]] = {}
                for url, article_id in conn.execute(
                    select(ArticleUrlRow.url, ArticleUrlRow.article_id)
                    .where(ArticleUrlRow.article_id.in_([row[id_at] for row in chunk]))
                    .order_by(ArticleUrlRow.url)
                ).all():  # fetchall: row-by-row iteration costs more than the query
                    urls.setdefault(article_id, []).append(url)
                for row in chunk:
                    record = dict(zip(ARTICLE_FIELDS, row, strict=False))
                    if decode_json:
                        for key, at in json_at:
                            record[key] = orjson.loads(row[at]) if row[at] is not None else None
                    record["first_seen_at"] = _timestamp(row[n])
                    record["last_seen_at"] = _timestamp(row[n + 1])
                    record["revision"] = row[n + 2]
                    record["urls"] = urls.get(row[id_at], [row[url_at]])
                    yield record

    def iter_pages(
        self, since: str | None = None, until: str | None = None, channel: str | None = None
    ) -> Iterator[RawPage]:
        """Every stored raw response in fetch order; with filters, only pages of matching articles."""
        pages = PageRow.__table__
        query = select(pages).order_by(pages.c.id)
        if since or until or channel:
            articles = ArticleRow.__table__
            urls = ArticleUrlRow.__table__
            query = query.join(urls, urls.c.url == pages.c.url).join(
                articles, articles.c.article_id == urls.c.article_id
            )
            query = _only_articles(query, since, until, channel)
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=200).execute(query)
            for row in result.mappings():
                yield _raw_page(row)

    def iter_failed_pages(self) -> Iterator[RawPage]:
        """The newest stored 200 page of every URL that failed (e.g. to extraction): ``reparse`` retries them."""
        pages = PageRow.__table__
        newest = (
            select(func.max(pages.c.id).label("page_id"))
            .join(FailureRow, FailureRow.url == pages.c.url)
            .where(pages.c.status == 200)
            .group_by(pages.c.url)
            .subquery()
        )
        query = select(pages).join(newest, newest.c.page_id == pages.c.id).order_by(pages.c.id)
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=200).execute(query).mappings():
                yield _raw_page(row)

    def iter_article_pages(self) -> Iterator[tuple[str, RawPage]]:
        """(article_id, newest raw page) for every stored article: the input of ``reparse``."""
        pages = PageRow.__table__
        newest = (
            select(ArticleUrlRow.article_id, func.max(pages.c.id).label("page_id"))
            .join(pages, pages.c.url == ArticleUrlRow.url)
            .where(pages.c.status == 200)
            .group_by(ArticleUrlRow.article_id)
            .subquery()
        )
        query = select(newest.c.article_id, pages).join(pages, pages.c.id == newest.c.page_id)
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=200).execute(query).mappings():
                yield row["article_id"], _raw_page(row)

    def counts(self) -> dict[str, int]:
        with self.session() as s:
            return {
                "articles": s.scalar(select(func.count()).select_from(ArticleRow)) or 0,
                "urls": s.scalar(select(func.count()).select_from(ArticleUrlRow)) or 0,
                "pages": s.scalar(select(func.count()).select_from(PageRow)) or 0,
                "revisions": s.scalar(select(func.count()).select_from(ArticleRevisionRow)) or 0,
                "failures": s.scalar(select(func.count()).select_from(FailureRow)) or 0,
            }

    def articles_per_channel_month(self) -> Counter[tuple[str, str]]:
        month = func.substr(ArticleRow.published_date, 1, 7)
        with self.session() as s:
            return Counter(
                {
                    (channel, m or "unknown"): n
                    for channel, m, n in s.execute(
                        select(ArticleRow.channel, month, func.count()).group_by(ArticleRow.channel, month)
                    )
                }
            )

    def id_gaps(self, limit: int = 1000) -> list[tuple[int, int]]:
        """Runs of missing ids between stored ones, as (first missing, last missing)."""
        gaps: list[tuple[int, int]] = []
        previous: int | None = None
        with self._sessions() as s:
            for number in s.scalars(
                select(ArticleRow.id_number).order_by(ArticleRow.id_number).execution_options(yield_per=5000)
            ):
                if previous is not None and number > previous + 1 and len(gaps) < limit:
                    gaps.append((previous + 1, number - 1))
                previous = number
        return gaps

    def failures(self) -> list[dict[str, Any]]:
        with self.session() as s:
            return [
                {
                    "url": f.url,
                    "reason": f.reason,
                    "status": f.status,
                    "attempts": f.attempts,
                    "last_failed_at": iso8601(f.last_failed_at),
                    "next_retry_at": iso8601(f.next_retry_at),
                }
                for f in s.scalars(select(FailureRow).order_by(FailureRow.url))
            ]

    def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.session() as s:
            return [
                {
                    "id": r.id,
                    "started_at": iso8601(r.started_at),
                    "finished_at": iso8601(r.finished_at),
                    "status": r.status,
                    "requests": r.requests,
                    "articles_new": r.articles_new,
                    "articles_updated": r.articles_updated,
                    "failed": r.failed,
                    "stats": r.stats,
                }
                for r in s.scalars(select(CrawlRunRow).order_by(CrawlRunRow.id.desc()).limit(limit))
            ]

    def revisions(self, article_id: str) -> list[dict[str, Any]]:
        with self.session() as s:
            return [
                r.record | {"revision": r.revision}
                for r in s.scalars(
                    select(ArticleRevisionRow)
                    .where(ArticleRevisionRow.article_id == article_id)
                    .order_by(ArticleRevisionRow.revision)
                )
            ]


def _row_record(row: ArticleRow) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ARTICLE_FIELDS}


def _page_row(page: RawPage, run_id: int | None) -> dict[str, Any]:
    return {
        "url": page.url,
        "body_sha256": hashlib.sha256(page.body).hexdigest(),
        "status": page.status,
        "headers": page.headers,
        "body": page.body,
        "fetched_at": dt.datetime.fromisoformat(page.fetched_at),
        "run_id": run_id,
    }


HINTS = (  # what the database said -> what to do about it
    ("disk i/o error", "the disk is full or failing: free space or check the disk, then run again"),
    ("database or disk is full", "the disk is full: free space, then run again"),
    ("readonly database", "the database is read-only: check the file's and its folder's permissions"),
    (
        "database is locked",
        "another process holds the database's write lock: wait for it, or raise "
        "the wait with ?timeout=SECONDS in the database URL",
    ),
    ("could not translate host name", "check the host name in the database URL"),
    ("connection refused", "is the database server running and reachable?"),
)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    hint = next((h for needle, h in HINTS if needle in text.lower()), None)
    return f"{line} ({hint})" if hint else line
