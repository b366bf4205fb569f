"""Bad input gets one line on stderr and exit code 2 (usage) or 1 (runtime), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "pages"


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["crawl", "--base-url", "ftp://www.wj001.com"], 2, "http(s) URL"),
        (["crawl", "--base-url", "not a url"], 2, "http(s) URL"),
        (["crawl", "--base-url", "http://127.0.0.1:9", "--channel", "../etc"], 2, "slug"),
        (["crawl", "--db", "nosuchdb://x"], 2, "unsupported database URL"),
        (["crawl", "--db", "::::"], 2, "not a database URL"),
        (["export", "--db", "sqlite:////nonexistent/dir/x.db", "-o", "-"], 1, "cannot open database"),
        (["export", "-o", "/nonexistent/dir/out.jsonl"], 2, "does not exist"),
        (["export", "-o", "x.jsonl", "--since", "2025-13-01"], 2, "YYYY-MM-DD"),
        (["export", "-o", "x.jsonl", "--until", "yesterday"], 2, "YYYY-MM-DD"),
        (["export"], 2, "required"),
        (
            ["parse", "/nonexistent/page.html", "--url", "http://www.wj001.com/news/a/2025-01-01/1.html"],
            2,
            "cannot read",
        ),
        (["parse", str(FIXTURES / "home.html"), "--url", "ftp://x"], 2, "--url"),
        (["parse", str(FIXTURES / "home.html")], 2, "--url"),
        (["replica", "--articles", "-5"], 2, ">= 1"),
        (["replica", "--port", "70000"], 2, "port"),
        (["replica", "--day", "zero"], 2, ">= 1"),
        (["nosuchcommand"], 2, "invalid choice"),
        (["crawl", "--refresh-days", "-1"], 2, ">= 1"),
        (["crawl", "--refresh-days", "week"], 2, ">= 1"),
        (["crawl", "--locked-exit-code", "x"], 2, "invalid int"),
        (["crawl", "--db", "postgresql+psycopg://wjcrawl@127.0.0.1:1/none"], 1, "cannot open database"),
        (["export", "-o", "-", "--db", "::::"], 2, "not a database URL"),
        (["export", "-o", "x.jsonl", "--since", "2025-02-01", "--until", "2025-01-01"], 2, "after --until"),
        (["stats", "--db", "nosuchdb://x"], 2, "unsupported database URL"),
        (["reparse", "--db", "::::"], 2, "not a database URL"),
        (["db", "upgrade", "--db", "::::"], 2, "not a database URL"),
        (["db", "sideways"], 2, "invalid choice"),
        (["parse", "/", "--url", "http://www.wj001.com/news/a/2025-01-01/1.html"], 2, "cannot read"),
        (["replica", "--faults", "meteor"], 2, "unknown fault mode"),
        (["replica", "--seed", "abc"], 2, "invalid int"),
        (["replica", "--port", "-1"], 2, "port"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(args: list[str], code: int, says: str, tmp_path: Path) -> None:
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]
    assert "Traceback" not in result.stderr


def test_parse_prints_the_record_as_utf8_json() -> None:
    import json

    page = next(FIXTURES.glob("article-*-mirror.html"))
    meta = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    result = run_cli("parse", str(page), "--url", meta["url"], "--content-type", meta["content_type"])
    assert result.returncode == 0, result.stderr
    assert "厚积薄发" in result.stdout and "\\u" not in result.stdout
    record = json.loads(result.stdout)
    assert record["rendering"] == "mirror" and record["editor"] == "孙婷婷"


def test_parse_of_a_non_article_exits_1_with_one_line() -> None:
    result = run_cli(
        "parse", str(FIXTURES / "listing-jinriyaowen-1.html"), "--url", "http://www.wj001.com/news/jinriyaowen/"
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_parse_reads_stdin() -> None:
    page = next(FIXTURES.glob("article-*-old-utf8.html"))
    result = run_cli(
        "parse", "-", "--url", "http://www.wj001.com/news/jinriyaowen/2025-01-20/1.html", input=page.read_bytes()
    )
    assert result.returncode == 0, result.stderr


def test_an_unknown_channel_is_a_usage_error(replica, tmp_path: Path) -> None:
    result = run_cli(
        "crawl",
        "--base-url",
        replica.base_url,
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
        "--quiet",
        "--channel",
        "nosuchchannel",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "unknown channel 'nosuchchannel'" in result.stderr.strip().splitlines()[-1]


def test_export_of_a_channel_the_archive_lacks(replica, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert (
        run_cli(
            "crawl", "--base-url", replica.base_url, "--db", db, "--quiet", "--channel", "wenjiaotiyu", cwd=tmp_path
        ).returncode
        == 0
    )
    result = run_cli("export", "--db", db, "-o", "-", "--channel", "jinriyaowen", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "wjcrawl export: error: unknown channel 'jinriyaowen'; the archive has: wenjiaotiyu"
    )


def test_debug_shows_the_traceback() -> None:
    result = run_cli("--debug", "export", "-o", "-", "--db", "::::")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_reparse_recovers_a_page_that_failed_extraction_when_fetched(tmp_path: Path) -> None:
    """A page stored with a failure (say, before a parser fix) becomes an article on reparse."""
    import json

    from wjcrawl.records import FailedPage, RawPage
    from wjcrawl.store import ArticleStore

    page = next(FIXTURES.glob("article-*-old-gbk.html"))
    meta = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    db = f"sqlite:///{tmp_path / 'r.db'}"
    store = ArticleStore(db)
    raw = RawPage(
        url=meta["url"],
        status=200,
        headers={"Content-Type": meta["content_type"]},
        body=page.read_bytes(),
        fetched_at="2025-01-23T01:00:00+00:00",
    )
    store.save([FailedPage(url=meta["url"], reason="NotAnArticle: no title", status=200, page=raw)])
    store.close()
    result = run_cli("reparse", "--db", db)
    assert result.returncode == 0, result.stderr
    assert "recovered=1" in result.stdout
    store = ArticleStore(db)
    [record] = list(store.iter_records())
    assert record["title"] == meta["expected"]["title"] and store.failures() == []
    store.close()
