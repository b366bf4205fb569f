"""The archive's schema is managed by Alembic; migrations ship inside the package (store/migrations).

A crawl on an empty database creates the schema through the same migrations; on a database behind
the code's head every command but ``wjcrawl db upgrade`` refuses, so a production schema is never
altered silently.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, Engine, MetaData, String, Table, inspect, select

from wjcrawl.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision. Every command checks the database against it without importing
# Alembic (a tenth of a second per run); tests/store/test_schema.py checks it is Alembic's head, so
# a new migration must bump it.
HEAD = "0002"
# Alembic's own bookkeeping table, read with SQLAlchemy Core.
VERSION_TABLE = Table("alembic_version", MetaData(), Column("version_num", String(32), primary_key=True))
_extracted: Path | None = None


def _migrations_dir() -> Path:
    """The migration scripts as files: inside a zipped egg (Scrapyd) they are copied out once per process."""
    global _extracted
    if MIGRATIONS.is_dir():
        return MIGRATIONS
    if _extracted is None:
        target = Path(tempfile.mkdtemp(prefix="wjcrawl-migrations-"))
        atexit.register(shutil.rmtree, target, True)
        _copy_tree(resources.files("wjcrawl.store") / "migrations", target)
        _extracted = target
    return _extracted


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir(exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_migrations_dir()))
    return config


def head() -> str:
    """The newest revision among the migration scripts (Alembic's view; ``HEAD`` must equal it)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}


def current(engine: Engine) -> str | None:
    """The database's revision, or None for a database without wjcrawl's schema."""
    if not inspect(engine).has_table(VERSION_TABLE.name):
        return None
    with engine.connect() as conn:
        return conn.execute(select(VERSION_TABLE.c.version_num)).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` in one transaction per migration run."""
    from alembic import command

    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def ensure(engine: Engine, create: bool) -> None:
    """Check the schema is at head; create it on an empty database when ``create`` is set."""
    revision = current(engine)
    wanted = HEAD
    if revision == wanted:
        return
    if revision is None:
        if "articles" in inspect(engine).get_table_names():
            raise StoreError(
                "the database has wjcrawl tables but no schema version; it was not made by "
                "a released wjcrawl: export what you need and start a new database"
            )
        if create:
            upgrade(engine)
            return
        raise StoreError("the database is empty: run `wjcrawl crawl` or `wjcrawl db upgrade` first")
    if revision in _known_revisions():
        raise StoreError(
            f"the database schema is at revision {revision}, this wjcrawl needs {wanted}: "
            "run `wjcrawl db upgrade` (back up the database first)"
        )
    raise StoreError(
        f"the database schema is at revision {revision}, newer than this wjcrawl knows ({wanted}): upgrade wjcrawl"
    )
