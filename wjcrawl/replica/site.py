"""The replica's world: which articles exist on a given day, and how each page of the site renders.

Built to ``SITE.md``. Everything is a pure function of (seed, articles, day, page size): the
article index arrays are computed once at start (cheap, O(N) integers), and every page is rendered
lazily when requested, so a 100,000-article site starts in well under a second.

Variants served (each chosen by the article's index so that any 30-article window holds them all):
both article templates, UTF-8 and GBK channels (one whose HTTP header says utf-8 over a GBK body),
full- and half-width label colons, a time after the date, the ``报料热线`` noise, missing
author/source/date/editor, images with captions, sub-headings, a script and an inline handler to be
cleaned, the mirror rendering (the captured seed page), an article cross-listed under two channels,
tracking query strings, relative and absolute links, off-site links, a robots.txt-disallowed link,
a 404, a 500 that heals on retry, and gaps in the id sequence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import random
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

from wjcrawl.records import ARTICLE_FIELDS
from wjcrawl.replica import corpus

BASE_DATE = dt.date(2025, 1, 23)  # the seed article's date: newest date of day 1
FIRST_ID = 27000
PER_DATE = 8  # day-1 articles published per calendar date, going back in time
OFFSITE_HOST = "www.cz001.com.cn"
DISALLOWED_PREFIX = "/news/neibu/"


@dataclass(frozen=True)
class Channel:
    """A news-center channel and how its pages are served."""

    slug: str
    name: str
    charset: str  # what the body is encoded in
    header_charset: str | None  # what the HTTP Content-Type says (None: no charset parameter)
    meta_charset: str
    page_scheme: str  # "index_{n}.html", "list_{n}.html" or "?page={n}"
    next_text: str
    prev_text: str
    last_links_to_self: bool
    in_home_nav: bool  # False: only discoverable from the /news/ page

    def page_path(self, n: int) -> str:
        base = f"/news/{self.slug}/"
        return base if n == 1 else base + self.page_scheme.format(n=n)

    def page_href(self, n: int) -> str:
        """A pagination link as the site writes it: relative to the channel's folder."""
        return "index.html" if n == 1 and self.page_scheme != "?page={n}" else self.page_scheme.format(n=n)


CHANNELS: tuple[Channel, ...] = (
    Channel("jinriyaowen", "今日要闻", "utf-8", "utf-8", "utf-8", "index_{n}.html", "下一页", "上一页", False, True),
    Channel("zhenquxinwen", "镇区新闻", "utf-8", "utf-8", "utf-8", "list_{n}.html", "下页", "上页", True, True),
    Channel("shehuiminsheng", "社会民生", "gbk", "utf-8", "gb2312", "index_{n}.html", "后页", "前页", True, True),
    Channel("jingjixinwen", "经济新闻", "gbk", "gbk", "gbk", "?page={n}", ">", "<", False, True),
    Channel("wenjiaotiyu", "文教体育", "utf-8", None, "utf-8", "?page={n}", "下一页", "上一页", False, False),
)
CHANNEL_BY_SLUG = {c.slug: c for c in CHANNELS}
# Channel of article i is CHANNEL_CYCLE[i % 10]: jinriyaowen 3, zhenquxinwen 2, shehuiminsheng 2,
# jingjixinwen 2, wenjiaotiyu 1 in every ten articles.
CHANNEL_CYCLE = (0, 1, 2, 0, 3, 4, 0, 1, 2, 3)


@dataclass
class Paragraph:
    kind: str  # "text", "subhead", "image", "caption"
    text: str = ""
    src: str = ""


@dataclass
class ReplicaArticle:
    """Everything the replica knows about one article: how it renders and what a crawl must extract."""

    index: int
    id: int
    channel: Channel
    date: dt.date
    extra_channels: tuple[Channel, ...] = ()
    special: str | None = None  # "mirror", "cross", "missing", "heal500"
    title: str = ""
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    time: str | None = None
    keywords: list[str] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    breadcrumb: list[str] = field(default_factory=list)

    @property
    def date_on_page(self) -> bool:
        """Some meta lines lack the date (and so its time); the URL still has the date."""
        return self.special == "mirror" or self.index % 13 != 6

    @property
    def template(self) -> str:
        return "old" if self.special == "mirror" or (self.index // 2) % 2 == 0 else "new"

    def path(self, channel: Channel | None = None) -> str:
        return f"/news/{(channel or self.channel).slug}/{self.date.isoformat()}/{self.id}.html"

    @property
    def channels(self) -> tuple[Channel, ...]:
        return (self.channel, *self.extra_channels)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs if p.kind != "image")


