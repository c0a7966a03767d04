"""Collector state files: conditional-GET validators and known URLs, exported by the warehouse as Parquet,
read by collectors, so collectors never open DuckDB."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

FETCH_STATE_FILE = "fetch_state.parquet"
KNOWN_URLS_FILE = "known_urls.parquet"


def state_dir(home: Path) -> Path:
    return home / "state"


def read_fetch_state(home: Path) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    path = state_dir(home) / FETCH_STATE_FILE
    if not path.exists():
        return {}
    rows = pq.read_table(path).to_pylist()
    return {(r["source_id"], r["url"]): (r["etag"], r["last_modified"]) for r in rows}


def read_known_urls(home: Path, source_ids: set[str]) -> dict[str, set[str]]:
    path = state_dir(home) / KNOWN_URLS_FILE
    known: dict[str, set[str]] = {s: set() for s in source_ids}
    if not path.exists():
        return known
    table = pq.read_table(path, filters=[("source_id", "in", sorted(source_ids))]) if source_ids else None
    for row in table.to_pylist() if table is not None else []:
        known[row["source_id"]].add(row["canonical_url"])
    return known
