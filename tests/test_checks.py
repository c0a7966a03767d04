"""Data-quality gates: broken batches fail the right expectation and hold alerts back; the clean demo passes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from blindspot import pipeline
from blindspot.cli import app
from checks.run import run_checks
from checks.suites import all_suites
from checks.suites.raw__items import SUITE as RAW_ITEMS
from core.registry import load_registry
from core.settings import Settings
from landing.files import rows_to_table, write_landing_file
from tests.conftest import warehouse_copy
from warehouse.connect import connect, upgrade
from warehouse.load import load


@pytest.fixture
def demo_copy(small_demo, tmp_path: Path) -> pipeline.Context:
    """A private copy of the small demo's warehouse, with its deliveries forgotten so alerts are pending."""
    settings = warehouse_copy(small_demo, tmp_path / "home")
    con = connect(settings.warehouse_path)
    con.execute("delete from ops.alert_deliveries")
    con.close()
    return pipeline.Context.create(settings)


def break_warehouse(ctx: pipeline.Context, *statements: str) -> None:
    con = connect(ctx.settings.warehouse_path)
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def assert_nothing_delivered(ctx: pipeline.Context, night: date, names: tuple[str, ...]) -> None:
    with pytest.raises(pipeline.CheckGateError) as refused:
        pipeline.alert_stage(ctx, night)
    assert all(name in str(refused.value) for name in names), refused.value
    assert not ctx.settings.alerts_path.exists()
    con = duckdb.connect(str(ctx.settings.warehouse_path), read_only=True)
    try:
        assert con.execute("select count(*) from ops.alert_deliveries").fetchone()[0] == 0
    finally:
        con.close()


def test_clean_demo_passes_every_suite(small_demo) -> None:
    summary = small_demo.check
    assert summary is not None and summary.passed
    assert [r.describe() for r in summary.results if not r.success] == []
    assert {r.suite for r in summary.results} == {s.name for s in all_suites()}
    con = duckdb.connect(str(small_demo.settings.warehouse_path), read_only=True)
    try:
        recorded = con.execute(
            "select count(*), count(*) filter (where success) from ops.check_results where run_id = ?",
            [summary.run_id],
        ).fetchone()
    finally:
        con.close()
    assert recorded == (len(summary.results), len(summary.results))
    assert small_demo.delivery is not None and small_demo.delivery.delivered  # the gate let delivery through


