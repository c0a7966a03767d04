"""Publishing: copy the marts into a new read-only snapshot file and rename it over the published one."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from warehouse.guard import OperatorError
from warehouse.ops import utcnow

log = logging.getLogger(__name__)

SOURCE_SCHEMA = "marts"  # every table here is published under its own name, marts.alerts included
SNAPSHOT_ALIAS = "snapshot"
# Written in the v1.0 storage format, so analysts' DuckDB 1.x clients (the CLI on PyPI is 1.5, BI drivers)
# can open it; the warehouse itself stays in the engine's newest format.
SNAPSHOT_STORAGE_VERSION = "v1.0.0"


class PublishError(RuntimeError):
    """The snapshot could not be built; the previous published file is left as it was."""


@dataclass
class PublishSummary:
    path: Path
    data_date: date
    run_id: str
    built_at: datetime
    schema_revision: str | None
    row_counts: dict[str, int] = field(default_factory=dict)


def quote_ident(name: str) -> str:
    """A DuckDB identifier, quoted, so a table name is never read as SQL."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal; ATTACH takes no bound parameter for its path."""
    return "'" + text.replace("'", "''") + "'"


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The base tables of the marts schema, sorted; an empty list when nothing is built yet."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
        [SOURCE_SCHEMA],
    ).fetchall()
    return [r[0] for r in rows]


def schema_revision(con: duckdb.DuckDBPyConnection) -> str | None:
    """The Alembic revision of the raw schema (None on a warehouse that was never migrated)."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_name = 'alembic_version'"
    ).fetchone()[0]
    if not found:
        return None
    row = con.execute("select version_num from alembic_version limit 1").fetchone()
    return row[0] if row else None


def publish_snapshot(
    con: duckdb.DuckDBPyConnection, target: Path, data_date: date, run_id: str, check_run_id: str | None
) -> PublishSummary:
    """Build `target`'s next version beside it, then os.replace it over `target` (atomic on one filesystem).

    A reader holding the old file open keeps the old inode and so a consistent view; the next open sees
    the new snapshot. On any error the half-built file is removed and `target` is untouched."""
    tables = mart_tables(con)
    if not tables:
        raise PublishError(
            f"nothing to publish: schema {SOURCE_SCHEMA} has no tables; run the transform first"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    # a publish killed halfway left its half-built file (and WAL): publishes hold the warehouse's write
    # lock, so no other one is building now, and every leftover goes
    for leftover in target.parent.glob(f".{target.name}.*.building*"):
        log.warning("removing %s, left by a publish that did not finish", leftover.name)
        remove_file(leftover)
    building = target.with_name(f".{target.name}.{run_id}.building")
    summary = PublishSummary(target, data_date, run_id, utcnow(), schema_revision(con))
    con.execute(
        f"attach {quote_literal(str(building))} as {SNAPSHOT_ALIAS} "
        f"(storage_version {quote_literal(SNAPSHOT_STORAGE_VERSION)})"
    )
    try:
        for table in tables:
            con.execute(
                f"create table {SNAPSHOT_ALIAS}.main.{quote_ident(table)} as "
                f"select * from {SOURCE_SCHEMA}.{quote_ident(table)}"
            )
        summary.row_counts = count_rows(con, tables)
        write_meta(con, summary, check_run_id)
        con.execute(f"checkpoint {SNAPSHOT_ALIAS}")  # everything in the file itself, no WAL beside it
        con.execute(f"detach {SNAPSHOT_ALIAS}")
    except duckdb.Error as exc:
        detach_quietly(con)
        remove_database_file(building)
        raise PublishError(f"publishing {target} failed, the previous snapshot stays: {exc}") from exc
    # A WAL left beside the target would be replayed into the new file: drop it before the rename.
    remove_file(wal_path(target))
    os.replace(building, target)
    log.info("published %s (%s tables) for %s", target, len(tables), data_date)
    return summary


def count_rows(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    """Row counts of the copied tables, read back from the snapshot in one query."""
    query = " union all ".join(
        f"select {quote_literal(t)} as table_name, count(*) as n from {SNAPSHOT_ALIAS}.main.{quote_ident(t)}"
        for t in tables
    )
    return {name: n for name, n in con.execute(query).fetchall()}


def write_meta(con: duckdb.DuckDBPyConnection, summary: PublishSummary, check_run_id: str | None) -> None:
    """One row saying when, from which run and for which night the snapshot was built, and what that night
    collected (enabled sources, sources that were fetched, items landed), so a reader sees an empty night."""
    con.execute(
        f"""
        create table {SNAPSHOT_ALIAS}.main.meta as
        select $built_at::timestamptz as built_at, $run_id as run_id, $data_date::date as data_date,
               $check_run_id as check_run_id, $schema_revision as schema_revision,
               map($names::varchar[], $counts::bigint[]) as row_counts,
               (select count(*) from raw.registry_sources where is_enabled) as sources_enabled,
               (select count(distinct source_id) from raw.fetch_events where data_date = $data_date::date)
                   as sources_collected,
               (select count(*) from raw.items where data_date = $data_date::date) as items_collected
        """,
        {
            "built_at": summary.built_at,
            "run_id": summary.run_id,
            "data_date": summary.data_date,
            "check_run_id": check_run_id,
            "schema_revision": summary.schema_revision,
            "names": list(summary.row_counts),
            "counts": list(summary.row_counts.values()),
        },
    )


def detach_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the half-built snapshot after an error; a failed detach means it was never attached."""
    try:
        con.execute(f"detach database if exists {SNAPSHOT_ALIAS}")
    except duckdb.Error as exc:
        log.warning("could not detach the unfinished snapshot: %s", exc)


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def remove_file(path: Path) -> None:
    path.unlink(missing_ok=True)


