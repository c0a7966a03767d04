"""`make airflow`: a local Airflow for blindspot on 127.0.0.1, started, watched and stopped by one process.

It writes the instance's settings into `$AIRFLOW_HOME/airflow.cfg` (the same values it puts in the
environment, so the `airflow` CLI run against this home agrees with the services), migrates the metadata
database, creates the warehouse pool, serves the demo world unless BLINDSPOT_CONFIG names a registry, starts
dag-processor, scheduler, triggerer and api-server each in its own session with its output in
`$AIRFLOW_HOME/logs/services/`, and unpauses blindspot's DAGs once they are parsed.

Ctrl-C or SIGTERM stops them in order: the scheduler, triggerer and dag-processor first (running task
instances get STOP_GRACE_SECONDS to finish), then what is still unfinished in the metadata database is marked
failed, then the api-server and the demo server. A second Ctrl-C kills what is left at once.

`python -m blindspot.airflow_local cli ARGS...` runs the `airflow` CLI against the same instance."""

from __future__ import annotations

import ctypes
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POOL = ("blindspot_warehouse", "1", "DuckDB allows a single writer")
DAG_IDS = ("blindspot_collect", "blindspot_build")
STOP_GRACE_SECONDS = 30  # running task instances may finish within this; then their processes are killed
START_TIMEOUT_SECONDS = 180
PASSWORDS = "simple_auth_manager_passwords.json.generated"
# Task states that mean "not finished": a stop marks them failed so no run stays running.
UNFINISHED_TI = (
    "running",
    "queued",
    "scheduled",
    "up_for_retry",
    "up_for_reschedule",
    "deferred",
    "restarting",
)
MARK_FAILED = f"""
UNFINISHED = {UNFINISHED_TI!r}
from datetime import datetime, timezone
from sqlalchemy import select
from airflow.models.dagrun import DagRun
from airflow.models.taskinstance import TaskInstance
from airflow.utils.session import create_session

now = datetime.now(timezone.utc)
with create_session() as session:
    runs = session.scalars(select(DagRun).where(DagRun.state.in_(["running", "queued"]))).all()
    for run in runs:
        for ti in session.scalars(select(TaskInstance).where(
                TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id,
                TaskInstance.state.in_(UNFINISHED))).all():
            ti.state, ti.end_date = "failed", now
        run.state, run.end_date = "failed", now
        print(run.dag_id, run.run_id)
"""


@dataclass
class Instance:
    """One local Airflow: its homes, its port and where its registry comes from."""

    blindspot_home: Path
    port: int = 8080
    config_dir: Path | None = None  # None: serve the demo world and collect that
    schedule: str | None = None  # BLINDSPOT_COLLECT_SCHEDULE when the operator set one

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Instance:
        env = dict(os.environ if environ is None else environ)
        config = env.get("BLINDSPOT_CONFIG")
        return cls(
            blindspot_home=Path(env.get("BLINDSPOT_HOME") or REPO / "data").resolve(),
            port=int(env.get("AIRFLOW_PORT") or 8080),
            config_dir=Path(config).resolve() if config else None,
            schedule=env.get("BLINDSPOT_COLLECT_SCHEDULE") or None,
        )

    @property
    def airflow_home(self) -> Path:
        return self.blindspot_home / "airflow"

    @property
    def service_logs(self) -> Path:
        return self.airflow_home / "logs" / "services"

    @property
    def is_demo(self) -> bool:
        return self.config_dir is None

    @property
    def demo_config(self) -> Path:
        return self.blindspot_home / "demo" / "config"

    def airflow_settings(self) -> dict[tuple[str, str], str]:
        """Every setting of this instance, written to airflow.cfg and set in the environment alike."""
        url = f"http://127.0.0.1:{self.port}"
        return {
            ("core", "dags_folder"): str(REPO / "dags"),
            ("core", "load_examples"): "False",
            ("core", "executor"): "LocalExecutor",
            ("core", "parallelism"): "4",
            ("core", "dags_are_paused_at_creation"): "False",
            ("core", "execution_api_server_url"): f"{url}/execution/",
            ("api", "host"): "127.0.0.1",
            ("api", "port"): str(self.port),
            ("api", "base_url"): url,
            ("api", "workers"): "1",
        }

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
        env.update({f"AIRFLOW__{s.upper()}__{k.upper()}": v for (s, k), v in self.airflow_settings().items()})
        env.update(
            AIRFLOW_HOME=str(self.airflow_home),
            BLINDSPOT_HOME=str(self.blindspot_home),
            PYTHONPATH=str(REPO),
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        )
        if self.is_demo:
            env.update(BLINDSPOT_CONFIG=str(self.demo_config), BLINDSPOT_ALLOW_LOOPBACK="true")
            # the demo world does not change after its last day: no scheduled night unless asked for
            env["BLINDSPOT_COLLECT_SCHEDULE"] = self.schedule or "none"
        else:
            env["BLINDSPOT_CONFIG"] = str(self.config_dir)
        return env


