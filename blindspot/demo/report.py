"""The short summary `blindspot demo` prints at the end."""

from __future__ import annotations

import duckdb
from rich import box
from rich.console import Console
from rich.table import Table

from blindspot.demo.runner import DemoSummary

ALERT_ROWS = 20
COMPONENTS = 6  # of the Denial Capacity Index (docs/methodology.md)
EXAMPLE_QUERIES = [
    "select zone_id, week_start, round(denial_capacity_index, 1) as index, density_deficit, presence_deficit "
    "from zone_denial_capacity_weekly where week_start >= (select data_date from meta) - 42 order by zone_id, week_start",
    "select zone_id, sum(independent_stories) as stories, sum(inside_dateline_stories) as inside "
    "from zone_reporting_daily where day > (select data_date from meta) - 14 group by 1 order by 2",
]


def alerts_table(rows: list[tuple]) -> Table:
    """Open alerts first, then the most recent, at most ALERT_ROWS; silent sources in a table of their own
    (a source id beside the kind would not fit 80 columns)."""
    table = Table(
        "zone", "kind", "severity", "opened", "resolved", "obs/exp", box=box.SIMPLE_HEAD, pad_edge=False
    )
    for zone, kind, source, severity, status, opened, resolved, observed, expected in rows:
        if source:
            continue
        ratio = f"{observed:.0f}/{expected:.0f}" if expected is not None else ""
        table.add_row(
            zone, kind, severity, str(opened), str(resolved) if status == "resolved" else "open", ratio
        )
    table.title = "alerts (marts.alerts; `blindspot alerts` lists them all)"
    return _whole(table)


def silent_sources_table(rows: list[tuple]) -> Table | None:
    """The source_silent alerts among `rows`: which outlet about which zone, since when."""
    silent = [r for r in rows if r[2]]
    if not silent:
        return None
    table = Table("zone", "silent source", "opened", "resolved", box=box.SIMPLE_HEAD, pad_edge=False)
    for zone, _, source, _, status, opened, resolved, *_ in silent:
        table.add_row(zone, source, str(opened), str(resolved) if status == "resolved" else "open")
    table.title = "silent sources (source_silent)"
    return _whole(table)


def _whole(table: Table) -> Table:
    for column in table.columns:
        column.no_wrap = True  # ids and dates stay whole; fits 80 columns
    return table


def print_summary(summary: DemoSummary, console: Console) -> None:
    settings = summary.settings
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        items = con.execute("select count(*) from raw.items").fetchone()[0]
        tables = {
            r[0]
            for r in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        }
        alerts = (
            con.execute(
                "select zone_id, kind, coalesce(source_id, ''), severity, status, opened_on, resolved_on, "
                "round(observed, 0), round(expected, 1) from marts.alerts order by status = 'open' desc, "
                "opened_on desc limit $limit",
                {"limit": ALERT_ROWS},
            ).fetchall()
            if "marts.alerts" in tables
            else None
        )
        open_alerts = (
            con.execute("select count(*) from marts.alerts where status = 'open'").fetchone()[0]
            if alerts is not None
            else None
        )
        # the latest complete week, and how many of the six components the index rests on
        latest = con.execute(
            "select zone_id, round(denial_capacity_index, 1), "
            "list_count([density_deficit, presence_deficit, diversity_deficit, access_restriction, "
            "narrative_control, conflict_intensity]) from marts.zone_denial_capacity_weekly where is_complete_week "
            "qualify row_number() over (partition by zone_id order by week_start desc) = 1 order by 2 desc"
        ).fetchall()
    finally:
        con.close()
    zones = len(summary.truth["zones"])
    console.print(
        f"\n[bold]blindspot demo[/]: {zones} zones, {summary.truth['days']} simulated days, {len(summary.nights)} nights collected"
    )
    console.print(
        f"items in the warehouse: {items:,} ({summary.requests:,} requests, {summary.failed_requests:,} failed)"
    )
    index = ", ".join(
        f"{zone} {value}" + (f" ({n} of {COMPONENTS} components)" if n < COMPONENTS else "")
        for zone, value, n in latest
    )
    console.print(f"Denial Capacity Index, latest complete week: {index}", highlight=False)
    console.print(
        f"open alerts: {open_alerts if open_alerts is not None else 'n/a (alerting not built yet)'}"
    )
    if alerts:
        console.print(alerts_table(alerts))
        silent = silent_sources_table(alerts)
        if silent is not None:
            console.print(silent)
    if summary.delivery is not None:
        sent = sum(summary.delivery.delivered.values())
        console.print(f"alert notifications delivered: {sent} ({settings.alerts_path})", highlight=False)
    console.print(f"warehouse: {settings.warehouse_path}")
    published = settings.published_path
    console.print(
        f"published: {published if published.exists() else 'n/a (nothing published yet)'} (read-only)"
    )
    report = settings.report_dir / "index.html"
    console.print(
        f"report:    {report if report.exists() else 'n/a (report not built yet)'} (open it in a browser)"
    )
    console.print(f"truth:     {settings.demo_dir / 'truth.json'}")
    console.print("try (or give the query to `blindspot sql`):", markup=False)
    for query in EXAMPLE_QUERIES:
        console.print(
            f'  duckdb -readonly {published} "{query}"',
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
