"""The ``wjcrawl`` command: a thin layer over Scrapy's own machinery and the store.

Exit codes: 0 done (a crawl that completed, even with some failed pages: they are recorded),
1 runtime error (database unreachable, unreadable file...), 2 usage error. Every error a user can
cause is one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import gzip
import json
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

import orjson

from wjcrawl import __version__
from wjcrawl.errors import CrawlLocked, ParseError, StoreError, UsageError, WjcrawlError
from wjcrawl.files import write_atomically
from wjcrawl.replica.faults import FAULT_MODES

EXIT_OK, EXIT_RUNTIME, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def project_settings(**overrides: Any) -> Any:
    """wjcrawl's Scrapy settings (read from the environment by wjcrawl.settings), plus CLI overrides."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("wjcrawl.settings", priority="project")
    for key, value in overrides.items():
        if value is not None:
            settings.set(key, value, priority="cmdline")
    return settings


def _settings() -> Any:
    """wjcrawl.settings as a module -- without Scrapy's settings machinery (a third of a second to
    import), which commands that only open the store (export, stats...) never need."""
    from wjcrawl import settings

    return settings


def _database_url(arg: str | None) -> str:
    """``--db``, else WJCRAWL_DATABASE_URL as wjcrawl.settings reads it."""
    return arg or _settings().WJCRAWL_DATABASE_URL


def _date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {value!r}")
    return number


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wjcrawl", description="Archive the Wujin News (武进新闻网) news center.")
    parser.add_argument("--version", action="version", version=f"wjcrawl {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            metavar="URL",
            help="SQLAlchemy database URL (env WJCRAWL_DATABASE_URL; default sqlite:///wjcrawl.db)",
        )

    crawl = sub.add_parser("crawl", help="crawl the site into the database")
    crawl.add_argument(
        "--base-url", metavar="URL", help="site to crawl (env WJCRAWL_BASE_URL; default http://www.wj001.com)"
    )
    db_option(crawl)
    crawl.add_argument(
        "--channel",
        metavar="SLUG",
        action="append",
        default=[],
        help="crawl only this channel (repeatable), e.g. jinriyaowen",
    )
    crawl.add_argument(
        "--full",
        action="store_true",
        help="walk every listing page, fetching every article not yet stored "
        "(default: stop paging a channel at its first stored article)",
    )
    crawl.add_argument(
        "--refresh-days",
        type=_positive,
        metavar="N",
        help="also re-fetch articles published in the last N days; changed ones get a new revision",
    )
    crawl.add_argument(
        "--locked-exit-code",
        type=int,
        metavar="CODE",
        help="exit code when another crawl holds the database (env WJCRAWL_LOCKED_EXIT_CODE; "
        "default 0: cron stays quiet)",
    )
    crawl.add_argument(
        "--layout-exit-code",
        type=int,
        metavar="CODE",
        help="exit code when the site's layout seems to have changed (env WJCRAWL_LAYOUT_EXIT_CODE; default 3)",
    )
    crawl.add_argument("--quiet", action="store_true", help="print only errors and the summary line")
    crawl.add_argument("--log-file", metavar="FILE", help="write Scrapy's log to FILE (appends)")

    export = sub.add_parser("export", help="export articles as JSON Lines")
    db_option(export)
    export.add_argument("-o", "--output", metavar="FILE", required=True, help="output file, or - for stdout")
    export.add_argument("--since", type=_date, metavar="DATE", help="published on or after (YYYY-MM-DD)")
    export.add_argument("--until", type=_date, metavar="DATE", help="published on or before (YYYY-MM-DD)")
    export.add_argument("--channel", metavar="SLUG", help="only this channel")
    export.add_argument("--gzip", action="store_true", help="gzip the output (JSON Lines)")
    export.add_argument(
        "--format",
        choices=("jsonl", "warc"),
        default="jsonl",
        help="jsonl: one article per line (default); warc: every stored raw response as WARC/1.1 response + "
        "request records, gzipped per record (name the file .warc.gz)",
    )

    report = sub.add_parser(
        "report", help="write an HTML report with plots: articles per month, id gaps, failures, runs"
    )
    db_option(report)
    report.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        required=True,
        help="directory for index.html and its PNG plots (created if missing)",
    )

    stats = sub.add_parser("stats", help="articles per channel and month, id gaps, failures, runs")
    db_option(stats)
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")

    db = sub.add_parser("db", help="the database schema: show its revision, or migrate it to this version's")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    for name, text in (
        ("upgrade", "migrate the schema to this wjcrawl's (creates it on an empty database)"),
        ("current", "print the schema revision of the database and of this wjcrawl"),
    ):
        db_option(db_sub.add_parser(name, help=text))

    reparse = sub.add_parser("reparse", help="re-run the current parser over the stored raw pages")
    db_option(reparse)

    parse = sub.add_parser("parse", help="parse one saved article page and print its record as JSON")
    parse.add_argument("file", metavar="FILE", help="saved page, or - for stdin")
    parse.add_argument("--url", required=True, help="the URL the page was fetched from")
    parse.add_argument("--content-type", metavar="VALUE", help='its Content-Type, e.g. "text/html; charset=gbk"')

    replica = sub.add_parser("replica", help="serve a replica of the news center on this machine")
    replica.add_argument("--host", default="127.0.0.1")
    replica.add_argument("--port", type=_port, default=8000)
    replica.add_argument("--articles", type=_positive, default=60, help="articles on day 1")
    replica.add_argument("--day", type=_positive, default=1, help="day D publishes new articles on top of D-1")
    replica.add_argument("--seed", type=int, default=1)
    replica.add_argument("--page-size", type=_positive, default=10, help="articles per listing page")
    replica.add_argument("--new-per-day", type=int, default=6, help="articles published each day after day 1")
    replica.add_argument(
        "--corrections", action="store_true", help="each day after the first corrects the previous day's newest article"
    )
    replica.add_argument(
        "--faults",
        metavar="MODE,…",
        default="",
        help="inject server/network faults: " + ", ".join(FAULT_MODES) + ", or all",
    )
    replica.add_argument("--truth", metavar="FILE", help="write the records a correct crawl must export")
    replica.add_argument("--log", metavar="FILE", help="write one JSON line per request served")
    return parser


