"""Python model: zone tags, datelines, denial claims, incident mentions and story keys of the items not yet enriched."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from core.registry import Registry
from transforms.enrich import enriched_batches, enrichment_fingerprint, worker_count
from transforms.intermediate import int_items_text_keys

TABLES = {
    "int_items_tagged_to_zones": "item_id varchar, zone_id varchar, score double, admin1_id varchar, "
    "in_title boolean, in_dateline boolean, in_lead boolean, body_hits integer, rank integer",
    "int_items_with_datelines": "item_id varchar, dateline_place varchar, dateline_country varchar, "
    "dateline_agency varchar, dateline_zone_id varchar, ambiguous_zone_id varchar",
    "int_items_with_claims": "item_id varchar, frame varchar, speaker_type varchar, speaker varchar, "
    "target_type varchar, sentence varchar, in_title boolean, is_official boolean",
    "int_items_with_incidents": "item_id varchar, incident_kind varchar",
    # which items the tables above already cover; claims_covered: the item's language has a frames lexicon
    "int_items_enriched": "item_id varchar, claims_covered boolean",
}
# The text scanned for zones: lead, summary and body, each part once. A feed's summary is often the lead, and
# the lead is often the body's first paragraph: a part that the next one already starts with (spacing aside)
# is left out, so one mention there counts once.
PENDING = """
with parts as (
    select item_id, title, lead_text, summary, body_text, language,
           regexp_replace(trim(coalesce(lead_text, '')), '\\s+', ' ', 'g') as lead_n,
           regexp_replace(trim(coalesce(summary, '')), '\\s+', ' ', 'g') as summary_n,
           regexp_replace(trim(coalesce(body_text, '')), '\\s+', ' ', 'g') as body_n
    from staging.stg_items
    where item_id not in (select item_id from intermediate.int_items_enriched)
)
select item_id, coalesce(title, '') as title, coalesce(lead_text, '') as lead_text,
       concat_ws(
           chr(10),
           case when lead_n = '' or starts_with(summary_n, lead_n) or starts_with(body_n, lead_n)
                then null else lead_text end,
           case when summary_n = '' or starts_with(body_n, summary_n) then null else summary end,
           body_text
       ) as text,
       language
from parts
order by item_id
"""
# The items already enriched are those loaded up to a watermark when the counts agree (raw.items is
# append-only and the loader stamps loaded_at), so a night's pending items come from a range filter on
# loaded_at instead of an anti-join of every item against every enriched one (seconds at 10M items).
STATE = "intermediate.int_items_enriched_state"
STATE_COLUMNS = "watermark timestamptz, items bigint, fingerprint varchar"
PENDING_SINCE = PENDING.replace(
    "    where item_id not in (select item_id from intermediate.int_items_enriched)",
    "    where loaded_at > $watermark",
)
assert PENDING_SINCE != PENDING
TAKEN_IN = """
select count(*) filter (where loaded_at <= $watermark), count(*) filter (where loaded_at is null)
from staging.stg_items
"""
FLUSH_ITEMS = 100_000  # results are inserted once per this many items: few inserts, bounded memory


def is_stale(con: duckdb.DuckDBPyConnection, registry: Registry, fingerprint: str | None = None) -> bool:
    """Whether the enriched rows were made with another fingerprint (zones, names, lexicons or rules);
    `fingerprint` is the registry's when the caller has it already."""
    create_tables(con)
    return _saved_fingerprint(con) not in (None, fingerprint or enrichment_fingerprint(registry))


def build(con: duckdb.DuckDBPyConnection, registry: Registry, full_refresh: bool = False) -> int:
    """Enrich the items not yet enriched, and key them; returns how many.

    Every item is enriched again on a full refresh, and when the rows are stale (`is_stale`).
    """
    fingerprint = enrichment_fingerprint(registry)
    full_refresh = full_refresh or is_stale(con, registry, fingerprint)
    create_tables(con, full_refresh)
    pending = pending_items(con)
    waiting: dict[str, list[pa.Table]] = {name: [] for name in TABLES}
    items = 0
    for tables in enriched_batches(pending, registry, worker_count(pending.num_rows)):
        for name, rows in tables.items():
            if rows is not None and rows.num_rows:
                waiting[name].append(rows)
        items += tables["int_items_enriched"].num_rows
        if items >= FLUSH_ITEMS:
            _insert(con, waiting)
            items = 0
    _insert(con, waiting)
    int_items_text_keys.update(con, full_refresh)
    _save_state(con, fingerprint)
    return pending.num_rows


def create_tables(con: duckdb.DuckDBPyConnection, full_refresh: bool = False) -> None:
    """The model's tables and its state, emptied first on a full refresh (a state written before the
    state had a fingerprint is dropped: its items are then found by the anti-join)."""
    has_fingerprint = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'intermediate' "
        "and table_name = $t and column_name = 'fingerprint'",
        {"t": STATE.split(".")[1]},
    ).fetchone()[0]
    if not has_fingerprint:
        con.execute(f"drop table if exists {STATE}")
    for name, columns in [*TABLES.items(), (STATE.split(".")[1], STATE_COLUMNS)]:
        if full_refresh:
            con.execute(f"drop table if exists intermediate.{name}")
        con.execute(f"create table if not exists intermediate.{name} ({columns})")


def pending_items(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The PENDING rows: items loaded after the last run's watermark when the state holds, else the anti-join.

    The state holds when every item loaded up to the watermark is enriched: as many of them as enriched
    items, and as the state recorded (so nothing was deleted or loaded late with an old stamp).
    """
    state = con.execute(f"select watermark, items from {STATE}").fetchall()
    if len(state) == 1 and state[0][0] is not None:
        watermark, items = state[0]
        [(enriched,)] = con.execute("select count(*) from intermediate.int_items_enriched").fetchall()
        [(taken, unstamped)] = con.execute(TAKEN_IN, {"watermark": watermark}).fetchall()
        if enriched == items == taken and unstamped == 0:
            return con.sql(PENDING_SINCE, params={"watermark": watermark}).to_arrow_table()
    return con.sql(PENDING).to_arrow_table()


def _saved_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the enriched rows were made with; None before any enrichment."""
    rows = con.execute(f"select fingerprint from {STATE}").fetchall()
    enriched = con.execute("select count(*) from intermediate.int_items_enriched").fetchone()[0]
    if not enriched:
        return None
    return rows[0][0] if rows else ""  # rows made before fingerprints were kept: enrich them again


def _save_state(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """Every item is enriched now: record the newest loaded_at, the count and the fingerprint."""
    con.execute(f"delete from {STATE}")
    con.execute(
        f"insert into {STATE} select (select max(loaded_at) from staging.stg_items), "
        "(select count(*) from intermediate.int_items_enriched), $fingerprint",
        {"fingerprint": fingerprint},
    )


def _insert(con: duckdb.DuckDBPyConnection, waiting: dict[str, list[pa.Table]]) -> None:
    """One insert per table of the rows waiting for it (the caller's transaction holds them all)."""
    for name, tables in waiting.items():
        if tables:
            con.register("enriched_rows", pa.concat_tables(tables, promote_options="permissive"))
            try:
                con.execute(f"insert into intermediate.{name} by name select * from enriched_rows")
            finally:
                con.unregister("enriched_rows")
            tables.clear()


# The tables this model writes besides its own: the runner orders their readers after it.
PROVIDES = [f"intermediate.{name}" for name in TABLES] + [int_items_text_keys.TABLE]
