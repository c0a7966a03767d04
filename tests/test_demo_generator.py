"""The demo world generator: deterministic, realistic enough, and its truth.json matches what it generated."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from blindspot.demo.generator import generate
from blindspot.demo.scenario import available_scenarios, load_scenario
from blindspot.demo.world import read_world
from core.registry import RegistryError

DAYS = 60


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.*"))
    }


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate(load_scenario("default"), 7, root)
    return root


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    scenario = load_scenario("default")
    generate(scenario, 11, tmp_path / "a", DAYS)
    generate(scenario, 11, tmp_path / "b", DAYS)
    generate(scenario, 12, tmp_path / "c", DAYS)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert (
        digest(tmp_path / "a")["world/articles.parquet"] != digest(tmp_path / "c")["world/articles.parquet"]
    )


def test_scenarios_validate() -> None:
    names = available_scenarios()
    assert "default" in names and len(names) >= 3
    for name in names:
        load_scenario(name)


def test_bad_scenario_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    text = (Path(load_scenario.__code__.co_filename).parent / "scenarios" / "default.yml").read_text()
    bad.write_text(text.replace("dispersion_k: 8", "dispersion_k: -1"))
    with pytest.raises(RegistryError) as info:
        load_scenario(str(bad))
    assert "dispersion_k" in str(info.value) and "greater than 0" in str(info.value)


def test_size_and_variety(world_dir: Path) -> None:
    world = read_world(world_dir)
    scenario = load_scenario("default")
    assert len(scenario.zones) >= 6
    tiers = {s.tier for s in world.sources}
    assert {
        "wire",
        "international",
        "regional",
        "national",
        "local",
        "exile",
        "state",
        "government",
        "ngo",
        "un",
        "press_freedom",
    } <= tiers
    assert len(world.sources) >= 30
    articles = world.tables["articles"]
    assert {"en", "fr", "ar"} <= set(articles["language"].to_pylist())
    assert world.days == 180
    assert any(s.encoding == "windows-1251" for s in world.sources)


def test_truth_matches_generated_articles(world_dir: Path) -> None:
    truth = json.loads((world_dir / "truth.json").read_text())
    assert {"seed", "start_date", "days", "zones", "events", "daily"} <= set(truth)
    articles = read_world(world_dir).tables["articles"]  # noqa: F841 (read by SQL)
    counted = duckdb.sql(
        """
        select zone_id, published_at::date as day, count(*) as stories,
               count(*) filter (where is_inside_dateline) as inside
        from articles where is_original and is_independent and zone_id is not null group by all
        """
    ).fetchall()
    by_key = {(z, d.isoformat()): (n, i) for z, d, n, i in counted}
    parents = {z["id"]: z["parent"] for z in truth["zones"] if z["parent"]}
    for (zone, day), (n, i) in list(by_key.items()):  # a country counts the stories of its zones
        stories, inside = by_key.get((parents[zone], day), (0, 0))
        by_key[(parents[zone], day)] = (stories + n, inside + i)
    assert {z["level"] for z in truth["zones"]} == {"zone", "country"}
    assert len(truth["daily"]) == len(truth["zones"]) * truth["days"]
    for row in truth["daily"]:
        expected = by_key.get((row["zone_id"], row["date"]), (0, 0))
        assert (row["independent_stories"], row["inside_dateline_stories"]) == expected
    kinds = {e["kind"] for e in truth["events"]}
    assert {
        "blackout",
        "slow_decline",
        "stable",
        "spike",
        "collection_failure",
        "low_volume",
        "recovery",
    } <= kinds
    blackout = next(e for e in truth["events"] if e["kind"] == "blackout")
    assert blackout["detect_within_days"] == 3 and "reporting_drop" in blackout["expected_alerts"]


def test_events_shape_the_counts(world_dir: Path) -> None:
    truth = json.loads((world_dir / "truth.json").read_text())
    daily = {(r["zone_id"], r["date"]): r for r in truth["daily"]}
    onset = next(e["onset"] for e in truth["events"] if e["kind"] == "blackout")

    def mean(zone: str, first: str, last: str, key: str = "independent_stories") -> float:
        rows = [r[key] for (z, d), r in daily.items() if z == zone and first <= d <= last]
        return sum(rows) / len(rows)

    before = mean("xva-north", "2026-09-01", "2026-10-27")
    after = mean("xva-north", onset, "2026-11-24")
    assert after < 0.35 * before
    assert mean("xva-north", onset, "2026-11-24", "inside_dateline_stories") < 0.5
    assert mean("xca-islands", "2026-05-29", "2026-11-24") < 1.0


def test_weekly_rhythm_and_overdispersion(world_dir: Path) -> None:
    truth = json.loads((world_dir / "truth.json").read_text())
    counts = [
        (r["date"], r["independent_stories"]) for r in truth["daily"] if r["zone_id"] == "xbe-highlands"
    ]
    from datetime import date

    weekday = [n for d, n in counts if date.fromisoformat(d).weekday() < 5]
    weekend = [n for d, n in counts if date.fromisoformat(d).weekday() >= 5]
    assert sum(weekend) / len(weekend) < 0.9 * sum(weekday) / len(weekday)
    values = [n for _, n in counts]
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    assert variance > 1.3 * mean  # a Poisson process would give variance == mean


def test_text_carries_the_traps(world_dir: Path) -> None:
    articles = read_world(world_dir).tables["articles"]  # noqa: F841 (read by SQL)
    traps = duckdb.execute(
        """
        select
          count(*) filter (where caption is not null) as captions,
          count(*) filter (where dateline_place is null and regexp_matches(lead, '^[A-Z]+ [A-Z]+, ')) as names,
          count(*) filter (where dateline_place = 'Talen' and dateline_country = 'XBE') as twins,
          count(*) filter (where not is_original and title <> (select title from articles o
                           where o.story_id = articles.story_id and o.is_original)) as edited_copies,
          count(*) filter (where len(frames) > 0 and not is_independent) as state_frames
        from articles
        """
    ).fetchone()
    assert all(n > 10 for n in traps), traps
