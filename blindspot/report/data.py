"""What the report shows, read from the published snapshot in a few batch queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.publish import open_snapshot

HEADLINES = 12  # latest independent headlines listed on a zone page
FRAME_DAYS = 90  # frame shares are over the last 90 days of the snapshot
CLAIMS = 5  # latest counted denial claims shown on a zone page, under the frame chart
INCIDENT_WEIGHTS = {  # column -> (label, weight per unit), the index's a_90 weights
    "journalists_killed": ("killed", 5.0),
    "journalists_detained": ("detained or imprisoned", 3.0),
    "journalists_expelled": ("expelled or denied entry", 2.0),
    "journalists_attacked": ("attacked", 1.0),
    "shutdown_days": ("shutdown day", 1.0),
    "outage_days": ("outage day", 0.5),
}
COMPONENTS = [
    "density_deficit",
    "presence_deficit",
    "diversity_deficit",
    "access_restriction",
    "narrative_control",
    "conflict_intensity",
]


@dataclass
class ZoneData:
    zone_id: str
    zone_name: str
    daily: pd.DataFrame
    weekly: pd.DataFrame
    incidents: list[tuple[date, str, float]]
    frames: list[tuple[str, float]]
    alerts: pd.DataFrame
    headlines: pd.DataFrame
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)  # latest counted claims, newest first
    level: str = "zone"  # "country" for a country zone
    parent_zone_id: str | None = None  # the country zone of a zone
    parent_name: str | None = None
    children: list[tuple[str, str]] = field(default_factory=list)  # (zone_id, zone_name) of a country's zones
    last_inside_day: date | None = None
    summary: dict = field(default_factory=dict)


@dataclass
class Snapshot:
    meta: dict
    zones: list[ZoneData]

    @property
    def data_date(self) -> date:
        return self.meta["data_date"]


def read_snapshot(path: Path) -> Snapshot:
    """Every zone's series from the published file, opened read-only (it never blocks a publish)."""
    con = open_snapshot(path)
    try:
        row = con.execute("select * from meta").fetchone()  # python dates, not pandas Timestamps
        meta = dict(zip([d[0] for d in con.description], row, strict=True))
        as_of = meta["data_date"]
        tables = by_zone(con, as_of)
    finally:
        con.close()
    zones = []
    for z, name, level, parent, parent_name in tables["zones"].itertuples(index=False):
        data = zone_data(z, name, tables)
        data.level, data.parent_zone_id = level, parent if isinstance(parent, str) else None
        data.parent_name = parent_name if isinstance(parent_name, str) else None
        zones.append(data)
    for country in zones:
        country.children = [(z.zone_id, z.zone_name) for z in zones if z.parent_zone_id == country.zone_id]
    return Snapshot(meta, zones)


def frame(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> pd.DataFrame:
    return con.execute(query, params or {}).df()


def by_zone(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, pd.DataFrame]:
    """One frame per chart input, every zone at once; split per zone in Python."""
    p = {"as_of": as_of}
    return {
        "zones": frame(
            con,
            "select z.zone_id, z.zone_name, z.level, z.parent_zone_id, p.zone_name as parent_name "
            "from dim_zones as z left join dim_zones as p on p.zone_id = z.parent_zone_id order by z.zone_id",
        ),
        "daily": frame(
            con,
            "select zone_id, day, independent_stories, inside_dateline_stories, outside_dateline_stories, "
            "outlet_diversity, independent_outlets, collection_health from zone_reporting_daily "
            "where day <= $as_of order by zone_id, day",
            p,
        ),
        "weekly": frame(
            con,
            "select zone_id, week_start, days_observed, is_complete_week, denial_capacity_index, "
            "independent_stories_week, independent_stories_baseline, "
            f"{', '.join(COMPONENTS)}, null_reasons from zone_denial_capacity_weekly "
            "where week_start <= $as_of order by zone_id, week_start",
            p,
        ),
        "access": frame(
            con,
            f"select zone_id, day, {', '.join(INCIDENT_WEIGHTS)} from zone_access_daily "
            f"where day <= $as_of and ({' + '.join(INCIDENT_WEIGHTS)}) > 0 order by zone_id, day",
            p,
        ),
        "frames": frame(
            con,
            """
            with items as (
                select best_zone_id as zone_id, is_state_affiliated, frames from fct_items
                where best_zone_id is not null and is_claims_covered
                    and reported_date between $as_of - $days and $as_of
            )
            select zone_id, case when is_state_affiliated then 'state media' else 'other outlets' end as voice,
                   f.frame, count(*) / any_value(n) * 100 as share
            from (select *, count(*) over (partition by zone_id, is_state_affiliated) as n from items),
                 unnest(frames) as f(frame)
            group by all order by zone_id, share desc
            """,
            {**p, "days": FRAME_DAYS},
        ),
        "claims": frame(
            con,
            """
            select zone_id, day, frame, speaker_type, speaker, sentence, source_id, title, url
            from fct_claims
            where is_counted and is_original and day <= $as_of
            qualify row_number() over (partition by zone_id order by day desc, item_id, sentence) <= $n
            order by zone_id, day desc, item_id, sentence
            """,
            {**p, "n": CLAIMS},
        ),
        "alerts": frame(
            con,
            "select zone_id, kind, source_id, severity, status, opened_on, resolved_on, observed, expected, "
            "message, silent_outlets, last_inside_dateline, incidents, collection_health "
            "from alerts where opened_on <= $as_of order by zone_id, status = 'open' desc, opened_on desc",
            p,
        ),
        "headlines": frame(
            con,
            """
            select best_zone_id as zone_id, reported_date, source_id, title, canonical_url as url, dateline_place,
                   dateline_zone_id = best_zone_id as is_inside
            from fct_items
            where best_zone_id is not null and is_independent and is_original and reported_date <= $as_of
            qualify row_number() over (partition by best_zone_id order by reported_date desc, item_id) <= $n
            order by zone_id, reported_date desc
            """,
            {**p, "n": HEADLINES},
        ),
    }


def rows_of(table: pd.DataFrame, zone_id: str) -> pd.DataFrame:
    return table[table["zone_id"] == zone_id].reset_index(drop=True)


def zone_data(zone_id: str, zone_name: str, tables: dict[str, pd.DataFrame]) -> ZoneData:
    daily = rows_of(tables["daily"], zone_id)
    inside = daily.loc[daily["inside_dateline_stories"] > 0, "day"]
    return ZoneData(
        zone_id=zone_id,
        zone_name=zone_name,
        daily=daily,
        weekly=rows_of(tables["weekly"], zone_id),
        incidents=incident_events(rows_of(tables["access"], zone_id)),
        frames=[
            (f"{r.frame} ({r.voice})", float(r.share))
            for r in rows_of(tables["frames"], zone_id).itertuples(index=False)
        ],
        alerts=rows_of(tables["alerts"], zone_id),
        headlines=rows_of(tables["headlines"], zone_id),
        claims=rows_of(tables["claims"], zone_id),
        last_inside_day=as_date(inside.max()) if len(inside) else None,
    )


def incident_events(access: pd.DataFrame) -> list[tuple[date, str, float]]:
    """(day, kind, weighted incidents) for every kind with a count that day."""
    events = []
    for row in access.itertuples(index=False):
        for column, (label, weight) in INCIDENT_WEIGHTS.items():
            count = getattr(row, column)
            if count and count > 0:
                events.append((as_date(row.day), label, float(count) * weight))
    return events


def as_date(value: object) -> date:
    """pandas hands DuckDB dates back as Timestamps; the charts index days by datetime.date."""
    return pd.Timestamp(value).date()
