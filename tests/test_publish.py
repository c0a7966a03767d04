"""Publishing: a new snapshot file renamed over the old one, only after a passing check; `blindspot sql`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from blindspot import pipeline
from blindspot.cli import app
from core.settings import Settings
from tests.conftest import warehouse_copy
from warehouse.connect import connect, head_revision
from warehouse.ops import record_run, utcnow
from warehouse.publish import QueryError, mart_tables, open_snapshot, run_query


@pytest.fixture
def demo_copy(small_demo, tmp_path: Path) -> pipeline.Context:
    """A private copy of the small demo's warehouse, so a test may publish from it and change it."""
    return pipeline.Context.create(warehouse_copy(small_demo, tmp_path / "home"))


def last_night(small_demo) -> date:
    return small_demo.nights[-1]


def snapshot_state(con: duckdb.DuckDBPyConnection) -> tuple:
    run_id = con.execute("select run_id from meta").fetchone()[0]
    alerts = con.execute("select count(*) from alerts").fetchone()[0]
    return run_id, alerts


def test_publish_copies_every_mart_and_writes_meta(demo_copy, small_demo) -> None:
    night = last_night(small_demo)
    summary = pipeline.publish_stage(demo_copy, night)
    published = demo_copy.settings.published_path
    assert summary.path == published and published.exists()
    assert not list(published.parent.glob(".*building*")), "the building file is renamed, never left behind"
    with connect(demo_copy.settings.warehouse_path, read_only=True) as wh:
        marts = mart_tables(wh)
        expected = {t: wh.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in marts}
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        }
        meta = con.execute(
            "select data_date, run_id, schema_revision, check_run_id, row_counts from meta"
        ).fetchone()
    finally:
        con.close()
    assert {"zone_reporting_daily", "zone_denial_capacity_weekly", "dim_zones", "alerts", "meta"} <= tables
    assert tables == set(marts) | {"meta"}
    assert meta[0] == night and meta[1] == summary.run_id and meta[2] == head_revision()
    assert meta[3].startswith("check-")
    assert meta[4] == expected and expected["zone_reporting_daily"] > 0
    with connect(demo_copy.settings.warehouse_path, read_only=True) as wh:
        status = wh.execute("select status from ops.runs where run_id = ?", [summary.run_id]).fetchone()
    assert status == ("success",)
    # DuckDB's file header: magic at bytes 8-12, storage version after it; 64 is the v1.0 format, which the
    # DuckDB 1.x CLI and drivers analysts use can open (the warehouse itself is in the newest format)
    header = published.read_bytes()[:20]
    assert header[8:12] == b"DUCK" and int.from_bytes(header[12:20], "little") == 64


def test_a_killed_publish_leaves_nothing_behind_the_next(demo_copy, small_demo) -> None:
    published = demo_copy.settings.published_path
    published.parent.mkdir(parents=True, exist_ok=True)
    stale = published.with_name(f".{published.name}.publish-killed.building")
    for leftover in (stale, stale.with_name(stale.name + ".wal")):  # what kill -9 mid-publish leaves
        leftover.write_bytes(b"half a snapshot")
    pipeline.publish_stage(demo_copy, last_night(small_demo))
    assert sorted(p.name for p in published.parent.iterdir()) == [published.name]


def test_reader_keeps_its_view_during_a_publish(demo_copy, small_demo) -> None:
    night = last_night(small_demo)
    first = pipeline.publish_stage(demo_copy, night)
    reader = duckdb.connect(str(demo_copy.settings.published_path), read_only=True)
    try:
        before = snapshot_state(reader)
        assert before[0] == first.run_id and before[1] > 0
        with connect(demo_copy.settings.warehouse_path) as wh:  # the night's marts change, then publish again
            wh.execute("delete from marts.alerts where status = 'resolved'")
        second = pipeline.publish_stage(demo_copy, night)
        assert snapshot_state(reader) == before, "an open reader keeps the snapshot it opened"
        assert reader.execute("select count(*) from zone_reporting_daily").fetchone()[0] > 0
    finally:
        reader.close()
    fresh = duckdb.connect(str(demo_copy.settings.published_path), read_only=True)
    try:
        after = snapshot_state(fresh)
    finally:
        fresh.close()
    assert after[0] == second.run_id != first.run_id
    assert after[1] == second.row_counts["alerts"] < before[1]


