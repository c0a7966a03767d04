"""Run inside `unshare -rm` by test_disk_full.py: mount a small tmpfs on a home, run one blindspot stage
there until the disk fills, then grow the tmpfs and run the stage again. Prints one JSON line of what
happened, since the tmpfs and everything on it go away with the namespace.

usage: python -m tests.faults.disk_child HOME SIZE_MB LANDING CONFIG STAGE [ARGS...]"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.faults.support import BLINDSPOT, digest, environment, marts, raw_state


def blindspot(home: Path, config: str, args: list[str], min_free_mb: int) -> tuple[int, str]:
    env = environment(home, Path(config)) | {"BLINDSPOT_MIN_FREE_MB": str(min_free_mb)}
    proc = subprocess.run([str(BLINDSPOT), *args], env=env, capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stderr


def main(home: Path, size_mb: int, landing: str, config: str, stage: str, *args: str) -> None:
    seed = home.with_name("seed.duckdb")  # a warehouse to start from, copied onto the tmpfs if given
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(home)], check=True)
    (home / "landing").symlink_to(landing, target_is_directory=True)
    if seed.exists():
        shutil.copy(seed, home / "warehouse.duckdb")
    outcome: dict[str, object] = {}
    # with the default working room the stage is refused before it starts
    outcome["refused"] = blindspot(home, config, [stage, *args], min_free_mb=256)
    # with none, it runs until the disk is full
    outcome["full"] = blindspot(home, config, [stage, *args], min_free_mb=0)
    outcome["free_after_full"] = shutil.disk_usage(home).free
    subprocess.run(["mount", "-o", "remount,size=1024m", str(home)], check=True)
    outcome["again"] = blindspot(home, config, [stage, *args], min_free_mb=0)
    warehouse = home / "warehouse.duckdb"
    outcome["raw"] = {k: list(v) for k, v in raw_state(warehouse).items()}
    outcome["marts"] = {k: digest(v) for k, v in marts(warehouse).items()}
    print(json.dumps(outcome, default=str))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:])
