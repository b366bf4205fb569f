"""Run under Scrapyd: a real Scrapyd on loopback, the project deployed as an egg with scrapyd-deploy,
spider ``news`` scheduled against the replica, the archive checked against the replica's truth.

Nothing is installed here: scrapyd and scrapyd-client come from the virtualenv (pyproject's
``deploy`` extra). scrapyd-deploy builds in, and writes a setup.py into, the directory it runs in,
so it runs in a temporary copy of the project, never in the checkout.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.crawl.test_crawl import assert_matches_truth
from tests.pgserver import free_port
from wjcrawl.replica import Replica, Site
from wjcrawl.store import ArticleStore

pytestmark = [pytest.mark.crawl, pytest.mark.timeout(420)]
BIN = Path(sys.executable).parent
PROJECT = "wjcrawl"
TARGET = "wjtest"
JOB_TIMEOUT = 120.0
# What a build of the project needs: the package and the files its packaging reads.
PROJECT_FILES = ("scrapy.cfg", "pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md", "LICENSE")


def _missing_tools() -> str | None:
    for tool in ("scrapyd", "scrapyd-deploy"):
        if not (BIN / tool).exists():
            return f"{tool} is not installed in the virtualenv (pip install -e '.[deploy]')"
    version = importlib.metadata.version("setuptools")
    if int(version.split(".")[0]) < 77:
        return f"setuptools {version} cannot build the egg from pyproject.toml (PEP 639 license); needs >= 77"
    return None


@pytest.fixture(scope="module", autouse=True)
def tools() -> None:
    if problem := _missing_tools():
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


def _env(home: Path) -> dict[str, str]:
    """The environment without WJCRAWL_* settings and with a private HOME: no ~/.scrapyd.conf,
    ~/.scrapy.cfg or ~/.netrc of whoever runs the tests takes part."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WJCRAWL_", "SCRAPY"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    return env


def _api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None, **query: str) -> dict[str, Any]:
    url = f"{base}/{endpoint}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=30) as response:
        answer = json.loads(response.read())
    assert answer.get("status") == "ok", answer
    return answer


class Scrapyd:
    """A Scrapyd daemon in its own directory and process group, on a free loopback port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True)
        (root / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {root / 'eggs'}\n"
            f"logs_dir = {root / 'logs'}\n"
            f"dbs_dir = {root / 'dbs'}\n"
            "items_dir =\n"
            "poll_interval = 0.5\n"
            "max_proc = 2\n",
            encoding="utf-8",
        )

    def start(self, timeout: float = 30.0) -> Scrapyd:
        # scrapyd reads scrapyd.conf from its working directory; its own process group lets stop()
        # end it together with the crawl processes it launched, and nothing else.
        with (self.root / "scrapyd.out").open("wb") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "scrapyd")],
                cwd=self.root,
                env=_env(self.root),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"scrapyd exited with {self.proc.returncode}:\n{self.output()}")
            try:
                _api(self.base, "daemonstatus.json")
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        raise AssertionError(f"scrapyd did not answer within {timeout:.0f} s:\n{self.output()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def output(self) -> str:
        path = self.root / "scrapyd.out"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def job_log(self, spider: str, job: str) -> str:
        path = self.root / "logs" / PROJECT / spider / f"{job}.log"
        return path.read_text(errors="replace") if path.exists() else "(no job log)"


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    daemon = Scrapyd(tmp_path / "scrapyd")
    try:
        yield daemon.start()
    finally:
        daemon.stop()


def copy_project(dest: Path, scrapyd_url: str) -> Path:
    """The checkout's package and packaging files, plus a deploy target for this Scrapyd."""
    dest.mkdir()
    for name in PROJECT_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "wjcrawl", dest / "wjcrawl", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    cfg = dest / "scrapy.cfg"
    assert "[deploy]" in cfg.read_text(encoding="utf-8"), "scrapy.cfg has no [deploy] section"
    # A named target inherits the [deploy] section (its project name) and overrides the URL.
    with cfg.open("a", encoding="utf-8") as out:
        out.write(f"\n[deploy:{TARGET}]\nurl = {scrapyd_url}/\n")
    return dest


def deploy(project: Path, env: dict[str, str]) -> dict[str, Any]:
    """scrapyd-deploy as an operator runs it: build the egg, then deploy it to the target."""
    egg = project.parent / "wjcrawl.egg"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(BIN / "scrapyd-deploy"), *args], cwd=project, env=env, capture_output=True, text=True, timeout=240
        )
        assert result.returncode == 0, f"scrapyd-deploy {' '.join(args)}:\n{result.stdout}\n{result.stderr[-3000:]}"
        return result

    run("--build-egg", str(egg))
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode() if "EGG-INFO/entry_points.txt" in names else ""
    assert "wjcrawl/spiders/news.py" in names and "wjcrawl/store/migrations/env.py" in names, sorted(names)
    assert "[scrapy]" in entry_points and "settings = wjcrawl.settings" in entry_points, (
        "the egg has no `scrapy` settings entry point, so Scrapyd cannot find the project's settings: "
        'pyproject.toml needs [project.entry-points.scrapy] settings = "wjcrawl.settings"\n' + entry_points
    )
    result = run(TARGET, "--egg", str(egg), "--version", "r1")
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_news_spider_deployed_to_scrapyd_archives_the_replica(scrapyd: Scrapyd, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", scrapyd.base)
    answer = deploy(project, _env(tmp_path))
    assert answer["project"] == PROJECT and answer["version"] == "r1" and answer["spiders"] >= 1
    assert "news" in _api(scrapyd.base, "listspiders.json", project=PROJECT)["spiders"]

    db = tmp_path / "scrapyd.db"
    with Replica(Site(articles=40, page_size=5)) as replica:
        job = _api(
            scrapyd.base,
            "schedule.json",
            [
                ("project", PROJECT),
                ("spider", "news"),
                ("base_url", replica.base_url),
                ("setting", f"WJCRAWL_DATABASE_URL=sqlite:///{db}"),
                ("setting", "WJCRAWL_PROGRESS_INTERVAL=0"),
            ],
        )["jobid"]
        deadline = time.monotonic() + JOB_TIMEOUT
        while True:
            jobs = _api(scrapyd.base, "listjobs.json", project=PROJECT)
            if any(j["id"] == job for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, (
                f"job {job} not finished after {JOB_TIMEOUT:.0f} s: {jobs}\n{scrapyd.job_log('news', job)[-3000:]}"
            )
            time.sleep(0.5)
        truth = replica.site.truth(replica.base_url)
        requested = replica.paths_requested()

    log = scrapyd.job_log("news", job)
    assert "Spider closed (finished)" in log, log[-3000:]
    assert requested and requested[0] == "/robots.txt"
    assert db.exists(), f"the job wrote no database:\n{log[-3000:]}"
    store = ArticleStore(f"sqlite:///{db}", create=False)
    try:
        records = list(store.iter_records())
        [run] = store.runs()
    finally:
        store.close()
    assert run["status"] == "finished" and run["articles_new"] == len(truth)
    assert_matches_truth(records, truth)
