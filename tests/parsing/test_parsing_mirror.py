"""The real captured mirror page, with its expected fields written out by hand (not read from the
replica's truth), and the mirror helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from wjcrawl.parsing import is_mirror, normalize_punctuation, strip_pinyin, to_simplified
from wjcrawl.parsing.mirror import _t2s
from wjcrawl.records import Article

# The captured page's raw text: in shared/ beside the repository, or the replica's packaged copy.
SEED_CANDIDATES = (
    Path(__file__).resolve().parents[3] / "shared" / "seed" / "article-2025-01-23-mirror.txt",
    Path(__file__).resolve().parents[2] / "wjcrawl" / "replica" / "data" / "seed-mirror.txt",
)
PAREN_LATIN_RE = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]")
TRADITIONAL = frozenset("進產區會發實報編來責隨點網")


@pytest.fixture(scope="module")
def mirror(parsed_article: Callable[[str], Article], mirror_name: str) -> Article:
    return parsed_article(mirror_name)


def test_mirror_fields_by_hand(mirror: Article) -> None:
    assert mirror.title == "厚积薄发深耕试点 产才融合勇创示范 区总工会持续推进产改工作走深走实"
    assert mirror.source == "武进日报"
    assert mirror.authors == ["何新雨"]
    assert mirror.editor == "孙婷婷"
    assert mirror.published_date == "2025-01-23"
    assert mirror.published_at is None
    assert mirror.breadcrumb == ["新闻中心", "新闻中心", "正文"]
    assert mirror.rendering == "mirror"
    assert mirror.article_id == "27038" and mirror.channel == "jinriyaowen"
    paragraphs = mirror.text.split("\n")
    assert paragraphs[0].startswith("自产改工作启动以来，区总工会挺膺担当")
    assert paragraphs[-1].endswith("推动深化改革举措落地见效。")
    assert paragraphs[1].startswith("随着改革的纵深推进，")  # t2s alone gives 随著
    assert "着力构建技能形成体系" in paragraphs[-1]  # t2s alone gives 著力
    assert "东方润安投入1.05亿元，" in mirror.text and "3D打印" in mirror.text
    assert len(paragraphs) == 15


def _text_fields(article: Article) -> list[str]:
    return [
        article.title,
        article.text,
        article.source or "",
        article.editor or "",
        *article.authors,
        *article.breadcrumb,
        *article.keywords,
        *(i.caption or "" for i in article.images),
    ]


def test_mirror_has_no_pinyin_left(mirror: Article) -> None:
    for value in [*_text_fields(mirror), mirror.html]:
        assert not PAREN_LATIN_RE.search(value), PAREN_LATIN_RE.search(value)


def test_mirror_has_no_traditional_characters_left(mirror: Article) -> None:
    for value in [*_text_fields(mirror), mirror.html]:
        assert to_simplified(value) == value
        assert not TRADITIONAL & set(value)


def test_mirror_punctuation_is_full_width(mirror: Article) -> None:
    assert not re.search(r"[,;()]", mirror.text)
    assert not re.search(r"[^\x00-\x7f][,:;()]|[,:;()][^\x00-\x7f]", mirror.text)


def test_seed_text_is_a_mirror() -> None:
    seed = next(path for path in SEED_CANDIDATES if path.exists())
    text = seed.read_text(encoding="utf-8")
    assert is_mirror(text)
    assert not is_mirror(to_simplified(strip_pinyin(text)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("武進(jìn)日報", False),
        ("武進(jìn)日報(bào) 責(zé)編(biān)", True),
        ("计划(plan)与项目(project)和方案(scheme)", False),  # Latin words without tone marks
        ("", False),
    ],
)
def test_is_mirror(text: str, expected: bool) -> None:
    assert is_mirror(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("武進(jìn)日報(bào)", "武進日報"),
        ("責(zé)編(biān): 孫婷婷", "責編: 孫婷婷"),
        ("GDP(gdp)与(yǔ)", "GDP(gdp)与"),  # only after a Han character
        ("计划(plan)", "计划(plan)"),
    ],
)
def test_strip_pinyin(text: str, expected: str) -> None:
    assert strip_pinyin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("隨著改革的縱深推進", "随着改革的纵深推进"),
        ("著力構建", "着力构建"),
        ("著名作家", "著名作家"),  # 著 stays where it is the simplified character
        ("武進日報", "武进日报"),
        ("abc 123", "abc 123"),
    ],
)
def test_to_simplified(text: str, expected: str) -> None:
    assert to_simplified(text) == expected


def test_the_converter_is_built_once() -> None:
    assert _t2s() is _t2s()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("區總工會,挺膺擔當", "區總工會，挺膺擔當"),
        ("日期:2025-01-23 09:41", "日期：2025-01-23 09:41"),
        ("投入1.05億元;建設", "投入1.05億元；建設"),
        ("3D打印", "3D打印"),
        ("1,000人", "1,000人"),
        ("(1)加強", "（1）加強"),
        ("GDP(國內生產總值)", "GDP（國內生產總值）"),
        ("f(x)", "f(x)"),
        ("見 http://www.wj001.com/", "見 http://www.wj001.com/"),
    ],
)
def test_normalize_punctuation(text: str, expected: str) -> None:
    assert normalize_punctuation(text) == expected
    assert normalize_punctuation(expected) == expected
