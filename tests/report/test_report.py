"""The HTML report: rendered from two real crawls of the replica; its numbers are the store's."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from PIL import Image

from tests.crawl.test_crawl import crawl
from wjcrawl.replica import Replica, Site
from wjcrawl.report import render_report
from wjcrawl.report.html import reason_group
from wjcrawl.store import ArticleStore

PLOTS = ("articles_per_month.png", "id_gaps.png", "failures_by_reason.png", "crawl_runs.png")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    """Day 1 and day 2 of a 40-article replica crawled into SQLite, then the report: (store, index, page, ids)."""
    tmp = tmp_path_factory.mktemp("report")
    db = tmp / "wjcrawl.db"
    with Replica(Site(articles=40, page_size=5)) as replica:
        crawl(replica, db)
        port = int(replica.base_url.rsplit(":", 1)[1])
    with Replica(Site(articles=40, page_size=5, day=2, new_per_day=6), port=port) as replica:
        crawl(replica, db)
        truth_ids = sorted(int(t["article_id"]) for t in replica.site.truth(replica.base_url))
    store = ArticleStore(f"sqlite:///{db}")
    index = render_report(store, tmp / "report")
    page = lxml.html.fromstring(index.read_bytes())
    yield store, index, page, truth_ids
    store.close()


def cells(row) -> list[str]:
    return [c.text_content().strip() for c in row.xpath("./td")]


@pytest.mark.crawl
def test_report_is_one_self_contained_utf8_page(rendered) -> None:
    _store, index, page, _ids = rendered
    assert index.name == "index.html" and index.parent.name == "report"
    text = index.read_bytes().decode("utf-8")
    assert '<meta charset="utf-8">' in text and "武进新闻网" in text
    assert not page.xpath("//script | //link | //iframe | //object | //embed")
    referenced = page.xpath("//@src | //@href")
    assert not [r for r in referenced if re.match(r"(?i)[a-z][a-z0-9+.-]*:|//", r)], "external reference"
    assert "@import" not in text and "url(" not in text
    assert sorted(page.xpath("//img/@src")) == sorted(PLOTS)
    assert all((index.parent / src).is_file() for src in referenced)


@pytest.mark.crawl
def test_plots_are_valid_pngs_of_sensible_size(rendered) -> None:
    _store, index, _page, _ids = rendered
    for name in PLOTS:
        path = index.parent / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            width, height = image.size
            assert 600 <= width <= 2000 and 200 <= height <= 1200, (name, image.size)
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
            assert colours is None or len(colours) > 20, f"{name} is (nearly) blank"
        assert path.stat().st_size > 5000, name


@pytest.mark.crawl
def test_article_totals_per_channel_and_month_are_the_stores(rendered) -> None:
    store, _index, page, truth_ids = rendered
    per = store.articles_per_channel_month()
    totals: dict[str, int] = {}
    for (channel, _month), n in per.items():
        totals[channel] = totals.get(channel, 0) + n
    shown = {
        row.get("data-channel"): int(cells(row)[1])
        for row in page.xpath('//table[@id="channel-totals"]//tr[@data-channel]')
    }
    assert shown == totals
    [total_row] = page.xpath('//table[@id="channel-totals"]//tr[@class="total"]')
    assert int(cells(total_row)[1]) == store.counts()["articles"] == len(truth_ids)
    header = [th.text_content().strip() for th in page.xpath('//table[@id="articles-per-month"]//tr[1]/th')]
    channels = header[1:-1]
    assert sorted(channels) == sorted(totals)
    months = {}
    for row in page.xpath('//table[@id="articles-per-month"]//tr[@data-month]'):
        values = [int(v) for v in cells(row)[1:]]
        assert sum(values[:-1]) == values[-1]
        months[row.get("data-month")] = dict(zip(channels, values[:-1], strict=True))
    assert {(c, m): n for m, row in months.items() for c, n in row.items() if n} == dict(per)
    shown_counts = {row.get("data-key"): int(cells(row)[0]) for row in page.xpath('//table[@id="totals"]//tr')}
    assert shown_counts == store.counts()


@pytest.mark.crawl
def test_gap_numbers_are_the_stores(rendered) -> None:
    store, _index, page, truth_ids = rendered
    gaps = store.id_gaps()
    missing = sum(b - a + 1 for a, b in gaps)
    assert int(page.get_element_by_id("gap-count").text) == len(gaps) > 0
    assert int(page.get_element_by_id("gap-ids").text) == missing
    # the replica's own id sequence says the same: every id between the first and the last not stored
    assert missing == truth_ids[-1] - truth_ids[0] + 1 - len(truth_ids)
    rows = [tuple(int(v) for v in cells(row)) for row in page.xpath('//table[@id="id-gaps"]//tr[td]')]
    assert rows == [(a, b, b - a + 1) for a, b in gaps]


@pytest.mark.crawl
def test_failure_numbers_are_the_stores(rendered) -> None:
    store, _index, page, _ids = rendered
    failures = store.failures()
    assert int(page.get_element_by_id("failure-count").text) == len(failures) == store.counts()["failures"] > 0
    by_reason: dict[str, int] = {}
    for f in failures:
        by_reason[reason_group(f["reason"])] = by_reason.get(reason_group(f["reason"]), 0) + 1
    shown = {row.get("data-reason"): int(cells(row)[1]) for row in page.xpath('//table[@id="failure-reasons"]//tr[td]')}
    assert shown == by_reason
    assert {"http 404", "robots.txt disallowed"} <= set(shown)
    urls = [cells(row)[0] for row in page.xpath('//table[@id="failures"]//tr[td]')]
    assert urls == [f["url"] for f in failures]


@pytest.mark.crawl
def test_run_numbers_are_the_stores(rendered) -> None:
    store, _index, page, _ids = rendered
    runs = store.runs()
    assert len(runs) == 2 and int(page.get_element_by_id("run-count").text) == 2
    rows = page.xpath('//table[@id="runs"]//tr[@data-run-id]')
    assert [int(r.get("data-run-id")) for r in rows] == [r["id"] for r in runs]
    for row, run in zip(rows, runs, strict=True):
        run_id, started, finished, seconds, status, requests, new, updated, failed = cells(row)
        assert (int(run_id), started, finished, status) == (
            run["id"],
            run["started_at"],
            run["finished_at"],
            "finished",
        )
        assert float(seconds) >= 0
        assert [int(requests), int(new), int(updated), int(failed)] == [
            run["requests"],
            run["articles_new"],
            run["articles_updated"],
            run["failed"],
        ]
    assert runs[0]["articles_new"] == 6  # day 2 published six articles


def test_an_empty_archive_renders_too(tmp_path: Path) -> None:
    store = ArticleStore(f"sqlite:///{tmp_path / 'empty.db'}")
    index = render_report(store, tmp_path / "out" / "report")
    store.close()
    page = lxml.html.fromstring(index.read_bytes())
    assert int(page.get_element_by_id("gap-count").text) == 0
    assert int(page.get_element_by_id("failure-count").text) == 0
    assert int(page.get_element_by_id("run-count").text) == 0
    for name in PLOTS:
        with Image.open(index.parent / name) as image:
            image.verify()
