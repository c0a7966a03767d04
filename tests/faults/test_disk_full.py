"""A disk that really fills: the warehouse's home is a small tmpfs (mounted in a user and mount namespace,
`unshare -rm`, so no privilege is needed). With the default working room the stage is refused before it
starts; with none it runs until the disk is full and stops with one line and exit 2; once there is room
again, the stage runs to the rows of an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.support import digest

ROOT = Path(__file__).resolve().parents[2]


def namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not namespaces_work(), reason="unshare -rm (user and mount namespaces) is not allowed on this machine"
)


def on_tmpfs(tmp_path: Path, size_mb: int, landing: Path, config: Path, *stage: str) -> dict:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        ["unshare", "-rm", sys.executable, "-m", "tests.faults.disk_child", str(tmp_path / "home"),
         str(size_mb), str(landing), str(config), *stage],
        capture_output=True, text=True, timeout=900, env=env, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_one_line_disk_message(outcome: tuple[int, str], words: str) -> None:
    code, stderr = outcome
    assert code == 2, stderr[-2000:]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr[-2000:]
    assert lines[0].startswith("error: ") and words in lines[0], lines[0]
    assert "BLINDSPOT_HOME" in lines[0]  # says what to do


def test_a_load_on_a_full_disk_stops_in_one_line_and_loads_later(
    small_demo, loaded_once, tmp_path: Path
) -> None:
    size = 2  # MB; loading the small demo's landing files needs about 18

    outcome = on_tmpfs(
        tmp_path, size, small_demo.settings.landing_dir, small_demo.settings.config_dir, "load"
    )
    assert_one_line_disk_message(tuple(outcome["refused"]), "not enough free disk for load")
    assert_one_line_disk_message(tuple(outcome["full"]), "is full")
    assert outcome["again"][0] == 0, outcome["again"][1][-2000:]
    assert {k: tuple(v) for k, v in outcome["raw"].items()} == loaded_once  # nothing lost, nothing twice


def test_a_transform_on_a_full_disk_stops_in_one_line_and_runs_later(
    small_demo, reference, tmp_path: Path
) -> None:
    night = small_demo.nights[-1].isoformat()
    shutil.copy(small_demo.settings.warehouse_path, tmp_path / "seed.duckdb")
    size = small_demo.settings.warehouse_path.stat().st_size // (1024 * 1024) + 2  # the copy, and 2 MB more

    outcome = on_tmpfs(
        tmp_path, size, small_demo.settings.landing_dir, small_demo.settings.config_dir,
        "transform", "--date", night, "--full-refresh",
    )  # fmt: skip
    assert_one_line_disk_message(tuple(outcome["refused"]), "not enough free disk for transform")
    assert_one_line_disk_message(tuple(outcome["full"]), "is full")
    assert outcome["again"][0] == 0, outcome["again"][1][-2000:]
    assert outcome["marts"] == {k: digest(v) for k, v in reference.items()}  # the uninterrupted marts
