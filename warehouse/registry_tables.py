"""Copy the validated registry into raw.registry_zones and raw.registry_sources, as one batch."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from core.registry import Registry
from warehouse.connect import rollback
from warehouse.ops import utcnow


def _zones_table(registry: Registry, synced_at) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "zone_id": z.id,
                "name": z.name,
                "countries": list(z.countries),
                "level": z.level,
                "parent_zone_id": z.parent,
                "admin1_json": json.dumps([a.model_dump() for a in z.admin1], ensure_ascii=False),
                "aliases_json": json.dumps(z.aliases, ensure_ascii=False, sort_keys=True),
                "exclusions_json": json.dumps(z.exclusions, ensure_ascii=False, sort_keys=True),
                "synced_at": synced_at,
            }
            for z in registry.zones
        ],
        schema=pa.schema(
            [
                ("zone_id", pa.string()),
                ("name", pa.string()),
                ("countries", pa.list_(pa.string())),
                ("level", pa.string()),
                ("parent_zone_id", pa.string()),
                ("admin1_json", pa.string()),
                ("aliases_json", pa.string()),
                ("exclusions_json", pa.string()),
                ("synced_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    )


def _sources_table(registry: Registry, synced_at) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "source_id": s.id,
                "name": s.name,
                "kind": s.kind,
                "url": s.url,
                "languages": list(s.languages),
                "country": s.country,
                "tier": s.tier,
                "is_independent": s.is_independent,
                "independence_reason": s.independence_reason,
                "zones": list(s.zones),
                "dataset_format": s.format,
                "is_enabled": s.enabled,
                "synced_at": synced_at,
            }
            for s in registry.sources
        ],
        schema=pa.schema(
            [
                ("source_id", pa.string()),
                ("name", pa.string()),
                ("kind", pa.string()),
                ("url", pa.string()),
                ("languages", pa.list_(pa.string())),
                ("country", pa.string()),
                ("tier", pa.string()),
                ("is_independent", pa.bool_()),
                ("independence_reason", pa.string()),
                ("zones", pa.list_(pa.string())),
                ("dataset_format", pa.string()),
                ("is_enabled", pa.bool_()),
                ("synced_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    )


def sync_registry(con: duckdb.DuckDBPyConnection, registry: Registry) -> tuple[int, int]:
    """Replace the registry tables with the current config in one transaction; returns (zones, sources)."""
    synced_at = utcnow()
    zones, sources = _zones_table(registry, synced_at), _sources_table(registry, synced_at)  # noqa: F841
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.registry_zones")
        con.execute("insert into raw.registry_zones by name select * from zones")
        con.execute("delete from raw.registry_sources")
        con.execute("insert into raw.registry_sources by name select * from sources")
        con.execute("commit")
    except BaseException as exc:
        rollback(con, exc)
        raise
    return len(registry.zones), len(registry.sources)
