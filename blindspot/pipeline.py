"""The stage functions of a night; the CLI and the Airflow DAGs both call these and nothing else."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import duckdb

from blindspot.registry import Registry, load_registry
from blindspot.settings import Settings
from warehouse.connect import connect, upgrade
from warehouse.load import LoadSummary, load
from warehouse.registry_tables import sync_registry

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
        return load(con, ctx.settings.landing_dir, data_date)
