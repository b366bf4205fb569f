"""Scrapy settings for wjcrawl: the only module that reads the environment.

Grouped by what uses them. Every ``WJCRAWL_*`` variable is listed in README.md; the CLI's flags
override these per run (``--db``, ``--base-url``, ``--quiet``), and so does ``scrapy crawl -s``.
"""

from __future__ import annotations

import os

from wjcrawl import __version__
from wjcrawl.records import ARTICLE_FIELDS


def _env_bool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


BOT_NAME = "wjcrawl"
SPIDER_MODULES = ["wjcrawl.spiders"]
NEWSPIDER_MODULE = "wjcrawl.spiders"

# --- What to crawl (spiders/news.py) -----------------------------------------------------------
WJCRAWL_BASE_URL = os.getenv("WJCRAWL_BASE_URL", "http://www.wj001.com")
# Comma-separated channel slugs to crawl instead of discovering them (spider arg `channel` too).
WJCRAWL_CHANNELS = [c for c in os.getenv("WJCRAWL_CHANNELS", "").split(",") if c.strip()]

# --- Where it goes (pipelines.StorePipeline, the CLI) ------------------------------------------
WJCRAWL_DATABASE_URL = os.getenv("WJCRAWL_DATABASE_URL", "sqlite:///wjcrawl.db")
# Articles per transaction: a killed crawl loses at most one open batch.
WJCRAWL_BATCH_SIZE = int(os.getenv("WJCRAWL_BATCH_SIZE", "100"))

# --- One run at a time (cli.py takes the lock; extensions.LockHeartbeat keeps it fresh) ----------
# Exit code of a run that finds another one running: 0 keeps cron quiet; set non-zero to be told.
WJCRAWL_LOCKED_EXIT_CODE = int(os.getenv("WJCRAWL_LOCKED_EXIT_CODE", "0"))
# A lock whose holder has not sent a heartbeat for this many seconds is stale and taken over (a
# holder on this host whose process is gone is stale at once).
WJCRAWL_LOCK_STALE_AFTER = float(os.getenv("WJCRAWL_LOCK_STALE_AFTER", "600"))
WJCRAWL_LOCK_HEARTBEAT = 60.0  # seconds between heartbeats

# --- Politeness (Scrapy's downloader) ----------------------------------------------------------
USER_AGENT = os.getenv(
    "WJCRAWL_USER_AGENT",
    f"wjcrawl/{__version__} (+https://github.com/wjcrawl/wjcrawl; news archive crawler)",
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = int(os.getenv("WJCRAWL_CONCURRENCY", "2"))
DOWNLOAD_DELAY = float(os.getenv("WJCRAWL_DOWNLOAD_DELAY", "1.0"))
AUTOTHROTTLE_ENABLED = _env_bool("WJCRAWL_AUTOTHROTTLE", True)
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Against a loopback base URL (the replica) the spider turns delay and AutoThrottle off, unless
# either was set in the environment: test and demo crawls are not slowed, the real site always is.
WJCRAWL_LOOPBACK_FAST = _env_bool(
    "WJCRAWL_LOOPBACK_FAST",
    not any(k in os.environ for k in ("WJCRAWL_DOWNLOAD_DELAY", "WJCRAWL_AUTOTHROTTLE")),
)
DOWNLOAD_TIMEOUT = int(os.getenv("WJCRAWL_DOWNLOAD_TIMEOUT", "30"))
# An article page is ~10-100 KB; a response beyond this is cut off and recorded as a failure.
DOWNLOAD_MAXSIZE = int(os.getenv("WJCRAWL_DOWNLOAD_MAXSIZE", str(8 * 1024 * 1024)))
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_TIMES = 2
# Items per response processed in parallel: the pipelines are synchronous, so parallelism buys
# nothing, and Scrapy starts this many worker tasks for *every* response (100 by default: about half
# a millisecond of task set-up and extra garbage collection per page).
CONCURRENT_ITEMS = 1
# Scrapy re-reads and parses a generator callback's source whenever its weak cache loses the bound
# method (hundreds of times per crawl); wjcrawl's callbacks return no values from generators.
WARN_ON_GENERATOR_RETURN_VALUE = False
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- Pipelines: the order matters ----------------------------------------------------------------
# Validate first so nothing incomplete is normalized or stored; normalize before deduplicating so
# ids compare in one form; deduplicate before storing so a second URL becomes an alias, not a row.
ITEM_PIPELINES = {
    "wjcrawl.pipelines.ValidatePipeline": 100,
    "wjcrawl.pipelines.NormalizePipeline": 200,
    "wjcrawl.pipelines.DeduplicatePipeline": 300,
    "wjcrawl.pipelines.StorePipeline": 400,
}

# --- Extensions ------------------------------------------------------------------------------------
EXTENSIONS = {
    "wjcrawl.extensions.ProgressReporter": 500,
    "wjcrawl.extensions.LockHeartbeat": 510,
    "wjcrawl.extensions.LayoutWatch": 520,
}
# LayoutWatch: alert when a known channel's listing has no links, or when more than this share of
# at least WJCRAWL_LAYOUT_MIN_PAGES article pages fail extraction; `wjcrawl crawl` then exits with
# WJCRAWL_LAYOUT_EXIT_CODE so cron mails someone.
WJCRAWL_LAYOUT_FAILURE_RATIO = float(os.getenv("WJCRAWL_LAYOUT_FAILURE_RATIO", "0.5"))
WJCRAWL_LAYOUT_MIN_PAGES = int(os.getenv("WJCRAWL_LAYOUT_MIN_PAGES", "5"))
WJCRAWL_LAYOUT_EXIT_CODE = int(os.getenv("WJCRAWL_LAYOUT_EXIT_CODE", "3"))
# Seconds between progress lines on stderr (0 turns them off; the CLI's --quiet does).
WJCRAWL_PROGRESS_INTERVAL = float(os.getenv("WJCRAWL_PROGRESS_INTERVAL", "5"))

# --- Feeds (`scrapy crawl news -O out.jsonl`): the archive's record fields, never the raw page ----
FEED_EXPORT_FIELDS = [*ARTICLE_FIELDS, "urls"]
FEED_EXPORT_ENCODING = "utf-8"

# --- Logging ---------------------------------------------------------------------------------------
LOG_LEVEL = os.getenv("WJCRAWL_LOG_LEVEL", "INFO")
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
