"""Landing files: the one definition of their Arrow schemas, paths and atomic writing."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

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
            ("admin1", pa.string()),
            ("location", pa.string()),
            ("started_on", pa.date32()),
            ("ended_on", pa.date32()),
            ("victims", pa.int32()),
            ("person_name", pa.string()),
            ("organization", pa.string()),
            ("description", pa.string()),
            ("url", pa.string()),
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
            ("admin1", pa.string()),
            ("location", pa.string()),
            ("latitude", pa.float64()),
            ("longitude", pa.float64()),
            ("occurred_on", pa.date32()),
            ("fatalities", pa.int32()),
            ("actor1", pa.string()),
            ("actor2", pa.string()),
            ("notes", pa.string()),
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


def stable_id(*parts: object) -> str:
    """A short, stable hex id from the parts of a natural key."""
    digest = hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8"))
    return digest.hexdigest()[:20]


def new_run_id(stage: str, data_date: date) -> str:
    return f"{stage}-{data_date.isoformat()}-{uuid.uuid4().hex[:8]}"


def landing_path(landing_dir: Path, kind: str, source_id: str, data_date: date, run_id: str) -> Path:
    return landing_dir / kind / source_id / data_date.isoformat() / f"{run_id}.parquet"


def write_landing_file(
    landing_dir: Path, kind: str, source_id: str, data_date: date, run_id: str, table: pa.Table
) -> Path:
    """Write one landing file atomically (temp file, then rename), so a loader never reads half a file."""
    schema = LANDING_SCHEMAS[kind]
    table = table.select(schema.names).cast(schema)
    path = landing_path(landing_dir, kind, source_id, data_date, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return path


def rows_to_table(kind: str, rows: list[dict]) -> pa.Table:
    """Build a landing table from row dicts (collector side; the warehouse side never goes row by row)."""
    schema = LANDING_SCHEMAS[kind]
    return pa.Table.from_pylist(
        [{name: row.get(name) for name in schema.names} for row in rows], schema=schema
    )


def land_rows(
    landing_dir: Path,
    source_id: str,
    data_date: date,
    run_id: str,
    rows_by_kind: dict[str, list[dict]],
    always: frozenset[str] = frozenset({"fetch_events"}),
) -> list[Path]:
    """Write one landing file per kind that has rows (or is in `always`, so an empty night still shows)."""
    return [
        write_landing_file(landing_dir, kind, source_id, data_date, run_id, rows_to_table(kind, rows))
        for kind, rows in rows_by_kind.items()
        if rows or kind in always
    ]
