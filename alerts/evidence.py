"""The evidence an alert carries, so an analyst can act on it without a query: the zone's name and report
page, the outlets that went silent (the top ones by their share of the zone's baseline, with the day of
their last item), the last inside dateline (day, outlet, URL), the incidents of the window (kind, day,
dataset, URL) and the collection health over the alert's days. Computed for every alert in one query over
the night's marts; the lists are JSON text."""

from __future__ import annotations

import json
import logging
from datetime import date

import duckdb
import pyarrow as pa

from core.pages import zone_page_name

log = logging.getLogger(__name__)

SILENT_OUTLETS = 5  # the top outlets by baseline share listed as silent
INCIDENT_LOOKBACK_DAYS = 28  # incidents from this many days before the opening day to the alert's last day
MAX_INCIDENTS = 20

READS = (
    "marts.dim_zones",
    "marts.zone_outlet_weekly",
    "marts.fct_items",
    "marts.fct_incidents",
    "marts.zone_reporting_daily",
    "intermediate.int_items_in_zones",
)
QUERY = f"""
with alerts as (
    select alert_id, zone_id, opened_on, coalesce(resolved_on, $run_date::date) as last_day
    from alert_keys
),

outlets as (
    -- each outlet's share of the zone's reporting in the 12 weeks before the alert's opening week, and its
    -- last item about the zone up to the run date
    select a.alert_id, o.source_id, o.baseline_share, last.last_item_on
    from alerts as a
    inner join marts.zone_outlet_weekly as o
        on o.zone_id = a.zone_id and o.week_start = date_trunc('week', a.opened_on)::date
    inner join (
        select zone_id, source_id, max(last_item_on) as last_item_on
        from marts.zone_outlet_weekly
        where week_start <= $run_date::date
        group by all
    ) as last on last.zone_id = o.zone_id and last.source_id = o.source_id
    where o.baseline_share > 0 and last.last_item_on < a.opened_on
),

silent as (
    select alert_id, to_json(list(
        {{'source_id': source_id, 'baseline_share': round(baseline_share, 4), 'last_item_on': last_item_on}}
        order by baseline_share desc, source_id
    )[1:{SILENT_OUTLETS}])::varchar as silent_outlets
    from outlets
    group by alert_id
),

inside as (
    select a.alert_id, to_json({{
        'day': z.reported_date, 'source_id': z.source_id, 'url': i.canonical_url, 'title': i.title
    }})::varchar as last_inside_dateline
    from alerts as a
    inner join intermediate.int_items_in_zones as z
        on z.zone_id = a.zone_id and z.is_inside_dateline and z.reported_date <= $run_date::date
    inner join marts.fct_items as i on i.item_id = z.item_id
    qualify row_number() over (partition by a.alert_id order by z.reported_date desc, z.item_id) = 1
),

window_incidents as (
    select a.alert_id, n.*
    from alerts as a
    inner join marts.fct_incidents as n
        on n.zone_id = a.zone_id
        and n.started_on <= a.last_day
        and coalesce(n.ended_on, n.started_on) >= a.opened_on - {INCIDENT_LOOKBACK_DAYS}
),

incident_entries as (
    -- each incident on its own, except outages (a row per day in connectivity datasets): one entry per
    -- dataset with their first and last day and how many days
    select alert_id, incident_kind as kind, started_on, ended_on, 1 as days, dataset_id, victims, url
    from window_incidents
    where incident_kind <> 'outage'
    union all
    select alert_id, 'outage', min(started_on), max(coalesce(ended_on, started_on)), count(*), dataset_id,
        null, null
    from window_incidents
    where incident_kind = 'outage'
    group by alert_id, dataset_id
),

incidents as (
    select alert_id, to_json(list(
        {{'kind': kind, 'started_on': started_on, 'ended_on': ended_on, 'days': days,
          'dataset_id': dataset_id, 'victims': victims, 'url': url}}
        order by started_on desc, kind, dataset_id
    )[1:{MAX_INCIDENTS}])::varchar as incidents
    from incident_entries
    group by alert_id
),

health as (
    select a.alert_id, round(avg(r.collection_health), 4) as collection_health
    from alerts as a
    inner join marts.zone_reporting_daily as r
        on r.zone_id = a.zone_id and r.day between a.opened_on and a.last_day
    group by a.alert_id
)

select
    a.alert_id,
    z.zone_name,
    s.silent_outlets,
    d.last_inside_dateline,
    n.incidents,
    h.collection_health
from alerts as a
left join marts.dim_zones as z using (zone_id)
left join silent as s using (alert_id)
left join inside as d using (alert_id)
left join incidents as n using (alert_id)
left join health as h using (alert_id)
"""