class Site:
    """The news center on a given day: a pure function of its parameters."""

    def __init__(
        self,
        articles: int = 60,
        day: int = 1,
        seed: int = 1,
        page_size: int = 10,
        new_per_day: int = 6,
        corrections: bool = False,
    ) -> None:
        if articles < 1 or day < 1 or page_size < 1 or new_per_day < 0:
            raise ValueError("articles, day and page_size must be >= 1, new_per_day >= 0")
        self.day1_articles = articles
        self.day = day
        self.seed = seed
        self.page_size = page_size
        self.new_per_day = new_per_day
        # With corrections, each day after the first appends a correction to the newest article of
        # the day before it (an edit that only a refresh of recent articles can notice).
        self.corrections = corrections
        self.total = articles + (day - 1) * new_per_day
        n = articles
        self.specials: dict[int, str] = {}
        for offset, name in ((2, "mirror"), (3, "cross"), (4, "missing"), (5, "heal500")):
            if n - offset >= 0:
                self.specials[n - offset] = name
        # Ids grow across the whole site, with gaps (ids used elsewhere on the site).
        rng = random.Random(f"ids:{seed}")
        self.ids: list[int] = []
        next_id = FIRST_ID
        for _ in range(self.total):
            if rng.random() < 0.06:
                next_id += rng.randint(1, 3)
            self.ids.append(next_id)
            next_id += 1
        self.index_of_id = {article_id: i for i, article_id in enumerate(self.ids)}
        # Each channel's listing, newest first (the cross-listed article appears in two).
        self.listings: dict[str, list[int]] = {c.slug: [] for c in CHANNELS}
        for i in range(self.total - 1, -1, -1):
            for c in self._channels_of(i):
                self.listings[c.slug].append(i)

    # --- structure -------------------------------------------------------------------------

    def _channels_of(self, i: int) -> tuple[Channel, ...]:
        special = self.specials.get(i)
        if special == "mirror":
            return (CHANNELS[0],)
        if special == "cross":
            return (CHANNELS[0], CHANNELS[1])
        return (CHANNELS[CHANNEL_CYCLE[i % 10]],)

    def date_of(self, i: int) -> dt.date:
        if i < self.day1_articles:
            return BASE_DATE - dt.timedelta(days=(self.day1_articles - 1 - i) // PER_DATE)
        return BASE_DATE + dt.timedelta(days=1 + (i - self.day1_articles) // max(1, self.new_per_day))

    @cached_property
    def disallowed_path(self) -> str:
        return f"{DISALLOWED_PREFIX}{BASE_DATE.isoformat()}/{self.ids[-1] + 7}.html"

    def pages_of(self, channel: Channel) -> int:
        return max(1, -(-len(self.listings[channel.slug]) // self.page_size))

    def article(self, i: int) -> ReplicaArticle:
        """Build article ``i`` (content is a pure function of seed and id)."""
        channels = self._channels_of(i)
        a = ReplicaArticle(
            index=i,
            id=self.ids[i],
            channel=channels[0],
            date=self.date_of(i),
            extra_channels=channels[1:],
            special=self.specials.get(i),
        )
        if a.special == "mirror":
            _fill_from_seed(a)
            return a
        rng = random.Random(f"article:{self.seed}:{a.id}")
        place, topic = rng.choice(corpus.PLACES), rng.choice(corpus.TOPICS)
        a.title = f"{place}{topic}{rng.choice(corpus.ACTIONS)}"
        a.source = None if i % 11 == 5 else rng.choice(corpus.SOURCES)
        if i % 7 != 3:
            a.authors = [_name(rng) for _ in range(2 if i % 5 == 2 else 1)]
        a.editor = None if i % 6 == 4 else _name(rng)
        a.time = f"{8 + i % 10:02d}:{(i * 7) % 60:02d}" if i % 3 == 0 else None
        a.keywords = [] if i % 5 == 0 else rng.sample(corpus.KEYWORDS, 3)
        a.breadcrumb = ["新闻中心", "新闻中心", "正文"] if a.template == "old" else ["新闻中心", a.channel.name, "正文"]

        def sentence() -> str:
            return rng.choice(corpus.SENTENCES).format(
                place=place,
                topic=topic,
                n=rng.randint(2, 90),
                m=rng.randint(3, 500),
                p=rng.randint(5, 99),
                d=rng.randint(2, 30),
            )

        paras = [Paragraph("text", sentence() + sentence()) for _ in range(rng.randint(2, 5))]
        if i % 3 == 1:
            paras.insert(1, Paragraph("subhead", rng.choice(corpus.SUBHEADINGS)))
        if i % 4 == 2:
            for k in range(1 + (i % 8 == 2)):
                src = f"/uploads/{a.date:%Y%m}/{a.id}_{k + 1}.jpg"
                paras.insert(k * 2, Paragraph("image", src=src))
                paras.insert(k * 2 + 1, Paragraph("caption", rng.choice(corpus.CAPTIONS).format(name=_name(rng))))
        for day in range(2, self.day + 1) if self.corrections else ():
            if i == self.newest_of_day(day - 1):
                paras.append(Paragraph("text", f"（更正：本文第{day - 1}段数据已于次日更新。）"))
        a.paragraphs = paras
        return a

    def newest_of_day(self, day: int) -> int:
        """Index of the newest article published on ``day`` (day 1: the newest day-1 article)."""
        return self.day1_articles - 1 + (day - 1) * self.new_per_day

    def articles(self) -> list[ReplicaArticle]:
        return [self.article(i) for i in range(self.total)]

    # --- truth -------------------------------------------------------------------------------

    def truth(self, base_url: str) -> list[dict[str, Any]]:
        """The records a correct crawl of this site must export (all but ``html``), by article id."""
        base_url = base_url.rstrip("/")
        out = []
        for i in range(self.total):
            a = self.article(i)
            if a.special == "missing":
                continue
            text = a.text
            record: dict[str, Any] = {
                "url": base_url + a.path(),
                "article_id": str(a.id),
                "channel": a.channel.slug,
                "breadcrumb": a.breadcrumb,
                "title": a.title,
                "source": a.source,
                "authors": a.authors,
                "editor": a.editor,
                "published_date": a.date.isoformat(),
                "published_at": f"{a.date.isoformat()}T{a.time}:00+08:00" if a.time and a.date_on_page else None,
                "keywords": a.keywords,
                "text": text,
                "images": [
                    {
                        "url": base_url + p.src,
                        "caption": a.paragraphs[k + 1].text
                        if k + 1 < len(a.paragraphs) and a.paragraphs[k + 1].kind == "caption"
                        else None,
                    }
                    for k, p in enumerate(a.paragraphs)
                    if p.kind == "image"
                ],
                "content_hash": hashlib.sha256(f"{a.title}\n{text}".encode()).hexdigest(),
                "rendering": "mirror" if a.special == "mirror" else "original",
                "urls": sorted(base_url + a.path(c) for c in a.channels),
            }
            assert set(record) == (set(ARTICLE_FIELDS) - {"html"}) | {"urls"}
            out.append(record)
        return out

    # --- rendering ---------------------------------------------------------------------------

    def render_home(self) -> str:
        return _page("武进新闻网", "utf-8", _nav() + '<div class="main"><p>武进新闻网首页</p></div>')

    def render_news_index(self) -> str:
        blocks = []
        for c in CHANNELS:
            latest = "".join(
                f'<li><a href="{self.article(i).path()}">{html.escape(self.article(i).title)}</a></li>'
                for i in self.listings[c.slug][:3]
            )
            blocks.append(f'<div class="block"><h2><a href="/news/{c.slug}/">{c.name}</a></h2><ul>{latest}</ul></div>')
        return _page("新闻中心_武进新闻网", "utf-8", _nav() + f'<div class="channel-list">{"".join(blocks)}</div>')

    def render_listing(self, channel: Channel, n: int, host: str) -> str | None:
        """Listing page ``n`` of ``channel``, or None when there is no such page."""
        pages = self.pages_of(channel)
        if not 1 <= n <= pages:
            return None
        items = []
        for i in self.listings[channel.slug][(n - 1) * self.page_size : n * self.page_size]:
            a = self.article(i)
            path = a.path(channel)
            style = i % 3
            href = (
                path
                if style == 0
                else path.removeprefix(f"/news/{channel.slug}/")
                if style == 1
                else f"http://{host}{path}"
            )
            if i % 4 == 3:
                href += "?from=list"
            items.append(
                f'<li><a href="{href}" target="_blank">{html.escape(a.title)}</a><span>{a.date.isoformat()}</span></li>'
            )
        if n == 1 and channel.slug == "jinriyaowen":
            items.append(f'<li><a href="{self.disallowed_path}">内部稿件</a><span></span></li>')
        if n == 1 and channel.slug == "zhenquxinwen":
            items.append(
                f'<li><a href="http://{OFFSITE_HOST}/news/jinriyaowen/2025-01-22/900001.html">'
                "常州新闻</a><span></span></li>"
            )
        links = [f'<a href="{channel.page_href(1)}">首页</a>']
        if n > 1:
            links.append(f'<a href="{channel.page_href(n - 1)}">{html.escape(channel.prev_text)}</a>')
        links += [
            f'<a href="{channel.page_href(k)}">{k}</a>' if k != n else f"<span>{k}</span>"
            for k in range(max(1, n - 2), min(pages, n + 2) + 1)
        ]
        if n < pages:
            links.append(f'<a href="{channel.page_href(n + 1)}">{html.escape(channel.next_text)}</a>')
        elif channel.last_links_to_self:
            links.append(f'<a href="{channel.page_href(n)}">{html.escape(channel.next_text)}</a>')
        links.append(f'<a href="{channel.page_href(pages)}">{"尾页" if channel.next_text != ">" else "&gt;&gt;"}</a>')
        body = (
            _nav() + f'<div class="position">您当前的位置 : <a href="/">首页</a> &gt; '
            f'<a href="/news/">新闻中心</a> &gt; {channel.name}</div>'
            f'<div class="list"><ul>{"".join(items)}</ul></div>'
            f'<div class="pages">{"&nbsp;".join(links)}</div>'
        )
        return _page(f"{channel.name}_武进新闻网", channel.meta_charset, body)

    def render_article(self, a: ReplicaArticle) -> str:
        if a.special == "mirror":
            return _render_mirror(a)
        return _render_old(a) if a.template == "old" else _render_new(a)


def _name(rng: random.Random) -> str:
    return rng.choice(corpus.SURNAMES) + rng.choice(corpus.GIVEN)


def _nav() -> str:
    links = ['<a href="/">首页</a>', '<a href="/news/">新闻中心</a>']
    links += [f'<a href="/news/{c.slug}/">{c.name}</a>' for c in CHANNELS if c.in_home_nav]
    links += ['<a href="/video/">视频</a>', f'<a href="http://{OFFSITE_HOST}/">中国常州网</a>']
    return f'<div class="navtable"><div>{"".join(links)}</div></div>'


def _meta(charset: str) -> str:
    if charset == "utf-8":
        return '<meta charset="utf-8">'
    return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'


def _page(title: str, charset: str, body: str, keywords: str = "") -> str:
    return (
        f"<!DOCTYPE html>\n<html><head>{_meta(charset)}<title>{html.escape(title)}</title>"
        f'<meta name="keywords" content="{html.escape(keywords)}"></head>\n<body>\n{body}\n'
        '<div class="footer">苏ICP备10099057号-3 版权所有 武进区融媒体中心</div>\n</body></html>\n'
    )


def _colon(a: ReplicaArticle) -> str:
    return "：" if a.index % 2 == 0 else ":"


def _keywords(a: ReplicaArticle) -> str:
    return ("，" if a.index % 3 == 0 else ",").join(a.keywords)


def _body_html(a: ReplicaArticle, indent: str) -> str:
    parts = []
    for k, p in enumerate(a.paragraphs):
        if p.kind == "image":
            handler = ' onclick="window.open(this.src)"' if a.index % 9 == 8 else ""
            parts.append(f'<p style="text-align:center"><img src="{p.src}" border="0"{handler}></p>')
        elif p.kind == "caption":
            parts.append(f'<p style="text-align:center">{html.escape(p.text)}</p>')
        elif p.kind == "subhead":
            parts.append(f"<p><strong>{indent}{html.escape(p.text)}</strong></p>")
        else:
            parts.append(f"<p>{indent}{html.escape(p.text)}</p>")
        if k == 0 and a.index % 9 == 8:
            parts.append(
                '<script type="text/javascript">document.write("<p>广告</p>");</script><style>.ad{display:none}</style>'
            )
    return "\n".join(parts)


def _editor_line(a: ReplicaArticle) -> str:
    return f"<p>责编{_colon(a)}{html.escape(a.editor)}</p>" if a.editor else ""


def _breadcrumb_html(a: ReplicaArticle) -> str:
    crumbs = "&nbsp;&gt;&nbsp;".join(f'<a href="/news/">{c}</a>' if c != "正文" else c for c in a.breadcrumb)
    return f'<div class="position">您当前的位置 :&nbsp;&gt;&nbsp;{crumbs}</div>'


def _render_old(a: ReplicaArticle) -> str:
    c = _colon(a)
    fields = []
    if a.source is not None:
        fields.append(f"来源{c}{html.escape(a.source)}")
    if a.index % 7 == 3:
        fields.append(f"作者{c}" if a.index % 14 == 3 else "")  # an empty author label, or none at all
    else:
        fields.append(f"作者{c}{html.escape(' '.join(a.authors) if a.index % 4 else '、'.join(a.authors))}")
    if a.date_on_page:
        fields.append(f"日期{c}{a.date.isoformat()}" + (f" {a.time}" if a.time else ""))
    meta = " ".join(f for f in fields if f)
    if a.index % 4 != 1:
        meta += f"&nbsp;&nbsp;报料热线{c}86050111"
    body = (
        _nav() + _breadcrumb_html(a) + f'\n<div class="heading">{html.escape(a.title)}</div>\n'
        f'<div class="source"><span>{meta}</span><span class="share">分享到：</span></div>\n'
        f'<div id="Zoom">\n{_body_html(a, "　　")}\n</div>\n'
        f'<div class="foot-title">{html.escape(a.title)}</div>\n{_editor_line(a)}'
    )
    return _page(f"{a.title}_武进新闻网", a.channel.meta_charset, body, _keywords(a))


def _render_new(a: ReplicaArticle) -> str:
    c = _colon(a)
    spans = [f'<span class="date">{a.date.isoformat()}{" " + a.time if a.time else ""}</span>']
    if not a.date_on_page:
        spans = []
    if a.source is not None:
        spans.append(f'<span>来源{c}<a href="/" target="_blank">{html.escape(a.source)}</a></span>')
    if a.authors:
        sep = ("、", "，", "/", " ")[a.index % 4]
        spans.append(f"<span>作者{c}{html.escape(sep.join(a.authors))}</span>")
    elif a.index % 14 == 3:
        spans.append(f"<span>作者{c}</span>")
    shift = a.index % len(spans) if spans else 0
    spans = spans[shift:] + spans[:shift]
    body = (
        _nav() + _breadcrumb_html(a) + f'\n<h1 class="title">{html.escape(a.title)}</h1>\n'
        f'<div class="author">{"".join(spans)}</div>\n'
        f'<div id="zoom">\n{_body_html(a, "")}\n</div>\n{_editor_line(a)}'
    )
    return _page(f"{a.title}_武进新闻网", a.channel.meta_charset, body, _keywords(a))


# --- the mirror rendering: the captured seed page, as the mirror served it ----------------------


def _seed_lines(name: str) -> list[str]:
    text = resources.files("wjcrawl.replica").joinpath("data", name).read_text(encoding="utf-8")
    return text.split("\n")


def _seed_parts(lines: list[str]) -> tuple[str, str, list[str], str]:
    """(title, meta line, body paragraphs, editor line) of a seed text file."""
    title, meta = lines[3], lines[4]
    end = next(k for k in range(6, len(lines)) if lines[k].strip() == title.strip())
    paragraphs = [ln.strip() for ln in lines[5:end] if ln.strip()]
    editor = next(ln for ln in lines[end:] if ln.strip())
    editor = next(ln for ln in lines[end + 1 :] if ln.strip()) if editor.strip() == title.strip() else editor
    return title, meta, paragraphs, editor


def _fill_from_seed(a: ReplicaArticle) -> None:
    """The seed article's expected fields come from its simplified original (checked by hand)."""
    title, _meta_line, paragraphs, editor = _seed_parts(_seed_lines("seed-original.txt"))
    a.title = title
    a.source, a.authors, a.editor = "武进日报", ["何新雨"], editor.split("：", 1)[1].strip()
    a.keywords = []
    a.breadcrumb = ["新闻中心", "新闻中心", "正文"]
    a.paragraphs = [Paragraph("text", p) for p in paragraphs]


def _render_mirror(a: ReplicaArticle) -> str:
    lines = _seed_lines("seed-mirror.txt")
    title, meta, paragraphs, editor = _seed_parts(lines)
    crumbs = lines[2].split(":", 1)[1].replace("\xa0", "&nbsp;")
    body = (
        f'<div class="weather">{html.escape(lines[0])}</div>\n'
        f'<div class="position">{html.escape(lines[2].split(":", 1)[0])}:{crumbs}</div>\n'
        f'<div class="heading">{html.escape(title)}</div>\n'
        f'<div class="source"><span>{html.escape(meta)}</span></div>\n<div id="Zoom">\n'
        + "\n".join(f"<p>　　{html.escape(p)}</p>" for p in paragraphs)
        + f'\n</div>\n<div class="foot-title">{html.escape(title)}</div>\n<p>{html.escape(editor)}</p>'
    )
    return _page(f"{title}_武進(jìn)新聞網(wǎng)", "utf-8", body)
