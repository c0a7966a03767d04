"""The blindspot command line: a thin typer layer over blindspot.pipeline."""

from __future__ import annotations

import json
import logging
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer

from blindspot import cli_tables, pipeline, queries
from blindspot.cli_demo import demo_app
from blindspot.cli_registry import config_app, registry_app
from blindspot.cli_support import (
    PUBLISH_REFUSED,
    AlertsDateOpt,
    AllowEmptyOpt,
    ConfigOpt,
    DateOpt,
    PendingDateOpt,
    console,
    context_for,
    err,
    fail,
    parse_date,
    progress_bar,
    registry_failure,
    settings_for,
    today_utc,
)
from core.registry import RegistryError
from warehouse.guard import OperatorError

app = typer.Typer(
    help="blindspot: independent reporting, journalist access and denial capacity per conflict zone.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the warehouse schema.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(registry_app, name="registry")


def entry() -> None:
    """The `blindspot` command: the operator's known problems (warehouse held by another process, disk full)
    end in one line and exit status 2, their traceback in the log (-v); any other error is raised as is."""
    try:
        app()
    except OperatorError as exc:
        logging.getLogger("blindspot").info("operator error", exc_info=True)  # shown with -v
        print(f"error: {exc}", file=sys.stderr)  # one line, never wrapped
        sys.exit(2)


def print_version(value: bool) -> None:
    if value:
        console.print(f"blindspot {version('blindspot')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    level = logging.getLevelName(settings_for(None).log_level)  # BLINDSPOT_LOG_LEVEL; a bad value: exit 2
    logging.basicConfig(level=min(level, logging.INFO) if verbose else level, stream=sys.stderr)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None) -> None:
    """Migrate the warehouse to the newest schema (a second run does nothing)."""
    settings = settings_for(config)
    before, after = pipeline.db_upgrade(settings)
    state = "already at" if before == after else f"migrated {before or 'empty'} ->"
    console.print(f"warehouse {settings.warehouse_path}: {state} {after}")


@app.command("load")
def load(
    config: ConfigOpt = None,
    date_: PendingDateOpt = None,
    retry: Annotated[
        Path | None,
        typer.Option("--retry", help="Move a quarantined landing file back and load its night again."),
    ] = None,
) -> None:
    """Bulk-load landing files into raw.* (idempotent; one transaction per batch). A file that cannot be
    loaded is moved to quarantine/ and listed in ops.rejected_files; the rest loads."""
    night = parse_date(date_)
    if retry is not None:
        try:
            summary = pipeline.retry_file(context_for(config), retry)
        except (FileNotFoundError, FileExistsError) as exc:
            err.print(f"cannot retry: {exc}", highlight=False, markup=False)
            raise typer.Exit(2) from None
    else:
        summary = pipeline.load_stage(context_for(config), night)
    console.print(cli_tables.load_batches(summary.batches))
    for rejected in summary.rejected_files:
        err.print(
            f"quarantined {rejected.path}: {rejected.reason}. {rejected.action}",
            highlight=False,
            markup=False,
        )


@app.command("collect")
def collect(
    config: ConfigOpt = None,
    date_: DateOpt = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Collect only this source id (repeatable).")
    ] = None,
    allow_empty: AllowEmptyOpt = False,
) -> None:
    """Collect enabled sources (or --source ones) into landing files, with a progress bar."""
    night = parse_date(date_) or today_utc()
    ctx = context_for(config)
    try:
        wanted = pipeline.select_sources(ctx, source)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    if not wanted and not allow_empty:
        empty = pipeline.nothing_collected(ctx, pipeline.CollectSummary("", night))
        raise fail(empty, code=1)
    with progress_bar() as bar:
        task = bar.add_task(f"collecting {night}", total=len(wanted))
        summary = pipeline.collect_stage(ctx, night, source, progress=lambda _: bar.advance(task))
    console.print(
        f"collected {summary.sources} sources for {night}: {summary.items} items, "
        f"{summary.requests} requests ({summary.failed_requests} failed); run {summary.run_id}"
    )
    empty = pipeline.nothing_collected(ctx, summary)
    if empty and not allow_empty:
        raise fail(empty, code=1)


