"""The publish gate: an empty or small night, or an older one, never replaces the last good snapshot."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from blindspot import pipeline
from core.registry import RegistryError
from tests.conftest import warehouse_copy
from tests.test_cli_failures import blindspot, said
from warehouse.connect import connect
from warehouse.ops import record_run, utcnow
from warehouse.publish import read_meta
from warehouse.publish_gate import PublishConfig, PublishRefused, judge_night, load_publish_config

NIGHT = date(2026, 11, 10)


def items_by_night(tmp_path: Path, counts: dict[date, int]) -> duckdb.DuckDBPyConnection:
    """A DuckDB file whose raw.items holds `counts[night]` rows of each night (only data_date matters here)."""
    con = duckdb.connect(str(tmp_path / "gate.duckdb"))
    con.execute("create schema raw; create table raw.items (item_id varchar, data_date date)")
    for night, n in counts.items():
        con.execute(
            "insert into raw.items select 'i' || range, $night from range($n)", {"night": night, "n": n}
        )
    return con


def nights_before(night: date, counts: list[int]) -> dict[date, int]:
    """The nights before `night`, oldest first, with these item counts."""
    return {night - timedelta(days=len(counts) - i): n for i, n in enumerate(counts)}


def test_an_empty_later_night_is_refused(tmp_path: Path) -> None:
    con = items_by_night(tmp_path, nights_before(NIGHT, [100, 90, 110]))
    verdict = judge_night(con, NIGHT, NIGHT - timedelta(days=1), PublishConfig())
    assert verdict.refused and verdict.forcible and verdict.items == 0
    assert verdict.reason.startswith(f"refusing to publish {NIGHT}: it collected 0 items;")
    assert "--force" in verdict.reason and "\n" not in verdict.reason


def test_a_small_night_is_refused_under_the_share_of_the_median(tmp_path: Path) -> None:
    counts = nights_before(NIGHT, [5, 1000, 100, 80, 120, 90, 110, 100])  # 5 is the 8th night back: left out
    small = items_by_night(tmp_path, counts | {NIGHT: 24})
    verdict = judge_night(small, NIGHT, NIGHT - timedelta(days=1), PublishConfig())
    assert verdict.recent_median == 100 and verdict.recent_nights == 7
    assert (
        verdict.refused
        and "collected 24 items, 24% of the median 100 of its 7 previous nights" in verdict.reason
    )
    small.execute("insert into raw.items values ('one more', $night)", {"night": NIGHT})
    assert not judge_night(small, NIGHT, NIGHT - timedelta(days=1), PublishConfig()).refused  # 25 of 100
    assert judge_night(small, NIGHT, NIGHT - timedelta(days=1), PublishConfig(min_share=0.5)).refused


def test_the_share_rule_waits_for_enough_recent_nights(tmp_path: Path) -> None:
    con = items_by_night(tmp_path, nights_before(NIGHT, [500, 500]) | {NIGHT: 1})
    assert not judge_night(con, NIGHT, NIGHT - timedelta(days=1), PublishConfig()).refused  # 2 nights < 3
    assert judge_night(con, NIGHT, NIGHT - timedelta(days=1), PublishConfig(min_recent_nights=2)).refused


def test_never_over_a_later_night_and_the_same_night_always(tmp_path: Path) -> None:
    con = items_by_night(tmp_path, nights_before(NIGHT, [100, 100, 100]) | {NIGHT: 100})
    older = judge_night(con, NIGHT, NIGHT + timedelta(days=1), PublishConfig())
    assert older.refused and not older.forcible and "a snapshot never goes back" in older.reason
    empty_night = NIGHT + timedelta(days=3)
    assert not judge_night(con, empty_night, empty_night, PublishConfig()).refused  # a re-run of its night
    assert not judge_night(con, empty_night, None, PublishConfig()).refused  # nothing published to keep


def test_config_defaults_and_errors_name_file_and_field(tmp_path: Path) -> None:
    assert load_publish_config(tmp_path) == PublishConfig(
        recent_nights=7, min_share=0.25, min_recent_nights=3
    )
    assert (
        load_publish_config(Path(__file__).parent.parent / "config") == PublishConfig()
    )  # shipped = defaults
    path = tmp_path / "publish.yml"
    for text, field, reason in [
        ("min_share: 1.5\n", "min_share", "less than or equal to 1"),
        ("min_shares: 0.5\n", "min_shares", "unknown key"),
        (
            "recent_nights: 2\nmin_recent_nights: 3\n",
            "",
            "min_recent_nights (3) is more than recent_nights (2)",
        ),
    ]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RegistryError) as caught:
            load_publish_config(tmp_path)
        [issue] = caught.value.issues
        assert (issue.file, issue.field) == (str(path), field) and reason in issue.reason, issue


@pytest.fixture
def demo_copy(small_demo, tmp_path: Path) -> pipeline.Context:
    return pipeline.Context.create(warehouse_copy(small_demo, tmp_path / "home"))


def later_night(ctx: pipeline.Context, night: date, items: int) -> None:
    """Give `night` this many items (copies of the previous night's, new ids) and a passing check run."""
    with connect(ctx.settings.warehouse_path) as wh:
        wh.execute(
            "insert into raw.items select * replace (item_id || '-later' as item_id, $night::date as data_date) "
            "from raw.items where data_date = $night::date - 1 order by item_id limit $n",
            {"night": night, "n": items},
        )
        wh.execute("begin transaction")
        record_run(wh, f"check-{night}-gate0000", "check", night, utcnow(), "success")
        wh.execute("commit")


def publish_runs(ctx: pipeline.Context, night: date) -> list[tuple[str, dict]]:
    with connect(ctx.settings.warehouse_path, read_only=True) as wh:
        rows = wh.execute(
            "select status, detail from ops.runs where stage = 'publish' and data_date = ? order by started_at",
            [night],
        ).fetchall()
    return [(status, json.loads(detail)) for status, detail in rows]


def test_an_empty_night_keeps_the_last_snapshot_and_is_recorded(demo_copy, small_demo) -> None:
    night = small_demo.nights[-1]
    good = pipeline.publish_stage(demo_copy, night)
    published = demo_copy.settings.published_path
    stamp = published.stat().st_mtime_ns
    empty = night + timedelta(days=1)
    later_night(demo_copy, empty, 0)
    assert pipeline.judge_publish(demo_copy, empty).refused
    assert not pipeline.judge_publish(demo_copy, empty, force=True).refused
    with pytest.raises(PublishRefused, match=f"refusing to publish {empty}: it collected 0 items"):
        pipeline.publish_stage(demo_copy, empty)
    assert published.stat().st_mtime_ns == stamp
    assert read_meta(published)["run_id"] == good.run_id
    assert sorted(p.name for p in published.parent.iterdir()) == [published.name]
    [(status, detail)] = publish_runs(demo_copy, empty)
    assert status == "refused" and detail["night_items"] == 0 and detail["snapshot_night"] == str(night)
    assert detail["reason"].startswith(f"refusing to publish {empty}")


def test_a_small_night_is_refused_and_forcing_publishes_it(demo_copy, small_demo) -> None:
    night = small_demo.nights[-1]
    pipeline.publish_stage(demo_copy, night)
    small = night + timedelta(days=1)
    later_night(demo_copy, small, 5)
    with pytest.raises(PublishRefused, match="collected 5 items"):
        pipeline.publish_stage(demo_copy, small)
    forced = pipeline.publish_stage(demo_copy, small, force=True)
    meta = read_meta(demo_copy.settings.published_path)
    assert meta["data_date"] == small and meta["items_collected"] == 5 and meta["run_id"] == forced.run_id
    statuses = publish_runs(demo_copy, small)
    assert [s for s, _ in statuses] == ["refused", "success"] and statuses[1][1]["forced"] is True


def test_an_older_night_never_replaces_a_newer_snapshot(demo_copy, small_demo) -> None:
    night, earlier = small_demo.nights[-1], small_demo.nights[-2]
    first = pipeline.publish_stage(demo_copy, night)
    later_night(demo_copy, earlier, 0)  # only its passing check: the night already has its items
    for force in (False, True):
        with pytest.raises(PublishRefused, match="never goes back to an earlier night"):
            pipeline.publish_stage(demo_copy, earlier, force=force)
    assert read_meta(demo_copy.settings.published_path)["run_id"] == first.run_id
    again = pipeline.publish_stage(demo_copy, night)  # the same night again is a re-run
    assert read_meta(demo_copy.settings.published_path)["run_id"] == again.run_id != first.run_id


def test_publish_cli_says_why_in_one_line_and_exits_3(demo_copy, small_demo, tmp_path: Path) -> None:
    night = small_demo.nights[-1]
    home, config = demo_copy.settings.home, tmp_path / "config"
    shutil.copytree(demo_copy.settings.config_dir, config)
    pipeline.publish_stage(demo_copy, night)
    empty = night + timedelta(days=1)
    later_night(demo_copy, empty, 0)
    refused = blindspot(home, "publish", "--date", str(empty), config=config)
    assert said(refused, 3, f"refusing to publish {empty}: it collected 0 items", "--force")
    assert read_meta(demo_copy.settings.published_path)["data_date"] == night
    (config / "publish.yml").write_text("min_share: lots\n", encoding="utf-8")
    broken = blindspot(home, "publish", "--date", str(empty), "--force", config=config)
    assert broken.returncode == 2 and "publish.yml, field 'min_share'" in broken.stderr, broken.stderr
    (config / "publish.yml").unlink()
    forced = blindspot(home, "publish", "--date", str(empty), "--force", config=config)
    assert forced.returncode == 0, forced.stderr
    assert read_meta(demo_copy.settings.published_path)["data_date"] == empty
