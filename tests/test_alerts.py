"""marts.alerts: each kind on constructed marts in a real DuckDB file, the lifecycle, and the demo world's truth."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from alerts.config import load_alerts_config
from alerts.lifecycle import build_alerts
from core.registry import RegistryError

START = date(2026, 1, 1)
DAYS = 200
ZONES = ("zz-north", "zz-south")
DROP_KINDS = {"reporting_drop", "presence_drop"}


def day(i: int) -> date:
    return START + timedelta(days=i)


def marts(
    stories: dict[str, np.ndarray],
    inside: dict[str, np.ndarray] | None = None,
    source_items: list[tuple[str, str, np.ndarray, np.ndarray]] = (),
    access: dict[str, dict[str, np.ndarray]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The mart tables the alert rules read, with only the columns they use."""
    days = [day(i) for i in range(DAYS)]
    reporting = pd.concat(
        pd.DataFrame(
            {
                "zone_id": z,
                "day": days,
                "independent_stories": s.astype(int),
                "inside_dateline_stories": (inside or {}).get(z, np.round(s * 0.4)).astype(int),
                "collection_health": 1.0,
            }
        )
        for z, s in stories.items()
    )
    items = [
        pd.DataFrame({"source_id": src, "zone_id": z, "reported_date": days, "n": n.astype(int)})
        for src, z, n, _ in source_items
    ]
    items_frame = (
        pd.concat(items) if items else pd.DataFrame(columns=["source_id", "zone_id", "reported_date", "n"])
    )
    health = [
        pd.DataFrame({"source_id": src, "day": days, "fetches": 4, "failures": f.astype(int)})
        for src, _, _, f in source_items
    ]
    columns = ["journalists_killed", "journalists_detained", "journalists_expelled", "journalists_attacked"]
    columns += ["shutdown_days", "outage_days"]
    zone_access = []
    for z in stories:
        given = (access or {}).get(z, {})
        frame = pd.DataFrame({"zone_id": z, "day": days} | {c: given.get(c, np.zeros(DAYS)) for c in columns})
        weights = {"journalists_killed": 5, "journalists_detained": 3, "journalists_expelled": 2}
        weights |= {"journalists_attacked": 1, "shutdown_days": 1, "outage_days": 0.5}
        frame["weighted_incidents"] = sum(frame[c] * w for c, w in weights.items())
        zone_access.append(frame)
    return {
        "reporting": reporting,
        "items": items_frame,
        "health": pd.concat(health)
        if health
        else pd.DataFrame(columns=["source_id", "day", "fetches", "failures"]),
        "access": pd.concat(zone_access),
    }