def remove_database_file(path: Path) -> None:
    remove_file(path)
    remove_file(wal_path(path))


def read_meta(path: Path) -> dict | None:
    """The published snapshot's meta row, or None when nothing has been published yet."""
    if not path.exists():
        return None
    con = _fresh_read_only(path)
    try:
        row = con.execute("select * from meta").fetchone()
        columns = [d[0] for d in con.description]
    finally:
        con.close()
    return dict(zip(columns, row, strict=True)) if row else None


SNAPSHOT_READ_ALIAS = "published"


class SnapshotMissing(FileNotFoundError, OperatorError):
    """No published snapshot yet (an operator's problem: the CLI says it in one line, exit 2)."""


class SnapshotIsNewer(OperatorError):
    """A report was asked for a night before the published snapshot's: only the snapshot's night can be
    written (snapshots are not kept per night)."""


def open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """The published snapshot, read-only (it never blocks a publish), with times in UTC."""
    if not path.exists():
        raise SnapshotMissing(
            f"no published snapshot at {path}; run `blindspot publish` after a passing check"
        )
    con = _fresh_read_only(path)
    con.execute("set TimeZone = 'UTC'")
    return con


def _fresh_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The file at `path` as it is now, read-only. `duckdb.connect(path)` would hand back the database a
    connection still open in this process holds, which is the snapshot that was replaced; attaching the
    file to a new in-memory database opens the current one."""
    con = duckdb.connect(":memory:")
    con.execute(f"attach {quote_literal(str(path))} as {SNAPSHOT_READ_ALIAS} (read_only)")
    con.execute(f"use {SNAPSHOT_READ_ALIAS}")
    return con


class QueryError(ValueError):
    """An analyst's query failed against the snapshot (syntax, unknown table, or an attempt to write)."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple]


def run_query(path: Path, query: str) -> QueryResult:
    """Run a query against the published snapshot opened read-only, with DuckDB's file system access off and
    its configuration locked: a write, a COPY TO or EXPORT, an ATTACH, reading other files and installing
    extensions all fail as a QueryError. With several statements, the last one's result is returned."""
    if not query.strip():
        raise QueryError('the query is empty: give one SQL statement, e.g. "select * from meta"')
    con = open_snapshot(path)
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    try:
        cursor = con.execute(query)
        if cursor.description is None:
            return QueryResult([], [])
        return QueryResult([d[0] for d in cursor.description], cursor.fetchall())
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {exc}") from exc
    finally:
        con.close()


def format_result(result: QueryResult, output: str) -> str:
    """CSV (with a header) or JSON lines; dates and decimals as strings, NaN as null."""
    if output == "json":
        lines = []
        for row in result.rows:
            clean = {
                c: None if isinstance(v, float) and v != v else v
                for c, v in zip(result.columns, row, strict=True)
            }
            lines.append(json.dumps(clean, default=str, ensure_ascii=False))
        return "".join(line + "\n" for line in lines)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows(result.rows)
    return buffer.getvalue()
