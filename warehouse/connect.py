"""Opening the warehouse and migrating it: the one place that knows how to connect to DuckDB."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


class AlembicDuckDBImpl(DefaultImpl):
    """Alembic has no DuckDB dialect; duckdb-engine's README gives this shim."""

    __dialect__ = "duckdb"
    transactional_ddl = True


def connect(
    path: Path, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file with UTC session time, so *_at columns read back as UTC (and a memory limit, if set)."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("set TimeZone = 'UTC'")
    if memory_limit:
        con.execute("set memory_limit = ?", [memory_limit])
    return con


def rollback(con: duckdb.DuckDBPyConnection, cause: BaseException) -> None:
    """Roll back after `cause`, which the caller raises next. A rollback that fails too (the disk filled and
    DuckDB closed the transaction, or invalidated the database) is logged rather than raised over the cause,
    so the operator reads the first error, not "cannot rollback - no transaction is active"."""
    try:
        con.execute("rollback")
    except duckdb.Error as failed:
        log.debug("rollback after %s failed too: %s", type(cause).__name__, failed)


def _alembic_config(engine: sa.Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(path: Path) -> str | None:
    engine = sa.create_engine(f"duckdb:///{path}")
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def schema_revision(con: duckdb.DuckDBPyConnection) -> str | None:
    """The schema revision of an open warehouse (None when it was never migrated); works read-only."""
    found = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'alembic_version' and schema_name = 'main'"
    ).fetchall()[0][0]  # fetchall: a half-read result would hold the connection
    if not found:
        return None
    rows = con.execute("select version_num from main.alembic_version").fetchall()
    return rows[0][0] if rows else None


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def upgrade(path: Path, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the warehouse at `path`; returns (revision before, revision after). A no-op when current."""
    path.parent.mkdir(parents=True, exist_ok=True)
    before = current_revision(path)
    if before is not None and before == head_revision() and revision == "head":
        return before, before
    engine = sa.create_engine(f"duckdb:///{path}")
    try:
        logging.getLogger("alembic").setLevel(logging.WARNING)
        command.upgrade(_alembic_config(engine), revision)
    finally:
        engine.dispose()
    return before, current_revision(path)
