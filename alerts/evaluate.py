"""Every alert rule evaluated over the marts up to a run date: one row per episode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from alerts import drops
from alerts.config import AlertsConfig
from alerts.holidays import quiet_days
from alerts.kinds import access_incident, dense, keep_presence_drops, source_silent, window_sum
from alerts.schema import EPISODE_COLUMNS

OUTLET_SHARE = (
    0.1  # an outlet with this share of a zone's independent stories brings its holidays to the zone
)
HEALTH_WEIGHT_DAYS = 84  # trailing days whose stories weight each source in a zone's collection health
HEALTH_WEIGHT_GUARD = 7  # recent days left out, so a failing source keeps its usual weight while it fails


@dataclass(frozen=True)
class AlertInputs:
    """The mart extracts every rule reads, all cut at the run date."""

    series: pd.DataFrame  # zone_id, day, independent_stories, inside_dateline_stories, collection_health
    source_items: pd.DataFrame  # source_id, zone_id, day, items, stories
    fetches: pd.DataFrame  # source_id, day, fetches, failures
    access: pd.DataFrame  # zone_access_daily columns
    zone_countries: dict[str, list[str]]  # zone_id -> ISO alpha-3 codes of its countries
    source_countries: dict[str, str]  # source_id -> the outlet's country (alpha-3), where known


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
        zone_countries=_registry(con, "select zone_id, countries from raw.registry_zones"),
        source_countries=_registry(
            con, "select source_id, country from raw.registry_sources where country is not null"
        ),
    )


def _registry(con: duckdb.DuckDBPyConnection, sql: str) -> dict:
    """Pairs from the synced registry; none in a warehouse that holds only marts (no holidays are known)."""
    try:
        return dict(con.execute(sql).fetchall())
    except duckdb.CatalogException:
        return {}


def zone_holidays(inputs: AlertInputs) -> pd.DataFrame:
    """zone_id, day, holiday: each zone's known quiet days over its series, from its countries' calendars and
    those of the outlets that carry at least OUTLET_SHARE of its independent stories."""
    series, items = inputs.series, inputs.source_items
    if series.empty:
        return pd.DataFrame(columns=["zone_id", "day", "holiday"])
    totals = items.groupby(["zone_id", "source_id"])["stories"].sum()
    shares = totals / totals.groupby(level="zone_id").transform("sum").where(lambda s: s > 0)
    rows = []
    for zone_id, days in series.groupby("zone_id")["day"]:
        carriers = (
            shares.loc[zone_id] if zone_id in shares.index.get_level_values(0) else pd.Series(dtype=float)
        )
        outlets = [
            inputs.source_countries[s]
            for s in carriers[carriers >= OUTLET_SHARE].index
            if s in inputs.source_countries
        ]
        calendar = quiet_days(
            inputs.zone_countries.get(zone_id, []), days.min().date(), days.max().date(), outlets
        )
        rows += [(zone_id, pd.Timestamp(day), name) for day, name in calendar.items()]
    return pd.DataFrame(rows, columns=["zone_id", "day", "holiday"])


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
    """The detector's episodes in the episode layout; `kind` renames its reporting_drop episodes."""
    df = found.copy()
    if kind is not None:
        df = df[df["kind"] == "reporting_drop"].assign(kind=kind)
    df["source_id"] = None
    return df.reindex(columns=EPISODE_COLUMNS)


def evaluate(inputs: AlertInputs, run_date: date, config: AlertsConfig) -> pd.DataFrame:
    """Every alert episode up to the run date, one row each, in the episode layout."""
    series = inputs.series.copy()
    health = story_weighted_health(inputs, run_date)
    series = series.merge(health, on=["zone_id", "day"], how="left")
    series["collection_health"] = series["weighted_health"].fillna(series["collection_health"])
    drop_config = config.reporting_drop
    if drop_config.use_holidays:
        series = series.merge(zone_holidays(inputs), on=["zone_id", "day"], how="left")
    else:
        series["holiday"] = None
    zone_level = _from_detector(
        drops.detect(
            series[["zone_id", "day", "independent_stories", "collection_health", "holiday"]], drop_config
        )
    )
    inside = series[["zone_id", "day", "inside_dateline_stories", "collection_health", "holiday"]].rename(
        columns={"inside_dateline_stories": "independent_stories"}
    )
    presence = _from_detector(drops.detect(inside, drop_config), kind="presence_drop")
    presence = keep_presence_drops(presence, series, run_date, config.presence_drop)
    silent = source_silent(inputs.source_items, inputs.fetches, run_date, config.source_silent, drop_config)
    silent = _within_zone_drops(silent, zone_level, run_date)
    access = access_incident(inputs.access, run_date, config.access_incident)
    parts = [p for p in (zone_level, presence, silent, access) if not p.empty]
    if not parts:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _within_zone_drops(silent: pd.DataFrame, zone_level: pd.DataFrame, run_date: date) -> pd.DataFrame:
    """source_silent episodes that open while their zone has a reporting_drop open say so in their message.

    They are kept: which outlets fell silent in a zone that went dark is what an analyst asks next.
    """
    drops_only = zone_level[zone_level["kind"] == "reporting_drop"] if not zone_level.empty else zone_level
    if silent.empty or drops_only.empty:
        return silent
    spans = drops_only.assign(until=drops_only["resolved_on"].fillna(run_date))
    covered = silent.reset_index().merge(
        spans[["zone_id", "opened_on", "until"]], on="zone_id", suffixes=("", "_zone")
    )
    inside = covered[
        (covered["opened_on"] >= covered["opened_on_zone"]) & (covered["opened_on"] <= covered["until"])
    ].drop_duplicates("index")
    silent = silent.copy()
    note = "; the zone's reporting_drop since " + inside["opened_on_zone"].astype(str) + " is open"
    silent.loc[inside["index"], "message"] = silent.loc[inside["index"], "message"] + note.to_numpy()
    return silent