@app.command("transform")
def transform(
    config: ConfigOpt = None,
    date_: DateOpt = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="Build only this model (repeatable).")
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Rebuild every model and re-enrich every item, not only what the new items change.",
        ),
    ] = False,
) -> None:
    """Build the staging, intermediate and mart models for the night (default: today)."""
    night = parse_date(date_) or today_utc()
    ctx = context_for(config)
    try:
        summary = pipeline.transform_stage(ctx, night, select, full_refresh)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    console.print(cli_tables.model_seconds(summary.models, f"transform {night}"))


@app.command("check")
def check(config: ConfigOpt = None, date_: DateOpt = None) -> None:
    """Run the data-quality suites for the night (default: today); exit 1 when a blocking expectation fails."""
    night = parse_date(date_) or today_utc()
    summary = pipeline.check_stage(context_for(config), night)
    failures = summary.failed_blocking + summary.failed_warnings
    if failures:
        console.print(cli_tables.check_failures(failures))
    console.print(
        f"check {summary.run_id}: {len(summary.results)} expectations, {len(summary.failed_blocking)} blocking "
        f"and {len(summary.failed_warnings)} warning failure(s) in {summary.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    if not summary.passed:
        err.print(
            f"error: blocking checks failed for {night}; alerts and publishing are held back:", style="red"
        )
        for r in summary.failed_blocking:  # one unwrapped line each, whatever the terminal width
            err.print(r.describe(), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command("rebuild-check")
def rebuild_check(config: ConfigOpt = None, date_: DateOpt = None) -> None:
    """Rebuild the warehouse from the landing files in a scratch home and compare its marts, row for row,
    with the warehouse built night by night (run after the night's transform; exit 1 when a mart differs)."""
    night = parse_date(date_) or today_utc()
    differences = pipeline.rebuild_check_stage(context_for(config), night)
    for d in differences:
        (console if d.same else err).print(d.describe(), highlight=False, markup=False, soft_wrap=True)
    differing = sum(not d.same for d in differences)
    if differing:
        err.print(f"error: {differing} mart(s) differ from a rebuild from the landing files", style="red")
        raise typer.Exit(1)
    console.print(
        f"rebuild check for {night}: {len(differences)} marts the same as a rebuild", highlight=False
    )


@app.command("alerts")
def alerts(
    config: ConfigOpt = None,
    date_: AlertsDateOpt = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only alerts that are still open.")] = False,
    zone: Annotated[str | None, typer.Option("--zone", help="Only alerts about this zone id.")] = None,
    output: Annotated[
        str, typer.Option("--format", help="table (readable) or json (one JSON object per line).")
    ] = "table",
    deliver: Annotated[
        bool,
        typer.Option("--deliver", help="First send the state changes not yet delivered (JSONL, webhook)."),
    ] = False,
) -> None:
    """List the alerts in marts.alerts (with --deliver, first send pending notifications exactly once)."""
    if output not in ("table", "json"):
        raise fail(f"--format {output!r}: use table or json")
    night = parse_date(date_)
    if deliver:
        ctx = context_for(config)
        try:
            sent = pipeline.alert_stage(ctx, night or today_utc())
        except pipeline.CheckGateError as exc:
            raise fail(str(exc), code=1) from None
        err.print(
            f"delivered {sum(sent.delivered.values())} notification(s) {sent.delivered or ''}; "
            f"failed {sum(sent.failed.values())} (retried next run); skipped {sent.skipped}",
            highlight=False,
            markup=False,
        )
        settings = ctx.settings
    else:
        settings = settings_for(config)
    try:
        rows = queries.list_alerts(settings, open_only, zone, night)
    except (FileNotFoundError, queries.UnknownZone) as exc:
        raise fail(str(exc)) from None
    if output == "json":
        for row in rows:
            clean = {k: None if isinstance(v, float) and v != v else v for k, v in row.items()}
            typer.echo(json.dumps(clean, default=str, ensure_ascii=False))
        return
    console.print(cli_tables.alerts(rows))


@app.command("run")
def run(
    config: ConfigOpt = None,
    date_: DateOpt = None,
    allow_empty: AllowEmptyOpt = False,
    force_publish: Annotated[
        bool,
        typer.Option(
            "--force-publish",
            help="Publish (and deliver the alerts of) a night the publish gate refuses as empty or small; "
            "never one older than the published snapshot's.",
        ),
    ] = False,
) -> None:
    """Run one whole night in-process (collect, load, transform, check, alert, publish, report); exit 1 on a
    failed check, or on a night that collected nothing (unless --allow-empty); exit 3 when the publish gate
    keeps the last good snapshot (a night that collected nothing or far less than its recent nights, or one
    older than the snapshot's), with alerts held and the report left as it was."""
    night = parse_date(date_) or today_utc()
    ctx = context_for(config)
    try:
        summary = pipeline.run_night(ctx, night, force_publish)
    except pipeline.CheckGateError as exc:
        raise fail(str(exc), code=1) from None
    except RegistryError as exc:
        raise registry_failure(exc, f"{len(exc.issues)} problem(s) in {ctx.settings.config_dir}") from None
    timings = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in (summary.seconds or {}).items())
    console.print(f"night {night}: {timings}", highlight=False)
    if summary.stopped_at_check:
        for result in summary.check.failed_blocking:
            err.print(result.describe(), highlight=False, markup=False)
        raise fail(
            f"blocking checks failed for {night} (check run {summary.check.run_id}): stopped before alert "
            "delivery, publishing and the report",
            code=1,
        )
    if summary.refused:
        console.print(
            f"collected {summary.collect.items} items, loaded {summary.load.rows_inserted} new rows; alert "
            "delivery held, nothing published, the report left as it was",
            highlight=False,
        )
        raise fail(summary.refused, code=PUBLISH_REFUSED)
    console.print(
        f"collected {summary.collect.items} items, loaded {summary.load.rows_inserted} new rows, "
        f"delivered {sum(summary.delivery.delivered.values())} alert notification(s), "
        f"published {summary.publish.path}",
        highlight=False,
    )
    empty = pipeline.nothing_collected(ctx, summary.collect)
    if empty and not allow_empty:  # the night ran through (the report says so too); the status says it
        raise fail(empty, code=1)


@app.command("publish")
def publish(
    config: ConfigOpt = None,
    date_: DateOpt = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Publish a night the publish gate refuses as empty or small; never one older than the "
            "published snapshot's.",
        ),
    ] = False,
) -> None:
    """Publish the marts, dimensions and alerts to $BLINDSPOT_HOME/published/blindspot.duckdb (after a passing
    check of the night; otherwise exit 1 and the last good snapshot stays). A night that collected nothing or
    far less than its recent nights (config publish.yml), or one older than the snapshot's, is refused with
    exit 3 and the last good snapshot stays."""
    night = parse_date(date_) or today_utc()
    ctx = context_for(config)
    try:
        summary = pipeline.publish_stage(ctx, night, force)
    except pipeline.CheckGateError as exc:
        raise fail(f"{exc}; nothing published, the last good snapshot stays", code=1) from None
    except pipeline.PublishError as exc:
        raise fail(str(exc), code=1) from None
    except pipeline.PublishRefused as exc:
        raise fail(str(exc), code=PUBLISH_REFUSED) from None
    except RegistryError as exc:
        raise registry_failure(exc, f"{len(exc.issues)} problem(s) in {ctx.settings.config_dir}") from None
    rows = ", ".join(f"{table} {n:,}" for table, n in summary.row_counts.items())
    console.print(f"published {summary.path} for {night} (run {summary.run_id}): {rows}", highlight=False)


