"""Bookkeeping in the ops schema: one ops.runs row per stage batch."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import duckdb


def utcnow() -> datetime:
    return datetime.now(UTC)


def record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    stage: str,
    data_date: date | None,
    started_at: datetime,
    status: str,
    *,
    files: int | None = None,
    rows_in: int | None = None,
    rows_inserted: int | None = None,
    rows_rejected: int | None = None,
    detail: dict | str | None = None,
) -> None:
    """Insert or replace the ops.runs row of `run_id` (inside the caller's transaction)."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, sort_keys=True, default=str)
    con.execute("delete from ops.runs where run_id = ?", [run_id])
    con.execute(
        "insert into ops.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            stage,
            data_date,
            started_at,
            utcnow(),
            status,
            files,
            rows_in,
            rows_inserted,
            rows_rejected,
            detail,
        ],
    )
