"""marts.alerts: each night's episodes merged into alerts with stable ids that open once and resolve."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from alerts.config import load_alerts_config
from alerts.evaluate import evaluate, read_inputs
from alerts.evidence import gather
from alerts.schema import COLUMNS, EVIDENCE_COLUMNS, TABLE, ensure_table
from warehouse.connect import rollback

log = logging.getLogger(__name__)

# The values that make a row "changed" (updated_on moves to the run date when one of them does).
TRACKED = ["severity", "status", "resolved_on", "observed", "expected", "ratio", "p_value", "message"]


def alert_id(zone_id: str, kind: str, source_id: str | None, opened_on: date) -> str:
    """Stable id: the same zone, kind, source and opening day always give the same id."""
    key = f"{zone_id}|{kind}|{source_id or ''}|{opened_on.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _as_date(value: object) -> date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date()


def _span(opened: date, resolved: date | None, run_date: date) -> tuple[date, date]:
    return opened, resolved or run_date


def _continues(prior: dict, found: dict, run_date: date) -> bool:
    """A found episode continues a prior alert when their spans overlap (data revisions move openings)."""
    p0, p1 = _span(prior["opened_on"], prior["resolved_on"], run_date)
    f0, f1 = _span(found["opened_on"], found["resolved_on"], run_date)
    return p0 <= f1 and f0 <= p1


def _same(a: dict, b: dict) -> bool:
    for column in TRACKED:
        x, y = a[column], b[column]
        if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
            continue
        if x != y:
            return False
    return True


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict("records"):
        for column in ("opened_on", "resolved_on", "baseline_start", "baseline_end", "updated_on"):
            if column in row:
                row[column] = _as_date(row[column])
        for column in ("observed", "expected", "ratio", "p_value"):
            row[column] = float(row[column]) if row[column] is not None else float("nan")
        row["source_id"] = row["source_id"] if isinstance(row["source_id"], str) else None
        if "first_seen" in row:
            row["first_seen"] = row["first_seen"] if isinstance(row["first_seen"], str) else None
        out.append(row)
    return out


def first_seen(row: dict, run_date: date) -> str:
    """The alert's values on the night it was first found, as JSON (what its "opened" event carries)."""
    values = {"as_of": run_date.isoformat()}
    for column in TRACKED:
        value = row[column]
        if isinstance(value, float) and np.isnan(value):
            value = None
        values[column] = value.isoformat() if isinstance(value, date) else value
    return json.dumps(values, sort_keys=True)


def merge(prior: pd.DataFrame, found: pd.DataFrame, run_date: date) -> list[dict]:
    """The new table: a found episode keeps the id and opening day of the prior alert it continues.

    Prior alerts opened after the run date are dropped (re-running an earlier night rewinds); a prior open
    alert that no found episode continues any more resolves on the run date, so what was sent stays true.
    """
    priors = [p for p in _records(prior) if p["opened_on"] <= run_date]
    priors.sort(key=lambda p: (p["opened_on"], p["alert_id"]))
    used: set[str] = set()
    rows = []
    for ep in sorted(
        _records(found), key=lambda e: (e["opened_on"], e["zone_id"], e["kind"], e["source_id"] or "")
    ):
        key = (ep["zone_id"], ep["kind"], ep["source_id"])
        candidates = [
            p
            for p in priors
            if (p["zone_id"], p["kind"], p["source_id"]) == key and p["alert_id"] not in used
        ]
        match = next((p for p in candidates if p["opened_on"] == ep["opened_on"]), None)
        match = match or next((p for p in candidates if _continues(p, ep, run_date)), None)
        row = dict(ep, status="open" if ep["resolved_on"] is None else "resolved")
        if match is None:
            row |= {"alert_id": alert_id(ep["zone_id"], ep["kind"], ep["source_id"], ep["opened_on"])}
            row["updated_on"] = run_date
            row["first_seen"] = first_seen(row, run_date)
        else:
            used.add(match["alert_id"])
            row |= {"alert_id": match["alert_id"], "opened_on": match["opened_on"]}
            unchanged = _same(row, match) and match["updated_on"] <= run_date
            row["updated_on"] = match["updated_on"] if unchanged else run_date
            row["first_seen"] = match.get("first_seen") or first_seen(row, run_date)
        rows.append(row)
    for p in priors:
        if p["alert_id"] in used:
            continue
        if p["status"] == "open":
            note = " Resolved: the condition no longer holds on the revised data."
            p |= {"status": "resolved", "resolved_on": run_date, "message": p["message"] + note}
            p["updated_on"] = run_date
        rows.append(p)
    rows.sort(key=lambda r: (r["opened_on"], r["zone_id"], r["kind"], r["source_id"] or "", r["alert_id"]))
    return rows


@dataclass(frozen=True)
class AlertsSummary:
    run_date: date
    alerts: int
    open: int
    changed: int  # rows whose updated_on is the run date


def read_alerts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """marts.alerts as it stands (empty, with its columns, before the first evaluation)."""
    ensure_table(con)
    return con.execute(f"select {', '.join(COLUMNS)} from marts.alerts").df()


def build_alerts(con: duckdb.DuckDBPyConnection, config_dir: Path, run_date: date) -> AlertsSummary:
    """Evaluate every alert kind for the run date and rewrite marts.alerts in one transaction."""
    config = load_alerts_config(config_dir)
    found = evaluate(read_inputs(con, run_date), run_date, config)
    con.execute("begin transaction")
    try:
        rows = merge(read_alerts(con), found, run_date)
        evidence = gather(con, rows, run_date, config.delivery.report_base_url)
        for row in rows:
            row |= evidence.get(row["alert_id"], dict.fromkeys(EVIDENCE_COLUMNS))
        table = pa.Table.from_pylist([{c: _nan_to_none(r[c]) for c in COLUMNS} for r in rows], schema=TABLE)
        con.execute("delete from marts.alerts")
        con.register("alerts_batch", table)
        try:
            con.execute("insert into marts.alerts select * from alerts_batch")
        finally:
            con.unregister("alerts_batch")
        con.execute("commit")
    except BaseException as exc:
        rollback(con, exc)
        raise
    open_now = sum(r["status"] == "open" for r in rows)
    changed = sum(r["updated_on"] == run_date for r in rows)
    log.info("marts.alerts for %s: %d alerts, %d open, %d changed", run_date, len(rows), open_now, changed)
    return AlertsSummary(run_date, len(rows), open_now, changed)


def _nan_to_none(value: object) -> object:
    return None if isinstance(value, float) and np.isnan(value) else value
