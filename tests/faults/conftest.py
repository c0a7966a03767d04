"""Fixtures the fault tests share: the small demo's marts and raw tables as uninterrupted runs leave them."""

from __future__ import annotations

import pytest

from tests.conftest import warehouse_copy
from tests.faults.support import marts, raw_state, run


@pytest.fixture(scope="session")
def reference(small_demo, tmp_path_factory):
    """The small demo's warehouse after an uninterrupted full rebuild of its last night."""
    settings = warehouse_copy(small_demo, tmp_path_factory.mktemp("reference"))
    run(settings, "transform", "--date", small_demo.nights[-1].isoformat(), "--full-refresh")
    return marts(settings.warehouse_path)


@pytest.fixture(scope="session")
def loaded_once(small_demo, tmp_path_factory):
    """Every landing file of the small demo loaded into a fresh warehouse in one uninterrupted run."""
    home = tmp_path_factory.mktemp("loaded-once")
    (home / "landing").symlink_to(small_demo.settings.landing_dir, target_is_directory=True)
    settings = warehouse_copy(small_demo, home)
    settings.warehouse_path.unlink()
    run(settings, "load")
    return raw_state(settings.warehouse_path)
