"""The crawl's NormalizePipeline must store exactly what the parser (``wjcrawl parse``, ``reparse``)
extracts: normalization is idempotent, and the mirror conversion runs on mirror pages only."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from scrapy.utils.test import get_crawler

from wjcrawl.pipelines import NormalizePipeline
from wjcrawl.records import ARTICLE_FIELDS, Article, ArticleItem


@pytest.fixture
def normalize() -> Callable[[ArticleItem], ArticleItem]:
    pipeline = NormalizePipeline.from_crawler(get_crawler())
    return pipeline.process_item


def test_pipeline_keeps_parser_output(
    article_name: str, parsed_article: Callable[[str], Article], normalize: Callable[[ArticleItem], ArticleItem]
) -> None:
    article = parsed_article(article_name)
    item = normalize(ArticleItem.from_article(article))
    assert {k: getattr(item, k) for k in ARTICLE_FIELDS} == {k: getattr(article, k) for k in ARTICLE_FIELDS}


def test_pipeline_keeps_mirror_parser_output(
    mirror_name: str, parsed_article: Callable[[str], Article], normalize: Callable[[ArticleItem], ArticleItem]
) -> None:
    article = parsed_article(mirror_name)
    assert article.rendering == "mirror"
    item = normalize(ArticleItem.from_article(article))
    assert {k: getattr(item, k) for k in ARTICLE_FIELDS} == {k: getattr(article, k) for k in ARTICLE_FIELDS}


def test_original_page_punctuation_is_left_alone(
    parsed_article: Callable[[str], Article], normalize: Callable[[ArticleItem], ArticleItem]
) -> None:
    """Half-width punctuation on an original page is the site's own; only a mirror's is converted."""
    base = parsed_article("article-27000-old-utf8")
    title = "武进:新闻(测试)"
    original = normalize(ArticleItem.from_article(dataclasses.replace(base, title=title, rendering="original")))
    mirror = normalize(ArticleItem.from_article(dataclasses.replace(base, title=title, rendering="mirror")))
    assert original.title == title
    assert mirror.title == "武进：新闻（测试）"