# --- commands ------------------------------------------------------------------------------------


def cmd_crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess

    from wjcrawl.spiders.news import check_base_url, check_channel
    from wjcrawl.store import ArticleStore

    overrides: dict[str, Any] = {"WJCRAWL_DATABASE_URL": args.db, "LOG_FILE": args.log_file}
    if args.quiet:
        overrides.update(LOG_LEVEL="ERROR", WJCRAWL_PROGRESS_INTERVAL=0)
    settings = project_settings(**overrides)
    base_url = check_base_url(args.base_url or settings.get("WJCRAWL_BASE_URL"))
    channels = [check_channel(c) for c in args.channel]
    database_url = settings.get("WJCRAWL_DATABASE_URL")
    store = ArticleStore(database_url)  # fail fast, with one line, when the database is unusable
    token = uuid.uuid4().hex
    try:
        store.acquire_lock(token, stale_after=settings.getfloat("WJCRAWL_LOCK_STALE_AFTER"))
    except CrawlLocked as exc:
        store.close()
        print(f"wjcrawl crawl: {exc}; this run did nothing", file=sys.stderr)
        code = (
            args.locked_exit_code if args.locked_exit_code is not None else settings.getint("WJCRAWL_LOCKED_EXIT_CODE")
        )
        print(f"wjcrawl crawl: status=locked db={database_url}", flush=True)
        return code
    started = time.monotonic()
    try:
        settings.set("WJCRAWL_LOCK_TOKEN", token, priority="cmdline")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler("news")
        process.crawl(
            crawler, base_url=base_url, channel=channels or None, full=args.full, refresh_days=args.refresh_days
        )
        # Everything alive now (modules, settings, the engine) lives as long as the crawl: keep it out
        # of the cyclic collector's full passes, which otherwise re-scan it every few hundred pages.
        gc.freeze()
        process.start()
    finally:
        store.release_lock(token)
        store.close()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason")
    summary = {
        "status": reason or "failed",
        "mode": "full" if stats.get("wjcrawl/full_walk") else "incremental",
        "requests": stats.get("downloader/request_count", 0),
        "pages": stats.get("response_received_count", 0),
        "articles_new": stats.get("wjcrawl/stored/new", 0),
        "articles_updated": stats.get("wjcrawl/stored/updated", 0),
        "articles_unchanged": stats.get("wjcrawl/stored/unchanged", 0),
        "aliases": stats.get("wjcrawl/stored/aliases", 0),
        "failed": stats.get("wjcrawl/failed", 0),
        "dropped": sum(v for k, v in stats.items() if k.startswith("wjcrawl/dropped/")),
        "alert": "layout_change" if stats.get("wjcrawl/alert/layout_change") else "none",
        "seconds": round(time.monotonic() - started, 1),
        "db": database_url,
    }
    print("wjcrawl crawl: " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)
    if unknown := stats.get("wjcrawl/unknown_channel"):
        print(
            f"wjcrawl crawl: error: unknown channel {unknown!r}: its listing page is not on the site "
            "(the channels are the /news/<slug>/ links of the site's navigation)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if fatal := stats.get("wjcrawl/fatal"):
        print(f"wjcrawl crawl: error: {fatal}; the crawl stopped, nothing stored was lost", file=sys.stderr)
        return EXIT_RUNTIME
    if reason is None or stats.get("wjcrawl/run_id") is None:
        print("wjcrawl crawl: error: the crawl did not complete; see the log above", file=sys.stderr)
        return EXIT_RUNTIME
    if alert := stats.get("wjcrawl/alert/layout_change"):
        print(
            f"wjcrawl crawl: ALERT: possible layout change: {alert}; check the parser against a page "
            "(wjcrawl parse) before the archive goes quietly empty",
            file=sys.stderr,
        )
        code = args.layout_exit_code
        return settings.getint("WJCRAWL_LAYOUT_EXIT_CODE") if code is None else code
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from wjcrawl.store import ArticleStore

    if args.since and args.until and args.since > args.until:
        raise UsageError(f"--since {args.since} is after --until {args.until}")
    if args.output != "-" and not Path(args.output).parent.is_dir():
        raise UsageError(f"cannot write {args.output}: directory {Path(args.output).parent} does not exist")
    store = ArticleStore(_database_url(args.db), create=False)
    if args.channel and args.channel not in (known := store.channels()):
        store.close()
        raise UsageError(f"unknown channel {args.channel!r}; the archive has: {', '.join(sorted(known)) or 'none'}")
    if args.format == "warc":
        if args.gzip:
            store.close()
            raise UsageError("--gzip: a WARC export is always gzipped (per record)")
        count = _export_warc(store, args)
        store.close()
        print(
            f"wjcrawl export: format=warc records={count} pages={(count - 1) // 2} output={args.output}",
            file=sys.stderr,
        )
        return EXIT_OK
    records = store.iter_records(since=args.since, until=args.until, channel=args.channel)
    count = 0
    if args.output == "-":
        out: IO[bytes] = sys.stdout.buffer
        stream = gzip.GzipFile(fileobj=out, mode="wb") if args.gzip else out
        count = _write_lines(stream, records)
        stream.flush()
        if args.gzip:
            stream.close()
    else:

        def write(raw: IO[bytes]) -> None:
            nonlocal count
            stream = gzip.GzipFile(fileobj=raw, mode="wb", filename="") if args.gzip else raw
            count = _write_lines(stream, records)
            if args.gzip:
                stream.close()

        write_atomically(Path(args.output), write)
    store.close()
    print(f"wjcrawl export: articles={count} output={args.output}", file=sys.stderr)
    return EXIT_OK


def _export_warc(store: Any, args: argparse.Namespace) -> int:
    from wjcrawl.export import write_warc

    pages = store.iter_pages(since=args.since, until=args.until, channel=args.channel)
    options = {"software": f"wjcrawl/{__version__}", "user_agent": _settings().USER_AGENT}
    if args.output == "-":
        return write_warc(pages, sys.stdout.buffer, **options)
    target, count = Path(args.output), 0

    def write(raw: IO[bytes]) -> None:
        nonlocal count
        count = write_warc(pages, raw, filename=target.name, **options)

    write_atomically(target, write)
    return count


def cmd_report(args: argparse.Namespace) -> int:
    from wjcrawl.report import render_report  # matplotlib: imported only when a report is asked for
    from wjcrawl.store import ArticleStore

    outdir = Path(args.output)
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"-o {args.output} exists and is not a directory")
    store = ArticleStore(_database_url(args.db), create=False)
    try:
        index = render_report(store, outdir)
    except OSError as exc:
        raise WjcrawlError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    finally:
        store.close()
    print(index)
    return EXIT_OK


