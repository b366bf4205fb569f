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


@dataclass
class RawPage:
    """A response as received, kept byte for byte so any article can be re-parsed later."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str  # ISO 8601, UTC


@dataclass
class ArticleItem(Article):
    """What the spider yields and the pipelines pass on: an article plus where and how it was fetched.

    ``page`` never reaches a feed export (``FEED_EXPORT_FIELDS``); ``alias`` is set by the
    deduplication pipeline when this article id was already seen in the run under another URL.
    """

    urls: list[str] = field(default_factory=list)
    page: RawPage | None = None
    alias: bool = False

    @classmethod
    def from_article(cls, article: Article, page: RawPage | None = None) -> ArticleItem:
        return cls(**{k: getattr(article, k) for k in ARTICLE_FIELDS}, urls=[article.url], page=page)

    def record(self) -> dict[str, Any]:
        """The article's exported fields only (no page, no alias flag)."""
        out = {k: getattr(self, k) for k in ARTICLE_FIELDS}
        out["images"] = [asdict(i) if isinstance(i, Image) else dict(i) for i in self.images]
        return out


@dataclass
class FailedPage:
    """A page that could not be turned into an article: logged, counted and recorded, never fatal."""

    url: str
    reason: str
    status: int | None = None
    page: RawPage | None = None


@dataclass
class SeenUrl:
    """A listing linked a stored article under a URL not yet recorded: an alias found without a download."""

    url: str
    article_id: str
    channel: str
