"""kill -9 at several moments of a transform and of a publish, on a copy of the small demo's warehouse:
after each kill the stage runs again to the same marts as an uninterrupted run, and the published snapshot
is always a whole one (the old or the new), with nothing left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import warehouse_copy

BLINDSPOT = Path(sys.executable).with_name("blindspot")
DELAYS = (0.5, 2.5)  # seconds after the stage starts


def run(settings, *args: str, kill_after: float | None = None) -> int | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLINDSPOT_")} | {
        "BLINDSPOT_HOME": str(settings.home),
        "BLINDSPOT_CONFIG": str(settings.config_dir),
    }
    proc = subprocess.Popen(
        [str(BLINDSPOT), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if kill_after is None:
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr.decode()[-2000:]
        return 0
    time.sleep(kill_after)
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return None if finished else -9


def marts(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [n for (n,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        return {n: con.execute(f"select * from marts.{n} order by all").fetchall() for n in names}


@pytest.fixture(scope="module")
def reference(small_demo, tmp_path_factory):
    """The small demo's warehouse after an uninterrupted full rebuild of its last night."""
    settings = warehouse_copy(small_demo, tmp_path_factory.mktemp("reference"))
    run(settings, "transform", "--date", small_demo.nights[-1].isoformat(), "--full-refresh")
    return marts(settings.warehouse_path)


@pytest.mark.parametrize("delay", DELAYS)
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


@pytest.mark.parametrize("delay", (0.3, 1.5))
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


def raw_state(path: Path) -> dict[str, tuple]:
    """Per raw table: rows and a hash of its natural keys (what a load writes)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [n for (n,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' and table_name not like 'registry%'"
        ).fetchall()]  # fmt: skip
        return {
            t: con.execute(
                f"select count(*), sum(hash(*columns(* exclude (loaded_at)))) from raw.{t}"
            ).fetchone()
            for t in tables
        }


@pytest.fixture(scope="module")
def loaded_once(small_demo, tmp_path_factory):
    """Every landing file of the small demo loaded into a fresh warehouse in one uninterrupted run."""
    home = tmp_path_factory.mktemp("loaded-once")
    (home / "landing").symlink_to(small_demo.settings.landing_dir, target_is_directory=True)
    settings = warehouse_copy(small_demo, home)
    settings.warehouse_path.unlink()
    run(settings, "load")
    return raw_state(settings.warehouse_path)


@pytest.mark.parametrize("delay", (0.8, 2.0))
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
