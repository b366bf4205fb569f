"""Security properties that hold for the whole code base."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "wjcrawl"
SQL = re.compile(
    r"^\s*(SELECT\s+\S|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|(CREATE|DROP|ALTER)\s+TABLE)", re.IGNORECASE
)
# The only SQL strings allowed: SQLite connection pragmas and the BEGIN IMMEDIATE of writers (constants).
ALLOWED = {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "BEGIN IMMEDIATE"}


def test_no_sql_is_built_from_strings() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and any(
                isinstance(v, ast.Constant) and isinstance(v.value, str) and SQL.match(v.value) for v in node.values
            ):
                offenders.append(f"{path.name}:{node.lineno} f-string SQL")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
                offenders.append(f"{path.name}:{node.lineno} {node.value[:40]!r}")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") in ("exec_driver_sql", "execute")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.args[0].value not in ALLOWED
            ):
                offenders.append(f"{path.name}:{node.lineno} raw SQL {node.args[0].value[:40]!r}")
    assert offenders == []
