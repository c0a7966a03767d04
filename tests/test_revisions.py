"""Revisions of a dataset record load in their order: the later collection wins, whatever the files' names
or the load batch; a rebuild from the landing files gives the same answer."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import duckdb

from blindspot import pipeline
from core.settings import Settings
from landing.files import land_rows
from tests.datasets_support import FIXTURES, parse

NIGHT = date(2026, 6, 13)


def shutdown_revisions() -> tuple[dict, dict]:
    """The demo KeepItOn sheet's Sudan shutdown as collected first (Ongoing) and later (Ended 12 June)."""
    text = (FIXTURES / "keepiton.csv").read_text(encoding="utf-8")
    ongoing = parse("keepiton")
    time.sleep(0.01)  # collected later
    ended = parse("keepiton", text.replace(",Ongoing,,", ",Ended,6/12/2026,", 1).encode())
    return ongoing.rows, ended.rows


def staged(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select record_key, ended_on from staging.stg_access_incidents where country = 'SDN'"
        ).fetchall()


def build(settings: Settings) -> None:
    ctx = pipeline.Context.create(settings)
    pipeline.load_stage(ctx, NIGHT)
    pipeline.transform_stage(ctx, NIGHT, select=["staging.stg_access_incidents"])


def test_the_later_revision_wins_in_one_batch_whatever_the_file_names(settings: Settings) -> None:
    older, newer = shutdown_revisions()
    # file names sort the stale revision last ("r-z" after "r-a"), and both load in one batch
    land_rows(settings.landing_dir, "test-keepiton", NIGHT, "r-z", older)
    land_rows(settings.landing_dir, "test-keepiton", NIGHT, "r-a", newer)
    build(settings)
    [(key, ended_on)] = staged(settings)
    assert ended_on == date(2026, 6, 12)  # the resolved shutdown stays resolved


def test_a_rebuild_from_the_landing_files_gives_the_same_record(settings: Settings, tmp_path: Path) -> None:
    older, newer = shutdown_revisions()
    land_rows(settings.landing_dir, "test-keepiton", NIGHT, "r-z", older)
    build(settings)  # night by night: the ongoing revision first
    land_rows(settings.landing_dir, "test-keepiton", date(2026, 6, 14), "r-a", newer)
    ctx = pipeline.Context.create(settings)
    pipeline.load_stage(ctx, date(2026, 6, 14))
    pipeline.transform_stage(ctx, date(2026, 6, 14), select=["staging.stg_access_incidents"])
    night_by_night = staged(settings)
    # the same landing files into a fresh warehouse, all nights in one load
    fresh = Settings.from_env(environ={}, home=tmp_path / "fresh", config_dir=settings.config_dir)
    (fresh.home).mkdir()
    (fresh.home / "landing").symlink_to(settings.landing_dir, target_is_directory=True)
    fresh_ctx = pipeline.Context.create(fresh)
    pipeline.load_stage(fresh_ctx, None)
    pipeline.transform_stage(fresh_ctx, date(2026, 6, 14), select=["staging.stg_access_incidents"])
    assert staged(fresh) == night_by_night and night_by_night[0][1] == date(2026, 6, 12)