def write_settings(path: Path, settings: dict[tuple[str, str], str]) -> None:
    """Set each (section, key) in an airflow.cfg, keeping its other lines and comments; mode 600."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for (section, key), value in settings.items():
        header = f"[{section}]"
        if header not in (line.strip() for line in lines):
            lines += ["", header]
        start = next(i for i, line in enumerate(lines) if line.strip() == header)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        found = next((i for i in range(start + 1, end) if pattern.match(lines[i])), None)
        if found is None:
            lines.insert(start + 1, f"{key} = {value}")
        else:
            lines[found] = f"{key} = {value}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def die_with_parent() -> None:
    """In a child before exec: its own session (Ctrl-C reaches only the supervisor), and SIGTERM when the
    supervisor dies, so no service outlives it."""
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def say(message: str) -> None:
    print(f"[airflow] {message}", flush=True)


class Supervisor:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.env = instance.environment()
        self.services: dict[str, subprocess.Popen] = {}
        self.demo: subprocess.Popen | None = None
        self.stopping = 0  # signals received

    # ---- start ------------------------------------------------------------------------------------------
    def airflow(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [str(BIN / "airflow"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"airflow {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )
        return done.stdout

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        self.instance.service_logs.mkdir(parents=True, exist_ok=True)
        log = (self.instance.service_logs / f"{name}.log").open("a", encoding="utf-8")
        return subprocess.Popen(
            argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO,
            preexec_fn=die_with_parent,
        )  # fmt: skip

    def serve_demo(self) -> None:
        sources = self.instance.demo_config / "sources.yml"
        sources.unlink(missing_ok=True)
        self.demo = self.spawn("demo-serve", [str(BIN / "blindspot"), "demo", "serve"])
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not sources.exists():
            if self.demo.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the demo server did not start; see {self.instance.service_logs}/demo-serve.log"
                )
            time.sleep(0.5)
        say(f"serving the demo world on 127.0.0.1 (registry {self.instance.demo_config})")

    def start(self) -> None:
        inst = self.instance
        os.umask(0o077)  # the password file, airflow.cfg, logs and databases: readable by their owner only
        inst.airflow_home.mkdir(parents=True, exist_ok=True)
        if inst.is_demo:
            self.serve_demo()
        cfg = inst.airflow_home / "airflow.cfg"
        if not cfg.exists():
            self.airflow("config", "get-value", "core", "executor")  # Airflow writes its defaults and secrets
        write_settings(cfg, inst.airflow_settings())
        say(f"AIRFLOW_HOME {inst.airflow_home}; settings written to {cfg}")
        self.airflow("db", "migrate", timeout=600)
        self.airflow("pools", "set", *POOL)
        airflow = str(BIN / "airflow")
        for name, argv in (
            ("dag-processor", [airflow, "dag-processor"]),
            # --skip-serve-logs: no log server on 0.0.0.0; the api-server reads the task logs from disk
            ("scheduler", [airflow, "scheduler", "--skip-serve-logs"]),
            ("triggerer", [airflow, "triggerer", "--skip-serve-logs"]),
            ("api-server", [airflow, "api-server", "--host", "127.0.0.1", "--port", str(inst.port)]),
        ):
            self.services[name] = self.spawn(name, argv)
        say(f"services started; their output is in {inst.service_logs}/ (task output stays in task logs)")
        self.wait_until_ready()

    def wait_until_ready(self) -> None:
        inst = self.instance
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        url = f"http://127.0.0.1:{inst.port}/api/v2/monitor/health"
        while not (self.api_answers(url) and self.dags_parsed()):
            self.check_services()
            if self.stopping:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Airflow did not become ready in {START_TIMEOUT_SECONDS} s; see {inst.service_logs}/"
                )
            time.sleep(1)
        self.airflow("dags", "unpause", "--treat-dag-id-as-regex", "--yes", "^blindspot_")
        passwords = inst.airflow_home / PASSWORDS
        if passwords.exists():
            passwords.chmod(0o600)
        say(f"ready: UI and API on http://127.0.0.1:{inst.port} (user admin, password in {passwords})")
        say(
            f"DAGs {', '.join(DAG_IDS)} unpaused; collect schedule: {self.env.get('BLINDSPOT_COLLECT_SCHEDULE') or 'default'}"
        )
        say(
            'trigger a night: make airflow-cli ARGS="dags trigger blindspot_collect"; Ctrl-C stops everything'
        )

    @staticmethod
    def api_answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a fixed loopback URL)
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def dags_parsed(self) -> bool:
        db = self.instance.airflow_home / "airflow.db"
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
                found = {r[0] for r in con.execute("select dag_id from serialized_dag")}
        except sqlite3.Error:
            return False
        return set(DAG_IDS) <= found

    def check_services(self) -> None:
        """A service or the demo server that exits on its own stops the instance, saying which one."""
        watched = {**self.services, **({"demo-serve": self.demo} if self.demo else {})}
        for name, proc in watched.items():
            if proc.poll() is not None and not self.stopping:
                raise RuntimeError(
                    f"{name} exited with status {proc.returncode}; see {self.instance.service_logs}/{name}.log"
                )

    # ---- stop -------------------------------------------------------------------------------------------
    def on_signal(self, signum: int, _frame: object) -> None:
        self.stopping += 1
        if self.stopping == 1:
            say(
                f"{signal.Signals(signum).name}: stopping (running tasks get {STOP_GRACE_SECONDS} s; Ctrl-C again forces)"
            )
        else:
            say("forcing: killing every service now")
            for proc in self.children():
                signal_group(proc, signal.SIGKILL)

    def children(self) -> list[subprocess.Popen]:
        return [*self.services.values(), *([self.demo] if self.demo else [])]

    def stop(self) -> None:
        """Workers first, so their running tasks end or are killed; then unfinished runs are marked failed;
        then the api-server and the demo server."""
        workers = [
            self.services[n] for n in ("scheduler", "triggerer", "dag-processor") if n in self.services
        ]
        stop_groups(workers, STOP_GRACE_SECONDS if self.stopping < 2 else 0)
        if (self.instance.airflow_home / "airflow.db").exists():
            marked = subprocess.run(
                [str(BIN / "python"), "-c", MARK_FAILED],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if marked.returncode != 0:
                say(f"could not mark unfinished runs failed: {marked.stderr.strip()[-500:]}")
            elif marked.stdout.strip():
                say(
                    "marked failed (stopped before they finished): "
                    + "; ".join(marked.stdout.split("\n")).strip("; ")
                )
        rest = [p for p in (self.services.get("api-server"), self.demo) if p is not None]
        stop_groups(rest, 10 if self.stopping < 2 else 0)
        say("stopped")


def signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def stop_groups(processes: list[subprocess.Popen], grace: float) -> None:
    """SIGTERM each process group, wait up to `grace` seconds, then SIGKILL the groups (children included)."""
    for proc in processes:
        if proc.poll() is None:
            signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            say(f"pid {proc.pid} still running after {grace:.0f} s: killed")
        signal_group(proc, signal.SIGKILL)  # what is left of its group: task runners, gunicorn workers
        proc.wait(timeout=30)


def run_instance(instance: Instance) -> int:
    supervisor = Supervisor(instance)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, supervisor.on_signal)
    status = 0
    try:
        supervisor.start()
        while not supervisor.stopping:
            supervisor.check_services()
            time.sleep(1)
    except RuntimeError as exc:
        say(f"error: {exc}")
        status = 1
    finally:
        supervisor.stop()
    return status


def run_cli(instance: Instance, args: list[str]) -> int:
    """The `airflow` CLI against this instance (make airflow-cli ARGS=...)."""
    if not args:
        print('usage: make airflow-cli ARGS="dags list"', file=sys.stderr)
        return 2
    return subprocess.run([str(BIN / "airflow"), *args], env=instance.environment(), cwd=REPO).returncode


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    instance = Instance.from_env()
    if args[:1] == ["cli"]:
        return run_cli(instance, args[1:])
    return run_instance(instance)


if __name__ == "__main__":
    sys.exit(main())
