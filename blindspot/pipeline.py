"""The stage functions of a night; the CLI and the Airflow DAGs both call these and nothing else."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import duckdb

from blindspot.registry import Registry, Source, load_registry
from blindspot.settings import Settings
from crawlers.collect import CollectSummary, collect, fetch_policy
from transforms.runner import TransformSummary, build
from warehouse.connect import connect, upgrade
from warehouse.landing import new_run_id
from warehouse.load import LoadSummary, load
from warehouse.registry_tables import sync_registry
from warehouse.state import refresh_state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """What every stage needs: settings and the validated registry."""

    settings: Settings
    registry: Registry

    @classmethod
    def create(cls, settings: Settings | None = None) -> Context:
        settings = settings or Settings.from_env()
        return cls(settings=settings, registry=load_registry(settings.config_dir))


def db_upgrade(settings: Settings) -> tuple[str | None, str | None]:
    """Migrate the warehouse to the newest schema; a second call does nothing."""
    return upgrade(settings.warehouse_path)


@contextmanager
def warehouse(settings: Settings, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for a stage, migrating it first (writers only)."""
    if not read_only:
        db_upgrade(settings)
    con = connect(settings.warehouse_path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def load_stage(ctx: Context, data_date: date | None = None) -> LoadSummary:
    """Sync the registry tables, then bulk-load pending landing files for the night (or all nights)."""
    with warehouse(ctx.settings) as con:
        sync_registry(con, ctx.registry)
        summary = load(con, ctx.settings.landing_dir, data_date)
        refresh_state(con, ctx.settings.home)
        return summary


def select_sources(ctx: Context, source_ids: list[str] | None = None) -> list[Source]:
    """The enabled sources, or exactly the named ones (enabled or not); an unknown id is an error."""
    if not source_ids:
        return ctx.registry.enabled_sources()
    known = {s.id: s for s in ctx.registry.sources}
    unknown = sorted(set(source_ids) - set(known))
    if unknown:
        raise KeyError(f"unknown source id(s): {', '.join(unknown)}")
    return [known[s] for s in source_ids]


def collect_stage(
    ctx: Context,
    data_date: date,
    source_ids: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    retries: int = 1,
) -> CollectSummary:
    """Collect the night's sources into landing files; never opens the warehouse."""

    sources = select_sources(ctx, source_ids)
    run_id = new_run_id("collect", data_date)
    policy = fetch_policy(ctx.settings, retries=retries, backoff_seconds=1.0)
    return collect(sources, ctx.settings, data_date, run_id, progress=progress, policy=policy)


def transform_stage(
    ctx: Context, run_date: date, select: list[str] | None = None, full_refresh: bool = False
) -> TransformSummary:
    """Build staging, intermediate and marts for the run date (new items are enriched incrementally)."""
    with warehouse(ctx.settings) as con:
        sync_registry(con, ctx.registry)
        return build(con, ctx.registry, run_date, select, full_refresh)
