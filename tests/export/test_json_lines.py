"""Export lines are written with orjson; archivists were promised json.dumps' bytes (UTF-8, compact)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from wjcrawl.cli import _json_line

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)))  # no lone surrogates: not UTF-8
records = st.dictionaries(
    text,
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        text,
        st.lists(text),
        st.lists(st.dictionaries(text, text)),
    ),
)


@given(records)
def test_json_line_is_json_dumps_bytes(record: dict) -> None:
    assert _json_line(record) == (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def test_json_line_keeps_chinese_and_escapes_controls() -> None:
    line = _json_line({"title": "武进新闻\u2028\x1f"})
    assert line == '{"title":"武进新闻\u2028\\u001f"}\n'.encode()
