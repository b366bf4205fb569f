"""URL helpers: one canonical form per article, and the facts an article URL carries (id, channel, date).

The same article is reachable as http/https, with tracking query strings (``?from=list``) and with
an upper-case host; a canonical form makes those one key. The site's article URLs are
``/news/<channel>/<YYYY-MM-DD>/<id>.html`` (public crawler configs match ``/\\d{4}-\\d{2}-\\d{2}/\\d+\\.s?html?``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

ARTICLE_PATH_RE = re.compile(r"/(\d{4}-\d{2}-\d{2})/(\d+)\.s?html?$", re.IGNORECASE)
ARTICLE_ID_RE = re.compile(r"/(\d+)\.s?html?$", re.IGNORECASE)
CHANNEL_RE = re.compile(r"/news/([^/?#]+)/")
# A channel index: /news/<slug>/ or /news/<slug>/index.html (page 1 of the channel's listing).
CHANNEL_INDEX_RE = re.compile(r"^/news/([A-Za-z0-9_-]+)/(?:index\.s?html?)?$", re.IGNORECASE)
DEFAULT_PORTS = {"http": "80", "https": "443"}


@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The one spelling of ``url`` used as a key: lower-case scheme and host, no default port,
    no query string, no fragment, path percent-encoded as w3lib does (idempotent).

    Cached: a crawl asks for the same URL several times (the listing's link, the response, the raw
    page, the record) and for the same navigation links on every listing page; w3lib's
    canonicalisation is the expensive part."""
    url = url.strip()
    with contextlib.suppress(ValueError, UnicodeError):  # w3lib rejects some malformed URLs: keep them
        url = canonicalize_url(url, keep_fragments=False)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("#", 1)[0].split("?", 1)[0]
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    userinfo, _, hostport = netloc.rpartition("@")
    hostport = hostport.lower()
    default_port = DEFAULT_PORTS.get(scheme)
    if hostport.endswith(":"):
        hostport = hostport[:-1]
    elif default_port and hostport.endswith(":" + default_port):
        hostport = hostport[: -len(default_port) - 1]
    netloc = f"{userinfo}@{hostport}" if userinfo else hostport
    path = parts.path or ("/" if netloc else "")
    return urlunsplit((scheme, netloc, path, "", ""))


def resolve_link(base: str, href: str | None) -> str | None:
    """``href`` made absolute against ``base``; None for empty, fragment-only, script, data and mail links
    and for links that do not parse (``http://[``)."""
    if not href:
        return None
    href = href.strip()
    if not href or href.lower().startswith(("javascript:", "vbscript:", "data:", "mailto:", "#")):
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def _path(url: str) -> str:
    """The path of ``url`` (the whole string for a bare path), never raising."""
    try:
        return urlsplit(url.strip()).path
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]


def is_article_url(url: str) -> bool:
    """True when ``url``'s path has the article shape ``/<YYYY-MM-DD>/<id>.html`` (any host)."""
    return ARTICLE_PATH_RE.search(_path(url)) is not None


def article_id_from_url(url: str) -> str | None:
    """The numeric article id: the file name of the path (``27038`` of ``.../27038.html``)."""
    m = ARTICLE_ID_RE.search(_path(url))
    return m.group(1) if m else None


def channel_from_url(url: str) -> str | None:
    """The channel slug after ``/news/`` (``jinriyaowen``), or None outside the news center."""
    m = CHANNEL_RE.search(_path(url))
    return m.group(1) if m else None


def date_from_url(url: str) -> str | None:
    """The ``YYYY-MM-DD`` folder of an article URL, or None when absent or not a real date."""
    m = ARTICLE_PATH_RE.search(_path(url))
    if not m:
        return None
    try:
        return dt.date.fromisoformat(m.group(1)).isoformat()
    except ValueError:
        return None


def channel_index_url(url: str) -> str | None:
    """The canonical ``.../news/<slug>/`` when ``url`` is a channel's index page, else None."""
    canon = canonical_url(url)
    try:
        parts = urlsplit(canon)
    except ValueError:
        return None
    m = CHANNEL_INDEX_RE.match(parts.path)
    if not m or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"/news/{m.group(1)}/", "", ""))
