"""The `blindspot demo` commands: run the embedded offline demo world, or serve it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from blindspot.cli_support import (
    PUBLISH_REFUSED,
    console,
    fail,
    parse_date,
    progress_bar,
    registry_failure,
    settings_for,
)
from core.registry import RegistryError
from warehouse.publish_gate import PublishRefused

demo_app = typer.Typer(
    help="The embedded offline demo world (run it, or serve it).",
    invoke_without_command=True,
    no_args_is_help=False,
)


@demo_app.callback()
def demo(
    typer_ctx: typer.Context,
    scenario: Annotated[str, typer.Option(help="Scenario name or path to a scenario .yml.")] = "default",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same world.")] = 7,
    days: Annotated[int | None, typer.Option(help="Simulated days (default: the scenario's).")] = None,
) -> None:
    """Generate the demo world, serve it on 127.0.0.1 and run every stage night by night."""
    if typer_ctx.invoked_subcommand is not None:
        return
    from blindspot.demo.report import print_summary
    from blindspot.demo.runner import run_demo

    settings = settings_for(None)
    refused = None
    with progress_bar() as bar:
        task = bar.add_task("collecting the demo world night by night", total=None)

        def on_night(night: date, index: int, total: int) -> None:
            bar.update(task, total=total, completed=index, description=f"night {night}")

        try:
            summary = run_demo(settings, scenario, seed, days, on_night=on_night)
        except RegistryError as exc:
            raise registry_failure(exc, "the scenario is not valid") from None
        except PublishRefused as exc:  # e.g. a snapshot of a later night (from Airflow) is in this home
            refused = exc
    if refused is not None:  # said after the progress bar's last line, so it is the last line
        raise fail(f"the demo's nights are in the warehouse, but {refused}", code=PUBLISH_REFUSED)
    print_summary(summary, console)


@demo_app.command("serve")
def demo_serve(
    scenario: Annotated[
        str | None,
        typer.Option(help="Scenario name or path (default: the world already generated, else 'default')."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: the generated world's, else 7).")
    ] = None,
    days: Annotated[int | None, typer.Option(help="Simulated days.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Simulated date to serve (default: last day).")
    ] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 0,
) -> None:
    """Serve the demo world on 127.0.0.1 until interrupted, and write its registry folder. Without
    --scenario the world `blindspot demo` generated is served as it is, never regenerated over."""
    import time

    from blindspot.demo.serve import serve_demo

    with serve_demo(settings_for(None), scenario, seed, days, parse_date(as_of), port) as (
        server,
        config_dir,
    ):
        console.print(f"serving the demo world at {server.base_url} (as of {server.as_of})")
        console.print(f"registry: {config_dir}  (use --config {config_dir}; Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopped")