def _json_line(record: dict[str, Any]) -> bytes:
    # orjson writes the bytes json.dumps(ensure_ascii=False, separators=(",", ":")) does for these
    # records (UTF-8, compact), three times faster.
    return orjson.dumps(record) + b"\n"


def _write_lines(stream: IO[bytes], records: Iterator[dict[str, Any]], chunk: int = 256) -> int:
    """Write ``records`` as JSON lines, ``chunk`` lines per write call; returns how many were written."""
    count, lines = 0, []
    for record in records:
        lines.append(_json_line(record))
        if len(lines) == chunk:
            stream.write(b"".join(lines))
            count, lines = count + len(lines), []
    stream.write(b"".join(lines))
    return count + len(lines)


def cmd_stats(args: argparse.Namespace) -> int:
    from wjcrawl.store import ArticleStore

    store = ArticleStore(_database_url(args.db), create=False)
    per = store.articles_per_channel_month()
    report = {
        "counts": store.counts(),
        "per_channel_month": [{"channel": c, "month": m, "articles": n} for (c, m), n in sorted(per.items())],
        "id_gaps": [{"first": a, "last": b} for a, b in store.id_gaps()],
        "failures": store.failures(),
        "runs": store.runs(),
    }
    store.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return EXIT_OK
    print("totals: " + " ".join(f"{k}={v}" for k, v in report["counts"].items()))
    print("articles per channel and month:")
    for row in report["per_channel_month"]:
        print(f"  {row['channel']:<20} {row['month']}  {row['articles']:>6}")
    gaps = report["id_gaps"]
    missing = sum(g["last"] - g["first"] + 1 for g in gaps)
    print(f"id gaps (possible missed articles): {len(gaps)} gaps, {missing} ids")
    for g in gaps[:20]:
        print(f"  {g['first']}" + (f"-{g['last']}" if g["last"] != g["first"] else ""))
    print(f"failed URLs: {len(report['failures'])}")
    for f in report["failures"][:20]:
        print(f"  {f['url']}  {f['reason']}  attempts={f['attempts']}")
    print("latest runs:")
    for r in report["runs"]:
        print(
            f"  #{r['id']} {r['started_at']} {r['status']} requests={r['requests']} new={r['articles_new']} "
            f"updated={r['articles_updated']} failed={r['failed']}"
        )
    return EXIT_OK