def report_url(zone_id: str, base_url: str | None) -> str:
    """The zone's report page: under the configured base URL, else the page name (relative to the report
    folder)."""
    page = zone_page_name(zone_id)
    return f"{base_url.rstrip('/')}/{page}" if base_url else page


def gather(
    con: duckdb.DuckDBPyConnection, rows: list[dict], run_date: date, base_url: str | None
) -> dict[str, dict]:
    """The evidence of each alert row (by alert_id), in one query over the marts the night built; none (and
    a warning naming what is missing) when a relation it reads has not been built."""
    if not rows:
        return {}
    built = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() union all "
            "select schema_name, view_name from duckdb_views()"
        ).fetchall()
    }
    missing = [r for r in READS if r not in built]
    if missing:
        log.warning("alerts carry no evidence: %s not built (run the whole transform)", ", ".join(missing))
        return {}
    keys = pa.Table.from_pylist(
        [{k: r[k] for k in ("alert_id", "zone_id", "opened_on", "resolved_on")} for r in rows],
        schema=pa.schema(
            [("alert_id", pa.string()), ("zone_id", pa.string()), ("opened_on", pa.date32()),
             ("resolved_on", pa.date32())]
        ),
    )  # fmt: skip
    con.register("alert_keys", keys)
    try:
        found = con.execute(QUERY, {"run_date": run_date}).fetchall()
    finally:
        con.unregister("alert_keys")
    zone_of = {r["alert_id"]: r["zone_id"] for r in rows}
    return {
        alert_id: {
            "zone_name": zone_name,
            "report_url": report_url(zone_of[alert_id], base_url),
            "silent_outlets": silent or "[]",
            "last_inside_dateline": inside,
            "incidents": incidents or "[]",
            "collection_health": health,
        }
        for alert_id, zone_name, silent, inside, incidents, health in found
    }


def summary_line(evidence: dict) -> str:
    """The evidence in one plain line for a webhook message."""
    parts = []
    silent = json.loads(evidence.get("silent_outlets") or "[]")
    if silent:
        parts.append(
            "silent outlets: "
            + ", ".join(f"{o['source_id']} (last item {o['last_item_on']})" for o in silent[:3])
        )
    inside = json.loads(evidence["last_inside_dateline"]) if evidence.get("last_inside_dateline") else None
    parts.append(
        f"last inside dateline: {inside['day']} ({inside['source_id']})" if inside else "no inside dateline"
    )
    incidents = json.loads(evidence.get("incidents") or "[]")
    if incidents:
        kinds: dict[str, int] = {}
        for i in incidents:  # outages are one entry of several days
            unit = i["days"] if i["kind"] == "outage" else 1
            kinds[i["kind"]] = kinds.get(i["kind"], 0) + unit
        parts.append(
            "incidents: "
            + ", ".join(f"{n} {k}{' days' if k == 'outage' else ''}" for k, n in sorted(kinds.items()))
        )
    if evidence.get("collection_health") is not None:
        parts.append(f"collection health {evidence['collection_health']:.2f}")
    return "; ".join(parts)
