"""Benchmark of the bulk loader (warehouse.load.load) on 1M synthetic items against SQLAlchemy executemany.

What it does, all inside a temporary directory:

1. builds N synthetic items (default 1,000,000) as a pyarrow Table with the items landing schema,
   vectorised with numpy/pyarrow (bench/synthetic_landing.py); ~2% of the rows repeat an item_id of the
   batch, so the loader's in-batch dedup is exercised; the rows are written as one landing Parquet file
   per source (20 sources);
2. migrates a fresh warehouse and times ``load(connect(path), landing_dir, data_date)`` end to end
   (connect, discovery, read, dedup, insert, bookkeeping), then checks that raw.items holds exactly
   the distinct item_ids;
3. times the baseline, ``conn.execute(LANDED_TABLES["items"].insert(), rows)`` with a list of row dicts through
   ``sqlalchemy.create_engine("duckdb:///...")`` on a separate fresh warehouse, for a 20,000-row slice,
   and scales it to 1M rows;
4. times two idempotent re-loads: the same files again (skipped as already loaded) and new files that
   carry the same items (skipped on the natural key); both must insert 0 rows.

Usage: ``python bench/load.py [--rows N] [--baseline-rows N] [--sources N] [--profile]``.
``--profile`` prints where the first load spends its time, per line of warehouse/load.py.

Exit code: 0 when every correctness check holds (the goal line says PASS or FAIL); 1 when a check fails.
"""

from __future__ import annotations

import argparse
import linecache
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic_landing import batch_keys, make_items, write_sources  # noqa: E402

from warehouse import load as warehouse_load  # noqa: E402
from warehouse.connect import connect, upgrade  # noqa: E402
from warehouse.load import load  # noqa: E402
from warehouse.models import LANDED_TABLES  # noqa: E402

ONE_MILLION = 1_000_000
GOAL_SPEEDUP = 100.0
GOAL_SECONDS = 3.0
DATA_DATE = date(2026, 11, 25)
SEED = 20261125

# --- measuring --------------------------------------------------------------------------------------------


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


@contextmanager
def line_profile(module_file: str) -> Iterator[dict[tuple[str, int], float]]:
    """Inclusive wall time per line of `module_file` (a line tracer: load.py stays untouched).

    DuckDB's methods are nanobind-bound, so sys.setprofile sees no c_call for con.execute; a line
    tracer does: the time from one line event of a frame to its next is the time of that statement.
    """
    spent: dict[tuple[str, int], float] = defaultdict(float)
    last: dict[int, tuple[int, float]] = {}

    def local(frame, event, arg):  # noqa: ANN001
        now = time.perf_counter()
        previous = last.pop(id(frame), None)
        if previous is not None:
            spent[(frame.f_code.co_name, previous[0])] += now - previous[1]
        if event == "line":
            last[id(frame)] = (frame.f_lineno, time.perf_counter())
        return local

    def tracer(frame, event, arg):  # noqa: ANN001
        return local if frame.f_code.co_filename == module_file else None

    sys.settrace(tracer)
    try:
        yield spent
    finally:
        sys.settrace(None)


def print_profile(spent: dict[tuple[str, int], float], module_file: str, total: float) -> None:
    print(
        f"\nwhere the first load spends its time ({Path(module_file).name}, per line, inclusive of calls, >= 10 ms):"
    )
    for (function, lineno), seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.01:
            print(
                f"  {seconds:7.3f} s {seconds / total:6.1%}  {function}:{lineno:<4d} {_statement_at(module_file, lineno)}"
            )
    in_batch = sum(s for (function, _), s in spent.items() if function == "_load_batch")
    print(f"  {in_batch:7.3f} s {in_batch / total:6.1%}  all of _load_batch, of {total:.3f} s end to end")


