"""Article page → ``Article`` record: pure, from bytes + URL + Content-Type, for both templates of the
site and for the mirror rendering.

Every field the page gives is read from the page (date from the meta line before the URL, labels
with ``：`` or ``:``, fields in any order); anything missing is None / [] rather than a guess. A page
that has no title or no body text is not an article (``NotAnArticle``); any other failure is a
``ParseError``, never a stray lxml or Unicode exception, so one odd page cannot stop a crawl.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from lxml import etree
from lxml import html as lxml_html
from lxml_html_clean import Cleaner

from wjcrawl.errors import NotAnArticle, ParseError
from wjcrawl.parsing.charset import decode
from wjcrawl.parsing.dates import parse_date
from wjcrawl.parsing.mirror import convert_mirror_text, is_mirror, strip_pinyin
from wjcrawl.parsing.urls import (
    article_id_from_url,
    canonical_url,
    channel_from_url,
    date_from_url,
    resolve_link,
)
from wjcrawl.records import Article, Image

# --- page structure (SITE.md: old template div.heading / div.source / div#Zoom, new template
# h1.title / div.author / div#zoom) --------------------------------------------------------------


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


TITLE_XP = etree.XPath(f"(//div[{_has_class('heading')}] | //h1[{_has_class('title')}])[1]")
BODY_XP = etree.XPath("(//div[@id='Zoom' or @id='zoom'])[1]")
SOURCE_LINE_XP = etree.XPath(f"(//div[{_has_class('source')}])[1]")
AUTHOR_LINE_XP = etree.XPath(f"(//div[{_has_class('author')}])[1]")
POSITION_XP = etree.XPath(f"(//*[{_has_class('position')}])[1]")
POSITION_TEXT_XP = etree.XPath("(//*[contains(text(), '当前位置') or contains(text(), '当前的位置')])[1]")
KEYWORDS_XP = etree.XPath("//meta[translate(@name, 'KEYWORDS', 'keywords')='keywords']/@content")
BASE_HREF_XP = etree.XPath("//base/@href")
FOLLOWING_P_XP = etree.XPath("following::p")

# Tags whose content is never article text; block tags end a paragraph.
# fmt: off
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "applet", "head", "title", "select",
    "textarea", "button", "svg", "math", "map",
})
BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "table",
    "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "section", "article", "aside", "header", "footer",
    "figure", "figcaption", "center", "pre", "address", "hr", "form", "fieldset", "nav", "main",
})
# fmt: on

# --- text -------------------------------------------------------------------------------------

# Runs of whitespace (\s covers the full-width space \u3000 and nbsp) collapse to one space;
# zero-width characters go entirely (a space there would split a Chinese word).
WS_RE = re.compile(r"\s+")
ZERO_WIDTH_RE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
# Meta-line labels, with a full-width or half-width colon. LABEL_FIELDS maps a label to the field it
# fills; the others (报料热线, 点击...) only end the value before them and are dropped as noise.
LABEL_RE = re.compile(
    r"(来源|稿源|作者|记者|发布时间|发布日期|日期|时间|报料热线|热线|责编|责任编辑|编辑|点击|浏览|阅读)\s*[:：]"
)
LABEL_FIELDS = {
    "来源": "source",
    "稿源": "source",
    "作者": "authors",
    "记者": "authors",
    "发布时间": "date",
    "发布日期": "date",
    "日期": "date",
    "时间": "date",
}
AUTHOR_SPLIT_RE = re.compile(r"[\s、，,/／;；|]+")
KEYWORD_SPLIT_RE = re.compile(r"[\s,，、;；|]+")
EDITOR_RE = re.compile(r"^(?:责编|责任编辑)\s*[:：]?\s*(.*)$")
# An editor line can go on with another label (``责编：孙丽 审核：张三``): the value stops there.
NEXT_LABEL_RE = re.compile(r"\s+\S{1,6}[:：]")
POSITION_LABEL_RE = re.compile(r"^.*?位置\s*[:：]?")
CRUMB_SPLIT_RE = re.compile(r"[>›»]")
CENTER_RE = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
# A caption is the short (or centred) paragraph right after an image; a long paragraph is body text.
CAPTION_MAX_CHARS = 80

CLEANER = Cleaner(
    scripts=True,
    javascript=True,
    comments=True,
    style=True,
    inline_style=True,
    links=True,
    meta=True,
    page_structure=False,
    processing_instructions=True,
    embedded=True,
    frames=True,
    forms=True,
    annoying_tags=True,
    remove_unknown_tags=True,
    safe_attrs_only=True,
)

_local = threading.local()


def _parser() -> lxml_html.HTMLParser:
    """One HTML parser per thread: lxml parsers must not be shared between threads."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    return parser


