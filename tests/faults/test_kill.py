"""kill -9 at random moments of a collection, a load, a transform and a publish, on a copy of the small demo's warehouse:
after each kill the stage runs again to the same marts as an uninterrupted run, and the published snapshot
is always a whole one (the old or the new), with nothing left behind."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest

from blindspot.demo.registry_config import write_demo_config
from blindspot.demo.scenario import load_scenario
from blindspot.demo.server import DemoServer
from blindspot.demo.world import read_world
from core.settings import Settings
from tests.conftest import warehouse_copy
from tests.faults.support import children_of, collected_state, kill_delays, marts, raw_state, run


@pytest.mark.parametrize("delay", kill_delays("transform", 0.3, 3.0))
def test_a_killed_transform_runs_again_to_the_same_marts(
    small_demo, reference, tmp_path: Path, delay: float
) -> None:
    settings = warehouse_copy(small_demo, tmp_path / "home")
    night = small_demo.nights[-1].isoformat()
    run(settings, "transform", "--date", night, "--full-refresh", kill_after=delay)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:  # it opens: no corruption
        con.execute("select count(*) from marts.zone_reporting_daily").fetchone()
    run(settings, "transform", "--date", night, "--full-refresh")
    assert marts(settings.warehouse_path) == reference


@pytest.mark.parametrize("delay", kill_delays("publish", 0.2, 2.0))
def test_a_killed_publish_keeps_a_whole_snapshot(small_demo, tmp_path: Path, delay: float) -> None:
    settings = warehouse_copy(small_demo, tmp_path / "home")
    shutil.copytree(small_demo.settings.home / "published", settings.home / "published")
    night = small_demo.nights[-1].isoformat()
    published = settings.home / "published" / "blindspot.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        before = con.execute("select run_id from meta").fetchone()[0]
    run(settings, "publish", "--date", night, kill_after=delay)
    with duckdb.connect(str(published), read_only=True) as con:  # the old snapshot or the new one, whole
        after = con.execute("select run_id from meta").fetchone()[0]
        assert con.execute("select count(*) from zone_reporting_daily").fetchone()[0] > 0
    assert after == before or after.startswith("publish")
    run(settings, "publish", "--date", night)
    assert sorted(p.name for p in published.parent.iterdir()) == ["blindspot.duckdb"]  # nothing left behind


@pytest.mark.parametrize("delay", kill_delays("load", 0.5, 2.5))
def test_a_killed_load_loads_again_to_the_same_rows(
    small_demo, loaded_once, tmp_path: Path, delay: float
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "landing").symlink_to(small_demo.settings.landing_dir, target_is_directory=True)
    settings = warehouse_copy(small_demo, home)
    settings.warehouse_path.unlink()
    run(settings, "load", kill_after=delay)
    run(settings, "load")
    assert raw_state(settings.warehouse_path) == loaded_once  # nothing lost, nothing twice


@pytest.fixture(scope="module")
def served_night(small_demo, tmp_path_factory):
    """The small demo's world served again as of its last night, with a registry pointing at it."""
    night = small_demo.nights[-1]
    with DemoServer(read_world(small_demo.settings.demo_dir), as_of=night) as server:
        config = tmp_path_factory.mktemp("served") / "config"
        write_demo_config(load_scenario("small"), server.base_url, config)
        yield config, night


def collect_and_load(home: Path, config: Path, night: str, kill_after: float | None = None) -> dict:
    settings = Settings.from_env(environ={}, home=home, config_dir=config)
    if kill_after is not None:
        killed = run(settings, "collect", "--date", night, kill_after=kill_after, loopback=True)
        if killed:
            time.sleep(0.5)
            assert not children_of(killed)  # its crawl died with it: no orphan lands files for it later
    run(settings, "collect", "--date", night, loopback=True)
    run(settings, "load", "--date", night)
    return collected_state(settings.warehouse_path)


@pytest.fixture(scope="module")
def collected_once(served_night, tmp_path_factory) -> dict:
    config, night = served_night
    return collect_and_load(tmp_path_factory.mktemp("collected-once"), config, night.isoformat())


@pytest.mark.parametrize("delay", kill_delays("collect", 0.3, 3.0))
def test_a_killed_collection_collects_again_to_the_same_rows(
    served_night, collected_once, tmp_path: Path, delay: float
) -> None:
    config, night = served_night
    assert collect_and_load(tmp_path, config, night.isoformat(), kill_after=delay) == collected_once
