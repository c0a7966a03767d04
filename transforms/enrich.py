"""Python models: zone tags, datelines, frames and incident mentions for items not yet enriched, in batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from blindspot.registry import Registry, load_country_names
from transforms.udf.dateline import DatelineResolver
from transforms.udf.frames import FrameDetector, IncidentDetector
from transforms.udf.geotag import ZoneTagger

BATCH = 20_000
# A registry folder without its own lexicons/ uses the ones shipped in config/.
SHIPPED_CONFIG = Path(__file__).resolve().parents[1] / "config"
TABLES = {
    "int_items_tagged_to_zones": "item_id varchar, zone_id varchar, score double, admin1_id varchar, "
    "in_title boolean, in_dateline boolean, body_hits integer, rank integer",
    "int_items_with_datelines": "item_id varchar, dateline_place varchar, dateline_country varchar, "
    "dateline_agency varchar, dateline_zone_id varchar, ambiguous_zone_id varchar",
    "int_items_with_frames": "item_id varchar, frame varchar",
    "int_items_with_incidents": "item_id varchar, incident_kind varchar",
    "int_items_enriched": "item_id varchar",  # which items the tables above already cover
}
PENDING = """
select item_id, coalesce(title, '') as title, coalesce(lead_text, '') as lead_text,
       concat_ws(chr(10), lead_text, nullif(summary, lead_text), body_text) as text, language
from staging.stg_items
where item_id not in (select item_id from intermediate.int_items_enriched)
order by item_id
"""


class Enricher:
    """The UDF objects for one registry, built once per run."""

    def __init__(self, registry: Registry):
        names = load_country_names(registry.config_dir)
        self.tagger = ZoneTagger(registry.zones, names)
        self.resolver = DatelineResolver(registry.zones, names)
        lexicons = registry.config_dir if (registry.config_dir / "lexicons").is_dir() else SHIPPED_CONFIG
        self.frames = FrameDetector.from_config(lexicons)
        self.incidents = IncidentDetector.from_config(lexicons)

    def batch(self, rows: pa.Table) -> dict[str, pa.Table]:
        ids = rows.column("item_id").to_pylist()
        tags = self.tagger.tag_table(rows, "title", "text", "language")
        tags = tags.append_column(
            "item_id", pa.array([ids[i] for i in tags.column("item_index").to_pylist()], pa.string())
        )
        datelines = []
        for item_id, lead, language in zip(
            ids, rows.column("lead_text").to_pylist(), rows.column("language").to_pylist(), strict=True
        ):
            found = self.resolver.extract(lead, language or "en") if lead else None
            if found:
                datelines.append(
                    {
                        "item_id": item_id,
                        "dateline_place": found.place,
                        "dateline_country": found.country,
                        "dateline_agency": found.agency,
                        "dateline_zone_id": found.zone_id,
                        "ambiguous_zone_id": found.ambiguous_zone_id,
                    }
                )
        frames = self.frames.detect_table(rows, "text", "language")
        incidents = self.incidents.detect_table(rows, "text", "language")
        return {
            "int_items_tagged_to_zones": tags,
            "int_items_with_datelines": pa.Table.from_pylist(datelines) if datelines else None,
            "int_items_with_frames": _labelled(frames, ids, "frame"),
            "int_items_with_incidents": _labelled(incidents, ids, "incident_kind"),
            "int_items_enriched": pa.table({"item_id": pa.array(ids, pa.string())}),
        }


def _labelled(table: pa.Table, ids: list[str], name: str) -> pa.Table | None:
    if table.num_rows == 0:
        return None
    rows, labels = table.column(0).to_pylist(), table.column(1).to_pylist()
    return pa.table(
        {"item_id": pa.array([ids[r] for r in rows], pa.string()), name: pa.array(labels, pa.string())}
    )


def enrich_items(con: duckdb.DuckDBPyConnection, registry: Registry, full_refresh: bool = False) -> int:
    """Enrich the items not yet enriched (all of them on a full refresh); returns how many."""
    for name, columns in TABLES.items():
        if full_refresh:
            con.execute(f"drop table if exists intermediate.{name}")
        con.execute(f"create table if not exists intermediate.{name} ({columns})")
    enricher: Enricher | None = None
    done = 0
    pending = con.sql(PENDING).to_arrow_table()
    for rows in pending.to_batches(BATCH):
        enricher = enricher or Enricher(registry)
        for name, batch_rows in enricher.batch(pa.Table.from_batches([rows])).items():
            if batch_rows is None or batch_rows.num_rows == 0:
                continue
            if "item_index" in batch_rows.column_names:
                batch_rows = batch_rows.drop_columns(["item_index"])
            con.execute(f"insert into intermediate.{name} by name select * from batch_rows")
        done += rows.num_rows
    return done


MODELS: dict[str, Callable[[duckdb.DuckDBPyConnection, Registry, bool], int]] = {
    "int_items_enriched": enrich_items
}
PROVIDES = {"int_items_enriched": [f"intermediate.{name}" for name in TABLES]}
