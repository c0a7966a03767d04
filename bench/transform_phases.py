"""The phases of bench/transform.py, each run in a fresh process, and what each build costs (time, memory)."""

# Generating the warehouse (or copying one kept by --keep), the full rebuild, and the nightly run with its
# enrichment throughput; each phase returns its measurements as a dict, and bench/transform.py checks and
# prints them against the goals. A phase runs in its own process (in_process) so ru_maxrss is its own.

from __future__ import annotations

import resource
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from multiprocessing import get_context
from pathlib import Path

import duckdb
import pyarrow as pa
from synthetic_items import START, add_items

from blindspot.demo.scenario import load_scenario
from blindspot.pipeline import model_params
from core.registry import Registry, load_registry
from transforms import enrich
from transforms.intermediate import int_items_enriched
from transforms.runner import build
from warehouse.connect import connect, upgrade
from warehouse.registry_tables import sync_registry

# --- measuring ------------------------------------------------------------------------------------------


def max_rss() -> int:
    """Peak resident set of this process so far, in bytes (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Sampler(threading.Thread):
    """Samples RSS and DuckDB's own memory and spill (duckdb_memory()) while a build runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection, interval: float = 0.25):
        super().__init__(daemon=True)
        self.cursor = con.cursor()
        self.interval = interval
        self.done = threading.Event()
        self.rss = self.duckdb = self.spill = 0

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(self.interval)
        self.sample()

    def sample(self) -> None:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                self.rss = max(self.rss, int(line.split()[1]) * 1024)
        used, spilled = self.cursor.execute(
            "select sum(memory_usage_bytes), sum(temporary_storage_bytes) from duckdb_memory()"
        ).fetchall()[0]
        self.duckdb, self.spill = max(self.duckdb, used or 0), max(self.spill, spilled or 0)

    def __enter__(self) -> Sampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.join()
        self.cursor.close()


def timed_build(
    con: duckdb.DuckDBPyConnection, registry: Registry, run_date: date, memory_limit: str | None
) -> dict:
    """build() once, with what it cost; an out-of-memory error is reported, not raised."""
    if memory_limit:
        con.execute(f"pragma memory_limit = '{memory_limit}'")
    limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    rss_before = max_rss()
    error = None
    models: dict[str, float] = {}
    with Sampler(con) as sampler:
        started = time.perf_counter()
        try:
            models = build(con, registry, run_date, params=model_params(registry.config_dir)).models
        except duckdb.OutOfMemoryException as exc:
            error = str(exc).splitlines()[0]
        wall = time.perf_counter() - started
    return {
        "memory_limit": limit,
        "seconds": wall,
        "models": models,
        "error": error,
        "rss_before": rss_before,
        "rss_peak": max_rss(),
        "rss_sampled": sampler.rss,
        "duckdb_peak": sampler.duckdb,
        "spill_peak": sampler.spill,
    }


# --- phases (each in its own process) -------------------------------------------------------------------


def open_warehouse(db: Path) -> duckdb.DuckDBPyConnection:
    con = connect(db)
    con.execute("set enable_progress_bar = false")
    return con


def phase_generate(db: Path, config_dir: Path, items: int, days: int) -> dict:
    registry = load_registry(config_dir)
    upgrade(db)
    con = open_warehouse(db)
    started = time.perf_counter()
    sync_registry(con, registry)
    timings = add_items(
        con,
        registry,
        load_scenario("default"),
        first=0,
        items=items,
        story0=0,
        day0=0,
        days=days,
        prefill=True,
    )
    con.execute("checkpoint")
    counts = table_counts(con)
    con.close()
    return {
        "seconds": time.perf_counter() - started,
        "timings": timings,
        "counts": counts,
        "db_bytes": db.stat().st_size,
    }


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        table: con.execute(f"select count(*) from {table}").fetchall()[0][0]
        for table in ("raw.items", "raw.fetch_events")
        + tuple(f"intermediate.{name}" for name in int_items_enriched.TABLES)
    }


