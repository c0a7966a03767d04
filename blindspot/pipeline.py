"""The stage functions of a night; the CLI and the Airflow DAGs both call these and nothing else."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import sqlalchemy as sa

from alerts import notify
from alerts.config import load_alerts_config
from alerts.lifecycle import build_alerts
from checks.gate import CheckGateError, require_passing_check  # noqa: F401 (publishing calls the gate too)
from checks.rebuild import MartDifference, compare_marts
from checks.run import CheckSummary, run_checks
from core.registry import Registry, Source, load_registry
from core.settings import Settings
from crawlers.collect import CollectSummary, collect, fetch_policy
from landing.files import new_run_id
from transforms.runner import TransformSummary, build
from warehouse.connect import connect, head_revision, schema_revision, upgrade
from warehouse.guard import (
    MB,
    OperatorError,
    WarehouseMissing,
    busy,
    disk_full,
    is_disk_full,
    is_lock_conflict,
    migration_pending,
    require_free_space,
)
from warehouse.load import LoadSummary, load
from warehouse.ops import record_run, utcnow
from warehouse.publish import PublishError, PublishSummary, publish_snapshot
from warehouse.publish_gate import PublishRefused, Verdict, judge_night, load_publish_config, published_night
from warehouse.quarantine import home_relative, restore
from warehouse.registry_tables import sync_registry
from warehouse.state import refresh_state

if TYPE_CHECKING:
    from blindspot.report import ReportSummary

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
def warehouse(
    settings: Settings, read_only: bool = False, stage: str = "this stage", creates: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for a stage, migrating it first (writers only). A warehouse another process holds
    is waited for up to settings.lock_wait_seconds, then WarehouseBusy names the holder; a disk that fills
    during the stage is DiskFull, not the error DuckDB raises after it."""
    if not creates and not settings.warehouse_path.exists():  # only load and transform start one
        raise WarehouseMissing(
            f"no warehouse at {settings.warehouse_path}; run `blindspot run` (or `blindspot demo`) first"
        )
    started = time.monotonic()
    while True:
        try:
            if not read_only:
                db_upgrade(settings)
            con = connect(settings.warehouse_path, read_only=read_only, memory_limit=settings.memory_limit)
            break
        except (duckdb.Error, sa.exc.DBAPIError) as exc:
            waited = time.monotonic() - started
            if is_disk_full(exc):
                raise disk_full(settings.warehouse_path.parent, "opening the warehouse") from exc
            if not is_lock_conflict(exc):
                raise
            if waited >= settings.lock_wait_seconds:
                raise busy(settings.warehouse_path, exc, round(waited, 1)) from exc
            time.sleep(min(0.5, settings.lock_wait_seconds))
    if read_only:
        found, wanted = schema_revision(con), head_revision()
        if found != wanted:
            con.close()
            raise migration_pending(settings.warehouse_path, found, wanted)
    try:
        yield con
    except Exception as exc:  # re-raised as it is unless the disk filling up is what led to it
        if is_disk_full(exc):
            raise disk_full(settings.warehouse_path.parent, stage) from exc
        raise
    finally:
        con.close()


def require_room(settings: Settings, needed: int, stage: str) -> None:
    """Refuse a stage before it starts when the warehouse's disk lacks `needed` bytes plus the working room
    (BLINDSPOT_MIN_FREE_MB)."""
    require_free_space(settings.warehouse_path.parent, needed, stage, settings.min_free_mb * MB)


def landing_bytes(settings: Settings, data_date: date | None) -> int:
    """The size of the night's landing files (every night's when none is given)."""
    night = data_date.isoformat() if data_date else "*"
    return sum(p.stat().st_size for p in settings.landing_dir.glob(f"*/*/{night}/*.parquet"))


def load_stage(ctx: Context, data_date: date | None = None) -> LoadSummary:
    """Sync the registry tables, then bulk-load pending landing files for the night (or all nights).
    Refused before it starts when the disk lacks room for about twice the landing files."""
    require_room(ctx.settings, 2 * landing_bytes(ctx.settings, data_date), "load")
    with warehouse(ctx.settings, stage="load", creates=True) as con:
        sync_registry(con, ctx.registry)
        summary = load(con, ctx.settings.landing_dir, data_date)
        refresh_state(con, ctx.settings.home)
        return summary


def retry_file(ctx: Context, file: Path) -> LoadSummary:
    """Move a quarantined landing file back (warehouse.quarantine.restore), forget its rejection and load
    its night again; a file that still cannot be loaded goes back to quarantine with the new reason."""
    with warehouse(ctx.settings, stage="load", creates=True) as con:
        restored = restore(file, ctx.settings.landing_dir)
        relative = home_relative(restored, ctx.settings.landing_dir)
        con.execute("delete from ops.rejected_files where path = $path", {"path": relative})
        night = date.fromisoformat(restored.parent.name)
        sync_registry(con, ctx.registry)
        summary = load(con, ctx.settings.landing_dir, night)
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