def cmd_db(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from wjcrawl.store import schema
    from wjcrawl.store.store import open_engine

    database_url = _database_url(args.db)
    engine = open_engine(database_url)
    try:
        before = schema.current(engine)
        if args.db_command == "upgrade":
            schema.upgrade(engine)
            after = schema.current(engine)
            print(f"wjcrawl db upgrade: {before or 'empty'} -> {after} db={database_url}")
        else:
            print(f"wjcrawl db current: database={before or 'empty'} code={schema.head()} db={database_url}")
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate {database_url}: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") from None
    finally:
        engine.dispose()
    return EXIT_OK


def cmd_reparse(args: argparse.Namespace) -> int:
    from wjcrawl.parsing import parse_article
    from wjcrawl.records import ArticleItem, RawPage
    from wjcrawl.store import ArticleStore, BatchResult

    store = ArticleStore(_database_url(args.db), create=False)
    total, failed, batch = BatchResult(), 0, []

    def flush() -> None:
        result = store.save(batch)
        total.updated += result.updated
        total.unchanged += result.unchanged
        batch.clear()

    def parsed(page: RawPage) -> ArticleItem | None:
        nonlocal failed
        content_type = next((v for k, v in page.headers.items() if k.lower() == "content-type"), None)
        try:
            return ArticleItem.from_article(parse_article(page.body, page.url, content_type))
        except ParseError as exc:
            failed += 1
            print(f"wjcrawl reparse: {page.url}: {exc}", file=sys.stderr)
            return None

    def add(item: ArticleItem) -> None:
        batch.append(item)
        if len(batch) >= 200:
            flush()

    for article_id, page in store.iter_article_pages():
        item = parsed(page)
        if item is not None and item.article_id == article_id:
            add(item)
    flush()
    # Pages that failed extraction when fetched (a layout change): the current parser may read them now.
    recovered = 0
    for page in store.iter_failed_pages():
        item = parsed(page)
        if item is not None:
            recovered += 1
            add(item)
    flush()
    store.close()
    print(f"wjcrawl reparse: updated={total.updated} unchanged={total.unchanged} recovered={recovered} failed={failed}")
    return EXIT_OK


def cmd_parse(args: argparse.Namespace) -> int:
    from wjcrawl.parsing import parse_article

    if args.file == "-":
        body = sys.stdin.buffer.read()
    else:
        try:
            body = Path(args.file).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror} (give a saved page, or - for stdin)") from None
    if not args.url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be an http(s) URL, not {args.url!r}")
    article = parse_article(body, args.url, args.content_type)
    sys.stdout.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
    return EXIT_OK


def cmd_replica(args: argparse.Namespace) -> int:
    from wjcrawl.replica import Replica, Site
    from wjcrawl.replica.faults import parse_modes

    try:
        site = Site(
            articles=args.articles,
            day=args.day,
            seed=args.seed,
            page_size=args.page_size,
            new_per_day=args.new_per_day,
            corrections=args.corrections,
        )
        faults = parse_modes(args.faults)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        replica = Replica(site, host=args.host, port=args.port, log_file=args.log, faults=faults)
    except OSError as exc:
        raise WjcrawlError(f"cannot serve on {args.host}:{args.port}: {exc.strerror}") from None
    if args.truth:
        replica.write_truth(args.truth)
    print(f"replica: serving {site.total} articles (day {site.day}) at {replica.base_url}/", flush=True)
    try:
        replica.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        replica.stop()
    return EXIT_OK


COMMANDS = {
    "db": cmd_db,
    "crawl": cmd_crawl,
    "export": cmd_export,
    "stats": cmd_stats,
    "reparse": cmd_reparse,
    "report": cmd_report,
    "parse": cmd_parse,
    "replica": cmd_replica,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ParseError as exc:
        print(f"wjcrawl {args.command}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except WjcrawlError as exc:
        if args.debug:
            raise
        print(f"wjcrawl {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
