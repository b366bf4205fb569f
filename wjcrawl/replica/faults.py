"""Server and network faults the replica can inject (``wjcrawl replica --faults MODE,…``).

Each article fault hits one of the current day's newest articles (one article per mode, in the
order of ``FAULT_MODES``), so a test can first archive day D-1 cleanly, then crawl day D with
faults and check that nothing stored before changed. ``listing-layout`` empties the first listing
page of one channel; ``article-layout`` strips title and body from every article page.
"""

from __future__ import annotations

import random

from wjcrawl.replica.site import CHANNEL_BY_SLUG, OFFSITE_HOST, Site

HEAL_AFTER = 3  # "-heal" faults fail this many requests for a path (more than Scrapy's 2 retries), then heal

FAULT_MODES: tuple[str, ...] = (
    "500-heal",  # 500 three times (the crawl's retries all fail), then 200: the next run heals it
    "502-heal",
    "503-permanent",
    "reset",  # the connection is closed without an answer
    "timeout",  # headers, then nothing for a long time
    "drip",  # a body sent a few bytes at a time, slowly, but complete
    "truncated",  # Content-Length promises more than is sent
    "garbage",  # random bytes served as text/html
    "empty",  # 200 with an empty body
    "wrong-charset",  # a GBK body declared as UTF-8 in header and meta
    "huge",  # a body beyond any sane DOWNLOAD_MAXSIZE
    "redirect-loop",
    "redirect-offsite",
    "listing-layout",  # a channel's first listing page with no article links and no pagination
    "article-layout",  # every article page without title and body
)
ARTICLE_FAULTS = tuple(m for m in FAULT_MODES if not m.endswith("-layout"))  # one article page each
LAYOUT_CHANNEL = "zhenquxinwen"


def parse_modes(text: str) -> list[str]:
    """``MODE,MODE`` or ``all`` → modes; unknown names are a ValueError naming the known ones."""
    modes = list(FAULT_MODES) if text.strip() == "all" else [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in modes if m not in FAULT_MODES]
    if unknown:
        raise ValueError(f"unknown fault mode {unknown[0]!r}; known: {', '.join(FAULT_MODES)}, all")
    return modes


def article_targets(site: Site, modes: list[str]) -> dict[str, str]:
    """Path → fault for the article faults: the newest articles, skipping the replica's own specials."""
    wanted = [m for m in ARTICLE_FAULTS if m in modes]
    # A generator: only as many articles are built as there are faults (none without --faults).
    candidates = (i for i in range(site.total - 1, -1, -1) if site.article(i).special is None)
    return {site.article(i).path(): mode for mode, i in zip(wanted, candidates, strict=False)}


def garbage(path: str) -> bytes:
    return random.Random(path).randbytes(4096)


def huge_page() -> bytes:
    return b"<html><body>" + b"<p>" + b"x" * (20 * 1024 * 1024) + b"</p></body></html>"


def offsite_location(path: str) -> str:
    return f"http://{OFFSITE_HOST}{path}"


def strip_layout(page: bytes) -> bytes:
    """An article page after a redesign the parser does not know: no title, no body container.

    Works on the bytes as served (the markers are ASCII in UTF-8 and GBK alike)."""
    for old, new in (
        (b'class="heading"', b'class="hd-x"'),
        (b'class="title"', b'class="tt-x"'),
        (b'id="Zoom"', b'id="content-x"'),
        (b'id="zoom"', b'id="content-x"'),
    ):
        page = page.replace(old, new)
    return page


def empty_listing(page: bytes) -> bytes:
    """A listing page whose list and pagination are gone (the markers are ASCII in any charset)."""
    start, end = page.index(b'<div class="list">'), page.index(b"</body>")
    return page[:start] + b'<div class="list-x">coming soon</div>' + page[end:]


def layout_channel_first_page() -> str:
    return CHANNEL_BY_SLUG[LAYOUT_CHANNEL].page_path(1)
