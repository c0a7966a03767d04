"""Incremental materialisation: which items are new since a model's last build, what they can change, the merge."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

import duckdb

log = logging.getLogger(__name__)

STATE = "intermediate.incremental_state"
STATE_COLUMNS = "model varchar, watermark timestamptz, items bigint, fingerprint varchar"
# Item-grain views: too large to hash, so their SQL text (not their rows) enters a model's fingerprint.
ITEM_GRAIN_VIEWS = frozenset({"staging.stg_items"})

# The syndication key, written once for the models and the scopes: the md5 (as a number) of the first 240
# characters of the lead (else title, else URL; blanks count as missing), lower-cased, each run of
# non-letters and non-digits one space. syndication_text_key takes text already trimmed and blank-nulled
# (stg_items does that), so transforms/intermediate/int_items_text_keys.py does not trim every lead and title twice;
# tests/test_incremental.py checks both forms against the first definition on odd inputs.
MACROS = r"""
create or replace temp macro syndication_text_key(opening_text) as
md5_number(left(trim(regexp_replace(lower(opening_text), '[^\p{L}\p{N}]+', ' ', 'g')), 240));
create or replace temp macro syndication_key(lead_text, title, canonical_url) as
syndication_text_key(coalesce(nullif(trim(lead_text), ''), nullif(trim(title), ''), canonical_url))
"""
# New items are the rows loaded in the window, with the story keys transforms/intermediate/int_items_text_keys.py stored for them
# when they were enriched (each night's keys are appended after the older ones, so the filter on loaded_at
# skips the older row groups).
NEW_ITEMS = """
create or replace temp table incremental_new_items as
select item_id, canonical_url, text_key
from intermediate.int_items_text_keys
where loaded_at > $since and loaded_at <= $until
"""
# Every item at the new items' URLs (two scopes need them: one scan of 10M URLs, not two).
AT_NEW_URLS = """
create or replace temp table incremental_at_new_urls as
select item_id from raw.items where canonical_url in (select canonical_url from incremental_new_items)
"""
# What new items can change, by a model's unique key: their canonical URLs (deduplication); the stories
# (text keys) of the new items and of the items the stories held at those URLs before the merge (a URL's
# old winner may lose, and leave its story); the items of those stories, and every item at those URLs.
SCOPES = {
    "canonical_url": "select distinct canonical_url from incremental_new_items",
    "text_key": """
        select text_key from incremental_new_items
        union
        select text_key from intermediate.int_stories_clustered
        where item_id in (select item_id from incremental_at_new_urls)
    """,
    "item_id": """
        select item_id from incremental_at_new_urls
        union
        select item_id from intermediate.int_stories_clustered
        where text_key in (select scope_key from incremental_scope_text_key)
    """,
}
# The item scope needs the story keys derived before the stories were merged, in this build.
NEEDS = {"item_id": "text_key"}
# A full build of more items than this runs in chunks, ranges of the unique key, so joins and windows fit in
# memory: a model's rows for one key depend only on input rows with that key, so the chunks are independent.
# A range is a comparison with a constant, which DuckDB applies in the scan, through views, before it reads
# the other columns; `hash(k) % n = i` chunks were filtered after every column of every row was read.
# Every chunk scans every input again; at 10M items (memory_limit 1.3GB) 5 chunks of 2M took fct_items 21 s
# and int_items_in_zones 19 s where 10 of 1M took 28 s and 26 s; 3 of 3.3M were slower again (36 s).
# A model whose rows are narrower says `-- chunk_items: N` (int_items_in_zones, int_stories_clustered).
CHUNK_ITEMS = 2_000_000
# Where each unique key's values are, to cut the ranges; below SAMPLE_ITEMS items, exact quantiles.
KEY_VALUES = {
    "item_id": ("item_id", "raw.items"),
    "canonical_url": ("canonical_url", "raw.items"),
    "text_key": ("text_key", "intermediate.int_items_text_keys"),
}
SAMPLE_ITEMS = 1_000_000
# first range, middle ranges, last range (which also holds a null key)
CHUNK_SCOPES = (
    "k < getvariable('chunk_high')",
    "k >= getvariable('chunk_low') and k < getvariable('chunk_high')",
    "k >= getvariable('chunk_low') or k is null",
)


class IncrementalError(ValueError):
    """A model declares an incremental materialisation the runner cannot honour."""


@dataclass(frozen=True)
class State:
    """What a model has taken in: items loaded up to `watermark` (`items` of them), built as `fingerprint`."""

    watermark: datetime | None
    items: int
    fingerprint: str


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """The bookkeeping table and the macros the models use."""
    con.execute(f"create table if not exists {STATE} ({STATE_COLUMNS})")
    con.execute(MACROS)
    # Tables are written in any order (models that need one say ORDER BY): 10M rows then fit in less memory.
    con.execute("set preserve_insertion_order = false")


def read_state(con: duckdb.DuckDBPyConnection, relation: str) -> State | None:
    row = con.execute(
        f"select watermark, items, fingerprint from {STATE} where model = $model", {"model": relation}
    ).fetchone()
    return State(*row) if row else None


def write_state(con: duckdb.DuckDBPyConnection, relation: str, state: State | None) -> None:
    """Record (or, with None, forget) what a model has taken in; forgetting forces a full build next time."""
    con.execute(f"delete from {STATE} where model = $model", {"model": relation})
    if state is not None:
        con.execute(
            f"insert into {STATE} values ($model, $watermark, $items, $fingerprint)",
            {"model": relation, **state.__dict__},
        )


def forget(con: duckdb.DuckDBPyConnection, relations: set[str]) -> None:
    """Downstream of a full rebuild, earlier incremental state no longer describes the inputs."""
    if relations:
        con.execute(f"delete from {STATE} where list_contains($models, model)", {"models": sorted(relations)})


def newest_load(con: duckdb.DuckDBPyConnection) -> datetime | None:
    return con.execute("select max(loaded_at) from staging.stg_items").fetchone()[0]


def count_through(con: duckdb.DuckDBPyConnection, watermark: datetime | None) -> int:
    """Items loaded up to a watermark: a model's count must still match it, or rows arrived late or went."""
    return con.execute(
        "select count(*) from staging.stg_items where loaded_at <= $w", {"w": watermark}
    ).fetchone()[0]


