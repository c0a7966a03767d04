"""What every CLI command shares: the consoles, the --config and --date options, and turning errors into exits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from blindspot import pipeline
from core.registry import RegistryError
from core.settings import Settings, SettingsError

console = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Folder with zones.yml and sources.yml (env BLINDSPOT_CONFIG).", show_default=False
    ),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="The night to work on, YYYY-MM-DD (default: today, UTC).")
]
PendingDateOpt = Annotated[
    str | None,
    typer.Option(
        "--date", help="Only this night's landing files, YYYY-MM-DD (default: every pending night)."
    ),
]
AlertsDateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="Only alerts opened on or before this night, YYYY-MM-DD; with --deliver, the night whose "
        "passing check allows delivery (default: today, UTC).",
    ),
]


AllowEmptyOpt = Annotated[
    bool,
    typer.Option(
        "--allow-empty",
        help="A night that collects nothing (no source enabled, or no item) is expected: exit 0 anyway.",
    ),
]


PUBLISH_REFUSED = 3  # the exit status of a night the publish gate refused (its snapshot kept)


def fail(message: str, code: int = 2) -> typer.Exit:
    # one line whatever the terminal's width, and the message is never read as rich markup
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def registry_failure(exc: RegistryError, message: str) -> typer.Exit:
    """Print every registry problem (file, entry, field, reason) and exit with status 2."""
    for issue in exc.issues:
        err.print(str(issue), highlight=False, markup=False, soft_wrap=True)
    return fail(message)


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
        raise registry_failure(
            exc, f"{len(exc.issues)} problem(s) in the registry at {settings.config_dir}"
        ) from None


def today_utc() -> date:
    return datetime.now(UTC).date()


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"--date {value!r} is not a date in the form YYYY-MM-DD") from None


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    )
