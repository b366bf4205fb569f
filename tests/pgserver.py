"""A throw-away PostgreSQL server on loopback, for the tests (``conftest.postgres``) and the database
benchmark (``bench/bench_database.py``); started from Debian's postgresql package, never mocked."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path


class PostgresServer:
    """A throw-away PostgreSQL cluster in a temporary directory (initdb + pg_ctl from Debian's package).

    Tests run it with fsync off (nothing to keep); benchmarks pass ``durable=True`` (defaults kept)."""

    def __init__(self, bindir: Path, root: Path, durable: bool = False) -> None:
        self.bindir, self.root, self.durable = bindir, root, durable
        self.data, self.sockets = root / "data", root / "sockets"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
        self._databases = 0

    def _run(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
        if not self.durable:
            options += " -c fsync=off"
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
            options,
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


def free_port() -> int:
    """A TCP port free on loopback now (for a server the test starts next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None