def _statement_at(filename: str, lineno: int) -> str:
    """The statement at a line: that line plus the next few, squeezed into one line."""
    text = " ".join(linecache.getline(filename, lineno + i).strip() for i in range(6))
    return " ".join(text.split())[:140]


def time_loader(path: Path, landing_dir: Path, data_date: date, profile: bool = False):
    spent = None
    with stopwatch() as seconds:
        con = connect(path)
        if profile:
            with line_profile(warehouse_load.__file__) as spent:
                summary = load(con, landing_dir, data_date)
        else:
            summary = load(con, landing_dir, data_date)
    count = con.execute("select count(*) from raw.items").fetchone()[0]
    con.close()
    return seconds[0], summary, count, spent


def time_executemany(path: Path, items: pa.Table) -> tuple[float, int]:
    """Seconds to insert `items` as row dicts with SQLAlchemy's executemany, and the rows then in raw.items."""
    loaded_at = datetime.now(UTC)
    rows = [row | {"loaded_at": loaded_at} for row in items.to_pylist()]
    engine = sa.create_engine(f"duckdb:///{path}")
    try:
        with stopwatch() as seconds, engine.begin() as conn:
            conn.execute(LANDED_TABLES["items"].insert(), rows)
        with engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(LANDED_TABLES["items"])).scalar_one()
    finally:
        engine.dispose()
    return seconds[0], count


def time_duckdb_floor(path: Path, items: pa.Table) -> float:
    """Seconds for DuckDB's own insert of the same rows from Arrow into a table with no constraints: the floor."""
    con = connect(path)
    try:
        con.execute("create table floor as select * from items limit 0")
        with stopwatch() as seconds:
            con.execute("begin")
            con.execute("insert into floor select * from items")
            con.execute("commit")
    finally:
        con.close()
    return seconds[0]


