"""Read-only questions the CLI asks of the warehouse (not stages of a night): the alerts, filtered."""

from __future__ import annotations

from datetime import date

from alerts.schema import SEVERITY_ORDER
from blindspot.pipeline import warehouse
from core.settings import Settings


class UnknownZone(ValueError):
    """A zone id the registry does not have (a typo must not read as "no alerts")."""


def list_alerts(
    settings: Settings, open_only: bool = False, zone_id: str | None = None, as_of: date | None = None
) -> list[dict]:
    """marts.alerts rows, read-only: open before resolved, then most severe first, then newest; `as_of` leaves
    out alerts opened after that night. An unknown zone id is UnknownZone."""
    with warehouse(settings, read_only=True) as con:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'alerts'"
        ).fetchone()[0]
        if zone_id is not None:  # the registry the warehouse last synced, and any zone an alert names
            named = "union select zone_id from marts.alerts" if found else ""
            query = f"select zone_id from raw.registry_zones {named} order by 1"
            known = [z for (z,) in con.execute(query).fetchall()]
            if zone_id not in known:
                raise UnknownZone(f"unknown zone id {zone_id!r}; the registry's zones: {', '.join(known)}")
        if not found:
            return []
        rows = con.execute(
            """
            select * from marts.alerts
            where ($open_only = false or status = 'open')
              and ($zone_id is null or zone_id = $zone_id)
              and ($as_of is null or opened_on <= $as_of)
            order by status = 'resolved', coalesce(list_position($severities, severity), 99), opened_on desc,
                     zone_id, kind, source_id
            """,
            {"open_only": open_only, "zone_id": zone_id, "as_of": as_of, "severities": list(SEVERITY_ORDER)},
        ).fetchall()
        columns = [d[0] for d in con.description]
    return [dict(zip(columns, row, strict=True)) for row in rows]
