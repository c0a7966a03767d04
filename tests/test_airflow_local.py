"""`make airflow` as an operator runs it: the demo world served, DAGs unpaused, a night triggered through
`make airflow-cli` as the docs say, both DAGs to success and the snapshot holding that night only; nothing
listens beyond loopback; then Ctrl-C (SIGINT to make's process group) stops every process it started and
leaves no run `running`."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import yaml

from blindspot.demo.generator import generate
from blindspot.demo.scenario import load_scenario
from tests.test_dags import DEMO_DAYS, ROOT

# A few sources of every kind keep the night short; the collection code is the same for 42 sources.
KEEP_SOURCES = 6
START_SECONDS = 300
RUN_SECONDS = 300
STOP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keep_a_few_sources(config_dir: Path) -> None:
    """Disable all but the first sources of each kind in the demo registry (a real registry edit)."""
    path = config_dir / "sources.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    kept: dict[str, int] = {}
    for source in doc["sources"]:
        source["enabled"] = bool(source.get("enabled")) and kept.get(source["kind"], 0) < KEEP_SOURCES // 3
        kept[source["kind"]] = kept.get(source["kind"], 0) + int(source["enabled"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def dag_runs(airflow_home: Path) -> dict[str, list[tuple[str, str]]]:
    """(run_type, state) of every run, per DAG, straight from the metadata database."""
    with sqlite3.connect(airflow_home / "airflow.db", timeout=10) as db:
        rows = db.execute("select dag_id, run_type, state from dag_run order by id").fetchall()
    runs: dict[str, list[tuple[str, str]]] = {}
    for dag_id, run_type, state in rows:
        runs.setdefault(dag_id, []).append((run_type, state))
    return runs


def instance_processes(home: Path) -> dict[int, str]:
    """pid -> command line of every process whose environment names this BLINDSPOT_HOME."""
    wanted = f"BLINDSPOT_HOME={home}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:160]
        except OSError:  # gone, or not ours to read
            continue
    return found


def listening_addresses(pids: set[int]) -> set[str]:
    """The local addresses (host:port) of the TCP sockets these processes listen on, from /proc/net."""
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                host, port = fields[1].split(":")
                found.add(f"{decode_host(host, width)}:{int(port, 16)}")
    return found


def decode_host(hex_host: str, width: int) -> str:
    raw = bytes.fromhex(hex_host)
    if width == 8:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]  # four little-endian 32-bit words
    return "[" + bytes(b"".join(words)).hex(":", 2) + "]"


def wait_for(what: str, condition, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what}\n{log.read_text()[-3000:]}")


def test_make_airflow_runs_a_triggered_night_and_stops_cleanly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # The small world in the demo folder: `blindspot demo serve` serves it as it is instead of generating the
    # default world.
    generate(load_scenario("small"), 3, home / "demo", DEMO_DAYS)
    truth = json.loads((home / "demo" / "truth.json").read_text(encoding="utf-8"))
    night = (date.fromisoformat(truth["start_date"]) + timedelta(days=truth["days"] - 1)).isoformat()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLINDSPOT_"))}
    env.update(BLINDSPOT_HOME=str(home), AIRFLOW_PORT=str(free_port()))
    log = tmp_path / "make-airflow.log"
    make = subprocess.Popen(
        ["make", "-s", "airflow"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,  # make and the launcher in one process group, as in a terminal
    )  # fmt: skip
    airflow_home = home / "airflow"
    try:
        wait_for(
            "make airflow to be ready", lambda: "ready: UI and API" in log.read_text(), START_SECONDS, log
        )
        # private and loopback only
        assert (airflow_home / "simple_auth_manager_passwords.json.generated").stat().st_mode & 0o077 == 0
        assert (airflow_home / "airflow.cfg").stat().st_mode & 0o077 == 0
        cfg = (airflow_home / "airflow.cfg").read_text()
        assert re.search(r"^load_examples = False$", cfg, re.M)
        assert re.search(rf"^dags_folder = {re.escape(str(ROOT / 'dags'))}$", cfg, re.M)
        addresses = listening_addresses(set(instance_processes(home)))
        loopback = ("127.0.0.1:", "[0000:0000:0000:0000:0000:0000:0000:0001]:")
        assert addresses and all(a.startswith(loopback) for a in addresses), addresses
        assert "Skipping registering function" not in log.read_text()  # task output stays in task logs

        keep_a_few_sources(home / "demo" / "config")  # a short night; the code path is the one of 42 sources
        trigger = subprocess.run(
            ["make", "-s", "airflow-cli", f"ARGS=dags trigger blindspot_collect --logical-date {night}T02:00:00+00:00"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert trigger.returncode == 0, trigger.stdout + trigger.stderr

        def built() -> bool:
            return any(
                s in ("success", "failed") for _, s in dag_runs(airflow_home).get("blindspot_build", [])
            )

        wait_for("blindspot_build to finish", built, RUN_SECONDS, log)
        runs = dag_runs(airflow_home)
        assert runs["blindspot_collect"] == [("manual", "success")]  # no scheduled night beside it
        assert runs["blindspot_build"] == [("asset_triggered", "success")]
        with duckdb.connect(str(home / "published" / "blindspot.duckdb"), read_only=True) as con:
            assert [str(d) for (d,) in con.execute("select data_date from meta").fetchall()] == [night]
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        try:
            make.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            raise
    assert instance_processes(home) == {}, "processes outlived make airflow"
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        assert (
            db.execute("select count(*) from dag_run where state in ('running', 'queued')").fetchone()[0] == 0
        )
    assert "stopped" in log.read_text().splitlines()[-1]