NIGHT = "(select max(data_date) from raw.items)"
BROKEN = {
    "duplicate key": (
        [f"insert into raw.items select * from raw.items where data_date = {NIGHT} limit 1"],
        ("raw.items", "item_id", "expect_column_values_to_be_unique"),
    ),
    "future date": (
        [
            "update raw.items set published_at = timestamptz '2031-01-01 00:00:00+00' where item_id = "
            f"(select min(item_id) from raw.items where data_date = {NIGHT})"
        ],
        ("raw.items", "published_at", "expect_column_values_to_be_between"),
    ),
    "missing calendar day": (
        [
            "delete from marts.zone_reporting_daily where zone_id = (select min(zone_id) from "
            "marts.zone_reporting_daily) and day = (select max(day) - 10 from marts.zone_reporting_daily)"
        ],
        ("marts.zone_reporting_daily", "day_rows,calendar_days", "expect_column_pair_values_to_be_equal"),
    ),
    "index of 140": (
        [
            "update marts.zone_denial_capacity_weekly set denial_capacity_index = 140 where zone_id = "
            "(select min(zone_id) from marts.zone_denial_capacity_weekly) and week_start = "
            "(select max(week_start) from marts.zone_denial_capacity_weekly)"
        ],
        ("marts.zone_denial_capacity_weekly", "denial_capacity_index", "expect_column_values_to_be_between"),
    ),
    "volume jumps 100x": (
        # the night's items of its busiest source with a history, each copied 100 times under new keys
        [
            "create temp table busiest as select source_id from raw.items "
            f"where data_date = {NIGHT} and source_id in (select source_id from raw.items "
            f"where data_date < {NIGHT} group by source_id having count(distinct data_date) >= 3) "
            "group by source_id order by count(*) desc limit 1",
            "insert into raw.items select i.* replace (md5(i.item_id || t.copy::varchar)[:20] as item_id) "
            f"from raw.items i, range(100) t(copy) where i.data_date = {NIGHT} "
            "and i.source_id = (select source_id from busiest)",
        ],
        ("raw.items", "max_items,new_items", "expect_column_pair_values_a_to_be_greater_than_b"),
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_batch_fails_its_expectation_and_holds_alerts(small_demo, demo_copy, case: str) -> None:
    statements, (table, column, expectation) = BROKEN[case]
    break_warehouse(demo_copy, *statements)
    night = small_demo.nights[-1]
    summary = pipeline.check_stage(demo_copy, night)
    assert not summary.passed
    failed = summary.failed_blocking
    assert [(r.table, r.rule.column, r.rule.expectation) for r in failed] == [(table, column, expectation)]
    message = failed[0].describe()
    assert table in message and column in message and expectation in message and "blocking" in message
    assert failed[0].failing_sample  # a sample of the failing rows, as JSON
    json.loads(failed[0].failing_sample)
    assert_nothing_delivered(demo_copy, night, (summary.run_id, table, column))


def test_cli_exits_1_on_a_blocking_failure_and_0_on_warnings(small_demo, demo_copy) -> None:
    night = small_demo.nights[-1].isoformat()
    env = {
        "BLINDSPOT_HOME": str(demo_copy.settings.home),
        "BLINDSPOT_CONFIG": str(demo_copy.settings.config_dir),
    }
    break_warehouse(
        demo_copy,
        "update raw.fetch_events set error = 'gremlins' where event_id = "
        f"(select min(event_id) from raw.fetch_events where data_date = '{night}')",
    )
    warned = CliRunner().invoke(app, ["check", "--date", night], env=env)
    assert warned.exit_code == 0, warned.output
    assert "0 blocking and 1 warning" in warned.output
    break_warehouse(demo_copy, "update marts.alerts set status = 'pending'")
    blocked = CliRunner().invoke(app, ["check", "--date", night], env=env)
    assert blocked.exit_code == 1, blocked.output
    assert (
        "marts.alerts.status: status is open or resolved (expect_column_values_to_be_in_set" in blocked.output
    )
    con = duckdb.connect(str(demo_copy.settings.warehouse_path), read_only=True)
    try:
        runs = con.execute(
            "select status from ops.runs where stage = 'check' and data_date = ? order by started_at", [night]
        ).fetchall()
        warning = con.execute(
            "select table_name, column_name, is_blocking, success from ops.check_results "
            "where data_date = ? and failing_sample like '%gremlins%'",
            [night],
        ).fetchone()
        kept = con.execute(
            "select count(distinct run_id) from ops.check_results where data_date = ?", [night]
        ).fetchone()[0]
    finally:
        con.close()
    assert [s for (s,) in runs][-2:] == ["success", "failed"]
    assert warning == ("raw.fetch_events", "error", False, False)
    assert kept == 1  # a re-run of the night's checks replaces its results


def test_a_load_after_the_check_makes_it_stale(small_demo, demo_copy) -> None:
    night = small_demo.nights[-1]
    pipeline.check_stage(demo_copy, night)
    break_warehouse(
        demo_copy,
        "update ops.runs set finished_at = now() + interval 1 minute where run_id = (select max(run_id) "
        f"from ops.runs where stage = 'load' and data_date = '{night}')",
    )
    assert_nothing_delivered(demo_copy, night, ("came after it",))


def test_loader_quarantines_bad_rows_and_the_raw_suite_then_passes(settings: Settings) -> None:
    night = date(2026, 3, 1)
    base = {
        "source_id": "wire-one",
        "canonical_url": "https://wire.example/a",
        "title": "t",
        "fetched_at": datetime(2026, 3, 1, 6, tzinfo=UTC),
        "run_id": "collect-test",
        "data_date": night,
        "language": "en",
        "published_at": datetime(2026, 3, 1, 5, tzinfo=UTC),
    }
    rows = {
        "good": {"url": "https://wire.example/a"},
        "no_language": {"url": "https://wire.example/b", "language": None},
        "url_well_formed": {"url": "wire.example/c"},
        "published_at_not_future": {
            "url": "https://wire.example/d",
            "published_at": datetime(2031, 1, 1, tzinfo=UTC),
        },
        "published_at_after_1990": {
            "url": "https://wire.example/e",
            "published_at": datetime(1985, 5, 1, tzinfo=UTC),
        },
        "language_code": {"url": "https://wire.example/f", "language": "english"},
        "not_null": {"url": None},
    }
    table = rows_to_table("items", [base | {"item_id": name} | row for name, row in rows.items()])
    write_landing_file(settings.landing_dir, "items", "wire-one", night, "collect-test", table)
    upgrade(settings.warehouse_path)
    con = connect(settings.warehouse_path)
    try:
        summary = load(con, settings.landing_dir, night)
        again = load(con, settings.landing_dir, night)  # idempotent: the file is not read twice
        kept = sorted(r[0] for r in con.execute("select item_id from raw.items").fetchall())
        rejected = dict(
            con.execute(
                "select json_extract_string(record, '$.item_id'), rule from ops.rejected_rows"
            ).fetchall()
        )
        reasons = [r[0] for r in con.execute("select reason from ops.rejected_rows order by rule").fetchall()]
        (batch,) = summary.batches
        assert (batch.rows_in, batch.rows_inserted, batch.rows_rejected) == (7, 2, 5)
        assert again.batches == []
        assert kept == ["good", "no_language"]
        assert rejected == {name: name for name in rows if name not in kept}
        assert any("english" in r for r in reasons) and any("2031" in r for r in reasons)
        checked = run_checks(con, night, load_registry(settings.config_dir), suites=[RAW_ITEMS])
        assert checked.passed and not checked.failed_warnings, [r.describe() for r in checked.results]
    finally:
        con.close()
