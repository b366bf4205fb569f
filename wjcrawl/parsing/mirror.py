"""The mirror rendering: traditional characters with pinyin after many of them (``武進(jìn)日報``) and
half-width punctuation. Turned back into the site's simplified text, field by field.

Order matters: pinyin first (its parentheses would otherwise become full-width), then OpenCC
``t2s``, then the corrections table, then punctuation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

import opencc

# A Han character (BMP, Extension A, compatibility ideographs) followed by a pinyin syllable in
# half-width parentheses with at least one tone mark: tone marks are what tell pinyin from an
# ordinary parenthesised Latin word after a Chinese one (``计划(plan)``).
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = rf"[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*"
PINYIN_RE = re.compile(rf"(?<=[{_HAN}])\(({_SYLLABLE})\)")
# How many annotations make a page a mirror page: one could be a quotation, several are a rendering.
MIRROR_MIN_ANNOTATIONS = 3

# Known artifacts of OpenCC t2s on this site's text. 著 is both the traditional form of the
# particle 着 and a simplified character in its own right (著名, 著作), so t2s keeps 著 where the
# simplified original has 着. Each entry was checked against the simplified original of the seed page.
T2S_CORRECTIONS: dict[str, str] = {
    "随著": "随着",
    "著力": "着力",
}
_CORRECTIONS_RE = re.compile("|".join(map(re.escape, T2S_CORRECTIONS)))

# Half-width punctuation the mirror wrote for the original's full-width forms.
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）"}
_PUNCT_RE = re.compile(r"[,:;()]")
_PAIR_RE = re.compile(r"\(([^()（）]*)\)")
_MARKS = frozenset(",:;()，：；（）")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    """The one OpenCC converter: loading its dictionaries costs milliseconds, converting microseconds."""
    return opencc.OpenCC("t2s")


def is_mirror(text: str) -> bool:
    """True when ``text`` carries pinyin annotations like ``進(jìn)`` several times: the mirror's mark."""
    if "(" not in text:
        return False
    found = islice(PINYIN_RE.finditer(text), MIRROR_MIN_ANNOTATIONS)
    return sum(1 for _ in found) >= MIRROR_MIN_ANNOTATIONS


def strip_pinyin(text: str) -> str:
    """``text`` without the pinyin annotations after Han characters (``武進(jìn)`` → ``武進``)."""
    return PINYIN_RE.sub("", text) if "(" in text else text


def to_simplified(text: str) -> str:
    """Traditional → simplified with OpenCC ``t2s``, then the known corrections (see T2S_CORRECTIONS)."""
    if not text or text.isascii():
        return text
    converted = _t2s().convert(text)
    return _CORRECTIONS_RE.sub(lambda m: T2S_CORRECTIONS[m.group(0)], converted)


def _neighbor(text: str, i: int, step: int) -> str:
    """The nearest character from ``i`` in direction ``step`` that is not itself a mark ("" at an end):
    deciding on marks-free context keeps the conversion idempotent."""
    j = i + step
    while 0 <= j < len(text) and text[j] in _MARKS:
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def normalize_punctuation(text: str) -> str:
    """The mirror's half-width ``, : ; ( )`` as the original's full-width ``，：；（）``, except between
    ASCII letters/digits, where they belong to numbers, times and codes (``09:41``, ``1,000``).

    Parentheses go by pairs, so ``(1)加强`` becomes ``（1）加强`` and an all-ASCII ``f(x)`` stays; a
    ``:`` before ``//`` is a URL's. Idempotent: every decision looks only at characters it never changes.
    """
    if not _PUNCT_RE.search(text):
        return text
    chars = list(text)
    paired: set[int] = set()
    for m in _PAIR_RE.finditer(text):
        start, end = m.start(), m.end() - 1
        paired.update((start, end))
        content = "".join(ch for ch in m.group(1) if ch not in _MARKS)
        before, after = _neighbor(text, start, -1), _neighbor(text, end, 1)
        if not (content.isascii() and before.isascii() and after.isascii()):
            chars[start], chars[end] = "（", "）"
    for m in _PUNCT_RE.finditer(text):
        i = m.start()
        if i in paired:
            continue
        if _ascii_word(_neighbor(text, i, -1)) and _ascii_word(_neighbor(text, i, 1)):
            continue
        if text[i] == ":" and text.startswith("//", i + 1):
            continue
        chars[i] = FULL_WIDTH[text[i]]
    return "".join(chars)


def convert_mirror_text(text: str) -> str:
    """One mirror string as the original wrote it: pinyin stripped, simplified, corrected, punctuated."""
    return normalize_punctuation(to_simplified(strip_pinyin(text)))
