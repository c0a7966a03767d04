"""Shared fixtures: a blindspot home in a temp dir and a minimal valid registry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def warehouse_copy(demo, home: Path) -> Settings:
    """Settings for a private home holding a copy of a demo run's warehouse (the demo's registry), to change freely."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo.settings.warehouse_path, home / "warehouse.duckdb")
    return Settings.from_env(environ={}, home=home, config_dir=demo.settings.config_dir)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A writable copy of the minimal registry, so a test may break it."""
    target = tmp_path / "config"
    shutil.copytree(FIXTURES / "config_min", target)
    return target


@pytest.fixture
def settings(tmp_path: Path, config_dir: Path) -> Settings:
    return Settings.from_env(environ={}, home=tmp_path / "home", config_dir=config_dir)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory):
    """The small demo world collected night by night into a fresh home (shared: it takes about a minute)."""
    from blindspot.demo.runner import run_demo

    home = tmp_path_factory.mktemp("small-demo")
    return run_demo(Settings.from_env(environ={}, home=home), "small", seed=3)


@pytest.fixture(scope="session")
def default_demo(tmp_path_factory: pytest.TempPathFactory):
    """The default demo world, run once per session (about two minutes): the alert checks use its truth."""
    from blindspot.demo.runner import run_demo

    home = tmp_path_factory.mktemp("default-demo")
    return run_demo(Settings.from_env(environ={}, home=home), "default", seed=7)
