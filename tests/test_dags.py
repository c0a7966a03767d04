"""The Airflow DAGs: integrity, a side-effect-free import, and dag.test() of both DAGs against the demo world."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from blindspot.demo.generator import generate
from blindspot.demo.registry_config import write_demo_config
from blindspot.demo.scenario import load_scenario
from blindspot.demo.server import DemoServer
from blindspot.demo.world import read_world

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags"
AIRFLOW = Path(sys.executable).parent / "airflow"
DEMO_DAYS = 10  # a short small-scenario world: enough for one night's feeds, sites and datasets
POOL = "blindspot_warehouse"


@dataclass
class DemoNight:
    """A served demo world, its registry folder and the night the server shows."""

    home: Path
    config_dir: Path
    night: date
    server: DemoServer


def airflow_env(airflow_home: Path, blindspot_home: Path, config_dir: Path | None = None) -> dict[str, str]:
    """The environment of an Airflow process in a temp AIRFLOW_HOME (SQLite), running blindspot's DAGs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLINDSPOT_"))}
    env.update(
        AIRFLOW_HOME=str(airflow_home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        BLINDSPOT_HOME=str(blindspot_home),
        BLINDSPOT_ALLOW_LOOPBACK="true",  # the demo server is on 127.0.0.1
        PYTHONPATH=str(ROOT),
    )
    if config_dir is not None:
        env["BLINDSPOT_CONFIG"] = str(config_dir)
    return env


def airflow_cli(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    """Run one `airflow` command; a failure shows its output."""
    done = subprocess.run(
        [str(AIRFLOW), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    assert done.returncode == 0, (
        f"airflow {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def migrate_airflow_db(env: dict[str, str]) -> None:
    """A fresh metadata database with the warehouse pool (size 1), as `make airflow` creates it."""
    airflow_cli(env, "db", "migrate")
    airflow_cli(env, "pools", "set", POOL, "1", "DuckDB allows a single writer")


@pytest.fixture(scope="module")
def demo_night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoNight]:
    """The small scenario over DEMO_DAYS days, served on 127.0.0.1 as of its last day."""
    home = tmp_path_factory.mktemp("dag-home")
    spec = load_scenario("small")
    generate(spec, 3, home / "demo", DEMO_DAYS)
    world = read_world(home / "demo")
    with DemoServer(world, as_of=world.end_date) as server:
        config_dir = write_demo_config(spec, server.base_url, home / "demo" / "config")
        yield DemoNight(home, config_dir, world.end_date, server)


DAG_TEST = """
import json, sys
from datetime import datetime, timezone
from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
dag = bag.get_dag(sys.argv[2])
night = sys.argv[3]
logical = datetime.fromisoformat(night).replace(hour=2, tzinfo=timezone.utc)
kwargs = {"logical_date": logical} if sys.argv[2] == "blindspot_collect" else {"run_conf": {"date": night}}
run = dag.test(**kwargs)
states = {}
for ti in run.get_task_instances():
    key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
    states[key] = str(ti.state)
print("DAG_TEST_RESULT " + json.dumps({"state": str(run.state), "tasks": states}))
"""


def dag_test(env: dict[str, str], dag_id: str, night: date) -> dict:
    """dag.test() of one DAG in its own process (Airflow reads its config once per process)."""
    return run_script(DAG_TEST, [str(DAGS), dag_id, night.isoformat()], env, "DAG_TEST_RESULT", 600)


def run_script(script: str, args: list[str], env: dict[str, str], tag: str, timeout: int) -> dict:
    """Run a Python script in its own process; returns the JSON of its last stdout line starting with `tag`."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith(f"{tag} ")]
    assert done.returncode == 0 and lines, (
        f"{tag} script broke:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return json.loads(lines[-1].removeprefix(f"{tag} "))


INTEGRITY = """
import json, socket, sys

def refuse(self, address, *args):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        raise OSError(f"network access while importing DAG files: {address}")
    return real_connect(self, address, *args)

real_connect = socket.socket.connect
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = lambda address, *a, **k: refuse(socket.socket(), address)

from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
found = {
    dag_id: {
        "tags": sorted(dag.tags),
        "doc_md": bool(dag.doc_md and dag.doc_md.strip()),
        "catchup": dag.catchup,
        "retries": {t.task_id: t.retries for t in dag.tasks},
        "backoff": {t.task_id: t.retry_exponential_backoff for t in dag.tasks},
        "pools": {t.task_id: t.pool for t in dag.tasks},
        "schedule": str(dag.timetable),
    }
    for dag_id, dag in bag.dags.items()
}
print("INTEGRITY " + json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": found}))
"""


def test_dag_files_load_with_tags_retries_docs_and_no_side_effects(tmp_path: Path) -> None:
    missing_home = tmp_path / "no-such-home"
    env = airflow_env(tmp_path / "airflow", missing_home, tmp_path / "no-such-config")
    report = run_script(INTEGRITY, [str(DAGS)], env, "INTEGRITY", 300)
    assert report["errors"] == {}
    dags = report["dags"]
    assert set(dags) == {p.stem for p in DAGS.glob("blindspot_*.py")}  # one DAG per file, file name = dag_id
    for dag_id, dag in dags.items():
        assert "blindspot" in dag["tags"], dag_id
        assert dag["doc_md"], dag_id
        assert dag["catchup"] is False, dag_id
        assert all(r >= 1 for r in dag["retries"].values()), (dag_id, dag["retries"])
        assert all(dag["backoff"].values()), (dag_id, dag["backoff"])
    assert dags["blindspot_collect"]["pools"]["load"] == POOL
    assert "blindspot_raw" in dags["blindspot_build"]["schedule"]
    assert not missing_home.exists(), "importing the DAG files created BLINDSPOT_HOME"


def test_collect_schedule_comes_from_settings(tmp_path: Path) -> None:
    env = airflow_env(tmp_path / "airflow", tmp_path / "home") | {"BLINDSPOT_COLLECT_SCHEDULE": "30 4 * * *"}
    report = run_script(INTEGRITY, [str(DAGS)], env, "INTEGRITY", 300)
    assert "30 4 * * *" in report["dags"]["blindspot_collect"]["schedule"]


def warehouse_counts(home: Path, night: date) -> dict[str, int]:
    """Row and duplicate counts that a second run of the same night must leave unchanged."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        one = lambda sql: con.execute(sql, {"night": night} if "$night" in sql else None).fetchone()[0]  # noqa: E731
        counts = {
            "items": one("select count(*) from raw.items"),
            "duplicate_items": one("select count(*) - count(distinct item_id) from raw.items"),
            "duplicate_urls": one(
                "select count(*) - count(distinct (source_id, canonical_url)) from raw.items"
            ),
            "reporting_rows": one("select count(*) from marts.zone_reporting_daily"),
            "duplicate_reporting": one(
                "select count(*) - count(distinct (zone_id, day)) from marts.zone_reporting_daily"
            ),
            "alerts": one("select count(*) from marts.alerts"),
        }
    with duckdb.connect(str(home / "published" / "blindspot.duckdb"), read_only=True) as con:
        counts["published_night"] = str(con.execute("select data_date from meta").fetchone()[0])
    return counts


def test_both_dags_run_end_to_end_twice_without_duplicates(tmp_path: Path, demo_night: DemoNight) -> None:
    env = airflow_env(tmp_path / "airflow", demo_night.home, demo_night.config_dir)
    migrate_airflow_db(env)
    counts = []
    for _ in range(2):
        collected = dag_test(env, "blindspot_collect", demo_night.night)
        assert collected["state"] == "success", collected
        assert sum(k.startswith("collect[") for k in collected["tasks"]) > 1  # one mapped task per source
        built = dag_test(env, "blindspot_build", demo_night.night)
        assert built["state"] == "success", built
        assert set(built["tasks"]) == {"night", "transform", "check", "alert", "publish", "report"}
        counts.append(warehouse_counts(demo_night.home, demo_night.night))
    first, second = counts
    assert first["items"] > 0 and first["reporting_rows"] > 0
    assert first["duplicate_items"] == first["duplicate_urls"] == first["duplicate_reporting"] == 0
    assert second == first
    assert first["published_night"] == demo_night.night.isoformat()
    assert (demo_night.home / "report" / "index.html").exists()

    # The next night, with the demo server still showing the same day, collects nothing: the publish gate
    # keeps the night above (issue 23), the run stays green and says why.
    later = demo_night.night + timedelta(days=1)
    assert dag_test(env, "blindspot_collect", later)["state"] == "success"
    held = dag_test(env, "blindspot_build", later)
    assert held["state"] == "success", held
    assert [held["tasks"][t] for t in ("check", "alert", "publish", "report")] == [
        "success", "skipped", "skipped", "skipped"
    ], held  # fmt: skip
    assert warehouse_counts(demo_night.home, later)["published_night"] == demo_night.night.isoformat()
    with duckdb.connect(str(demo_night.home / "warehouse.duckdb"), read_only=True) as con:
        refused = con.execute(
            "select status, detail from ops.runs where stage = 'publish' and data_date = ?", [later]
        ).fetchall()
    assert [r[0] for r in refused] == ["refused"] and "collected 0 items" in refused[0][1]


def test_blindspot_run_does_a_whole_night_and_stops_at_a_failed_check(
    tmp_path: Path, demo_night: DemoNight
) -> None:
    from typer.testing import CliRunner

    from blindspot.cli import app

    home = tmp_path / "home"
    env = {
        "BLINDSPOT_HOME": str(home),
        "BLINDSPOT_CONFIG": str(demo_night.config_dir),
        "BLINDSPOT_ALLOW_LOOPBACK": "true",
    }
    night = demo_night.night.isoformat()
    done = CliRunner().invoke(app, ["run", "--date", night], env=env)
    assert done.exit_code == 0, done.output
    published = home / "published" / "blindspot.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        assert str(con.execute("select data_date from meta").fetchone()[0]) == night
    assert (home / "report" / "index.html").exists()
    snapshot = published.stat().st_mtime_ns
    jsonl = home / "alerts" / "alerts.jsonl"
    alerts_sent = jsonl.read_bytes() if jsonl.exists() else b""

    later = (demo_night.night + timedelta(days=1)).isoformat()  # the server shows the same day: 0 new items
    refused = CliRunner().invoke(app, ["run", "--date", later], env=env)
    assert refused.exit_code == 3, refused.output
    assert f"refusing to publish {later}: it collected 0 items" in refused.output
    assert published.stat().st_mtime_ns == snapshot  # the last good night stays published
    assert (jsonl.read_bytes() if jsonl.exists() else b"") == alerts_sent  # its alerts are held

    with duckdb.connect(
        str(home / "warehouse.duckdb")
    ) as con:  # a duplicate key the loader would never write
        con.execute(
            "insert into raw.items select * from raw.items where data_date = ? limit 1", [demo_night.night]
        )
    stopped = CliRunner().invoke(app, ["run", "--date", night], env=env)
    assert stopped.exit_code == 1
    assert "blocking checks failed" in stopped.output and "raw.items.item_id" in stopped.output
    assert published.stat().st_mtime_ns == snapshot  # nothing published after the failed check
