"""int_items_text_keys: each item's URL, day and story key, computed in SQL once, when int_items_enriched enriches it."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import duckdb

from transforms import incremental
from transforms.incremental import State

log = logging.getLogger(__name__)

TABLE = "intermediate.int_items_text_keys"
COLUMNS = (
    "item_id varchar, source_id varchar, canonical_url varchar, reported_at timestamptz, "
    "reported_date date, text_key uhugeint, loaded_at timestamptz"
)
# The regexp over each lead was most of what a full rebuild of int_items_deduplicated cost (13.5 of 24 s at
# 10M items); an item's key never changes, so like its zone tags it is computed once, not on every rebuild.
# The table also holds the narrow columns deduplication ranks on, so it reads this table alone: joining
# the keys to 10M staged items cost more than the regexp (the join spilled under a 1.3GB memory limit).
# loaded_at lets a night's new items be read back with their keys (incremental.NEW_ITEMS).
# stg_items has trimmed the lead and title and made blanks null: syndication_key without doing that again.
KEYS = """
select
    item_id,
    source_id,
    canonical_url,
    reported_at,
    reported_date,
    syndication_text_key(coalesce(lead_text, title, canonical_url)) as text_key,
    loaded_at
from staging.stg_items
"""
STG_ITEMS = Path(__file__).parents[1] / "staging" / "stg_items.sql"
# The keys' definition: the macros, this query and the staging view it reads; a change recomputes them all.
DEFINITION = hashlib.sha256(
    "\n".join((incremental.MACROS, KEYS, STG_ITEMS.read_text(encoding="utf-8"))).encode()
).hexdigest()


def update(con: duckdb.DuckDBPyConnection, full_refresh: bool = False) -> str:
    """Keys for the items loaded since the last update; every item's when the stored keys do not hold.

    They hold when they were computed by the current definition for exactly the items loaded up to their
    watermark. Returns "incremental" or "full" (first run, a full refresh, a new definition, items late).
    """
    con.execute(incremental.MACROS)
    con.execute(f"create table if not exists {incremental.STATE} ({incremental.STATE_COLUMNS})")
    con.execute(f"create table if not exists {TABLE} ({COLUMNS})")
    state = incremental.read_state(con, TABLE)
    [(stored,)] = con.execute(f"select count(*) from {TABLE}").fetchall()
    holds = (
        not full_refresh
        and state is not None
        and state.watermark is not None
        and state.fingerprint == DEFINITION
        and stored == state.items == incremental.count_through(con, state.watermark)
    )
    until = incremental.newest_load(con)
    if holds:
        con.execute(f"insert into {TABLE} {KEYS} where loaded_at > $since", {"since": state.watermark})
    else:
        log.info("%s: every item's key computed again", TABLE)
        con.execute(f"create or replace table {TABLE} as {KEYS}")
    incremental.write_state(
        con, TABLE, State(until, incremental.count_through(con, until), DEFINITION) if until else None
    )
    return "incremental" if holds else "full"