def write_marts(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts; create schema if not exists intermediate")
        for name, frame in frames.items():
            con.register("frame", frame)
            if name == "items":
                # one row per item, as int_items_in_zones has
                con.execute(
                    "create or replace table intermediate.int_items_in_zones as "
                    "select source_id, zone_id, reported_date::date as reported_date, true as is_independent, "
                    "true as is_original from frame, range(n::bigint)"
                )
            else:
                table = {
                    "reporting": "zone_reporting_daily",
                    "health": "source_health_daily",
                    "access": "zone_access_daily",
                }[name]
                con.execute(
                    f"create or replace table marts.{table} as select * replace (day::date as day) from frame"
                )
            con.unregister("frame")
    finally:
        con.close()


def run(path: Path, run_date: date, config_dir: Path) -> pd.DataFrame:
    con = duckdb.connect(str(path))
    try:
        build_alerts(con, config_dir, run_date)
        return con.execute("select * from marts.alerts order by alert_id").df()
    finally:
        con.close()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


def steady(rng: np.random.Generator, level: float) -> np.ndarray:
    return rng.poisson(level, DAYS).astype(float)


def test_blackout_opens_once_stays_open_resolves_and_reruns_identically(tmp_path, config_dir, rng) -> None:
    north = steady(rng, 20)
    north[120:140] = rng.poisson(2, 20)
    db = tmp_path / "w.duckdb"
    write_marts(db, marts({"zz-north": north, "zz-south": steady(rng, 20)}))

    early = run(db, day(124), config_dir)
    drop = early[early["kind"] == "reporting_drop"]
    assert len(drop) == 1 and drop.iloc[0]["status"] == "open"
    assert day(120) <= drop.iloc[0]["opened_on"].date() <= day(123)  # within 3 days of the onset
    assert drop.iloc[0]["zone_id"] == "zz-north" and drop.iloc[0]["severity"] == "critical"

    later = run(db, day(135), config_dir)
    drop_later = later[later["kind"] == "reporting_drop"]
    assert list(drop_later["alert_id"]) == list(drop["alert_id"])  # the same alert, not a new one
    assert drop_later.iloc[0]["status"] == "open"
    assert drop_later.iloc[0]["opened_on"] == drop.iloc[0]["opened_on"]

    final = run(db, day(170), config_dir)
    done = final[final["alert_id"] == drop.iloc[0]["alert_id"]].iloc[0]
    assert done["status"] == "resolved" and done["resolved_on"].date() >= day(140)
    assert (final["kind"] == "reporting_drop").sum() == 1
    assert set(final["zone_id"]) <= {"zz-north"}

    again = run(db, day(170), config_dir)
    pd.testing.assert_frame_equal(final, again)


def test_nothing_after_the_run_date_is_read(tmp_path, config_dir, rng) -> None:
    north = steady(rng, 20)
    north[150:] = 0  # a blackout after the run date
    db = tmp_path / "w.duckdb"
    write_marts(db, marts({"zz-north": north}))
    assert run(db, day(140), config_dir).empty


def test_rerunning_an_earlier_night_rewinds(tmp_path, config_dir, rng) -> None:
    north = steady(rng, 20)
    north[150:] = 0
    db = tmp_path / "w.duckdb"
    write_marts(db, marts({"zz-north": north}))
    assert not run(db, day(160), config_dir).empty
    assert run(db, day(140), config_dir).empty


def test_an_alert_no_longer_supported_by_revised_data_resolves_on_the_run_date(
    tmp_path, config_dir, rng
) -> None:
    north = steady(rng, 20)
    dropped = north.copy()
    dropped[120:] = 0
    db = tmp_path / "w.duckdb"
    write_marts(db, marts({"zz-north": dropped}))
    opened = run(db, day(125), config_dir)
    assert list(opened["status"]) == ["open"]
    write_marts(db, marts({"zz-north": north}))  # late items fill the gap
    revised = run(db, day(126), config_dir)
    assert list(revised["alert_id"]) == list(opened["alert_id"])
    row = revised.iloc[0]
    assert row["status"] == "resolved" and row["resolved_on"].date() == day(126)
    assert "revised data" in row["message"] and row["updated_on"].date() == day(126)


def test_presence_drop_when_inside_datelines_collapse_and_coverage_continues(
    tmp_path, config_dir, rng
) -> None:
    stories = steady(rng, 25)
    inside = rng.poisson(10, DAYS).astype(float)
    inside[120:] = rng.poisson(0.5, DAYS - 120)
    db = tmp_path / "w.duckdb"
    write_marts(db, marts({"zz-north": stories}, inside={"zz-north": inside}))
    found = run(db, day(140), config_dir)
    assert list(found["kind"]) == ["presence_drop"]
    assert day(120) <= found.iloc[0]["opened_on"].date() <= day(124)
    assert "coverage" in found.iloc[0]["message"]


def test_no_presence_drop_when_coverage_falls_with_it(tmp_path, config_dir, rng) -> None:
    stories = steady(rng, 25)
    stories[120:] = rng.poisson(5, DAYS - 120)
    inside = np.round(stories * 0.4)
    db = tmp_path / "w.duckdb"
    write_marts(db, marts({"zz-north": stories}, inside={"zz-north": inside}))
    found = run(db, day(140), config_dir)
    assert list(found["kind"]) == ["reporting_drop"]


def test_source_silent_while_fetches_succeed_but_not_while_they_fail(tmp_path, config_dir, rng) -> None:
    quiet, failing = rng.poisson(4, DAYS).astype(float), rng.poisson(4, DAYS).astype(float)
    quiet[130:] = 0
    failing[130:] = 0
    no_failures = np.zeros(DAYS)
    failures = np.zeros(DAYS)
    failures[130:] = 4  # every fetch fails: a collection problem, not silence
    sources = [
        ("quiet-radio", "zz-north", quiet, no_failures),
        ("broken-feed", "zz-north", failing, failures),
    ]
    # a healthy wire carries most stories, so the zone's collection health stays above the gap threshold
    sources.append(("big-wire", "zz-north", rng.poisson(20, DAYS).astype(float), no_failures))
    db = tmp_path / "w.duckdb"
    write_marts(db, marts({"zz-north": steady(rng, 30)}, source_items=sources))
    found = run(db, day(140), config_dir)
    silent = found[found["kind"] == "source_silent"]
    assert list(silent["source_id"]) == ["quiet-radio"]
    assert day(132) <= silent.iloc[0]["opened_on"].date() <= day(135)
    assert silent.iloc[0]["status"] == "open" and silent.iloc[0]["observed"] == 0

    quiet[150:] = 4  # it comes back
    write_marts(db, marts({"zz-north": steady(rng, 30)}, source_items=sources))
    back = run(db, day(160), config_dir)
    assert back[back["kind"] == "source_silent"].iloc[0]["resolved_on"].date() == day(150)


def test_access_incident_on_a_killing_and_on_a_shutdown(tmp_path, config_dir, rng) -> None:
    killed, shutdown = np.zeros(DAYS), np.zeros(DAYS)
    killed[100] = 1
    shutdown[150:155] = 1
    access = {"zz-north": {"journalists_killed": killed}, "zz-south": {"shutdown_days": shutdown}}
    db = tmp_path / "w.duckdb"
    write_marts(db, marts({"zz-north": steady(rng, 20), "zz-south": steady(rng, 20)}, access=access))
    found = run(db, day(199), config_dir).set_index("zone_id")
    north, south = found.loc["zz-north"], found.loc["zz-south"]
    assert north["kind"] == "access_incident" and north["severity"] == "critical"
    # the killing also counts as a spike for the 7 days it stays in the window; 14 quiet days resolve it
    assert north["opened_on"].date() == day(100) and north["resolved_on"].date() == day(106 + 14)
    assert south["severity"] == "high" and south["opened_on"].date() == day(150)
    assert south["resolved_on"].date() == day(158 + 14)  # the window holds 3 shutdown days up to day 158
    # the message names what happened, not zeros of other kinds
    assert north["message"].endswith("(1 journalist killed)") and "shutdown" not in north["message"]
    assert south["message"].endswith("(5 shutdown days)")


def test_a_bad_alerts_yml_is_a_clear_error(config_dir) -> None:
    (config_dir / "alerts.yml").write_text(
        "source_silent:\n  max_p_value: 2\n  silence: 3\n", encoding="utf-8"
    )
    with pytest.raises(RegistryError) as info:
        load_alerts_config(config_dir)
    fields = {issue.field for issue in info.value.issues}
    assert fields == {"source_silent.max_p_value", "source_silent.silence"}


def test_the_shipped_alerts_yml_is_valid() -> None:
    load_alerts_config(Path(__file__).parents[1] / "config")


# ---- the demo world (issue 6, "Done means") ----------------------------------------------------------------


def test_zone_holidays_come_from_its_countries_and_its_main_outlets() -> None:
    from alerts.evaluate import AlertInputs, zone_holidays

    days = pd.date_range("2025-12-20", "2026-04-10", freq="D")
    series = pd.DataFrame({"zone_id": "sd-darfur", "day": days, "independent_stories": 5})
    items = pd.DataFrame(
        {
            "source_id": ["wire-gb", "local-sd", "minor-fr"],
            "zone_id": "sd-darfur",
            "day": days[0],
            "items": [50, 45, 5],
            "stories": [50, 45, 5],
        }
    )
    inputs = AlertInputs(
        series, items, pd.DataFrame(), pd.DataFrame(), {"sd-darfur": ["SDN"]},
        {"wire-gb": "GBR", "local-sd": "SDN", "minor-fr": "FRA"},
    )  # fmt: skip
    quiet = zone_holidays(inputs).set_index("day")["holiday"]
    assert quiet[pd.Timestamp("2026-01-01")] == "Independence Day"  # the zone's own name wins
    assert quiet[pd.Timestamp("2025-12-29")] == "Christmas and New Year"  # the GB wire's year-end
    assert any("Eid al-Fitr" in name for name in quiet.values)
    assert quiet[pd.Timestamp("2026-04-03")] == "Good Friday"  # GB; FRA with a 5% share brings nothing
    assert (
        pd.Timestamp("2026-04-03")
        not in zone_holidays(
            AlertInputs(series, items.iloc[1:], pd.DataFrame(), pd.DataFrame(), {"sd-darfur": ["SDN"]}, {})
        )
        .set_index("day")
        .index
    )
