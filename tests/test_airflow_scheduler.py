"""A real Airflow on loopback: trigger blindspot_collect, and its Asset runs blindspot_build to a new snapshot."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.test_dags import AIRFLOW, DemoNight, airflow_cli, airflow_env, demo_night, migrate_airflow_db

__all__ = ["demo_night"]  # the served demo world fixture, shared with test_dags

# A few sources of every kind keep the run short; the collection code is the same for 42 sources.
KEEP_SOURCES = 6
DEADLINE_SECONDS = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keep_a_few_sources(config_dir: Path) -> list[str]:
    """Disable all but the first sources of each kind in the demo registry (a real registry edit)."""
    path = config_dir / "sources.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    kept: dict[str, int] = {}
    for source in doc["sources"]:
        wanted = kept.get(source["kind"], 0) < KEEP_SOURCES // 3
        source["enabled"] = bool(source.get("enabled")) and wanted
        kept[source["kind"]] = kept.get(source["kind"], 0) + int(source["enabled"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return [s["id"] for s in doc["sources"] if s["enabled"]]


@pytest.fixture
def airflow_services(tmp_path: Path, demo_night: DemoNight) -> Iterator[dict[str, str]]:
    """scheduler, dag-processor and api-server on 127.0.0.1, each in its own process group; all stopped after."""
    keep_a_few_sources(demo_night.config_dir)
    port = free_port()
    env = airflow_env(tmp_path / "airflow", demo_night.home, demo_night.config_dir)
    env.update(
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
        BLINDSPOT_COLLECT_SCHEDULE="none",  # only the run this test triggers, no scheduled one beside it
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__API__WORKERS="1",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1",
        AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT="300",
    )
    migrate_airflow_db(env)
    logs = tmp_path / "service-logs"
    logs.mkdir()
    started: list[subprocess.Popen] = []
    try:
        for service in (["dag-processor"], ["scheduler"], ["api-server", "--port", str(port)]):
            out = (logs / f"{service[0]}.log").open("w")
            # start_new_session: each service leads its own process group, so its children stop with it.
            started.append(
                subprocess.Popen(
                    [str(AIRFLOW), *service],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        yield env
    finally:
        stop_process_groups(started)


def stop_process_groups(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each started process group, then SIGKILL what is left after 20 s."""
    for proc in processes:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # a child that outlived its parent (task runners)
        except ProcessLookupError:
            pass


def dag_runs(airflow_home: Path) -> dict[str, list[tuple[str, str]]]:
    """(run_type, state) of every run, per DAG, straight from the metadata database."""
    with sqlite3.connect(airflow_home / "airflow.db", timeout=10) as db:
        rows = db.execute("select dag_id, run_type, state from dag_run order by id").fetchall()
    runs: dict[str, list[tuple[str, str]]] = {}
    for dag_id, run_type, state in rows:
        runs.setdefault(dag_id, []).append((run_type, state))
    return runs


def parsed_dags(airflow_home: Path) -> set[str]:
    with sqlite3.connect(airflow_home / "airflow.db", timeout=10) as db:
        return {row[0] for row in db.execute("select dag_id from serialized_dag")}


def wait_for(what: str, condition, seconds: float, logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(2)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("*.log")))
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


def test_scheduler_runs_collect_then_build_from_the_asset(
    airflow_services: dict[str, str], demo_night: DemoNight, tmp_path: Path
) -> None:
    home = Path(airflow_services["AIRFLOW_HOME"])
    logs = tmp_path / "service-logs"
    wanted = {"blindspot_collect", "blindspot_build"}
    wait_for("the dag-processor to parse both DAGs", lambda: wanted <= parsed_dags(home), 120, logs)
    night = demo_night.night.isoformat()
    airflow_cli(
        airflow_services, "dags", "trigger", "blindspot_collect", "--logical-date", f"{night}T02:00:00+00:00"
    )

    def build_finished() -> bool:
        runs = dag_runs(home)
        return any(state in ("success", "failed") for _, state in runs.get("blindspot_build", []))

    wait_for("blindspot_build to finish", build_finished, DEADLINE_SECONDS, logs)
    runs = dag_runs(home)
    assert runs["blindspot_collect"] == [("manual", "success")]
    assert runs["blindspot_build"] == [("asset_triggered", "success")]
    with duckdb.connect(str(demo_night.home / "published" / "blindspot.duckdb"), read_only=True) as con:
        assert str(con.execute("select data_date from meta").fetchone()[0]) == night
