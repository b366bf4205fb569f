"""The one record type that carries an article from the parser to the store and the export.

Its field names are the export's field names and the database's column names: one vocabulary
for archivists, operators and the code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Image:
    """An image in an article body: absolute URL and the caption paragraph after it (or None)."""

    url: str
    caption: str | None = None


@dataclass
class Article:
    """An article as extracted from one page, normalized to simplified Chinese."""

    url: str
    article_id: str
    channel: str
    title: str
    text: str
    html: str
    content_hash: str
    rendering: str = "original"  # "original" or "mirror"
    breadcrumb: list[str] = field(default_factory=list)
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    published_date: str | None = None  # "YYYY-MM-DD"
    published_at: str | None = None  # "YYYY-MM-DDTHH:MM:SS+08:00" when the page gives a time
    keywords: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Field names in export order; the replica's truth files and docs/article.schema.json use them too.
ARTICLE_FIELDS: tuple[str, ...] = (
    "url",
    "article_id",
    "channel",
    "breadcrumb",
    "title",
    "source",
    "authors",
    "editor",
    "published_date",
    "published_at",
    "keywords",
    "text",
    "html",
    "images",
    "content_hash",
    "rendering",
)
