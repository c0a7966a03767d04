"""What the fault tests share: run a blindspot command in its own process (and kill it), and read a
warehouse's marts and raw tables to compare with an uninterrupted run."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

BLINDSPOT = Path(sys.executable).with_name("blindspot")


def environment(home: Path, config_dir: Path) -> dict[str, str]:
    """This process's environment without its BLINDSPOT_* variables, pointed at one home and registry."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BLINDSPOT_")} | {
        "BLINDSPOT_HOME": str(home),
        "BLINDSPOT_CONFIG": str(config_dir),
    }


def run(settings, *args: str, kill_after: float | None = None, loopback: bool = False) -> int | None:
    env = environment(settings.home, settings.config_dir)
    if loopback:  # a collection from the demo server on 127.0.0.1
        env["BLINDSPOT_ALLOW_LOOPBACK"] = "true"
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
    return None if finished else proc.pid  # the pid of the process killed while it ran


def children_of(pid: int) -> list[str]:
    """Command lines of crawl processes started by `pid` (it passes its pid as their last argument)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        if b"crawlers.html" in argv and str(pid).encode() in argv:
            found.append(b" ".join(argv).decode(errors="replace"))
    return found


def marts(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [n for (n,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        return {n: con.execute(f"select * from marts.{n} order by all").fetchall() for n in names}


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


def kill_delays(stage: str, low: float, high: float, count: int = 2) -> list[float]:
    """Moments (seconds after the start) to kill a stage at: drawn at random between low and high, from the
    seed in FAULT_SEED (default 1) so a failing moment can be replayed; a run may set another seed."""
    rng = random.Random(f"{os.environ.get('FAULT_SEED', '1')}-{stage}")
    return sorted(round(rng.uniform(low, high), 2) for _ in range(count))


def digest(rows: list[tuple]) -> str:
    """A stable fingerprint of a table's sorted rows, comparable across processes."""
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def collected_state(path: Path) -> dict[str, tuple]:
    """What a night's collection put in the warehouse, without what differs from run to run (run ids,
    fetch and load times, durations): per raw table, rows and a hash of the rest."""
    volatile = {
        "items": "run_id, fetched_at, loaded_at",
        "fetch_events": "event_id, run_id, started_at, duration_ms, loaded_at",
    }
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            t: con.execute(
                f"select count(*), sum(hash(*columns(* exclude ({cols})))) from raw.{t}"
            ).fetchone()
            for t, cols in volatile.items()
        }
