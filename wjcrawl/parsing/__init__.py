"""Pure page parsing: bytes + URL + Content-Type in, typed records out (no engine, no database, no settings)."""

from wjcrawl.parsing.article import normalize_article, parse_article, parse_response
from wjcrawl.parsing.charset import decode_page
from wjcrawl.parsing.dates import parse_date
from wjcrawl.parsing.listing import ListingPage, parse_listing
from wjcrawl.parsing.mirror import is_mirror, normalize_punctuation, strip_pinyin, to_simplified
from wjcrawl.parsing.urls import (
    article_id_from_url,
    canonical_url,
    channel_from_url,
    date_from_url,
    is_article_url,
    resolve_link,
)

__all__ = [
    "ListingPage",
    "article_id_from_url",
    "canonical_url",
    "channel_from_url",
    "date_from_url",
    "decode_page",
    "is_article_url",
    "is_mirror",
    "normalize_article",
    "normalize_punctuation",
    "parse_article",
    "parse_date",
    "parse_listing",
    "parse_response",
    "resolve_link",
    "strip_pinyin",
    "to_simplified",
]
