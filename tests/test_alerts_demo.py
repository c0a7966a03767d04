"""marts.alerts on the default demo world (seeds 7 and 99): each scripted event against its truth, delivery, re-runs."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

DROP_KINDS = {"reporting_drop", "presence_drop"}


# The default seed's world is shared with other tests; another seed's world costs about 4 minutes more, so
# it runs when asked: DEMO_SEEDS=7,99 make test (or .venv/bin/pytest tests/test_alerts_demo.py).
SEEDS = [int(s) for s in os.environ.get("DEMO_SEEDS", "7").split(",") if s.strip()]


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def demo_world(request, default_demo, tmp_path_factory: pytest.TempPathFactory):
    """The default scenario's world with the default seed (shared with other tests), or another seed's."""
    if request.param == 7:
        return default_demo
    from blindspot.demo.runner import run_demo
    from core.settings import Settings

    home = tmp_path_factory.mktemp(f"demo-seed-{request.param}")
    return run_demo(Settings.from_env(environ={}, home=home), "default", seed=request.param)


@pytest.fixture(scope="module")
def demo_alerts(demo_world) -> tuple[dict, pd.DataFrame]:
    settings = demo_world.settings
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        alerts = con.execute("select * from marts.alerts").df()
    finally:
        con.close()
    for column in ("opened_on", "resolved_on"):
        alerts[column] = pd.to_datetime(alerts[column]).dt.date
    return demo_world.truth, alerts


def events(truth: dict, kind: str) -> list[dict]:
    return [e for e in truth["events"] if e["kind"] == kind]


def test_demo_each_event_raises_its_expected_alerts_by_its_deadline(demo_alerts) -> None:
    truth, alerts = demo_alerts
    missed = []
    for event in truth["events"]:
        onset = date.fromisoformat(event["onset"])
        for kind in event["expected_alerts"]:
            deadline = onset + timedelta(days=event["detect_within_days"])
            hits = alerts[
                (alerts["zone_id"] == event["zone_id"])
                & (alerts["kind"] == kind)
                & (alerts["opened_on"] >= onset - timedelta(days=3))
                & (alerts["opened_on"] <= deadline)
            ]
            if hits.empty:
                missed.append(f"{event['zone_id']} {event['kind']}: no {kind} opened by {deadline}")
    assert not missed, missed


def test_demo_collection_failure_raises_collection_gap_and_no_drop(demo_alerts) -> None:
    truth, alerts = demo_alerts
    for event in events(truth, "collection_failure"):
        onset, end = date.fromisoformat(event["onset"]), date.fromisoformat(event["end"])
        during = alerts[
            (alerts["zone_id"] == event["zone_id"])
            & (alerts["opened_on"] >= onset)
            & (alerts["opened_on"] <= end + timedelta(days=7))
        ]
        assert not set(during["kind"]) & (DROP_KINDS | {"source_silent"}), during[["kind", "opened_on"]]
        assert "collection_gap" in set(during["kind"])


def test_demo_spike_and_low_volume_zones_raise_no_drop(demo_alerts) -> None:
    """No drop on the low-volume zone, nor on the spike zone in the three weeks after its spike (with the
    default seed, none on the spike zone at all)."""
    truth, alerts = demo_alerts
    drops = alerts[alerts["kind"].isin(DROP_KINDS)]
    low = {e["zone_id"] for e in events(truth, "low_volume")}
    wrong = [drops[drops["zone_id"].isin(low)]]
    for event in events(truth, "spike"):
        onset, end = date.fromisoformat(event["onset"]), date.fromisoformat(event["end"])
        after = drops["opened_on"].between(onset, end + timedelta(days=21))
        everywhere = truth["seed"] == 7
        wrong.append(drops[(drops["zone_id"] == event["zone_id"]) & (after | everywhere)])
    wrong = pd.concat(wrong)
    assert wrong.empty, wrong[["zone_id", "kind", "opened_on"]]


def test_demo_recovery_zone_resolves(demo_alerts) -> None:
    truth, alerts = demo_alerts
    for event in events(truth, "recovery"):
        onset, end = date.fromisoformat(event["onset"]), date.fromisoformat(event["end"])
        drop = alerts[
            (alerts["zone_id"] == event["zone_id"])
            & (alerts["kind"] == "reporting_drop")
            & (alerts["opened_on"] >= onset - timedelta(days=3))
            & (alerts["opened_on"] <= end)
        ]
        assert not drop.empty and (drop["status"] == "resolved").all()
        assert (drop["resolved_on"] >= end).all()


def test_demo_delivered_every_state_change_once(default_demo) -> None:
    settings = default_demo.settings
    lines = [json.loads(x) for x in settings.alerts_path.read_text(encoding="utf-8").splitlines()]
    keys = [(x["alert_id"], x["state"]) for x in lines]
    assert keys and len(keys) == len(set(keys))
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        recorded = con.execute(
            "select count(*) from ops.alert_deliveries where channel = 'jsonl' and status = 'delivered'"
        ).fetchone()[0]
    finally:
        con.close()
    assert recorded == len(keys)
    assert default_demo.delivery is not None and default_demo.delivery.delivered.get("jsonl") == len(keys)


def test_demo_rerunning_the_last_night_changes_nothing_and_sends_nothing(default_demo) -> None:
    from blindspot import pipeline

    settings = default_demo.settings
    ctx = pipeline.Context.create(settings)
    night = default_demo.nights[-1]

    def table() -> pd.DataFrame:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            return con.execute("select * from marts.alerts order by alert_id").df()
        finally:
            con.close()

    before = table()
    summary = pipeline.transform_stage(ctx, night, ["marts.alerts"])
    assert list(summary.models) == ["marts.alerts"]
    pd.testing.assert_frame_equal(before, table())
    lines = settings.alerts_path.read_text(encoding="utf-8")
    again = pipeline.alert_stage(ctx, night)
    assert again.delivered == {} and again.failed == {}
    assert settings.alerts_path.read_text(encoding="utf-8") == lines


def test_demo_blackout_zone_raises_source_silent_for_its_silent_outlets(demo_world, demo_alerts) -> None:
    """An outlet with regular items about the blackout zone before onset and none after, fetched successfully.

    With seed 99 no outlet is that regular and that silent (its two silent outlets are sparser), so the
    check runs on the default seed's world, where atlas-broadcast is.
    """
    truth, alerts = demo_alerts
    if truth["seed"] != 7:
        pytest.skip("the seed-99 world has no outlet with 20 items in 56 days that then falls silent")
    con = duckdb.connect(str(demo_world.settings.warehouse_path), read_only=True)
    try:
        for event in events(truth, "blackout"):
            onset = date.fromisoformat(event["onset"])
            silent = con.execute(
                """
                select source_id
                from intermediate.int_items_in_zones
                where zone_id = $zone
                group by source_id
                having count(*) filter (where reported_date between $onset - 56 and $onset - 1) >= 20
                   and count(*) filter (where reported_date >= $onset + 3) = 0
                """,
                {"zone": event["zone_id"], "onset": onset},
            ).fetchall()
            assert silent, f"{event['zone_id']}: the scenario has no outlet that falls silent"
            raised = alerts[
                (alerts["zone_id"] == event["zone_id"])
                & (alerts["kind"] == "source_silent")
                & (alerts["opened_on"] >= onset)
            ]
            assert {s for (s,) in silent} <= set(raised["source_id"]), raised[["source_id", "opened_on"]]
    finally:
        con.close()


def test_every_alert_carries_its_evidence_and_the_blackout_zones_shows_why(default_demo) -> None:
    """Each alert names its zone and report page and has its collection health; the blackout zone's drop
    lists the outlets that went silent (none heard from since before it opened), its last inside dateline,
    and the shutdown in its incidents. A delivered "opened" event says as of which night its values are."""
    truth = json.loads((default_demo.settings.demo_dir / "truth.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(default_demo.settings.warehouse_path), read_only=True)
    try:
        alerts = con.execute("select * from marts.alerts").df()
        latest_inside = {  # the zone's newest item datelined inside it, found without the evidence code
            zone: (day, source)
            for zone, day, source in con.execute(
                "select zone_id, reported_date, source_id from intermediate.int_items_in_zones "
                "where is_inside_dateline qualify row_number() over "
                "(partition by zone_id order by reported_date desc, item_id) = 1"
            ).fetchall()
        }
    finally:
        con.close()
    assert alerts["zone_name"].notna().all() and alerts["collection_health"].notna().all()
    assert (alerts["report_url"] == "zone-" + alerts["zone_id"] + ".html").all()
    for event in events(truth, "blackout"):
        onset = date.fromisoformat(event["onset"])
        drop = alerts[(alerts["zone_id"] == event["zone_id"]) & (alerts["kind"] == "reporting_drop")]
        drop = drop[drop["opened_on"].dt.date >= onset].iloc[0]
        opened = drop["opened_on"].date()
        silent = json.loads(drop["silent_outlets"])
        assert silent, "the blackout's drop lists no silent outlet"
        assert all(date.fromisoformat(o["last_item_on"]) < opened for o in silent)
        assert [o["baseline_share"] for o in silent] == sorted(
            (o["baseline_share"] for o in silent), reverse=True
        )
        inside = json.loads(drop["last_inside_dateline"])
        assert (date.fromisoformat(inside["day"]), inside["source_id"]) == latest_inside[event["zone_id"]]
        assert inside["url"].startswith("http")
        kinds = {i["kind"] for i in json.loads(drop["incidents"])}
        assert "shutdown" in kinds, kinds
        seen = json.loads(drop["first_seen"])
        assert date.fromisoformat(seen["as_of"]) >= opened
    delivered = [
        json.loads(line)
        for line in default_demo.settings.alerts_path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    opened_events = [d for d in delivered if d["state"] == "opened"]
    assert opened_events and all("values_as_of" in d and d["zone_name"] for d in opened_events)
