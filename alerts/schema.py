"""The columns of an alert, defined once: the marts.alerts table, every rule's episodes and the detector's."""

from __future__ import annotations

import duckdb
import pyarrow as pa

# most severe first: the order alerts are listed and triaged in
SEVERITY_ORDER = ("critical", "high", "medium")

# marts.alerts, in table order; the fields marked not null are required of every row.
TABLE = pa.schema(
    [
        pa.field("alert_id", pa.string(), nullable=False),
        pa.field("zone_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("severity", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("opened_on", pa.date32(), nullable=False),
        pa.field("resolved_on", pa.date32()),
        pa.field("observed", pa.float64()),
        pa.field("expected", pa.float64()),
        pa.field("ratio", pa.float64()),
        pa.field("p_value", pa.float64()),
        pa.field("message", pa.string(), nullable=False),
        pa.field("source_id", pa.string()),
        pa.field("baseline_start", pa.date32()),
        pa.field("baseline_end", pa.date32()),
        pa.field("updated_on", pa.date32(), nullable=False),
        # the values as the alert was first found (JSON: as_of, status, severity, observed, expected, ratio,
        # p_value, message); a delivered "opened" event carries these, not the latest
        pa.field("first_seen", pa.string()),
        # evidence (alerts.evidence), recomputed each night; the lists are JSON text
        pa.field("zone_name", pa.string()),
        pa.field("report_url", pa.string()),
        pa.field("silent_outlets", pa.string()),
        pa.field("last_inside_dateline", pa.string()),
        pa.field("incidents", pa.string()),
        pa.field("collection_health", pa.float64()),
    ]
)
COLUMNS = TABLE.names
EVIDENCE_COLUMNS = (
    "zone_name",
    "report_url",
    "silent_outlets",
    "last_inside_dateline",
    "incidents",
    "collection_health",
)
# What the lifecycle adds to an episode: its id, its state, the night it last changed, how it was first
# found, and its evidence.
LIFECYCLE = ("alert_id", "status", "updated_on", "first_seen", *EVIDENCE_COLUMNS)
# One row per episode of any rule (source_id is set by source_silent only).
EPISODE_COLUMNS = [
    "zone_id",
    "kind",
    "source_id",
    "opened_on",
    "resolved_on",
    "observed",
    "expected",
    "ratio",
]
EPISODE_COLUMNS += ["p_value", "severity", "baseline_start", "baseline_end", "message"]
# The drop detector's episodes: zone-level, so without source_id.
DETECTOR_COLUMNS = [c for c in EPISODE_COLUMNS if c != "source_id"]
# What a delivered notification carries of an alert.
NOTIFICATION_FIELDS = [c for c in COLUMNS if c not in ("updated_on", "first_seen")]

assert set(EPISODE_COLUMNS) == set(COLUMNS) - set(LIFECYCLE), "episodes are the table less its lifecycle"

_SQL_TYPES = {pa.string(): "varchar", pa.date32(): "date", pa.float64(): "double"}
DDL = "create table if not exists marts.alerts (\n    {}\n)".format(
    ",\n    ".join(f"{f.name} {_SQL_TYPES[f.type]}{'' if f.nullable else ' not null'}" for f in TABLE)
)


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create marts.alerts, or add the columns a newer version has (nullable, so old rows stay valid)."""
    con.execute(DDL)
    present = {
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'alerts'"
        ).fetchall()
    }
    for f in TABLE:
        if f.name not in present:
            con.execute(f"alter table marts.alerts add column {f.name} {_SQL_TYPES[f.type]}")
