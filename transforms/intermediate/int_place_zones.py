"""int_place_zones: the zones a dataset record's own place fields name, read by the news items' zone tagger.

One row per distinct (country, admin1, location) of the staged access incidents and conflict events, and
per zone the place names, with `placed_by`: the field that named it. The location is read first, as a
headline is ("Beit Lahiya, Gaza", "Jenin camp"), with the aliases, admin-1 areas and GeoNames towns of
config/zones.yml and config/aliases.generated.yml, and the same rules of evidence (transforms.udf.geotag):
a zone counts only when it lies in the record's country, and the zones it lies within count too. When
the location names no zone, the admin-1 area is read. A place no field names stays out of this table;
the incident and event models then place the record in its country's zone.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from core.registry import Registry
from transforms.udf.geotag import ZoneTagger

TABLE = "intermediate.int_place_zones"
READS = ("staging.stg_access_incidents", "staging.stg_conflict_events", "staging.stg_zones")
PROVIDES = [TABLE]
PLACE_FIELDS = ("location", "admin1")  # read in this order; the first that names a zone places the record
PLACES = """
select distinct country, admin1, location
from (
    select country, admin1, location from staging.stg_access_incidents
    union all
    select country, admin1, location from staging.stg_conflict_events
)
where country is not null and (admin1 is not null or location is not null)
"""
SCHEMA = pa.schema(
    [
        ("country", pa.string()),
        ("admin1", pa.string()),
        ("location", pa.string()),
        ("zone_id", pa.string()),
        ("placed_by", pa.string()),
        ("place", pa.string()),  # the words of the field that placed it
    ]
)


def build(con: duckdb.DuckDBPyConnection, registry: Registry) -> int:
    """Tag every distinct place of the staged records; returns how many places a zone was found for."""
    tagger = ZoneTagger(registry.zones)
    countries = {zone.id: frozenset(zone.countries) for zone in registry.zones}
    rows: list[dict] = []
    placed = 0
    for country, admin1, location in con.execute(PLACES).fetchall():
        fields = {"location": location, "admin1": admin1}
        for field in PLACE_FIELDS:
            if not fields[field]:
                continue
            zones = [m.zone_id for m in tagger.tag(fields[field]) if country in countries.get(m.zone_id, ())]
            if zones:
                placed += 1
                rows += [
                    {
                        "country": country,
                        "admin1": admin1,
                        "location": location,
                        "zone_id": zone_id,
                        "placed_by": field,
                        "place": fields[field],
                    }
                    for zone_id in zones
                ]
                break
    zoned = pa.Table.from_pylist(rows, schema=SCHEMA)  # noqa: F841 (read by the SQL below)
    con.execute(f"create or replace table {TABLE} as select * from zoned")
    return placed
