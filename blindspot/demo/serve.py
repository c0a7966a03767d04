"""Serve a freshly generated demo world with its registry folder: what `blindspot demo serve` runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from blindspot.demo.generator import generate
from blindspot.demo.registry_config import write_demo_config
from blindspot.demo.scenario import load_scenario
from blindspot.demo.server import DemoServer
from blindspot.demo.world import read_world
from core.settings import Settings

DEFAULT_SEED = 7


@contextmanager
def serve_demo(
    settings: Settings,
    scenario: str | None = None,
    seed: int | None = None,
    days: int | None = None,
    as_of: date | None = None,
    port: int = 0,
) -> Iterator[tuple[DemoServer, Path]]:
    """Serve a demo world from settings.demo_dir as of `as_of` (default: its last day) on 127.0.0.1:`port`
    (0 picks a free one), and yield the running server and its registry folder (settings.demo_dir /
    "config"); the server stops when the block ends.

    Without a scenario, the world already generated there (by `blindspot demo`) is served as it is, and the
    default world is generated only when there is none; a scenario, seed or length that differs from the
    world there generates that world in its place."""
    existing = _generated(settings.demo_dir)
    wanted = (
        scenario or (existing or {}).get("scenario") or "default",
        seed if seed is not None else (existing or {}).get("seed", DEFAULT_SEED),
    )
    spec = load_scenario(wanted[0])
    wanted_days = days or (existing or {}).get("days") if scenario is None else days or spec.days
    same = existing is not None and (
        existing.get("scenario"),
        existing.get("seed"),
        existing.get("days"),
    ) == (
        spec.name,
        wanted[1],
        wanted_days or spec.days,
    )
    if not same:
        generate(spec, wanted[1], settings.demo_dir, wanted_days)
    world = read_world(settings.demo_dir)
    with DemoServer(world, as_of=as_of or world.end_date, port=port) as server:
        config_dir = write_demo_config(spec, server.base_url, settings.demo_dir / "config")
        yield server, config_dir


def _generated(demo_dir: Path) -> dict | None:
    """The scenario, seed and days of the world in demo_dir (its truth.json), if one was generated."""
    truth = demo_dir / "truth.json"
    if not (truth.is_file() and (demo_dir / "world").is_dir()):
        return None
    try:
        document = json.loads(truth.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None
