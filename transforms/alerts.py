"""marts.alerts: every alert kind evaluated over the marts up to a run date, with a stable lifecycle."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from transforms import drops
from transforms.alert_kinds import (
    EPISODE_COLUMNS,
    access_incident,
    dense,
    keep_presence_drops,
    severity,
    source_silent,
    window_sum,
)
from transforms.alerts_config import AlertsConfig, load_alerts_config
from transforms.params import load_drop_config

log = logging.getLogger(__name__)

COLUMNS = [
    "alert_id",
    "zone_id",
    "kind",
    "severity",
    "status",
    "opened_on",
    "resolved_on",
    "observed",
    "expected",
    "ratio",
    "p_value",
    "message",
    "source_id",
    "baseline_start",
    "baseline_end",
    "updated_on",
]
DDL = """
create table if not exists marts.alerts (
    alert_id varchar not null,
    zone_id varchar not null,
    kind varchar not null,
    severity varchar not null,
    status varchar not null,
    opened_on date not null,
    resolved_on date,
    observed double,
    expected double,
    ratio double,
    p_value double,
    message varchar not null,
    source_id varchar,
    baseline_start date,
    baseline_end date,
    updated_on date not null
)
"""
# The values that make a row "changed" (updated_on moves to the run date when one of them does).
TRACKED = ["severity", "status", "resolved_on", "observed", "expected", "ratio", "p_value", "message"]
HEALTH_WEIGHT_DAYS = 84  # trailing days whose stories weight each source in a zone's collection health
HEALTH_WEIGHT_GUARD = 7  # recent days left out, so a failing source keeps its usual weight while it fails


@dataclass(frozen=True)
class AlertInputs:
    """The mart extracts every rule reads, all cut at the run date."""

    series: pd.DataFrame  # zone_id, day, independent_stories, inside_dateline_stories, collection_health
    source_items: pd.DataFrame  # source_id, zone_id, day, items, stories
    fetches: pd.DataFrame  # source_id, day, fetches, failures
    access: pd.DataFrame  # zone_access_daily columns


def read_inputs(con: duckdb.DuckDBPyConnection, run_date: date) -> AlertInputs:
    """Read the marts up to the run date (never after it) into pandas, one query per input."""
    p = {"run_date": run_date}

    def frame(sql: str) -> pd.DataFrame:
        df = con.execute(sql, p).df()
        if "day" in df:
            df["day"] = pd.to_datetime(df["day"])
        return df

    return AlertInputs(
        series=frame(
            "select zone_id, day, independent_stories, inside_dateline_stories, collection_health "
            "from marts.zone_reporting_daily where day <= $run_date::date order by zone_id, day"
        ),
        source_items=frame(
            "select source_id, zone_id, reported_date as day, count(*) as items, "
            "count(*) filter (where is_independent and is_original) as stories "
            "from intermediate.int_items_in_zones where reported_date <= $run_date::date group by all"
        ),
        fetches=frame(
            "select source_id, day, fetches, failures from marts.source_health_daily "
            "where day <= $run_date::date"
        ),
        access=frame("select * from marts.zone_access_daily where day <= $run_date::date"),
    )


def story_weighted_health(inputs: AlertInputs, run_date: date) -> pd.DataFrame:
    """Per zone and day: the share of the zone's usual independent stories whose sources we fetched successfully.

    A wire that fails matters more to a zone than a source that rarely covers it; the mart's fetch-count
    share treats them alike. Days without any weighted source fetched are left null (not tested as gaps).
    """
    items, fetches = inputs.source_items, inputs.fetches
    if items.empty or fetches.empty:
        return pd.DataFrame(columns=["zone_id", "day", "weighted_health"])
    days = pd.date_range(min(items["day"].min(), fetches["day"].min()), pd.Timestamp(run_date), freq="D")
    pairs, stories = dense(items, ["source_id", "zone_id"], "stories", days)
    weight = window_sum(stories, HEALTH_WEIGHT_DAYS, lag=HEALTH_WEIGHT_GUARD)
    f_index, fetched = dense(fetches, ["source_id"], "fetches", days)
    _, failed = dense(fetches, ["source_id"], "failures", days)
    rows = f_index.get_indexer(pairs.get_level_values("source_id"))
    pair_fetched = np.where(rows[:, None] >= 0, fetched[np.maximum(rows, 0)], 0.0)
    pair_failed = np.where(rows[:, None] >= 0, failed[np.maximum(rows, 0)], 0.0)
    seen = pair_fetched > 0
    ok = np.where(seen, 1.0 - pair_failed / np.maximum(pair_fetched, 1), 0.0)
    frame = pd.DataFrame(
        {
            "zone_id": np.repeat(pairs.get_level_values("zone_id"), len(days)),
            "day": np.tile(days, len(pairs)),
            "w": (weight * seen).ravel(),
            "wok": (weight * seen * ok).ravel(),
        }
    )
    total = frame.groupby(["zone_id", "day"], as_index=False)[["w", "wok"]].sum()
    total["weighted_health"] = np.where(
        total["w"] > 0, total["wok"] / total["w"].where(total["w"] > 0), np.nan
    )
    return total[["zone_id", "day", "weighted_health"]]


def _from_detector(found: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """The detector's episodes in the episode layout (filling the columns it may not provide)."""
    df = found.copy()
    if kind is not None:
        df = df[df["kind"] == "reporting_drop"].assign(kind=kind)
    if "ratio" not in df:
        df["ratio"] = df["observed"] / df["expected"].where(df["expected"] > 0)
    if "severity" not in df:
        df["severity"] = [severity(r, p) for r, p in zip(df["ratio"], df["p_value"], strict=True)]
    if "message" not in df:
        df["message"] = df["zone_id"] + ": " + df["kind"] + " since " + df["opened_on"].astype(str)
    df["source_id"] = None
    for column in ("baseline_start", "baseline_end"):
        if column not in df:
            df[column] = None
    return df.reindex(columns=EPISODE_COLUMNS)