def fingerprint(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict, small_inputs: set[str], view_sql: dict[str, str]
) -> str:
    """What an item-grain model's rows depend on besides the items: its SQL, parameters and small inputs."""
    parts = {
        "sql": sql,
        "macros": MACROS,
        "params": {k: str(v) for k, v in sorted(params.items())},
        "views": view_sql,
    }
    for relation in sorted(small_inputs):
        parts[relation] = con.execute(
            f"select md5(coalesce(string_agg(md5(t::varchar), '' order by md5(t::varchar)), '')) from {relation} as t"
        ).fetchone()[0]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def full_reason(
    state: State | None, until: datetime | None, fingerprint_now: str, full_refresh: bool, exists: bool
) -> str | None:
    """Why a model must be rebuilt in full, or None when it can be merged incrementally."""
    if full_refresh:
        return "full refresh requested"
    if not exists or state is None or state.watermark is None:
        return "first build (no incremental state)"
    if until is None:
        return "upstream models are not at one watermark"
    if state.fingerprint != fingerprint_now:
        return "model SQL, parameters or dimension inputs changed"
    if state.watermark > until:
        return "upstream is behind this model"
    return None


def merge(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    key: str,
    body: str,
    params: dict,
    window: tuple[datetime, datetime],
    made: set[tuple],
) -> int | None:
    """Delete what the new items can change, insert it recomputed; returns the number of new items, or
    None when this build cannot tell what changed (an upstream merged in an earlier build): rebuild then.

    `made` lists the scope tables this build already derived: the models of one night share a window, so
    each scope is derived once (the item scope after the stories are merged, which come first).
    """
    since, until = window
    if ("new", window) not in made:
        con.execute(NEW_ITEMS, {"since": since, "until": until})
        con.execute(AT_NEW_URLS)
        made.add(("new", window))
    new = con.execute("select count(*) from incremental_new_items").fetchone()[0]
    if new and key in NEEDS and (NEEDS[key], window) not in made:
        return None
    if new:
        scope = f"incremental_scope_{key}"
        if (key, window) not in made:
            con.execute(
                f"create or replace temp table {scope} as select {key} as scope_key from ({SCOPES[key]})"
            )
            made.add((key, window))
        con.execute(f"create or replace temp macro in_scope(k) as k in (select scope_key from {scope})")
        _merging(con, True)
        con.execute(f"delete from {relation} where in_scope({key})")
        con.execute(f"insert into {relation} by name {body}", params)
    return new


