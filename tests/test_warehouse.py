"""Warehouse: migrations from empty, idempotent bulk loading, rejection, and crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from blindspot import pipeline
from core.settings import Settings
from landing.files import rows_to_table, stable_id, write_landing_file
from landing.schemas import LANDING_SCHEMAS
from warehouse.connect import connect, current_revision, head_revision, upgrade
from warehouse.load import load

NIGHT = date(2026, 11, 1)


def items_table(
    n: int, source_id: str = "wire-one", start: int = 0, run_id: str = "r1", night: date = NIGHT
) -> pa.Table:
    ids = np.arange(start, start + n).astype(str)
    now = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)
    return pa.table(
        {
            "item_id": pa.array(np.char.add(f"{source_id}-", ids)),
            "source_id": pa.array([source_id] * n),
            "url": pa.array(np.char.add("http://example.test/a/", ids)),
            "canonical_url": pa.array(np.char.add("http://example.test/a/", ids)),
            "title": pa.array(np.char.add("Title ", ids)),
            "fetched_at": pa.array([now] * n, pa.timestamp("us", tz="UTC")),
            "run_id": pa.array([run_id] * n),
            "data_date": pa.array([night] * n, pa.date32()),
        }
    )


def full(table: pa.Table, kind: str = "items") -> pa.Table:
    schema = LANDING_SCHEMAS[kind]
    cols = [
        table[c] if c in table.column_names else pa.nulls(len(table), f.type)
        for c, f in zip(schema.names, schema, strict=True)
    ]
    return pa.Table.from_arrays(cols, schema=schema)


def table_counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'ops') order by 1"
        ).fetchall()
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}
    finally:
        con.close()


def test_migrations_from_empty_then_noop(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    assert current_revision(path) is None
    before, after = upgrade(path)
    assert (before, after) == (None, head_revision())
    con = connect(path)
    schemas = {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
    tables = {
        r[0]
        for r in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    }
    con.close()
    assert {"raw", "staging", "intermediate", "marts", "ops"} <= schemas
    assert {
        "raw.items",
        "raw.fetch_events",
        "raw.access_incidents",
        "raw.conflict_events",
        "raw.external_volume",
        "raw.registry_zones",
        "raw.registry_sources",
        "ops.runs",
        "ops.rejected_rows",
    } <= tables
    mtime = path.stat().st_mtime_ns
    assert upgrade(path) == (head_revision(), head_revision())
    assert path.stat().st_mtime_ns == mtime, "a second upgrade must not write"


def test_load_is_idempotent(settings: Settings) -> None:
    landing = settings.landing_dir
    write_landing_file(landing, "items", "wire-one", NIGHT, "r1", full(items_table(1000)))
    ctx = pipeline.Context.create(settings)
    first = pipeline.load_stage(ctx, NIGHT)
    assert first.rows_inserted == 1000
    counts = table_counts(settings.warehouse_path)
    # same files again: skipped; new file with the same natural keys: adds nothing
    assert pipeline.load_stage(ctx, NIGHT).rows_inserted == 0
    write_landing_file(landing, "items", "wire-one", NIGHT, "r2", full(items_table(1000, run_id="r2")))
    assert pipeline.load_stage(ctx, NIGHT).rows_inserted == 0
    after = table_counts(settings.warehouse_path)
    assert after["raw.items"] == counts["raw.items"] == 1000
    assert after["raw.registry_zones"] == 2 and after["raw.registry_sources"] == 2  # the zone, its country


def test_duplicates_inside_one_batch_load_once(settings: Settings) -> None:
    table = full(items_table(100))
    write_landing_file(
        settings.landing_dir, "items", "wire-one", NIGHT, "r1", pa.concat_tables([table, table])
    )
    with pipeline.warehouse(settings, creates=True) as con:
        assert load(con, settings.landing_dir, NIGHT).rows_inserted == 100


def test_rows_missing_required_values_are_rejected_with_reason(settings: Settings) -> None:
    rows = [
        {"item_id": "a", "source_id": "wire-one", "url": "http://x/a", "canonical_url": "http://x/a"},
        {"item_id": None, "source_id": "wire-one", "url": "http://x/b", "canonical_url": "http://x/b"},
    ]
    for row in rows:
        row |= {"fetched_at": datetime(2026, 11, 1, tzinfo=UTC), "run_id": "r1", "data_date": NIGHT}
    path = write_landing_file(
        settings.landing_dir, "items", "wire-one", NIGHT, "r1", rows_to_table("items", rows)
    )
    with pipeline.warehouse(settings, creates=True) as con:
        summary = load(con, settings.landing_dir, NIGHT)
        rejected = con.execute(
            "select target_table, locator, field, rule, reason from ops.rejected_rows"
        ).fetchall()
    assert summary.rows_inserted == 1
    assert rejected == [("raw.items", str(path), "item_id", "not_null", "required value is missing")]


def test_unreadable_file_is_rejected_once_and_others_load(settings: Settings) -> None:
    write_landing_file(settings.landing_dir, "items", "wire-one", NIGHT, "r1", full(items_table(10)))
    bad = settings.landing_dir / "items" / "state-tv" / NIGHT.isoformat() / "r1.parquet"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"PAR1 truncated")
    with pipeline.warehouse(settings, creates=True) as con:
        assert load(con, settings.landing_dir, NIGHT).rows_inserted == 10
        assert load(con, settings.landing_dir, NIGHT).rejected_files == []  # quarantined once, not again
        rejected = con.execute("select path, kind from ops.rejected_files").fetchall()
    assert rejected == [(f"landing/items/state-tv/{NIGHT}/r1.parquet", "items")]  # tests/test_quarantine.py


def test_rerun_of_a_night_replaces_its_fetch_events(settings: Settings) -> None:
    def events(run_id: str, n: int, hour: int) -> pa.Table:
        rows = [
            {
                "event_id": stable_id(run_id, i),
                "source_id": "wire-one",
                "url": "http://x/feed",
                "started_at": datetime(2026, 11, 1, hour, i, tzinfo=UTC),
                "http_status": 200,
                "run_id": run_id,
                "data_date": NIGHT,
            }
            for i in range(n)
        ]
        return rows_to_table("fetch_events", rows)

    write_landing_file(settings.landing_dir, "fetch_events", "wire-one", NIGHT, "r1", events("r1", 3, 1))
    with pipeline.warehouse(settings, creates=True) as con:
        load(con, settings.landing_dir, NIGHT)
    write_landing_file(settings.landing_dir, "fetch_events", "wire-one", NIGHT, "r2", events("r2", 2, 2))
    with pipeline.warehouse(settings, creates=True) as con:
        load(con, settings.landing_dir, NIGHT)
        runs = con.execute("select run_id, count(*) from raw.fetch_events group by 1").fetchall()
    assert runs == [("r2", 2)]


KILL_SCRIPT = """
import sys
from datetime import date
from pathlib import Path
from warehouse.connect import connect
from warehouse.load import load
con = connect(Path(sys.argv[1]))
print("loading", flush=True)
load(con, Path(sys.argv[2]), date.fromisoformat(sys.argv[3]))
print("done", flush=True)
"""


def test_sigkill_mid_batch_leaves_last_complete_state(tmp_path: Path) -> None:
    path, landing = tmp_path / "warehouse.duckdb", tmp_path / "landing"
    upgrade(path)
    write_landing_file(landing, "items", "wire-one", NIGHT, "r1", full(items_table(1000)))
    con = connect(path)
    load(con, landing, NIGHT)
    con.close()
    night2 = date(2026, 11, 2)
    for i in range(8):  # large enough that the batch is still running when killed
        table = full(items_table(400_000, source_id=f"src-{i}", run_id="r2", night=night2))
        write_landing_file(landing, "items", f"src-{i}", night2, "r2", table)
    before = table_counts(path)
    env = os.environ | {"PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(path), str(landing), night2.isoformat()],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout.readline().strip() == "loading"
    time.sleep(1.0)
    assert proc.poll() is None, "the loader finished before it could be killed; make the batch larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert table_counts(path) == before, "a killed batch must leave the last committed state"
    con = connect(path)
    summary = load(con, landing, night2)
    con.close()
    assert summary.rows_inserted == 3_200_000
    assert table_counts(path)["raw.items"] == 1000 + 3_200_000


def test_memory_limit_setting_reaches_every_stage_connection(tmp_path: Path) -> None:
    import pytest

    from core.settings import SettingsError

    settings = Settings.from_env(environ={"BLINDSPOT_MEMORY_LIMIT": "1.3GB"}, home=tmp_path)
    with pipeline.warehouse(settings, creates=True) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "1.2 GiB"
    with pytest.raises(SettingsError, match="BLINDSPOT_MEMORY_LIMIT='lots'"):
        Settings.from_env(environ={"BLINDSPOT_MEMORY_LIMIT": "lots"}, home=tmp_path)
