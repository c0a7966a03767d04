"""The blindspot command line: a thin typer layer over blindspot.pipeline."""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from blindspot import pipeline
from blindspot.registry import RegistryError, load_registry
from blindspot.settings import Settings, SettingsError

app = typer.Typer(
    help="blindspot: independent reporting, journalist access and denial capacity per conflict zone.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Validate the zone and source registry.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the warehouse schema.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")

console = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Folder with zones.yml and sources.yml (env BLINDSPOT_CONFIG).", show_default=False
    ),
]
DateOpt = Annotated[
    str | None,
    typer.Option("--date", help="The night to work on, YYYY-MM-DD (default: every pending night)."),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


def settings_for(config: Path | None) -> Settings:
    try:
        return Settings.from_env(config_dir=config)
    except SettingsError as exc:
        raise fail(str(exc)) from None


def context_for(config: Path | None) -> pipeline.Context:
    settings = settings_for(config)
    try:
        return pipeline.Context.create(settings)
    except RegistryError as exc:
        for issue in exc.issues:
            err.print(str(issue), highlight=False, markup=False)
        raise fail(f"{len(exc.issues)} problem(s) in the registry at {settings.config_dir}") from None


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"--date {value!r} is not a date in the form YYYY-MM-DD") from None


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)


@config_app.command("check")
def config_check(config: ConfigOpt = None) -> None:
    """Validate zones.yml and sources.yml; every error names file, entry, field and reason (exit 2)."""
    settings = settings_for(config)
    try:
        registry = load_registry(settings.config_dir)
    except RegistryError as exc:
        for issue in exc.issues:
            err.print(str(issue), highlight=False, markup=False)
        raise fail(f"{len(exc.issues)} problem(s) in {settings.config_dir}") from None
    enabled = len(registry.enabled_sources())
    console.print(
        f"ok: {len(registry.zones)} zones, {len(registry.sources)} sources ({enabled} enabled) "
        f"in {settings.config_dir}"
    )


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None) -> None:
    """Migrate the warehouse to the newest schema (a second run does nothing)."""
    settings = settings_for(config)
    before, after = pipeline.db_upgrade(settings)
    state = "already at" if before == after else f"migrated {before or 'empty'} ->"
    console.print(f"warehouse {settings.warehouse_path}: {state} {after}")


@app.command("load")
def load(config: ConfigOpt = None, date_: DateOpt = None) -> None:
    """Bulk-load landing files into raw.* (idempotent; one transaction per batch)."""
    night = parse_date(date_)
    summary = pipeline.load_stage(context_for(config), night)
    table = Table("kind", "files", "rows in", "new rows", "rejected", title="load")
    for b in summary.batches:
        table.add_row(b.kind, str(b.files), str(b.rows_in), str(b.rows_inserted), str(b.rows_rejected))
    console.print(table)
    for path in summary.unreadable_files:
        err.print(f"rejected unreadable landing file: {path}", highlight=False, markup=False)


@app.command("demo")
def demo(config: ConfigOpt = None) -> None:
    """Run the embedded offline demo and print where the warehouse is."""
    from blindspot.demo import run_fixture_demo

    ctx = context_for(config)
    summary = run_fixture_demo(ctx)
    console.print(f"demo: loaded {summary.rows_inserted} new rows into {ctx.settings.warehouse_path}")
    console.print(f'try: duckdb -readonly {ctx.settings.warehouse_path} "select * from raw.items"')