def test_a_process_holding_the_old_snapshot_opens_the_new_one(demo_copy, small_demo) -> None:
    """A long-lived process (a notebook, a report server) keeps a reader open across a publish: its next
    open_snapshot sees the new snapshot, not the one its open connection holds."""
    night, path = last_night(small_demo), demo_copy.settings.published_path
    first = pipeline.publish_stage(demo_copy, night)
    held = open_snapshot(path)
    try:
        second = pipeline.publish_stage(demo_copy, night)
        assert held.execute("select run_id from meta").fetchone()[0] == first.run_id  # its own view stays
        again = open_snapshot(path)
        try:
            assert again.execute("select run_id from meta").fetchone()[0] == second.run_id != first.run_id
        finally:
            again.close()
        assert run_query(path, "select run_id from meta").rows == [(second.run_id,)]
    finally:
        held.close()


def test_failed_check_publishes_nothing_and_keeps_the_last_snapshot(demo_copy, small_demo) -> None:
    night = last_night(small_demo)
    good = pipeline.publish_stage(demo_copy, night)
    published = demo_copy.settings.published_path
    stamp = published.stat().st_mtime_ns
    with connect(demo_copy.settings.warehouse_path) as wh:  # a later check run of the night that failed
        wh.execute("begin transaction")
        record_run(wh, f"check-{night}-failed00", "check", night, utcnow(), "failed")
        wh.execute("commit")
    with pytest.raises(pipeline.CheckGateError, match="refusing to publish"):
        pipeline.publish_stage(demo_copy, night)
    assert published.stat().st_mtime_ns == stamp
    assert run_query(published, "select run_id from meta").rows == [(good.run_id,)]


def test_publish_without_any_check_is_refused(settings: Settings) -> None:
    pipeline.db_upgrade(settings)
    ctx = pipeline.Context.create(settings)
    with pytest.raises(pipeline.CheckGateError, match="no check has run"):
        pipeline.publish_stage(ctx, date(2026, 1, 1))
    assert not settings.published_path.exists()


def test_sql_reads_the_snapshot_and_refuses_writes(demo_copy, small_demo) -> None:
    pipeline.publish_stage(demo_copy, last_night(small_demo))
    path = demo_copy.settings.published_path
    result = run_query(
        path, "select zone_id, count(*) as days from zone_reporting_daily group by 1 order by 1"
    )
    assert result.columns == ["zone_id", "days"] and len(result.rows) == len(small_demo.truth["zones"])
    with pytest.raises(QueryError, match="read-only"):
        run_query(path, "delete from alerts")
    with pytest.raises(QueryError, match="no_such_table"):
        run_query(path, "select * from no_such_table")


def test_sql_cli_formats(demo_copy, small_demo, monkeypatch) -> None:
    pipeline.publish_stage(demo_copy, last_night(small_demo))
    monkeypatch.setenv("BLINDSPOT_HOME", str(demo_copy.settings.home))
    runner = CliRunner()
    query = "select zone_id, zone_name from dim_zones order by zone_id"
    as_csv = runner.invoke(app, ["sql", query, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    lines = as_csv.output.splitlines()
    assert lines[0] == "zone_id,zone_name" and len(lines) == 1 + len(small_demo.truth["zones"])
    as_json = runner.invoke(app, ["sql", query, "--format", "json"])
    first = json.loads(as_json.output.splitlines()[0])
    assert set(first) == {"zone_id", "zone_name"}
    as_table = runner.invoke(app, ["sql", query])
    assert as_table.exit_code == 0 and "zone_name" in as_table.output
    bad = runner.invoke(app, ["sql", "select * from nowhere"])
    assert bad.exit_code == 2 and "nowhere" in bad.output


def test_publish_cli_refuses_without_check(settings: Settings, monkeypatch) -> None:
    pipeline.db_upgrade(settings)
    monkeypatch.setenv("BLINDSPOT_HOME", str(settings.home))
    result = CliRunner().invoke(
        app, ["publish", "--date", "2026-01-01", "--config", str(settings.config_dir)]
    )
    assert result.exit_code == 1
    assert "last good snapshot stays" in " ".join(result.output.split())  # rich wraps long lines
    assert not settings.published_path.exists()
