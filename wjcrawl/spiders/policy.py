"""What an incremental run fetches: pure decisions over the crawl state loaded once at the start.

A re-run costs the publisher only what is new: an article already stored (by site article id, which
every article URL carries) is never downloaded again, a failure that is backing off counts as
known, and a channel's listing is walked only while its pages hold nothing but new articles
(listings are newest first, so the first known article means the rest is known too).

That shortcut is only sound when the archive is complete up to its newest article, so the first
run, the run after one that did not finish (killed, interrupted, a listing page failed) and
``--full`` walk every listing page; they still download only the articles not yet stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wjcrawl.parsing import article_id_from_url, date_from_url
from wjcrawl.store import SHANGHAI, CrawlState


@dataclass
class FetchPolicy:
    """Decides, per article link, whether this run requests it, and whether to page further."""

    host: str
    state: CrawlState = field(default_factory=CrawlState)
    full: bool = False  # walk every listing page (first run, after an unfinished run, or --full)
    refresh_since: str | None = None  # "YYYY-MM-DD": re-fetch known articles published on or after

    @classmethod
    def build(
        cls, host: str, state: CrawlState, full: bool, refresh_days: int | None, today: dt.date | None = None
    ) -> FetchPolicy:
        today = today or dt.datetime.now(SHANGHAI).date()
        since = (today - dt.timedelta(days=refresh_days - 1)).isoformat() if refresh_days else None
        return cls(host=host, state=state, full=full or state.empty or state.last_run_unfinished, refresh_since=since)

    def on_site(self, url: str) -> bool:
        return (urlsplit(url).hostname or "") == self.host

    def known(self, url: str) -> bool:
        """Stored already, or failed and not yet due for a retry."""
        return (
            article_id_from_url(url) in self.state.known_ids
            or url in self.state.waiting_failures
            or url in self.state.due_failures
        )

    def in_refresh_window(self, url: str) -> bool:
        published = date_from_url(url)
        return bool(self.refresh_since and published and published >= self.refresh_since)

    def wants(self, url: str) -> bool:
        """Request this article link in this run?"""
        if not self.on_site(url) or url in self.state.waiting_failures:
            return False
        if url in self.state.due_failures:
            return True
        return article_id_from_url(url) not in self.state.known_ids or self.in_refresh_window(url)

    def new_alias(self, url: str) -> bool:
        """A stored article linked under a URL the archive has not recorded (another channel's path)."""
        return (
            self.on_site(url) and url not in self.state.known_urls and article_id_from_url(url) in self.state.known_ids
        )

    def keep_paging(self, urls: list[str]) -> bool:
        """Follow the next listing page? Always in a full run; else only while every link here is new."""
        if self.full:
            return True
        on_site = [u for u in urls if self.on_site(u)]
        return bool(on_site) and (
            not any(self.known(u) for u in on_site) or any(self.in_refresh_window(u) for u in on_site)
        )
