"""The gate in front of alert delivery and publishing: they run only after a passing check of the night."""

from __future__ import annotations

from datetime import date

import duckdb

MAX_NAMED = 5  # failures named in the refusal; the rest are counted


class CheckGateError(RuntimeError):
    """Delivery or publishing refused: no check run for the night, or its latest run failed or is stale."""


def require_passing_check(con: duckdb.DuckDBPyConnection, run_date: date, action: str = "continue") -> str:
    """The run_id of the night's latest check run if it passed and no load of the night came after it;
    otherwise raise CheckGateError naming the check run and its failed blocking expectations."""
    latest = con.execute(
        "select run_id, status, started_at from ops.runs where stage = 'check' and data_date = ? "
        "order by started_at desc limit 1",
        [run_date],
    ).fetchone()
    if latest is None:
        raise CheckGateError(
            f"refusing to {action} for {run_date}: no check has run for that night; "
            f"run `blindspot check --date {run_date}` first"
        )
    run_id, status, started_at = latest
    if status != "success":
        raise CheckGateError(f"refusing to {action} for {run_date}: {_failures(con, run_id)}")
    newer = con.execute(
        "select run_id from ops.runs where stage = 'load' and data_date = ? and finished_at > ? "
        "order by finished_at desc limit 1",
        [run_date, started_at],
    ).fetchone()
    if newer is not None:
        raise CheckGateError(
            f"refusing to {action} for {run_date}: check run {run_id} passed, but load run {newer[0]} of "
            f"the same night came after it; run `blindspot check --date {run_date}` again"
        )
    return run_id


def _failures(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    rows = con.execute(
        "select table_name, column_name, rule, expectation, observed_value from ops.check_results "
        "where run_id = ? and is_blocking and not success order by table_name, frame, column_name",
        [run_id],
    ).fetchall()
    named = "; ".join(
        f"{table}.{column}: {rule} ({expectation}) failed: {observed}"
        if column
        else f"{table}: {rule} failed"
        for table, column, rule, expectation, observed in rows[:MAX_NAMED]
    )
    more = f"; and {len(rows) - MAX_NAMED} more" if len(rows) > MAX_NAMED else ""
    return (
        f"check run {run_id} failed {len(rows)} blocking expectation(s): {named}{more} "
        "(all results: select * from ops.check_results where run_id = '" + run_id + "')"
    )