def clean_text(text: str | None) -> str:
    """One line of text: whitespace runs (full-width indentation and nbsp included) as one space, stripped."""
    if not text:
        return ""
    text = ZERO_WIDTH_RE.sub("", text)
    return WS_RE.sub(" ", text).strip()


def _identity(text: str) -> str:
    return text


# --- documents --------------------------------------------------------------------------------


@dataclasses.dataclass
class Document:
    """A decoded, parsed page: the tree and how its bytes were read."""

    root: Any  # lxml.html.HtmlElement
    text: str
    encoding: str
    clean: bool  # False when no charset decoded the bytes without replacement
    base_url: str


def load_document(body: bytes, url: str, content_type: str | None = None) -> Document:
    """Decode ``body`` (see ``charset.decode``) and parse it with lxml; ``base_url`` honours ``<base>``."""
    text, encoding, clean = decode(body, content_type)
    data = text.encode("utf-8", "replace")
    try:
        root = lxml_html.document_fromstring(data, parser=_parser())
    except (etree.ParserError, ValueError) as exc:  # "Document is empty" and friends
        raise NotAnArticle(f"no HTML document in the page ({exc})") from exc
    if root is None:
        raise NotAnArticle("no HTML document in the page")
    base_url = url
    for href in BASE_HREF_XP(root)[:1]:
        base_url = resolve_link(url, str(href)) or url
    return Document(root=root, text=text, encoding=encoding, clean=clean, base_url=base_url)


# --- body -------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Block:
    text: str
    images: list[str]
    element: Any


