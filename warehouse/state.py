"""Collector state kept in the warehouse and exported as Parquet, so collectors never open DuckDB."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

FETCH_STATE_FILE = "fetch_state.parquet"
KNOWN_URLS_FILE = "known_urls.parquet"


def state_dir(home: Path) -> Path:
    return home / "state"


def refresh_state(con: duckdb.DuckDBPyConnection, home: Path) -> None:
    """Update ops.fetch_state from the newest successful fetches, then export it and the known URLs."""
    con.execute("begin transaction")
    try:
        con.execute(
            """
            insert or replace into ops.fetch_state
            select source_id, url, arg_max(etag, started_at), arg_max(last_modified, started_at), max(started_at)
            from raw.fetch_events
            where error is null and (etag is not null or last_modified is not null)
            group by source_id, url
            """
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    target = state_dir(home)
    target.mkdir(parents=True, exist_ok=True)
    _export(con, "select source_id, url, etag, last_modified from ops.fetch_state", target / FETCH_STATE_FILE)
    _export(con, "select distinct source_id, canonical_url from raw.items", target / KNOWN_URLS_FILE)


def _export(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    con.execute(f"copy ({query}) to '{tmp}' (format parquet)")
    os.replace(tmp, path)


def read_fetch_state(home: Path) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    path = state_dir(home) / FETCH_STATE_FILE
    if not path.exists():
        return {}
    rows = pq.read_table(path).to_pylist()
    return {(r["source_id"], r["url"]): (r["etag"], r["last_modified"]) for r in rows}


def read_known_urls(home: Path, source_ids: set[str]) -> dict[str, set[str]]:
    path = state_dir(home) / KNOWN_URLS_FILE
    known: dict[str, set[str]] = {s: set() for s in source_ids}
    if not path.exists():
        return known
    table = pq.read_table(path, filters=[("source_id", "in", sorted(source_ids))]) if source_ids else None
    for row in table.to_pylist() if table is not None else []:
        known[row["source_id"]].add(row["canonical_url"])
    return known