def phase_reuse(kept: Path, db: Path) -> dict:
    """A copy of a warehouse generated by an earlier run (--keep): the builds change their copy only."""
    started = time.perf_counter()
    shutil.copyfile(kept, db)
    con = open_warehouse(db)
    counts = table_counts(con)
    con.close()
    return {
        "seconds": time.perf_counter() - started,
        "timings": {},
        "counts": counts,
        "db_bytes": db.stat().st_size,
    }


def phase_full(db: Path, config_dir: Path, run_date: date, memory_limit: str | None) -> dict:
    registry = load_registry(config_dir)
    con = open_warehouse(db)
    before = con.execute("select count(*) from intermediate.int_items_enriched").fetchall()[0][0]
    result = timed_build(con, registry, run_date, memory_limit)
    if result["error"] is None:
        result["enriched_added"] = (
            con.execute("select count(*) from intermediate.int_items_enriched").fetchall()[0][0] - before
        )
        result["stats"] = dict(
            zip(
                ("items", "stories", "syndicated_items", "fct_items", "item_zone_rows", "zone_days"),
                con.execute(
                    """
                    select
                        (select count(*) from staging.stg_items),
                        count(*) filter (where is_original),
                        count(*) filter (where story_copies > 1),
                        (select count(*) from marts.fct_items),
                        (select count(*) from intermediate.int_items_in_zones),
                        (select count(*) from marts.zone_reporting_daily)
                    from intermediate.int_stories_clustered
                    """
                ).fetchall()[0],
                strict=True,
            )
        )
    con.close()
    return result


def phase_nightly(
    db: Path, config_dir: Path, first: int, items: int, story0: int, day: int, memory_limit: str | None
) -> dict:
    registry = load_registry(config_dir)
    con = open_warehouse(db)
    before = con.execute("select count(*) from intermediate.int_items_enriched").fetchall()[0][0]
    started = time.perf_counter()
    add_items(
        con,
        registry,
        load_scenario("default"),
        first=first,
        items=items,
        story0=story0,
        day0=day,
        days=1,
        prefill=False,
    )
    load_s = time.perf_counter() - started
    night = START + timedelta(days=day)
    result = timed_build(con, registry, night, memory_limit)
    result["load_seconds"] = load_s
    if result["error"] is not None:
        con.close()
        return result
    result["enriched_added"] = (
        con.execute("select count(*) from intermediate.int_items_enriched").fetchall()[0][0] - before
    )
    result["tags_added"] = con.execute(
        "select count(distinct item_id) from intermediate.int_items_tagged_to_zones where item_id in "
        "(select item_id from raw.items where data_date = $night)",
        {"night": night},
    ).fetchall()[0][0]
    # The enrichment model's fixed cost: finding the pending items as the model does (the loaded_at
    # watermark and its count checks; the anti-join only when the state does not hold), now none are left.
    started = time.perf_counter()
    result["pending_rows"] = int_items_enriched.pending_items(con).num_rows
    result["pending_query_seconds"] = time.perf_counter() - started
    # The UDFs alone on the same items (nothing written): the Python throughput.
    rows = con.sql(
        int_items_enriched.PENDING.replace(
            "item_id not in (select item_id from intermediate.int_items_enriched)",
            f"data_date = date '{night.isoformat()}'",
        )
    ).to_arrow_table()
    started = time.perf_counter()
    enricher = enrich.Enricher(registry)
    result["udf_setup_seconds"] = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    for batch in rows.to_batches(enrich.BATCH):
        enricher.batch(pa.Table.from_batches([batch]))
    result["udf_seconds"] = time.perf_counter() - started
    result["udf_cpu_seconds"] = time.process_time() - cpu
    result["udf_items"] = rows.num_rows
    con.close()
    return result


def in_process(function, *args) -> dict:  # noqa: ANN001
    """Run one phase in a fresh process, so its ru_maxrss is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()
