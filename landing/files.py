"""Landing files: ids, paths and atomic writing of the Parquet files collectors hand to the loader."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from landing.schemas import LANDING_SCHEMAS


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
