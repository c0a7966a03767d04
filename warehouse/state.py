"""Collector state kept in the warehouse and exported as the landing contract's state files."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from landing.state import FETCH_STATE_FILE, KNOWN_URLS_FILE, state_dir
from warehouse.connect import rollback


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
    except BaseException as exc:
        rollback(con, exc)
        raise
    target = state_dir(home)
    target.mkdir(parents=True, exist_ok=True)
    _export(con, "select source_id, url, etag, last_modified from ops.fetch_state", target / FETCH_STATE_FILE)
    _export(con, "select distinct source_id, canonical_url from raw.items", target / KNOWN_URLS_FILE)


def _export(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    con.execute(f"copy ({query}) to '{tmp}' (format parquet)")
    os.replace(tmp, path)
