"""The operator's problems end in one line that names the cause and the next step, with exit status 2:
a warehouse another process holds (waited for, then its holder named), too little free disk for a stage,
no warehouse or snapshot yet, a warehouse whose schema migration is pending. (A disk that really fills:
tests/faults/test_disk_full.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blindspot import pipeline
from core.settings import Settings
from warehouse.connect import upgrade
from warehouse.guard import DiskFull, WarehouseBusy, require_free_space

BLINDSPOT = Path(sys.executable).with_name("blindspot")
HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists held (x int)")
print("holding", flush=True)
time.sleep(60)
"""


@pytest.fixture
def held_warehouse(settings: Settings):
    pipeline.db_upgrade(settings)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(settings.warehouse_path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "holding"
    yield holder
    holder.kill()
    holder.wait()


def test_a_second_writer_waits_then_names_the_holder(settings: Settings, held_warehouse) -> None:
    waiting = Settings.from_env(
        environ={}, home=settings.home, config_dir=settings.config_dir, lock_wait_seconds=1
    )
    started = time.monotonic()
    with pytest.raises(WarehouseBusy) as caught:
        pipeline.load_stage(pipeline.Context.create(waiting), None)
    assert 1 <= time.monotonic() - started < 5
    message = str(caught.value)
    assert f"PID {held_warehouse.pid}" in message and "waited 1" in message and "run again" in message


def test_the_command_says_it_in_one_line_with_status_2(settings: Settings, held_warehouse) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BLINDSPOT_")},
        "BLINDSPOT_HOME": str(settings.home),
        "BLINDSPOT_CONFIG": str(settings.config_dir),
        "BLINDSPOT_LOCK_WAIT_SECONDS": "0.5",
    }
    done = subprocess.run([str(BLINDSPOT), "load"], env=env, capture_output=True, text=True, timeout=120)
    assert one_line(done, "error: the warehouse") and "held by" in done.stderr


def one_line(done: subprocess.CompletedProcess, start: str) -> bool:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith(start), done.stderr[-2000:]
    return True


def blindspot(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BLINDSPOT_")},
        "BLINDSPOT_HOME": str(settings.home),
        "BLINDSPOT_CONFIG": str(settings.config_dir),
    }
    return subprocess.run([str(BLINDSPOT), *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_reader_of_a_warehouse_behind_its_migrations_is_told_to_upgrade(settings: Settings) -> None:
    upgrade(settings.warehouse_path, "0006")
    done = blindspot(settings, "alerts")
    assert one_line(done, "error: the warehouse") and "revision 0006" in done.stderr
    assert "`blindspot db upgrade`" in done.stderr
    pipeline.db_upgrade(settings)
    assert blindspot(settings, "alerts").returncode == 0


def test_no_warehouse_or_snapshot_yet_says_what_to_run(settings: Settings) -> None:
    assert one_line(blindspot(settings, "alerts"), "error: no warehouse at")
    for args in (["sql", "select 1"], ["report"]):
        done = blindspot(settings, *args)
        assert one_line(done, "error: no published snapshot at"), args
        assert "blindspot publish" in done.stderr
    assert not settings.warehouse_path.exists()  # a reader creates nothing


def test_a_stage_is_refused_before_it_fills_the_disk(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    require_free_space(tmp_path, 0, "load")  # room enough: nothing happens
    with pytest.raises(DiskFull) as caught:
        require_free_space(tmp_path / "not-yet", free, "load")
    assert str(caught.value).startswith(f"not enough free disk for load at {tmp_path / 'not-yet'}")
    assert "MB free" in str(caught.value) and "then run again" in str(caught.value)