# --- main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=ONE_MILLION, help="items in the batch (default 1,000,000)"
    )
    parser.add_argument(
        "--baseline-rows", type=int, default=20_000, help="rows for executemany (default 20,000)"
    )
    parser.add_argument("--sources", type=int, default=20, help="landing files, one per source (default 20)")
    parser.add_argument(
        "--width",
        choices=["narrow", "wide", "body"],
        default="narrow",
        help="narrow: ids, URLs, title, metadata (default); wide: + summary and lead; body: + body text",
    )
    parser.add_argument(
        "--profile", action="store_true", help="time each line of warehouse/load.py in the first load"
    )
    args = parser.parse_args(argv)
    if args.rows < 100 or args.sources < 1 or args.baseline_rows < 1:
        parser.error("need --rows >= 100, --sources >= 1 and --baseline-rows >= 1")

    failures: list[str] = []

    def check(ok: bool, message: str) -> None:
        if not ok:
            failures.append(message)
            print(f"FAIL: {message}", file=sys.stderr)

    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        root = Path(tmp)
        landing_dir = root / "landing"

        with stopwatch() as gen_s:
            keys, distinct = batch_keys(args.rows, rng)
            items = make_items(keys, args.sources, DATA_DATE, SEED, args.width)
        check(
            pc.count_distinct(items["item_id"]).as_py() == distinct,
            "generated item_ids are not as distinct as planned",
        )
        with stopwatch() as write_s:
            files = write_sources(landing_dir, items, args.sources, DATA_DATE, "crawl")
        landed_mb = sum(p.stat().st_size for p in files) / 1e6
        print(
            f"generated {args.rows:,} items ({distinct:,} distinct item_ids, {args.rows - distinct:,} repeats) "
            f"in {gen_s[0]:.2f} s; wrote {len(files)} landing files ({landed_mb:.0f} MB zstd Parquet) in {write_s[0]:.2f} s"
        )

        # The loader, end to end, on a fresh warehouse.
        warehouse = root / "warehouse.duckdb"
        upgrade(warehouse)
        load_s, summary, count, spent = time_loader(warehouse, landing_dir, DATA_DATE, profile=args.profile)
        check(count == distinct, f"raw.items holds {count:,} rows, expected {distinct:,} distinct item_ids")
        check(summary.rows_inserted == distinct, f"load() reported {summary.rows_inserted:,} rows inserted")

        # Idempotency: the same files again (already loaded), then new files with the same items.
        rerun_s, rerun, rerun_count, _ = time_loader(warehouse, landing_dir, DATA_DATE)
        check(
            rerun.rows_inserted == 0 and rerun_count == distinct,
            f"re-run inserted {rerun.rows_inserted:,} rows",
        )
        files_again = write_sources(landing_dir, items, args.sources, DATA_DATE, "recrawl")
        again_s, again, again_count, _ = time_loader(warehouse, landing_dir, DATA_DATE)
        rows_in_again = sum(b.rows_in for b in again.batches)
        check(
            again.rows_inserted == 0 and again_count == distinct,
            f"same items, new files: {again.rows_inserted:,} inserted",
        )
        check(
            rows_in_again == args.rows,
            f"same items, new files: read {rows_in_again:,} rows, expected {args.rows:,}",
        )

        floor_s = time_duckdb_floor(root / "floor.duckdb", items)

        # Baseline: SQLAlchemy executemany of row dicts, on a separate fresh warehouse.
        baseline_rows = min(args.baseline_rows, distinct)
        baseline = root / "baseline.duckdb"
        upgrade(baseline)
        baseline_items = make_items(
            np.arange(baseline_rows, dtype=np.uint64), args.sources, DATA_DATE, SEED + 1, args.width
        )
        baseline_items = baseline_items.set_column(
            baseline_items.schema.get_field_index("run_id"),
            "run_id",
            pa.repeat(pa.scalar("baseline"), baseline_rows),
        )
        executemany_s, baseline_count = time_executemany(baseline, baseline_items)
        check(
            baseline_count == baseline_rows,
            f"executemany left {baseline_count:,} rows, expected {baseline_rows:,}",
        )

    loader_rows_per_s = args.rows / load_s
    loader_1m_s = load_s * ONE_MILLION / args.rows
    executemany_rows_per_s = baseline_rows / executemany_s
    executemany_1m_s = ONE_MILLION / executemany_rows_per_s
    speedup = executemany_1m_s / loader_1m_s
    scaled = "" if args.rows == ONE_MILLION else f" (scaled from {args.rows:,})"
    goal_met = speedup >= GOAL_SPEEDUP and loader_1m_s < GOAL_SECONDS

    table = [
        (f"loader seconds for 1M rows{scaled}", f"{loader_1m_s:,.2f} s"),
        ("loader rows/s (rows read, incl. dedup)", f"{loader_rows_per_s:,.0f}"),
        (f"executemany rows/s ({baseline_rows:,} rows)", f"{executemany_rows_per_s:,.0f}"),
        ("estimated executemany seconds for 1M", f"{executemany_1m_s:,.1f} s"),
        ("speedup vs SQLAlchemy executemany", f"{speedup:,.1f}x"),
        ("DuckDB's own Arrow insert, no dedup, no keys", f"{floor_s:,.2f} s"),
        ("loader / that floor", f"{load_s / floor_s:,.2f}x"),
        (f"re-run, same {len(files)} files (0 inserted)", f"{rerun_s:,.3f} s"),
        (f"same items, {len(files_again)} new files (0 inserted)", f"{again_s:,.2f} s"),
    ]
    width = max(len(name) for name, _ in table)
    print()
    for name, value in table:
        print(f"  {name:<{width}}  {value:>12}")
    print(
        f"\ngoal: >= {GOAL_SPEEDUP:.0f}x and < {GOAL_SECONDS:.0f} s for 1M: {'PASS' if goal_met else 'FAIL'}"
    )
    if spent is not None:
        print_profile(spent, warehouse_load.__file__, load_s)
    if failures:
        print(f"\n{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