def rebuild(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    body: str,
    params: dict,
    items: int,
    key: str,
    chunk_items: int,
) -> int:
    """The whole table from its SELECT, in key-range chunks of the unique key when there are many items
    (about `chunk_items` each, a model's `-- chunk_items`; 0 builds it in one statement)."""
    chunks = max(1, -(-items // chunk_items)) if chunk_items else 1
    bounds = chunk_bounds(con, key, chunks, items)
    for chunk in range(len(bounds) + 1):
        if bounds:  # the chunk's range, as session variables: the scope macro names no value
            con.execute("set variable chunk_low = $low", {"low": bounds[chunk - 1] if chunk else None})
            con.execute(
                "set variable chunk_high = $high", {"high": bounds[chunk] if chunk < len(bounds) else None}
            )
        scope = "true" if not bounds else CHUNK_SCOPES[min(chunk, 1) + (chunk == len(bounds))]
        con.execute(f"create or replace temp macro in_scope(k) as {scope}")
        _merging(con, False)
        verb = f"create or replace table {relation} as" if chunk == 0 else f"insert into {relation} by name"
        con.execute(f"{verb} {body}", params)
    return len(bounds) + 1


def chunk_bounds(con: duckdb.DuckDBPyConnection, key: str, chunks: int, items: int) -> list:
    """chunks - 1 key values that cut the keys into ranges of about equal size (none for one chunk).

    Quantiles of a 1% sample (of whole vectors, so it reads 1% of the column) when the items are many.
    """
    if chunks <= 1:
        return []
    column, table = KEY_VALUES[key]
    sample = "using sample 1 percent (system, 1)" if items >= SAMPLE_ITEMS else ""
    quantiles = [i / chunks for i in range(1, chunks)]
    [(bounds,)] = con.execute(
        f"select quantile_disc({column}, $q) from {table} {sample}", {"q": quantiles}
    ).fetchall()
    return sorted(set(bounds or []) - {None})


def _merging(con: duckdb.DuckDBPyConnection, merging: bool) -> None:
    """`merging()` in a model: a constant the planner folds, so a model can read its inputs one way for a
    merge (a few keys: find the rows by a narrow key first) and another for a full build (every row)."""
    con.execute(f"create or replace temp macro merging() as {'true' if merging else 'false'}")


def drop_scratch(con: duckdb.DuckDBPyConnection, made: set[tuple]) -> None:
    """The build's scope tables and the scope macro."""
    for key in SCOPES:
        con.execute(f"drop table if exists incremental_scope_{key}")
    con.execute("drop table if exists incremental_new_items")
    con.execute("drop table if exists incremental_at_new_urls")
    con.execute("drop macro if exists in_scope")
    con.execute("reset variable chunk_low")
    con.execute("reset variable chunk_high")
    con.execute("drop macro if exists merging")
    con.execute("reset preserve_insertion_order")
    made.clear()


def check_key(relation: str, key: str | None) -> str:
    if key not in SCOPES:
        raise IncrementalError(
            f"{relation}: unique_key must be one of {', '.join(SCOPES)} for an incremental model, not {key!r}"
        )
    return key