class _BodyWalker:
    """Splits the body into paragraphs (block elements and ``<br>`` end one) and notes which paragraph
    holds each image, so a caption can be found as the paragraph after it."""

    def __init__(self, base_url: str, convert: Callable[[str], str]) -> None:
        self.base_url = base_url
        self.convert = convert
        self.blocks: list[_Block] = []
        self._buf: list[str] = []
        self._images: list[str] = []

    def flush(self, element: Any) -> None:
        text = clean_text(self.convert("".join(self._buf))) if self._buf else ""
        if text or self._images:
            self.blocks.append(_Block(text, self._images, element))
        self._buf = []
        self._images = []

    def walk(self, el: Any, block: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if tag in SKIP_TAGS or not tag:
            return
        if tag == "br":
            self.flush(block)
            return
        if tag == "img":
            src = resolve_link(self.base_url, el.get("src") or el.get("data-src") or el.get("original"))
            if src:
                self._images.append(src)
            return
        is_block = tag in BLOCK_TAGS
        if is_block:
            self.flush(block)
            block = el
        if el.text:
            self._buf.append(el.text)
        for child in el:
            self.walk(child, block)
            if child.tail:
                self._buf.append(child.tail)
        if is_block:
            self.flush(block)


def _caption_like(block: _Block) -> bool:
    if not block.text or block.images:
        return False
    el = block.element
    centred = el is not None and (
        el.tag in ("figcaption", "center")
        or (el.get("align") or "").lower() == "center"
        or CENTER_RE.search(el.get("style") or "") is not None
    )
    return centred or len(block.text) <= CAPTION_MAX_CHARS


def _body_parts(body: Any, base_url: str, convert: Callable[[str], str]) -> tuple[list[str], list[Image]]:
    walker = _BodyWalker(base_url, convert)
    walker.walk(body, body)
    walker.flush(body)
    blocks = walker.blocks
    paragraphs = [b.text for b in blocks if b.text]
    images: list[Image] = []
    for k, block in enumerate(blocks):
        if not block.images:
            continue
        after = blocks[k + 1] if k + 1 < len(blocks) else None
        caption = after.text if after is not None and _caption_like(after) else None
        # Several images in one paragraph share the paragraph after them as caption only for the last.
        images += [Image(url=src, caption=None) for src in block.images[:-1]]
        images.append(Image(url=block.images[-1], caption=caption))
    return paragraphs, images


def _body_html(body: Any, base_url: str, mirror: bool) -> str:
    """The body's HTML, cleaned (no script/style/iframe/forms, no on* attributes, no javascript: URLs)
    and with every link absolute; for a mirror page its text is converted like the fields."""
    fragment = copy.deepcopy(body)
    fragment.tail = None
    CLEANER(fragment)
    fragment.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    if mirror:
        for el in fragment.iter():
            if el.text:
                el.text = convert_mirror_text(el.text)
            if el.tail and el is not fragment:
                el.tail = convert_mirror_text(el.tail)
    return lxml_html.tostring(fragment, encoding="unicode", method="html").strip()


# --- meta line --------------------------------------------------------------------------------


def _segments(root: Any, convert: Callable[[str], str]) -> list[str]:
    """The meta line as separately labelled pieces: the first ``span`` of ``div.source`` (old
    template), or each child of ``div.author`` (new template, whose spans come in any order)."""
    pieces: list[str] = []
    for line in SOURCE_LINE_XP(root):
        span = line.find(".//span")
        pieces.append((span if span is not None else line).text_content())
    for line in AUTHOR_LINE_XP(root):
        pieces.append(line.text or "")
        for child in line:
            if isinstance(child.tag, str):
                pieces.append(child.text_content())
            pieces.append(child.tail or "")
    return [text for text in (clean_text(convert(p)) for p in pieces) if text]


@dataclasses.dataclass
class _Meta:
    source: str | None = None
    authors: list[str] = dataclasses.field(default_factory=list)
    date: tuple[str, str | None] | None = None


def _parse_meta(segments: Iterable[str]) -> _Meta:
    meta = _Meta()
    unlabelled: list[str] = []
    for segment in segments:
        matches = list(LABEL_RE.finditer(segment))
        head = segment[: matches[0].start()] if matches else segment
        if head.strip():
            unlabelled.append(head)
        for k, m in enumerate(matches):
            end = matches[k + 1].start() if k + 1 < len(matches) else len(segment)
            value = clean_text(segment[m.end() : end])
            field = LABEL_FIELDS.get(m.group(1))
            if field == "source" and meta.source is None:
                meta.source = value or None
            elif field == "authors" and not meta.authors:
                meta.authors = split_authors(value)
            elif field == "date" and meta.date is None:
                meta.date = parse_date(value)
    if meta.date is None:
        for text in unlabelled:
            meta.date = parse_date(text)
            if meta.date:
                break
    return meta


def split_authors(value: str) -> list[str]:
    """Names from an author value: separated by spaces, 、, ，, / (and , ; |), de-duplicated in order."""
    return _dedupe(name for name in AUTHOR_SPLIT_RE.split(value) if name)


def split_keywords(value: str) -> list[str]:
    """Keywords from ``meta name=keywords``: separated by , ， 、 ; or whitespace, de-duplicated in order."""
    return _dedupe(word for word in KEYWORD_SPLIT_RE.split(value) if word)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _editor_value(text: str) -> str | None:
    m = EDITOR_RE.match(text)
    if not m:
        return None
    value = NEXT_LABEL_RE.split(m.group(1), maxsplit=1)[0].strip()
    return value or None


def _editor(body: Any, paragraphs: list[str], convert: Callable[[str], str]) -> tuple[str | None, bool]:
    """(editor, found in the body's last paragraph): the ``p`` starting with 责编 after the body, or,
    failing that, the body's own last paragraph when it is the 责编 line."""
    for p in FOLLOWING_P_XP(body):
        text = clean_text(convert(p.text_content()))
        if text.startswith(("责编", "责任编辑")):
            return _editor_value(text), False
    if paragraphs and paragraphs[-1].startswith(("责编", "责任编辑")):
        return _editor_value(paragraphs[-1]), True
    return None, False


def _breadcrumb(root: Any, convert: Callable[[str], str]) -> list[str]:
    for el in POSITION_XP(root) or POSITION_TEXT_XP(root):
        text = clean_text(convert(el.text_content()))
        text = POSITION_LABEL_RE.sub("", text, count=1)
        return [item for item in (clean_text(part) for part in CRUMB_SPLIT_RE.split(text)) if item]
    return []


# --- the record -------------------------------------------------------------------------------


def content_hash(title: str, text: str) -> str:
    """sha256 hex of ``title + "\\n" + text``: what changes when an article's words change."""
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def parse_article(body: bytes, url: str, content_type: str | None = None) -> Article:
    """The ``Article`` on an article page. Raises ``NotAnArticle`` for a page without a title or body
    text (a listing, an error page, an empty body) and ``ParseError`` for anything unreadable."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body or not body.strip():
        raise NotAnArticle(f"empty body: {url}")
    try:
        return _parse_article(bytes(body), url, content_type)
    except ParseError:
        raise
    except Exception as exc:  # a parser bug on one odd page must not stop a crawl: report it as such
        raise ParseError(f"cannot parse {url}: {type(exc).__name__}: {exc}") from exc


def _parse_article(body: bytes, url: str, content_type: str | None) -> Article:
    doc = load_document(body, url, content_type)
    root = doc.root
    mirror = is_mirror(doc.text)
    # A stray annotation on a page too damaged to count as a mirror still never reaches a field.
    convert = convert_mirror_text if mirror else strip_pinyin

    title_el = next(iter(TITLE_XP(root)), None)
    title = clean_text(convert(title_el.text_content())) if title_el is not None else ""
    body_el = next(iter(BODY_XP(root)), None)
    paragraphs: list[str] = []
    images: list[Image] = []
    if body_el is not None:
        paragraphs, images = _body_parts(body_el, doc.base_url, convert)
    editor, editor_in_body = (None, False) if body_el is None else _editor(body_el, paragraphs, convert)
    if editor_in_body:
        paragraphs = paragraphs[:-1]
    if not title or not paragraphs:
        missing = " and ".join(
            what
            for what, absent in (
                ("no title (div.heading / h1.title)", not title),
                ("no body text (div#Zoom / div#zoom)", not paragraphs),
            )
            if absent
        )
        if not doc.clean:
            raise ParseError(f"undecodable page ({missing}; bytes fit no charset): {url}")
        raise NotAnArticle(f"not an article page, {missing}: {url}")

    article_id = article_id_from_url(url)
    if article_id is None:
        raise NotAnArticle(f"not an article URL (no numeric id in the path): {url}")
    meta = _parse_meta(_segments(root, convert))
    published = meta.date
    if published is None:
        url_date = date_from_url(url)
        published = (url_date, None) if url_date else None
    keywords: list[str] = []
    for value in KEYWORDS_XP(root):
        keywords = split_keywords(convert(str(value)))
        break
    text = "\n".join(paragraphs)
    return Article(
        url=canonical_url(url),
        article_id=article_id,
        channel=channel_from_url(url) or "",
        title=title,
        text=text,
        html=_body_html(body_el, doc.base_url, mirror),
        content_hash=content_hash(title, text),
        rendering="mirror" if mirror else "original",
        breadcrumb=_breadcrumb(root, convert),
        source=meta.source,
        authors=meta.authors,
        editor=editor,
        published_date=published[0] if published else None,
        published_at=published[1] if published else None,
        keywords=keywords,
        images=images,
    )


class _Headers(Protocol):
    def get(self, key: bytes, default: Any = None) -> Any: ...


class _Response(Protocol):
    body: bytes
    url: str
    headers: _Headers


def parse_response(response: _Response) -> Article:
    """``parse_article`` on a Scrapy-like response (duck-typed: ``body``, ``url``, ``headers``)."""
    raw = response.headers.get(b"Content-Type") if response.headers is not None else None
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    content_type = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    return parse_article(response.body, response.url, content_type)


# --- normalization (the pipeline's) --------------------------------------------------------------


def normalize_article(article: Article, *, convert: bool = True) -> Article:
    """``article`` with every text field normalized: pinyin stripped, simplified, corrected and
    punctuated like the original (``convert``), whitespace collapsed, full-width indentation gone,
    empty values dropped, ``content_hash`` recomputed. Idempotent, so the pipeline may run it on
    records the parser already normalized; ``html`` is left as the parser cleaned it."""
    conv = convert_mirror_text if convert else _identity

    def one(value: str | None) -> str:
        return clean_text(conv(value)) if value else ""

    def many(values: Iterable[str]) -> list[str]:
        return _dedupe(v for v in (one(x) for x in values) if v)

    title = one(article.title)
    text = "\n".join(line for line in (one(x) for x in article.text.split("\n")) if line)
    return dataclasses.replace(
        article,
        url=canonical_url(article.url),
        title=title,
        text=text,
        content_hash=content_hash(title, text),
        breadcrumb=[v for v in (one(x) for x in article.breadcrumb) if v],
        source=one(article.source) or None,
        authors=many(article.authors),
        editor=one(article.editor) or None,
        keywords=many(article.keywords),
        images=[Image(url=img.url, caption=one(img.caption) or None) for img in article.images],
    )