@app.command("report")
def report(config: ConfigOpt = None, date_: DateOpt = None) -> None:
    """Write the HTML report ($BLINDSPOT_HOME/report/index.html and one page per zone) from the published
    snapshot."""
    night = parse_date(date_)
    summary = pipeline.report_stage(settings_for(config), night)  # a missing snapshot: one line, exit 2
    if summary.is_stale:
        err.print(f"note: the published snapshot is for {summary.data_date}, not {night}", highlight=False)
    console.print(
        f"report for {summary.data_date}: {summary.index} ({len(summary.pages)} pages)", highlight=False
    )


@app.command("sql")
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run against the published snapshot (read-only).")],
    output: Annotated[
        str, typer.Option("--format", help="table, csv or json (one object per line).")
    ] = "table",
) -> None:
    """Run a query against the published snapshot, read-only, and print the result."""
    from warehouse.publish import QueryError, format_result, run_query

    if output not in ("table", "csv", "json"):
        raise fail(f"--format {output!r}: use table, csv or json")
    settings = settings_for(None)
    try:
        result = run_query(settings.published_path, query)
    except (FileNotFoundError, QueryError) as exc:
        raise fail(str(exc)) from None
    if output == "table":
        console.print(cli_tables.query_result(result.columns, result.rows))
    else:
        typer.echo(format_result(result, output), nl=False)
