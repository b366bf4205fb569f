"""The replica serves every variant SITE.md lists, deterministically, and logs every request."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from parsel import Selector

from wjcrawl.replica import CHANNELS, Replica, Site
from wjcrawl.replica.site import OFFSITE_HOST


def fetch(replica: Replica, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(replica.base_url + path, timeout=10) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


def page(replica: Replica, path: str, charset: str = "utf-8") -> Selector:
    status, _, body = fetch(replica, path)
    assert status == 200, path
    return Selector(text=body.decode(charset))


def test_robots_txt_disallows_a_path_the_listing_links_into(replica: Replica) -> None:
    status, _, body = fetch(replica, "/robots.txt")
    assert status == 200 and b"Disallow: /news/neibu/" in body
    links = page(replica, "/news/jinriyaowen/").css("div.list a::attr(href)").getall()
    assert any(link.startswith("/news/neibu/") for link in links)


def test_home_navigation_links_channels_and_an_offsite_host(replica: Replica) -> None:
    links = page(replica, "/").css("div.navtable > div > a::attr(href)").getall()
    assert "/news/" in links and "/news/jinriyaowen/" in links
    assert f"http://{OFFSITE_HOST}/" in links
    assert "/news/wenjiaotiyu/" not in links  # discoverable only from /news/


def test_news_index_links_every_channel(replica: Replica) -> None:
    links = page(replica, "/news/").css("div.channel-list h2 a::attr(href)").getall()
    assert links == [f"/news/{c.slug}/" for c in CHANNELS]


@pytest.mark.parametrize("channel", CHANNELS, ids=lambda c: c.slug)
def test_pagination_is_followed_by_link_text_to_the_last_page(replica: Replica, channel) -> None:
    pages = replica.site.pages_of(channel)
    assert pages >= 2 or channel.slug == "wenjiaotiyu"
    charset = "gb18030" if channel.charset == "gbk" else "utf-8"
    path, seen = channel.page_path(1), []
    while path and len(seen) <= pages:
        seen.append(path)
        sel = page(replica, path, charset)
        nxt = [a.attrib["href"] for a in sel.css("div.pages a") if a.css("::text").get() == channel.next_text]
        base = f"/news/{channel.slug}/"
        target = (base + nxt[0]) if nxt and not nxt[0].startswith("?") else (base + nxt[0] if nxt else None)
        if target is None or target.replace("index.html", "") == path:
            break
        path = target
    assert len(seen) == pages
    last = page(replica, channel.page_path(pages), charset)
    self_links = [a for a in last.css("div.pages a") if a.css("::text").get() == channel.next_text]
    assert bool(self_links) == (channel.last_links_to_self and pages > 0)


def test_schemes_and_link_texts_vary_across_channels() -> None:
    assert {c.page_scheme for c in CHANNELS} == {"index_{n}.html", "list_{n}.html", "?page={n}"}
    assert {c.next_text for c in CHANNELS} >= {"下一页", "下页", "后页", ">"}


def test_gbk_channel_served_with_a_lying_utf8_header(replica: Replica) -> None:
    status, ctype, body = fetch(replica, "/news/shehuiminsheng/")
    assert status == 200 and ctype == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gbk")
    assert "charset=gb2312" in text and "社会民生" in text


def test_gbk_channel_with_an_honest_header(replica: Replica) -> None:
    status, ctype, body = fetch(replica, "/news/jingjixinwen/?page=2")
    assert status == 200 and ctype == "text/html; charset=gbk"
    assert "经济新闻" in body.decode("gbk")


def test_both_article_templates_and_the_mirror_rendering_are_served(replica: Replica) -> None:
    site = replica.site
    kinds = {site.article(i).template for i in range(site.total)}
    assert kinds == {"old", "new"}
    mirror = next(site.article(i) for i in range(site.total) if site.article(i).special == "mirror")
    sel = page(replica, mirror.path())
    assert sel.css("div.heading::text").get().startswith("厚積薄發(fā)")
    assert "來源:武進(jìn)日報" in sel.css("div.source span::text").get()


def test_meta_line_variants_are_all_present(replica: Replica) -> None:
    site = replica.site
    pages = [site.render_article(site.article(i)) for i in range(site.total) if site.article(i).special != "mirror"]
    joined = "\n".join(pages)
    assert "来源：" in joined and "来源:" in joined
    assert "报料热线" in joined
    assert any(a.time for a in map(site.article, range(site.total)))
    assert any(not site.article(i).authors for i in range(site.total))
    assert any(site.article(i).editor is None for i in range(site.total))
    assert any(site.article(i).source is None for i in range(site.total))
    assert "<img " in joined and "<script" in joined and "onclick=" in joined


def test_cross_listed_article_is_the_same_page_under_two_paths(replica: Replica) -> None:
    site = replica.site
    a = next(site.article(i) for i in range(site.total) if site.article(i).special == "cross")
    paths = [a.path(c) for c in a.channels]
    assert len(set(paths)) == 2
    bodies = {fetch(replica, p)[2] for p in paths}
    assert len(bodies) == 1


def test_missing_article_is_a_404_and_the_500_heals(replica: Replica) -> None:
    site = replica.site
    missing = next(site.article(i) for i in range(site.total) if site.article(i).special == "missing")
    healing = next(site.article(i) for i in range(site.total) if site.article(i).special == "heal500")
    assert fetch(replica, missing.path())[0] == 404
    assert fetch(replica, healing.path())[0] == 500
    assert fetch(replica, healing.path())[0] == 200
    assert fetch(replica, "/no/such/page.html")[0] == 404


def test_listings_use_relative_absolute_and_tracking_links(replica: Replica) -> None:
    hrefs = []
    for c in CHANNELS:
        charset = "gb18030" if c.charset == "gbk" else "utf-8"
        for n in range(1, replica.site.pages_of(c) + 1):
            hrefs += page(replica, c.page_path(n), charset).css("div.list a::attr(href)").getall()
    assert any(h.startswith("http://127.0.0.1") for h in hrefs)
    assert any(h[0].isdigit() for h in hrefs)  # relative to the channel folder
    assert any(h.startswith("/news/") for h in hrefs)
    assert any("?from=list" in h for h in hrefs)
    assert any(h.startswith(f"http://{OFFSITE_HOST}") for h in hrefs)


def test_ids_grow_with_gaps() -> None:
    site = Site(articles=500)
    assert site.ids == sorted(site.ids)
    assert any(b - a > 1 for a, b in zip(site.ids, site.ids[1:], strict=False))


def test_truth_matches_what_is_served(replica: Replica) -> None:
    truth = replica.site.truth(replica.base_url)
    assert len(truth) == replica.site.total - 1  # the 404 article is not in it
    for record in truth:
        for url in record["urls"]:
            status, _, body = fetch(replica, url.removeprefix(replica.base_url))
            if status == 500:
                status, _, body = fetch(replica, url.removeprefix(replica.base_url))
            assert status == 200
            text = body.decode("gb18030" if "shehuiminsheng" in url or "jingjixinwen" in url else "utf-8")
            if record["rendering"] == "original":
                assert record["title"] in text
                assert record["text"].split("\n")[-1] in text


def test_same_seed_same_site_other_seed_other_content() -> None:
    a, b, c = Site(seed=3), Site(seed=3), Site(seed=4)
    assert [a.render_article(x) for x in a.articles()] == [b.render_article(x) for x in b.articles()]
    assert a.article(0).title != c.article(0).title or a.article(1).title != c.article(1).title


def test_day_two_publishes_new_articles_on_top_of_day_one() -> None:
    day1, day2 = Site(articles=40, day=1), Site(articles=40, day=2, new_per_day=6)
    assert day2.total == day1.total + 6
    assert day2.ids[: day1.total] == day1.ids
    assert [day1.render_article(a) for a in day1.articles()] == [
        day2.render_article(a) for a in day2.articles()[: day1.total]
    ]
    new = set(range(day1.total, day2.total))
    assert len({day2.article(i).channel.slug for i in new}) >= 3  # several channels
    for c in CHANNELS:
        fresh = [i for i in day2.listings[c.slug] if i in new]
        assert day2.listings[c.slug][: len(fresh)] == fresh  # newest first, on top
    t1 = {r["article_id"] for r in day1.truth("http://x")}
    t2 = {r["article_id"] for r in day2.truth("http://x")}
    assert t1 < t2 and len(t2 - t1) == 6


def test_every_request_is_logged_in_memory_and_in_the_log_file(tmp_path) -> None:
    log = tmp_path / "requests.jsonl"
    with Replica(Site(articles=10), log_file=log) as replica:
        for path in ("/", "/news/", "/missing"):
            fetch(replica, path)
        assert replica.paths_requested() == ["/", "/news/", "/missing"]
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [(x["path"], x["status"]) for x in lines] == [("/", 200), ("/news/", 200), ("/missing", 404)]


def test_large_site_is_lazy() -> None:
    site = Site(articles=100_000)
    assert site.total == 100_000 and len(site.ids) == 100_000
    html = site.render_listing(CHANNELS[0], 1, "127.0.0.1")
    assert html is not None and site.article(site.listings[CHANNELS[0].slug][0]).title in html
