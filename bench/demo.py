"""Times the default `blindspot demo` end to end and per stage, against the 3-minute goal."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from blindspot.demo.runner import run_demo
from core.settings import Settings

GOAL_SECONDS = 180.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default")
    parser.add_argument("--days", type=int, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        settings = Settings.from_env(environ={}, home=Path(tmp))
        started = time.perf_counter()
        summary = run_demo(settings, args.scenario, 7, args.days)
        total = time.perf_counter() - started
    print(
        f"demo '{args.scenario}': {len(summary.nights)} nights, {summary.items:,} items, {summary.requests:,} requests"
    )
    for stage, seconds in summary.stages.items():
        print(f"  {stage:<10} {seconds:7.1f} s  {seconds / total:5.1%}")
    print(f"  {'total':<10} {total:7.1f} s")
    print(
        f"ratio to the goal ({GOAL_SECONDS:.0f} s): {total / GOAL_SECONDS:.2f} ({'PASS' if total < GOAL_SECONDS else 'FAIL'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