def nothing_collected(ctx: Context, summary: CollectSummary) -> str | None:
    """Why a night's collection is empty, in one line (None when it collected items): no source enabled, or
    sources fetched but no item landed. The CLI exits 1 with it unless the operator says it is expected."""
    if summary.sources == 0:
        return (
            f"no source is enabled in {ctx.registry.config_dir / 'sources.yml'}, so nothing was collected for "
            f"{summary.data_date}; enable sources (`blindspot registry`), or pass --allow-empty if expected"
        )
    if summary.items == 0:
        return (
            f"nothing was collected for {summary.data_date}: {summary.sources} source(s), 0 items, "
            f"{summary.requests} request(s) ({summary.failed_requests} failed); see raw.fetch_events for the "
            "night, or pass --allow-empty if expected"
        )
    return None


ALERTS_MODEL = "marts.alerts"


def model_params(config_dir: Path) -> dict[str, object]:
    """The settings of later stages that models show (dim_zones.first_test_on), from the registry folder."""
    return {"alert_warm_up_days": load_alerts_config(config_dir).reporting_drop.warm_up_days}


def transform_stage(
    ctx: Context, run_date: date, select: list[str] | None = None, full_refresh: bool = False
) -> TransformSummary:
    """Build staging, intermediate and marts for the run date, then marts.alerts (unless --select leaves it out)."""
    warehouse_bytes = (
        ctx.settings.warehouse_path.stat().st_size if ctx.settings.warehouse_path.exists() else 0
    )
    require_room(ctx.settings, warehouse_bytes // 2, "transform")  # rebuilt tables, WAL
    wants_alerts = not select or any(s in (ALERTS_MODEL, "alerts") for s in select)
    sql_models = [s for s in select or [] if s not in (ALERTS_MODEL, "alerts")]
    with warehouse(ctx.settings, stage="transform", creates=True) as con:
        sync_registry(con, ctx.registry)
        if select and not sql_models:
            summary = TransformSummary(run_date)  # only marts.alerts was selected
        else:
            summary = build(
                con,
                ctx.registry,
                run_date,
                sql_models or None,
                full_refresh,
                model_params(ctx.registry.config_dir),
            )
        if wants_alerts:
            started = time.perf_counter()
            build_alerts(con, ctx.registry.config_dir, run_date)
            summary.models[ALERTS_MODEL] = time.perf_counter() - started
        return summary


def check_stage(ctx: Context, run_date: date) -> CheckSummary:
    """Run every check suite over the night's data and record the results in ops.check_results."""
    with warehouse(ctx.settings, stage="check") as con:
        require_marts(con, ctx.settings, run_date)
        return run_checks(con, run_date, ctx.registry)


def require_marts(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> None:
    """Checks and publishing read the marts: a warehouse never transformed is an operator's problem."""
    built = con.execute("select count(*) from duckdb_tables() where schema_name = 'marts'").fetchall()[0][0]
    if not built:
        raise NotBuilt(
            f"the warehouse {settings.warehouse_path} has no marts yet; run `blindspot transform --date "
            f"{run_date}` (or `blindspot run --date {run_date}`) first"
        )


def rebuild_check_stage(ctx: Context, run_date: date) -> list[MartDifference]:
    """Rebuild the warehouse from the landing files alone in a scratch home ($BLINDSPOT_HOME/rebuild-check:
    every night loaded at once, then a full-refresh transform for run_date) and compare its marts with the
    warehouse's, row for row (checks.rebuild). The result is an ops.runs row (stage rebuild_check, status
    failed when a mart differs); the scratch home is removed. It needs about the warehouse's size again."""
    started, run_id = utcnow(), new_run_id("rebuild_check", run_date)
    scratch = ctx.settings.home / "rebuild-check"
    if scratch.exists():  # left by a check that was killed
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    try:
        (scratch / "landing").symlink_to(ctx.settings.landing_dir.resolve(), target_is_directory=True)
        rebuilt = Context(ctx.settings.model_copy(update={"home": scratch}), ctx.registry)
        load_stage(rebuilt, None)
        transform_stage(rebuilt, run_date, full_refresh=True)
        differences = compare_marts(ctx.settings.warehouse_path, rebuilt.settings.warehouse_path)
    finally:
        shutil.rmtree(scratch)
    differing = [d for d in differences if not d.same]
    with warehouse(ctx.settings, stage="rebuild check") as con:
        con.execute("begin transaction")
        record_run(
            con, run_id, "rebuild_check", run_date, started, "failed" if differing else "success",
            detail={"marts": len(differences), "differing": [d.describe() for d in differing]},
        )  # fmt: skip
        con.execute("commit")
    return differences


def alert_stage(ctx: Context, run_date: date) -> notify.DeliverySummary:
    """Deliver the alert state changes not yet sent (JSONL, webhook), exactly once; records an ops.runs row.
    Refuses (CheckGateError, nothing sent) unless the night's latest check run passed."""
    config = load_alerts_config(ctx.registry.config_dir).delivery
    run_id = new_run_id("alert", run_date)
    started = utcnow()
    with warehouse(ctx.settings, stage="alert") as con:
        require_passing_check(con, run_date, action="deliver alerts")
        summary = notify.deliver(con, ctx.settings, run_date, config, run_id)
        status = "partial" if summary.failed else "success"  # failed posts are retried on the next run
        detail = {"changes": summary.changes, "delivered": summary.delivered, "failed": summary.failed}
        con.execute("begin transaction")
        record_run(con, run_id, "alert", run_date, started, status, detail=detail)
        con.execute("commit")
    return summary


class NotBuilt(OperatorError):
    """The warehouse exists but was never transformed."""


def publish_stage(ctx: Context, run_date: date, force: bool = False) -> PublishSummary:
    """Copy the marts (alerts included) into a new snapshot and rename it over published/blindspot.duckdb.
    Refuses, writing nothing, unless the night's latest check run passed (CheckGateError) and the publish
    gate lets the night replace the snapshot (PublishRefused, recorded as an ops.runs row with status
    refused; `force` overrides an empty or small night, never one older than the snapshot's)."""
    run_id = new_run_id("publish", run_date)
    started = utcnow()
    config = load_publish_config(ctx.registry.config_dir)
    with warehouse(ctx.settings, stage="publish") as con:
        check_run_id = require_passing_check(con, run_date, action="publish")
        verdict = judge_night(con, run_date, published_night(ctx.settings.published_path), config)
        forced = force and verdict.forcible
        if verdict.refused and not forced:
            record_publish(con, run_id, run_date, started, "refused", verdict.detail())
            raise PublishRefused(verdict.reason)
        try:
            summary = publish_snapshot(con, ctx.settings.published_path, run_date, run_id, check_run_id)
        except PublishError as exc:
            record_publish(con, run_id, run_date, started, "failed", {"error": str(exc)})
            raise
        detail = {"path": str(summary.path), "rows": summary.row_counts, "check_run_id": check_run_id}
        record_publish(con, run_id, run_date, started, "success", detail | verdict.detail(forced))
    return summary


def judge_publish(ctx: Context, run_date: date, force: bool = False) -> Verdict:
    """The publish gate's verdict on the night, without publishing or recording anything (reason None when
    the night may be published, or is forced)."""
    config = load_publish_config(ctx.registry.config_dir)
    with warehouse(ctx.settings, read_only=True, stage="publish") as con:
        verdict = judge_night(con, run_date, published_night(ctx.settings.published_path), config)
    return replace(verdict, reason=None) if force and verdict.forcible else verdict


def record_publish(
    con: duckdb.DuckDBPyConnection, run_id: str, run_date: date, started: datetime, status: str, detail: dict
) -> None:
    con.execute("begin transaction")
    record_run(con, run_id, "publish", run_date, started, status, detail=detail)
    con.execute("commit")


def report_stage(settings: Settings, run_date: date | None) -> ReportSummary:
    """Write the static HTML report (index.html and one page per zone) from the published snapshot; it needs
    no registry (the snapshot carries the zones)."""
    from blindspot.report import write_report  # jinja2 and the chart code load only when a report is made

    return write_report(settings.published_path, settings.report_dir, run_date)


@dataclass
class NightSummary:
    """One whole night run in-process: each stage's summary; `check.passed` False means it stopped there."""

    run_date: date
    collect: CollectSummary | None = None
    load: LoadSummary | None = None
    transform: TransformSummary | None = None
    check: CheckSummary | None = None
    delivery: notify.DeliverySummary | None = None
    publish: PublishSummary | None = None
    refused: str | None = None  # why the publish gate kept the last good snapshot (alerts held too)
    report: object | None = None  # blindspot.report.ReportSummary
    seconds: dict[str, float] | None = None

    @property
    def stopped_at_check(self) -> bool:
        return self.check is not None and not self.check.passed


def run_night(ctx: Context, run_date: date, force_publish: bool = False) -> NightSummary:
    """collect, load, transform, check, alert, publish and report one night, as the two DAGs do;
    a failed blocking check stops the night before alert delivery and publishing, and a night the publish
    gate refuses delivers no alerts and stops after recording the refusal."""
    night = NightSummary(run_date, seconds={})

    def timed(stage: str, call: Callable[[], object]) -> object:
        started = time.perf_counter()
        result = call()
        night.seconds[stage] = time.perf_counter() - started
        log.info("night %s: %s done in %.1f s", run_date, stage, night.seconds[stage])
        return result

    night.collect = timed("collect", lambda: collect_stage(ctx, run_date))
    night.load = timed("load", lambda: load_stage(ctx, run_date))
    night.transform = timed("transform", lambda: transform_stage(ctx, run_date))
    night.check = timed("check", lambda: check_stage(ctx, run_date))
    if not night.check.passed:
        return night
    if judge_publish(ctx, run_date, force_publish).reason is None:  # alerts of a refused night are held
        night.delivery = timed("alert", lambda: alert_stage(ctx, run_date))
    try:
        night.publish = timed("publish", lambda: publish_stage(ctx, run_date, force_publish))
    except PublishRefused as exc:  # the snapshot and the report stay the last good night's
        night.refused = str(exc)
        return night
    night.report = timed("report", lambda: report_stage(ctx.settings, run_date))
    return night
