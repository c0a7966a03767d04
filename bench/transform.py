"""Times the transforms on 10M synthetic items: full rebuild, nightly incremental run and enrichment, against the goals."""

# All in a temporary directory, each phase in its own process (ru_maxrss is per process):
# 1. a fresh warehouse, the demo registry synced, N items (default 10M) generated (bench/synthetic_items.py) by one
#    vectorised insert ... select over range(N): ~200 days, the demo's en/fr/ar feed/html sources, titles,
#    leads and bodies from 360 templates written with the demo's sentences (real zone, town and capital
#    names, datelines, frames, incidents); about two copies per story (same lead, hours apart) so
#    syndication clusters exist; ~1% share a canonical URL; 4 fetch events per source and night. Python
#    enrichment runs once per item (its rate is step 4 below), so its tables are pre-filled in SQL from the
#    templates: every item enriched, one zone tag each (score 3, rank 1), datelines ~80% (~40% inside),
#    frames ~5%, incidents ~1%; and the model's state (its loaded_at watermark and count), as its own runs
#    would have left it, so the rebuild finds no pending item by the watermark instead of an anti-join of
#    10M item ids (6.6-7.4 s under load) that a warehouse enriched night by night never runs. The story
#    text keys, which the model computes in SQL, come from its own code (transforms.text_keys.update).
# 2. FULL rebuild, build(con, registry, run_date) under PRAGMA memory_limit (default 1.3GB): wall time, peak
#    RSS, DuckDB buffers and spill (duckdb_memory(), sampled), seconds per model. Out of memory under the
#    limit is reported, and the build re-run without the limit for its time.
# 3. NIGHTLY run: one more night of 60,000 new, not yet enriched items, then build(...) again: the real
#    enrichment of the new items (ZoneTagger, DatelineResolver, frame and incident detectors) and every
#    SQL model, split by model. 4. Enrichment items/s on those items: the model end to end, the UDFs alone.
# 5. The goals (10M items: full rebuild < 60 s and < 2 GB; nightly < 5 s), ratio = measured / goal; and the
#    nightly's floor on this machine's cores: the UDFs' CPU time spread over every core, plus the SQL models.
# Exit 0 when the run completes (a missed goal is a FAIL line, not an error); 1 when a sanity check fails.

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from multiprocessing import get_context
from pathlib import Path

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic_items import COPIES_PER_STORY, START, add_items  # noqa: E402

from blindspot.demo.registry_config import write_demo_config  # noqa: E402
from blindspot.demo.scenario import load_scenario  # noqa: E402
from core.registry import Registry, load_registry  # noqa: E402
from transforms import enrich  # noqa: E402
from transforms.runner import build  # noqa: E402
from warehouse.connect import connect, upgrade  # noqa: E402
from warehouse.registry_tables import sync_registry  # noqa: E402

