"""Violence against the reporting of it: conflict_intensity in the index, and the attention gap per zone and week."""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from blindspot import pipeline
from core.settings import Settings
from transforms.params import load_metrics

CONFIG = Path(__file__).resolve().parents[1] / "config"
GED_COUNTS = Path(__file__).parent / "fixtures" / "conflict_real" / "ucdp_ged_caf_adm1_28d.csv"


def rows(warehouse: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo(default_demo):
    truth = json.loads((default_demo.settings.demo_dir / "truth.json").read_text())
    return default_demo.settings.warehouse_path, truth


def test_truth_ranks_the_scripted_escalation_first(demo) -> None:
    _, truth = demo
    escalation = next(e for e in truth["events"] if e["kind"] == "escalation")
    ranking = truth["attention_gap"]["ranking"]
    assert ranking[0]["zone_id"] == escalation["zone_id"]
    assert escalation["expected_alerts"] == []
    assert [r["expected_gap"] for r in ranking] == sorted((r["expected_gap"] for r in ranking), reverse=True)
    assert {r["zone_id"] for r in ranking} >= {
        e["zone_id"] for e in truth["events"] if e["kind"] == "blackout"
    }


def test_the_attention_gap_ranks_the_scripted_zone_first(demo) -> None:
    """The last complete week's zones (level 'zone'), by attention gap: the escalation zone leads."""
    warehouse, truth = demo
    week = date.fromisoformat(truth["attention_gap"]["week_start"])
    measured = rows(
        warehouse,
        "select zone_id, attention_gap, attention_rank, is_violence_rising, is_complete_week "
        "from marts.zone_attention_weekly where level = 'zone' and week_start = $week "
        "order by attention_gap desc nulls last",
        {"week": week},
    )
    expected = truth["attention_gap"]["ranking"][0]["zone_id"]
    assert measured[0][0] == expected and measured[0][2] == 1, measured
    assert measured[0][3] is True and measured[0][4] is True, measured
    assert len(measured) == len([z for z in truth["zones"] if z["level"] == "zone"])


def test_violence_rises_in_the_scripted_zone_while_reporting_stays_near_baseline(demo) -> None:
    warehouse, truth = demo
    zone = truth["attention_gap"]["ranking"][0]["zone_id"]
    week = date.fromisoformat(truth["attention_gap"]["week_start"])
    [(violence, reporting, rising, per_fatality, per_fatality_base)] = rows(
        warehouse,
        "select violence_change, reporting_change, is_violence_rising, stories_per_fatality_week, "
        "stories_per_fatality_baseline from marts.zone_attention_weekly where zone_id = $zone and week_start = $week",
        {"zone": zone, "week": week},
    )
    assert rising and violence >= 1.0 and abs(reporting) < 0.5, (violence, reporting)
    assert per_fatality < 0.5 * per_fatality_base


def test_conflict_intensity_is_a_component_in_range(demo) -> None:
    warehouse, _ = demo
    [(weeks, present, out_of_range, inputs_missing)] = rows(
        warehouse,
        "select count(*), count(conflict_intensity), "
        "count(*) filter (where conflict_intensity not between 0 and 1), "
        "count(*) filter (where conflict_events_28d is null or fatalities_28d is null) "
        "from marts.zone_denial_capacity_weekly",
    )
    assert weeks > 0 and present == weeks and out_of_range == 0 and inputs_missing == 0
    c0 = load_metrics(CONFIG).conflict_scale_c0
    [(worst,)] = rows(
        warehouse,
        "select max(abs(conflict_intensity - (1 - exp(-(conflict_events_28d + fatalities_28d) / $c0)))) "
        "from marts.zone_denial_capacity_weekly",
        {"c0": c0},
    )
    assert worst < 1e-5


def test_without_a_conflict_dataset_the_component_and_the_gap_are_null_with_a_reason(
    small_demo, tmp_path: Path
) -> None:
    """The small demo's warehouse, its ACLED source switched off in a copy of its registry: no silent zeros."""
    config = tmp_path / "config"
    shutil.copytree(small_demo.settings.config_dir, config)
    sources = yaml.safe_load((config / "sources.yml").read_text(encoding="utf-8"))
    listed = sources["sources"] if isinstance(sources, dict) else sources
    switched = [s["id"] for s in listed if s.get("format") in ("acled", "ucdp") and s.get("enabled")]
    for s in listed:
        if s["id"] in switched:
            s["enabled"] = False
    (config / "sources.yml").write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    assert switched
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(small_demo.settings.warehouse_path, home / "warehouse.duckdb")
    settings = Settings.from_env(environ={}, home=home, config_dir=config)
    pipeline.transform_stage(
        pipeline.Context.create(settings),
        small_demo.nights[-1],
        ["marts.zone_denial_capacity_weekly", "marts.zone_attention_weekly"],
    )
    [(weeks, intensity, inputs, unexplained, indexed)] = rows(
        settings.warehouse_path,
        "select count(*), count(conflict_intensity), count(fatalities_28d), "
        "count(*) filter (where coalesce(null_reasons, '') not like '%conflict: no ACLED or UCDP dataset enabled%'), "
        "count(denial_capacity_index) from marts.zone_denial_capacity_weekly",
    )
    assert weeks > 0 and intensity == 0 and inputs == 0 and unexplained == 0 and indexed > 0
    [(attention_weeks, gaps, fatalities, reasons)] = rows(
        settings.warehouse_path,
        "select count(*), count(attention_gap), count(fatalities_week), "
        "count(*) filter (where null_reason = 'no ACLED or UCDP dataset enabled') from marts.zone_attention_weekly",
    )
    assert attention_weeks == weeks and gaps == 0 and fatalities == 0 and reasons == weeks


def test_c0_is_calibrated_on_real_ucdp_counts() -> None:
    """The shipped c0 puts the 90th percentile of real prefecture-windows with a lethal event (UCDP GED, Central
    African Republic 2013-2022, 28 days) at 0.95, and their median between 0.3 and 0.5."""
    with GED_COUNTS.open(newline="", encoding="utf-8") as fh:
        counts = list(csv.DictReader(fh))
    assert len(counts) == 2210 and len({r["adm_1"] for r in counts}) == 17
    assert (
        sum(int(r["events"]) for r in counts) == 1544 and sum(int(r["fatalities"]) for r in counts) == 13282
    )
    active = sorted(int(r["events"]) + int(r["fatalities"]) for r in counts if int(r["events"]) > 0)
    assert len(active) == 553

    def quantile(q: float) -> float:  # linear interpolation, as numpy's default
        position = q * (len(active) - 1)
        low = math.floor(position)
        return active[low] + (position - low) * (active[min(low + 1, len(active) - 1)] - active[low])

    c0 = load_metrics(CONFIG).conflict_scale_c0
    assert abs((1 - math.exp(-quantile(0.9) / c0)) - 0.95) < 0.01
    assert 0.3 < 1 - math.exp(-quantile(0.5) / c0) < 0.5
