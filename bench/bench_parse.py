"""Parser speed and accuracy: wjcrawl's ``parse_article`` against ``trafilatura.bare_extraction`` on the
same 1,000 replica article pages, rendered in-process, timed in the same run.

Accuracy is measured against the replica's truth (``Site.truth``): title, published_date, and text
exact after whitespace normalization. A general-purpose extractor is the baseline a site-specific
parser has to beat by a wide margin to be worth its code: the goal is at least 5x its pages/s.
"""

from __future__ import annotations

import gc
import re
import time
from typing import Any

from wjcrawl.errors import ParseError
from wjcrawl.parsing import parse_article
from wjcrawl.replica import Replica, Site

HOST = "www.wj001.com"
BASE = f"http://{HOST}"
WS_RE = re.compile(r"\s+")
FIELDS = ("title", "published_date", "text")

Page = tuple[str, str | None, bytes]  # (url, content type, body)


def _norm(value: Any) -> str:
    """Whitespace-insensitive form of a field for comparison."""
    return WS_RE.sub(" ", str(value or "")).strip()


def render_pages(site: Site) -> list[Page]:
    """Every article page of ``site`` as served (bytes), through the replica's router without a server.

    The healing 500 is asked twice; the one 404 article is skipped, as a crawl would skip it."""
    replica = Replica(site)  # binds a loopback socket but never serves: respond() is a pure router
    try:
        pages: list[Page] = []
        for i in range(site.total):
            path = site.article(i).path()
            status, content_type, body = replica.respond(path, HOST)
            if status == 500:
                status, content_type, body = replica.respond(path, HOST)
            if status == 200:
                pages.append((BASE + path, content_type, body))
        return pages
    finally:
        replica.stop()


def _wjcrawl(pages: list[Page]) -> tuple[float, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    for url, content_type, body in pages:
        try:
            article = parse_article(body, url, content_type)
        except ParseError:
            continue
        out[url] = {"title": article.title, "published_date": article.published_date, "text": article.text}
    return time.perf_counter() - started, out


def _trafilatura(pages: list[Page]) -> tuple[float, dict[str, dict[str, Any]]]:
    import trafilatura  # the bench extra only

    out: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    for url, _content_type, body in pages:
        doc = trafilatura.bare_extraction(body, url=url, with_metadata=True)
        if doc is None:
            continue
        get = doc.get if isinstance(doc, dict) else lambda key, d=doc: getattr(d, key, None)
        out[url] = {"title": get("title"), "published_date": get("date"), "text": get("text")}
    return time.perf_counter() - started, out


def _gne(pages: list[Page]) -> tuple[float, dict[str, dict[str, Any]]]:
    """GNE (GeneralNewsExtractor), a Chinese-news extractor; it takes text, so pages are decoded first."""
    from gne import GeneralNewsExtractor  # the bench extra only

    from wjcrawl.parsing import decode_page

    extractor = GeneralNewsExtractor()
    out: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    for url, content_type, body in pages:
        try:
            doc = extractor.extract(decode_page(body, content_type)[0])
        except Exception:  # a third-party extractor failing on a page counts as a miss
            continue
        out[url] = {
            "title": doc.get("title"),
            "published_date": (doc.get("publish_time") or "")[:10],
            "text": doc.get("content"),
        }
    return time.perf_counter() - started, out


def _accuracy(results: dict[str, dict[str, Any]], truth: dict[str, dict[str, Any]]) -> dict[str, float]:
    scores = {}
    for field in FIELDS:
        hits = sum(
            1 for url, record in truth.items() if url in results and _norm(results[url][field]) == _norm(record[field])
        )
        scores[field] = round(100.0 * hits / len(truth), 1)
    return scores


def run(pages: int = 1000) -> dict[str, Any]:
    """Time both extractors over ``pages`` replica articles and score them against the truth."""
    site = Site(articles=pages)
    rendered = render_pages(site)
    truth = {record["url"]: record for record in site.truth(BASE)}
    _wjcrawl(rendered[:20])  # warm-up: OpenCC dictionaries, lxml, regex caches
    gc.collect()
    ours_s, ours = _wjcrawl(rendered)
    gc.collect()
    theirs_s, theirs = _trafilatura(rendered)
    gc.collect()
    gne_s, gne = _gne(rendered)
    ours_rate, theirs_rate = len(rendered) / ours_s, len(rendered) / theirs_s
    result: dict[str, Any] = {
        "pages": len(rendered),
        "wjcrawl_pages_per_s": round(ours_rate, 1),
        "trafilatura_pages_per_s": round(theirs_rate, 1),
        "speed_ratio": round(ours_rate / theirs_rate, 1),
        "gne_pages_per_s": round(len(rendered) / gne_s, 1),
        "speed_ratio_vs_gne": round(ours_rate / (len(rendered) / gne_s), 1),
    }
    for name, scores in (
        ("wjcrawl", _accuracy(ours, truth)),
        ("trafilatura", _accuracy(theirs, truth)),
        ("gne", _accuracy(gne, truth)),
    ):
        for field, score in scores.items():
            result[f"{name}_{field}_exact_pct"] = score
    return result


if __name__ == "__main__":
    figures = run()
    print(f"parse_article vs trafilatura.bare_extraction on {figures['pages']} replica article pages (one run)")
    print(f"  wjcrawl      {figures['wjcrawl_pages_per_s']:>9.1f} pages/s")
    print(f"  trafilatura  {figures['trafilatura_pages_per_s']:>9.1f} pages/s")
    print(f"  ratio        {figures['speed_ratio']:>9.1f}x (goal >= 5x)")
    print("  field accuracy vs the replica's truth (% exact, whitespace-normalized):")
    for field in FIELDS:
        print(
            f"    {field:<15} wjcrawl {figures[f'wjcrawl_{field}_exact_pct']:>5.1f}%   "
            f"trafilatura {figures[f'trafilatura_{field}_exact_pct']:>5.1f}%"
        )
