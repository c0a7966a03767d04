"""serve_demo: a generated small world served on 127.0.0.1, with a registry folder pointing at it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest
import yaml

from blindspot.demo.serve import serve_demo
from core.registry import load_registry
from core.settings import Settings


def test_serve_demo_serves_the_world_and_writes_its_registry(tmp_path: Path) -> None:
    settings = Settings.from_env(environ={}, home=tmp_path / "home")
    with serve_demo(settings, "small", seed=3, days=5, as_of=date(2026, 6, 1), port=0) as (
        server,
        config_dir,
    ):
        assert server.base_url.startswith("http://127.0.0.1:") and server.as_of == date(2026, 6, 1)
        assert config_dir == settings.demo_dir / "config"
        assert (settings.demo_dir / "world").is_dir()
        feed = httpx.get(f"{server.base_url}/feeds/meridian-wire.xml", timeout=5)
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/rss+xml")
        sources = yaml.safe_load((config_dir / "sources.yml").read_text(encoding="utf-8"))["sources"]
        assert sources and all(s["url"].startswith(f"{server.base_url}/") for s in sources)
        wire = next(s for s in sources if s["id"] == "meridian-wire")
        assert wire["url"] == f"{server.base_url}/feeds/meridian-wire.xml"
        assert len(load_registry(config_dir).sources) == len(sources)
        base_url = server.base_url
    with pytest.raises(httpx.TransportError):  # the server stopped with the block
        httpx.get(f"{base_url}/robots.txt", timeout=1)


def test_serve_demo_defaults_to_the_last_day(tmp_path: Path) -> None:
    settings = Settings.from_env(environ={}, home=tmp_path / "home")
    with serve_demo(settings, "small", seed=3, days=5) as (server, _):
        assert server.as_of == date(2026, 6, 2)  # small starts 2026-05-29; 5 days end on June 2
        assert httpx.get(f"{server.base_url}/_demo/as-of", timeout=5).json() == {"as_of": "2026-06-02"}


def test_serving_without_a_scenario_keeps_the_world_already_generated(tmp_path: Path) -> None:
    settings = Settings.from_env(environ={}, home=tmp_path / "home")
    with serve_demo(settings, "small", seed=3, days=5):
        pass
    truth = settings.demo_dir / "truth.json"
    generated = truth.stat().st_mtime_ns
    with serve_demo(settings) as (server, config_dir):  # as `blindspot demo serve` with no option
        assert server.as_of == date(2026, 6, 2)  # the small 5-day world, not the default one
        assert {z.id for z in load_registry(config_dir).zones} >= {"xva-north"}
    assert truth.stat().st_mtime_ns == generated  # not generated again
    with serve_demo(settings, "small", seed=4, days=5):  # another seed asked for: that world replaces it
        pass
    assert truth.stat().st_mtime_ns != generated
