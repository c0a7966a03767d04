"""Rich tables the CLI prints: failed checks, alerts and query results."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text


def load_batches(batches: Sequence) -> Table:
    table = Table("kind", "files", "rows in", "new rows", "rejected", title="load")
    for b in batches:
        table.add_row(b.kind, str(b.files), str(b.rows_in), str(b.rows_inserted), str(b.rows_rejected))
    return table


def model_seconds(models: dict[str, float], title: str) -> Table:
    table = Table("model", "seconds", title=title)
    for relation, seconds in models.items():
        table.add_row(relation, f"{seconds:.2f}")
    return table


def check_failures(failures: Sequence) -> Table:
    """One row per failed expectation: level, table, column, rule, observed value, failing-row sample."""
    table = Table(title="failed checks")
    for header in ("level", "table", "column", "rule", "observed", "failing rows (sample)"):
        table.add_column(header, overflow="fold")  # wrap, never cut: the names are the point
    for r in failures:
        level = Text("blocking", style="red") if r.blocking else Text("warning", style="yellow")
        rule = f"{r.rule.meaning} ({r.rule.expectation})"
        cells = (r.table, r.rule.column or "", rule, r.observed or "", r.failing_sample or "")
        table.add_row(level, *(Text(c) for c in cells))  # Text: JSON samples are not rich markup
    return table


def alerts(rows: Sequence[dict]) -> Table:
    """marts.alerts rows, newest first, with observed/expected and the p-value."""
    table = Table(
        "zone",
        "kind",
        "source",
        "severity",
        "status",
        "opened",
        "resolved",
        "obs/exp",
        "p",
        "message",
        title=f"{len(rows)} alert(s)",
    )
    for r in rows:
        ratio = f"{r['observed']:.0f}/{r['expected']:.1f}" if r["expected"] is not None else ""
        p_value = f"{r['p_value']:.2g}" if r["p_value"] is not None else ""
        table.add_row(
            r["zone_id"],
            r["kind"],
            r["source_id"] or "",
            r["severity"],
            r["status"],
            str(r["opened_on"]),
            str(r["resolved_on"] or ""),
            ratio,
            p_value,
            Text(r["message"]),  # Text: messages quote zone names, never rich markup
        )
    return table


def query_result(columns: Sequence[str], rows: Sequence[Sequence]) -> Table:
    table = Table(*columns, title=f"{len(rows)} row(s)")
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    return table
