"""Serve a freshly generated demo world with its registry folder: what `blindspot demo serve` runs."""

from __future__ import annotations

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


@contextmanager
def serve_demo(
    settings: Settings,
    scenario: str = "default",
    seed: int = 7,
    days: int | None = None,
    as_of: date | None = None,
    port: int = 0,
) -> Iterator[tuple[DemoServer, Path]]:
    """Generate the scenario's world into settings.demo_dir, serve it as of `as_of` (default: its last day)
    on 127.0.0.1:`port` (0 picks a free one), and yield the running server and its registry folder
    (settings.demo_dir / "config"); the server stops when the block ends."""
    spec = load_scenario(scenario)
    generate(spec, seed, settings.demo_dir, days)
    world = read_world(settings.demo_dir)
    with DemoServer(world, as_of=as_of or world.end_date, port=port) as server:
        config_dir = write_demo_config(spec, server.base_url, settings.demo_dir / "config")
        yield server, config_dir
