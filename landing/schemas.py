"""Landing schemas: the one definition of each landed kind's columns, natural key and target table."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

# Each landing kind loads into the raw table of the same name.
LANDING_SCHEMAS: dict[str, pa.Schema] = {
    "items": pa.schema(
        [
            ("item_id", pa.string()),
            ("source_id", pa.string()),
            ("url", pa.string()),
            ("canonical_url", pa.string()),
            ("title", pa.string()),
            ("summary", pa.string()),
            ("body_text", pa.string()),
            ("lead_text", pa.string()),
            ("language", pa.string()),
            ("author", pa.string()),
            ("published_at", TS),
            ("fetched_at", TS),
            ("run_id", pa.string()),
            ("data_date", pa.date32()),
        ]
    ),
    "fetch_events": pa.schema(
        [
            ("event_id", pa.string()),
            ("source_id", pa.string()),
            ("url", pa.string()),
            ("started_at", TS),
            ("duration_ms", pa.float64()),
            ("http_status", pa.int32()),
            ("bytes", pa.int64()),
            ("items", pa.int32()),
            ("error", pa.string()),
            ("error_detail", pa.string()),
            ("is_not_modified", pa.bool_()),
            ("etag", pa.string()),
            ("last_modified", pa.string()),
            ("run_id", pa.string()),
            ("data_date", pa.date32()),
        ]
    ),
    "access_incidents": pa.schema(
        [
            ("incident_id", pa.string()),
            ("source_id", pa.string()),
            ("dataset_format", pa.string()),
            ("record_key", pa.string()),
            ("kind", pa.string()),
            ("country", pa.string()),
            ("country_name", pa.string()),  # the country as the dataset writes it, when it writes a name
            ("admin1", pa.string()),
            ("location", pa.string()),
            ("started_on", pa.date32()),
            ("ended_on", pa.date32()),
            ("victims", pa.int32()),
            ("person_name", pa.string()),
            ("organization", pa.string()),
            ("description", pa.string()),
            ("url", pa.string()),
            ("collected_at", TS),  # when the file was collected: of two revisions, the later wins
            ("source_modified_at", TS),  # the dataset's own last-modified time of the record, when it has one
            ("row_position", pa.int32()),  # its position in the file: the last tie-break
            ("run_id", pa.string()),
            ("data_date", pa.date32()),
        ]
    ),
    "conflict_events": pa.schema(
        [
            ("event_id", pa.string()),
            ("source_id", pa.string()),
            ("dataset_format", pa.string()),
            ("record_key", pa.string()),
            ("event_type", pa.string()),
            ("country", pa.string()),
            ("country_name", pa.string()),
            ("admin1", pa.string()),
            ("location", pa.string()),
            ("latitude", pa.float64()),
            ("longitude", pa.float64()),
            ("occurred_on", pa.date32()),
            ("fatalities", pa.int32()),
            ("actor1", pa.string()),
            ("actor2", pa.string()),
            ("notes", pa.string()),
            ("collected_at", TS),  # when the file was collected: of two revisions, the later wins
            ("source_modified_at", TS),  # the dataset's own last-modified time of the record, when it has one
            ("row_position", pa.int32()),  # its position in the file: the last tie-break
            ("run_id", pa.string()),
            ("data_date", pa.date32()),
        ]
    ),
    "external_volume": pa.schema(
        [
            ("volume_id", pa.string()),
            ("source_id", pa.string()),
            ("dataset_format", pa.string()),
            ("series", pa.string()),
            ("country", pa.string()),
            ("day", pa.date32()),
            ("value", pa.float64()),
            ("total", pa.float64()),
            ("collected_at", TS),  # when the file was collected: of two revisions, the later wins
            ("source_modified_at", TS),  # the dataset's own last-modified time of the record, when it has one
            ("row_position", pa.int32()),  # its position in the file: the last tie-break
            ("run_id", pa.string()),
            ("data_date", pa.date32()),
        ]
    ),
    "rejected_rows": pa.schema(
        [
            ("rejected_id", pa.string()),
            ("source_id", pa.string()),
            ("target_table", pa.string()),
            ("locator", pa.string()),
            ("field", pa.string()),
            ("rule", pa.string()),
            ("reason", pa.string()),
            ("record", pa.string()),
            ("run_id", pa.string()),
            ("data_date", pa.date32()),
        ]
    ),
}

# The natural key of each landing kind: loading a row whose key is already in raw adds nothing.
NATURAL_KEYS: dict[str, str] = {
    "items": "item_id",
    "fetch_events": "event_id",
    "access_incidents": "incident_id",
    "conflict_events": "event_id",
    "external_volume": "volume_id",
    "rejected_rows": "rejected_id",
}

# Where each landing kind is loaded: schema.table.
TARGET_TABLES: dict[str, str] = {kind: f"raw.{kind}" for kind in LANDING_SCHEMAS} | {
    "rejected_rows": "ops.rejected_rows"
}

# Columns a landed row must have; the loader rejects a row missing one (with its reason), and the raw
# table declares them NOT NULL. Every kind also needs the run that landed it and its night.
REQUIRED: dict[str, tuple[str, ...]] = {
    kind: (*columns, "run_id", "data_date")
    for kind, columns in {
        "items": ("item_id", "source_id", "url", "canonical_url", "fetched_at"),
        "fetch_events": ("event_id", "source_id", "url", "started_at"),
        "access_incidents": ("incident_id", "source_id", "dataset_format", "kind"),
        "conflict_events": ("event_id", "source_id", "dataset_format"),
        "external_volume": ("volume_id", "source_id", "dataset_format", "series", "day"),
        "rejected_rows": ("rejected_id", "target_table", "rule", "reason"),
    }.items()
}
