"""Shared fixtures: a replica served on loopback, and the CLI run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from wjcrawl.replica import Replica, Site

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def replica() -> Iterator[Replica]:
    """A 40-article replica with 5 articles per listing page: every channel has several pages."""
    with Replica(Site(articles=40, page_size=5)) as running:
        yield running


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m wjcrawl ARGS`` the way a user or cron does, and capture what it printed."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WJCRAWL_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "wjcrawl", *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        timeout=timeout,
        input=input,
        check=False,
        text=input is None,
    )