def evaluate(
    inputs: AlertInputs, run_date: date, config: AlertsConfig, drop_config: drops.DropConfig | None = None
) -> pd.DataFrame:
    """Every alert episode up to the run date, one row each, in the episode layout."""
    series = inputs.series.copy()
    health = story_weighted_health(inputs, run_date)
    series = series.merge(health, on=["zone_id", "day"], how="left")
    series["collection_health"] = series["weighted_health"].fillna(series["collection_health"])
    zone_level = _from_detector(
        drops.detect(series[["zone_id", "day", "independent_stories", "collection_health"]], drop_config)
    )
    inside = series[["zone_id", "day", "inside_dateline_stories", "collection_health"]].rename(
        columns={"inside_dateline_stories": "independent_stories"}
    )
    presence = _from_detector(drops.detect(inside, drop_config), kind="presence_drop")
    presence = keep_presence_drops(presence, series, run_date, config.presence_drop)
    silent = source_silent(inputs.source_items, inputs.fetches, run_date, config.source_silent)
    silent = _outside_zone_alerts(silent, zone_level, run_date)
    access = access_incident(inputs.access, run_date, config.access_incident)
    parts = [p for p in (zone_level, presence, silent, access) if not p.empty]
    if not parts:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _outside_zone_alerts(silent: pd.DataFrame, zone_level: pd.DataFrame, run_date: date) -> pd.DataFrame:
    """Drop source_silent episodes that open while the zone already has a reporting_drop open.

    A collection_gap does not hide them: source_silent already requires the source's own fetches to succeed.
    """
    drops_only = zone_level[zone_level["kind"] == "reporting_drop"] if not zone_level.empty else zone_level
    if silent.empty or drops_only.empty:
        return silent
    spans = drops_only.assign(until=drops_only["resolved_on"].fillna(run_date))
    covered = silent.merge(spans[["zone_id", "opened_on", "until"]], on="zone_id", suffixes=("", "_zone"))
    inside = covered[
        (covered["opened_on"] >= covered["opened_on_zone"]) & (covered["opened_on"] <= covered["until"])
    ]
    drop = set(zip(inside["zone_id"], inside["source_id"], inside["opened_on"], strict=True))
    keys = zip(silent["zone_id"], silent["source_id"], silent["opened_on"], strict=True)
    return silent[[k not in drop for k in keys]].reset_index(drop=True)


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
        out.append(row)
    return out


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
        else:
            used.add(match["alert_id"])
            row |= {"alert_id": match["alert_id"], "opened_on": match["opened_on"]}
            unchanged = _same(row, match) and match["updated_on"] <= run_date
            row["updated_on"] = match["updated_on"] if unchanged else run_date
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


SCHEMA = pa.schema(
    [
        ("alert_id", pa.string()),
        ("zone_id", pa.string()),
        ("kind", pa.string()),
        ("severity", pa.string()),
        ("status", pa.string()),
        ("opened_on", pa.date32()),
        ("resolved_on", pa.date32()),
        ("observed", pa.float64()),
        ("expected", pa.float64()),
        ("ratio", pa.float64()),
        ("p_value", pa.float64()),
        ("message", pa.string()),
        ("source_id", pa.string()),
        ("baseline_start", pa.date32()),
        ("baseline_end", pa.date32()),
        ("updated_on", pa.date32()),
    ]
)


@dataclass(frozen=True)
class AlertsSummary:
    run_date: date
    alerts: int
    open: int
    changed: int  # rows whose updated_on is the run date


def read_alerts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """marts.alerts as it stands (empty, with its columns, before the first evaluation)."""
    con.execute(DDL)
    return con.execute(f"select {', '.join(COLUMNS)} from marts.alerts").df()


def build_alerts(con: duckdb.DuckDBPyConnection, config_dir: Path, run_date: date) -> AlertsSummary:
    """Evaluate every alert kind for the run date and rewrite marts.alerts in one transaction."""
    config = load_alerts_config(config_dir)
    found = evaluate(read_inputs(con, run_date), run_date, config, load_drop_config(config_dir))
    con.execute("begin transaction")
    try:
        rows = merge(read_alerts(con), found, run_date)
        table = pa.Table.from_pylist([{c: _nan_to_none(r[c]) for c in COLUMNS} for r in rows], schema=SCHEMA)
        con.execute("delete from marts.alerts")
        con.register("alerts_batch", table)
        try:
            con.execute("insert into marts.alerts select * from alerts_batch")
        finally:
            con.unregister("alerts_batch")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    open_now = sum(r["status"] == "open" for r in rows)
    changed = sum(r["updated_on"] == run_date for r in rows)
    log.info("marts.alerts for %s: %d alerts, %d open, %d changed", run_date, len(rows), open_now, changed)
    return AlertsSummary(run_date, len(rows), open_now, changed)


def _nan_to_none(value: object) -> object:
    return None if isinstance(value, float) and np.isnan(value) else value