TEN_MILLION = 10_000_000
GOAL_FULL_SECONDS = 60.0
GOAL_FULL_BYTES = 2_000_000_000  # "2GB" as DuckDB reads it (1.86 GiB)
GOAL_NIGHTLY_SECONDS = 5.0
ENRICH_MODEL = "intermediate.int_items_enriched"


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
            models = build(con, registry, run_date).models
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
        + tuple(f"intermediate.{name}" for name in enrich.TABLES)
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
    result["pending_rows"] = enrich.pending_items(con).num_rows
    result["pending_query_seconds"] = time.perf_counter() - started
    # The UDFs alone on the same items (nothing written): the Python throughput.
    rows = con.sql(
        enrich.PENDING.replace(
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


# --- report ---------------------------------------------------------------------------------------------


def gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def print_models(title: str, result: dict, top: int = 12) -> None:
    models, total = result["models"], result["seconds"]
    print(f"\n{title}: {total:.2f} s wall, per model (top {top} of {len(models)}):")
    for relation, seconds in sorted(models.items(), key=lambda kv: -kv[1])[:top]:
        label = f"{relation} (Python enrichment)" if relation == ENRICH_MODEL else relation
        print(f"  {seconds:8.2f} s  {seconds / total:6.1%}  {label}")
    rest = sorted(models.values(), reverse=True)[top:]
    if rest:
        print(f"  {sum(rest):8.2f} s  {sum(rest) / total:6.1%}  the other {len(rest)} models")


def print_memory(result: dict) -> None:
    print(
        f"  memory_limit {result['memory_limit']}: peak RSS {gb(result['rss_peak'])} (before build "
        f"{gb(result['rss_before'])}), DuckDB buffers peak {gb(result['duckdb_peak'])}, "
        f"spilled to disk peak {gb(result['spill_peak'])}"
        + (f"; ERROR {result['error']}" if result["error"] else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=TEN_MILLION, help="items before the night (default 10M)")
    parser.add_argument(
        "--nightly-items", type=int, default=60_000, help="new items of the night (default 60,000)"
    )
    parser.add_argument("--days", type=int, default=200, help="days the items span (default 200)")
    parser.add_argument(
        "--memory-limit",
        default="1.3GB",
        # DuckDB's buffers fill up to memory_limit and the process holds ~0.4-0.5 GB more (Python, Arrow, the
        # enrichment's matchers): at 10M items a 2GB limit peaked at 2.44 GB RSS, 1.5GB at 2.04 GB, 1.3GB at
        # 1.69 GB with no spill to disk.
        help="DuckDB memory_limit for the builds (default 1.3GB, so the process stays under the 2 GB goal)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the generated warehouse in DIR and, when DIR already holds one of the same --items and "
        "--days, start from a copy of it instead of generating again (each run builds on its own copy)",
    )
    args = parser.parse_args(argv)
    if args.items < 1000 or args.nightly_items < 1 or args.days < 7:
        parser.error("need --items >= 1000, --nightly-items >= 1 and --days >= 7")

    failures: list[str] = []

    def check(ok: bool, message: str) -> None:
        if not ok:
            failures.append(message)
            print(f"CHECK FAILED: {message}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="bench-transform-") as tmp:
        root = Path(tmp)
        config_dir = write_demo_config(load_scenario("default"), "http://127.0.0.1:1", root / "config")
        db = root / "warehouse.duckdb"

        kept = args.keep / f"generated-{args.items}-{args.days}.duckdb" if args.keep else None
        if kept is not None and kept.exists():
            gen, verb = phase_reuse(kept, db), f"copied from {kept}"
        else:
            gen, verb = in_process(phase_generate, db, config_dir, args.items, args.days), "generated"
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(db, kept)
        counts = gen["counts"]
        print(
            f"{verb}: {counts['raw.items']:,} items over {args.days} days, {counts['raw.fetch_events']:,} fetch "
            f"events in {gen['seconds']:.1f} s; warehouse file {gb(gen['db_bytes'])}"
        )
        for step, seconds in gen["timings"].items():
            print(f"  {seconds:8.2f} s  {step}")
        print(
            "  pre-filled: "
            + ", ".join(f"{name} {counts['intermediate.' + name]:,}" for name in enrich.TABLES)
        )
        check(counts["raw.items"] == args.items, f"raw.items holds {counts['raw.items']:,} rows")
        check(counts["intermediate.int_items_enriched"] == args.items, "int_items_enriched is not every item")

        run_date = START + timedelta(days=args.days - 1)
        full = in_process(phase_full, db, config_dir, run_date, args.memory_limit)
        fits = full["error"] is None
        if not fits:
            print(f"\nFULL rebuild under memory_limit {full['memory_limit']} failed: {full['error']}")
            print_memory(full)
            limited = full
            full = in_process(phase_full, db, config_dir, run_date, None)
            full["limited"] = limited
        print_models(f"FULL rebuild, {args.items:,} items, run_date {run_date}", full)
        print_memory(full)
        stats = full.get("stats", {})
        print("  " + ", ".join(f"{k} {v:,}" for k, v in stats.items()))
        check(full.get("enriched_added") == 0, "the full rebuild enriched items (pre-fill incomplete)")
        check(stats.get("syndicated_items", 0) > 0, "no syndication clusters")

        nightly = in_process(
            phase_nightly,
            db,
            config_dir,
            args.items,
            args.nightly_items,
            round(args.items / COPIES_PER_STORY),
            args.days,
            args.memory_limit,
        )
        if nightly["error"] is not None:
            print_memory(nightly)
            check(False, f"nightly build failed: {nightly['error']}")
            return 1
        print_models(
            f"NIGHTLY run, +{args.nightly_items:,} items (loaded in {nightly['load_seconds']:.2f} s, not counted)",
            nightly,
        )
        print_memory(nightly)
        check(
            nightly["enriched_added"] == args.nightly_items,
            f"enriched {nightly['enriched_added']:,} new items",
        )
        check(nightly["tags_added"] > 0, "no new item was tagged to a zone")
        check(
            nightly["pending_rows"] == 0, f"{nightly['pending_rows']:,} items left unenriched after the night"
        )

    enrich_s = nightly["models"][ENRICH_MODEL]
    sql_s = sum(s for r, s in nightly["models"].items() if r != ENRICH_MODEL)
    full_s = full["seconds"]
    scale = TEN_MILLION / args.items
    print(
        f"\nnightly split: enrichment {enrich_s:.2f} s ({enrich_s / nightly['seconds']:.0%}), SQL models "
        f"{sql_s:.2f} s ({sql_s / nightly['seconds']:.0%}); finding pending items (enrich.pending_items over "
        f"{args.items + args.nightly_items:,}, after the run: {nightly['pending_rows']:,} left) "
        f"{nightly['pending_query_seconds']:.2f} s"
    )
    print(
        f"enrichment throughput: model end to end {args.nightly_items / enrich_s:,.0f} items/s; UDFs alone "
        f"{nightly['udf_items'] / nightly['udf_seconds']:,.0f} items/s ({nightly['udf_items']:,} items in "
        f"{nightly['udf_seconds']:.2f} s, + {nightly['udf_setup_seconds']:.2f} s to build the matchers); new items "
        f"tagged to a zone: {nightly['tags_added']:,}"
    )

    # What the night cannot go below here: the UDFs' CPU time for the night's items spread over every core
    # with no loss, plus the SQL models as measured (they already use every core).
    cores = enrich.worker_count(enrich.POOL_MIN_ITEMS)
    udf_cpu = nightly["udf_cpu_seconds"] * args.nightly_items / nightly["udf_items"]
    print(
        f"nightly floor on {cores} core(s): enrichment at least {udf_cpu / cores:.2f} s (the UDFs' "
        f"{udf_cpu:.2f} CPU-seconds / {cores}), + SQL models {sql_s:.2f} s = {udf_cpu / cores + sql_s:.2f} s"
    )

    rss = full["rss_peak"] if fits else full["limited"]["rss_peak"]
    scaled = "" if args.items == TEN_MILLION else f" (scaled x{scale:g} from {args.items:,})"
    goals = [
        (f"full rebuild seconds, 10M items{scaled}", full_s * scale, GOAL_FULL_SECONDS, "s"),
        (
            f"full rebuild peak RSS, memory_limit {args.memory_limit}"
            + ("" if args.items == TEN_MILLION else f" ({args.items:,} items, not scaled)"),
            rss,
            GOAL_FULL_BYTES,
            "GB",
        ),
        (
            f"nightly incremental seconds (+{args.nightly_items:,} on {args.items:,})",
            nightly["seconds"],
            GOAL_NIGHTLY_SECONDS,
            "s",
        ),
    ]
    print(f"\n  {'measure':<64} {'measured':>10} {'goal':>8} {'ratio':>6}  result")
    for name, measured, goal, unit in goals:
        shown = (lambda v: f"{v / 1e9:.2f} GB") if unit == "GB" else (lambda v: f"{v:.2f} s")
        ok = measured < goal and (unit != "GB" or fits)
        print(
            f"  {name:<64} {shown(measured):>10} {shown(goal):>8} {measured / goal:6.2f}  {'PASS' if ok else 'FAIL'}"
        )
    print(f"  fits in memory_limit {args.memory_limit} (no out-of-memory error): {'yes' if fits else 'NO'}")
    print()
    for name, measured, goal, _unit in goals:
        print(f"ratio = measured / goal: {name}: {measured / goal:.2f}")
    if failures:
        print(f"\n{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
