"""Shared fixtures: a replica served on loopback, and the CLI run as a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.pgserver import PostgresServer, postgres_bindir
from wjcrawl.replica import Replica, Site

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def replica() -> Iterator[Replica]:
    """A 40-article replica with 5 articles per listing page: every channel has several pages."""
    with Replica(Site(articles=40, page_size=5)) as running:
        yield running


def cli_env(**settings: str) -> dict[str, str]:
    """This process's environment without any WJCRAWL_* variable, plus ``settings``."""
    return {k: v for k, v in os.environ.items() if not k.startswith("WJCRAWL_")} | settings


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m wjcrawl ARGS`` the way a user or cron does, and capture what it printed."""
    full_env = cli_env(**(env or {}))
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


def start_crawl(
    base_url: str,
    db: Path,
    *extra: str,
    batch_size: int = 5,
    output: int | None = subprocess.PIPE,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.Popen[str]:
    """``wjcrawl crawl`` of ``base_url`` into the SQLite file ``db``, started in the background (for the
    tests that stop it: SIGTERM, SIGKILL, a second run meeting the lock); small batches so a kill
    finds some stored and some open."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wjcrawl",
            "crawl",
            "--base-url",
            base_url,
            "--db",
            f"sqlite:///{db}",
            "--quiet",
            *extra,
        ],
        cwd=ROOT,
        env=cli_env(WJCRAWL_BATCH_SIZE=str(batch_size)),
        stdout=output,
        stderr=output,
        text=True,
        preexec_fn=preexec_fn,
    )


def scrapy_crawl_argv(base_url: str, database_url: str, *settings_and_args: str) -> list[str]:
    """``scrapy crawl news`` of ``base_url`` into ``database_url``: Scrapy's own command, no wjcrawl CLI."""
    argv = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={base_url}"]
    return [*argv, "-s", f"WJCRAWL_DATABASE_URL={database_url}", *settings_and_args]


# --- PostgreSQL: a real server, started by the tests on loopback -----------------------------------


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    bindir = postgres_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's postgresql package")
        pytest.skip("PostgreSQL tests need a server: apt-get install postgresql")
    # Not under pytest's tmp dir: its 0700 parents would keep the postgres user out.
    root = Path(tempfile.mkdtemp(prefix="wjcrawl-pg-"))
    server = PostgresServer(bindir, root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against an SQLite file and a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.db'}"
    return request.getfixturevalue("postgres").new_database()
