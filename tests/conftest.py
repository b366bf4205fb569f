"""Shared fixtures: a replica served on loopback, and the CLI run as a real subprocess."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
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


# --- PostgreSQL: a real server, started by the tests on loopback -----------------------------------


class PostgresServer:
    """A throw-away PostgreSQL cluster in a temporary directory (initdb + pg_ctl from Debian's package)."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.root = bindir, root
        self.data, self.sockets = root / "data", root / "sockets"
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
        self._databases = 0

    def _run(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        self.sockets.mkdir(parents=True)
        if self.user:
            shutil.chown(self.root, self.user)
            shutil.chown(self.sockets, self.user)
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "wjcrawl",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.root / "server.log"),
            "-o",
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        return self

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def new_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        self._databases += 1
        name = f"wjcrawl_{self._databases}"
        subprocess.run(
            [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "wjcrawl", name],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return f"postgresql+psycopg://wjcrawl@127.0.0.1:{self.port}/{name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    bindir = _postgres_bindir()
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
