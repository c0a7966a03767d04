"""Items per second of the enrichment model (zones, datelines, frames, incidents) against the previous implementation."""

# In a temporary directory, with the demo registry and the shipped lexicons:
# 1. N items (default 60,000) written like bench/transform.py's (bench/synthetic_items.py's templates: the demo's sentences in
#    en/fr/ar with real zone, town and capital names, datelines, frames, incidents), one template seed per
#    360 items so that no two items share a text, into staging.stg_items of a fresh DuckDB warehouse.
# 2. NEW: transforms.intermediate.int_items_enriched.build end to end in one transaction, as the runner calls it: the
#    PENDING query, the UDFs (in a process pool when the night is large enough), the inserts. Wall time.
#    Then the same in this process alone (a full refresh), wall and CPU time; then the UDFs alone in this
#    process (Enricher.batch), CPU time, best of --repeat.
# 3. BASELINE: the previous implementation, kept below (per-word tokeniser, each lexicon tokenising the
#    text again, every phrase of a part tried, a second dateline parse of the same lines), on
#    --baseline-items items (default 6,000), CPU time, scaled.
# 4. EQUALITY: the baseline's rows for its items must equal the model's rows for them where the definition
#    has not changed since (zone tags, datelines); the model's incidents (title read too since 2026-12-07)
#    must include the baseline's; denial claims (speaker and target) replaced frames, so only counts are shown.
# 5. With --pending-items M (e.g. 10000000): the cost of finding a night's pending items among M enriched
#    ones, by the loaded_at watermark (what the model does) and by the anti-join it falls back to.
# The machine is shared: the load average is printed, and CPU times are less disturbed than wall times.
# Exit 0 when the run completes, 1 when the outputs differ.

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_items import item_sources, make_templates  # noqa: E402

from blindspot.demo.registry_config import write_demo_config  # noqa: E402
from blindspot.demo.scenario import load_scenario  # noqa: E402
from core.registry import Registry, load_registry  # noqa: E402
from transforms import enrich  # noqa: E402
from transforms.intermediate import int_items_enriched  # noqa: E402
from transforms.udf.lexicon import LabelMatcher, Rule  # noqa: E402
from transforms.udf.text import normalize  # noqa: E402
from transforms.udf.tokens import ABBREVIATIONS, Tokens  # noqa: E402

LOADED_AT = datetime(2026, 1, 2, tzinfo=UTC)


# --- synthetic items ------------------------------------------------------------------------------------


def make_items(count: int, registry: Registry, first: int = 0) -> pa.Table:
    """`count` items from bench/synthetic_items.py's templates, a fresh template seed per 360 items."""
    scenario, sources = load_scenario("default"), item_sources(registry)
    columns: dict[str, list] = defaultdict(list)
    seed = first // 360
    while len(columns["item_id"]) < count:
        for template in make_templates(scenario, sources, seed=seed).to_pylist():
            i = first + len(columns["item_id"])
            if len(columns["item_id"]) == count:
                break
            columns["item_id"].append(f"item-{i:010d}")
            columns["title"].append(template["title"])
            columns["lead_text"].append(f"{template['lead']} Ref. {i}.")
            columns["summary"].append(None)
            columns["body_text"].append(template["body"])
            columns["language"].append(template["language"])
        seed += 1
    table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
    table = table.append_column("loaded_at", pa.array([LOADED_AT] * count, pa.timestamp("us", "UTC")))
    urls = [f"https://news.example.org/a/{i}" for i in range(first, first + count)]
    table = table.append_column("canonical_url", pa.array(urls, pa.string()))
    # the columns transforms.intermediate.int_items_text_keys keeps beside each item's key
    table = table.append_column("source_id", pa.array(["bench-feed"] * count, pa.string()))
    table = table.append_column("reported_at", pa.array([LOADED_AT] * count, pa.timestamp("us", "UTC")))
    return table.append_column("reported_date", pa.array([LOADED_AT.date()] * count, pa.date32()))


def open_warehouse(path: Path, items: pa.Table) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists staging; create schema if not exists intermediate")
    con.register("bench_items", items)
    con.execute("create table staging.stg_items as select * from bench_items")
    con.unregister("bench_items")
    return con


# --- the previous implementation (the baseline) ---------------------------------------------------------

_OLD_TOKEN = re.compile(r"\w+|[.!?؟…]+(?=\s|$)|[,;:؛](?=\s|$)|\s[-–—]+\s|[–—]|\n")
_SENTENCE_END = frozenset(".!?؟…\n")


def old_tokenize(text: str) -> Tokens:
    """The previous tokeniser: each line normalised, then one Python step per token."""
    pieces: list[str] = []
    starts: list[int] = []
    clause: list[int] = []
    sentence: list[int] = []
    clauses = sentences = offset = pending = 0
    for match in _OLD_TOKEN.finditer("\n".join(normalize(line) for line in text.splitlines())):
        word = match.group()
        if not (word[0].isalnum() or word[0] == "_"):
            previous = pieces[-1] if pieces else ""
            if word == "." and (len(previous) == 1 or previous in ABBREVIATIONS):
                continue
            pending = max(pending, 2 if word.strip(" ")[0] in _SENTENCE_END else 1)
            continue
        if pieces:
            offset += 1
            clauses += pending > 0
            sentences += pending > 1
        pieces.append(word)
        starts.append(offset)
        clause.append(clauses)
        sentence.append(sentences)
        offset += len(word)
        pending = 0
    joined = "".join(
        ("\n" if i and clause[i] != clause[i - 1] else " " if i else "") + w for i, w in enumerate(pieces)
    )
    return Tokens(joined, starts, clause, sentence)


def old_labels(matcher: LabelMatcher, text: str) -> set[str]:
    """The previous LabelMatcher.labels: tokenise, find atoms, try every rule an atom starts."""
    if not text or matcher.automaton is None:
        return set()
    tokens = old_tokenize(text)
    hits = matcher._atom_hits(tokens)
    candidates = sorted({r for atom in hits for r in matcher.rules_by_atom.get(atom, ())})
    found: set[str] = set()
    cache: dict = {}
    for index in candidates:
        rule = matcher.rules[index]
        if rule.label not in found and _old_fires(matcher, rule, tokens, hits, cache):
            found.add(rule.label)
    return found


def _old_part_spans(matcher: LabelMatcher, part: tuple[int, ...], tokens: Tokens, hits, cache) -> list:
    return [span for phrase in part for span in matcher._spans(phrase, tokens, hits, cache)]


def _old_fires(matcher: LabelMatcher, rule: Rule, tokens: Tokens, hits, cache) -> bool:
    # A frozen copy of the previous implementation, not a call into the model: tests/test_enrich.py and this
    # bench check the model against it, which a shared rule test would make circular.
    def follows(unit: list[int], end: int, start: int, gap: int) -> bool:
        return end < start < len(unit) and start - end - 1 <= gap and unit[end] == unit[start]

    def spans(part: tuple[int, ...]) -> list:
        return _old_part_spans(matcher, part, tokens, hits, cache)

    first = spans(rule.parts[0])
    if not first:
        return False
    unit = tokens.clause if rule.scope == "clause" else tokens.sentence
    if rule.ordered:
        ends = {e for _, e in first}
        for part, gap in zip(rule.parts[1:], rule.gaps, strict=True):
            ends = {e2 for s2, e2 in spans(part) if any(follows(unit, e, s2, gap) for e in ends)}
            if not ends:
                return False
        sentences = {tokens.sentence[e] for e in ends}
    else:
        other, gap = spans(rule.parts[1]), rule.gaps[0]
        sentences = {
            tokens.sentence[a[0]]
            for a in first
            for b in other
            if follows(unit, a[1], b[0], gap) or follows(unit, b[1], a[0], gap)
        }
    if rule.requires is not None:
        sentences &= {tokens.sentence[s] for s, _ in spans(rule.requires)}
    if rule.unless:
        sentences -= {tokens.sentence[s] for s, _ in spans(rule.unless)}
    return bool(sentences)


def old_detect(detector, text: str | None, language: str | None) -> list[str]:  # noqa: ANN001
    matcher = detector.matchers.get((language or "").strip().lower().replace("_", "-").split("-")[0])
    return [] if matcher is None or not text else sorted(old_labels(matcher, text))


def baseline_batch(enricher: enrich.Enricher, rows: pa.Table) -> dict[str, list[tuple]]:
    """The previous Enricher.batch, as rows per table: tagging, then datelines, then each lexicon alone."""
    ids = rows.column("item_id").to_pylist()
    texts, leads = rows.column("text").to_pylist(), rows.column("lead_text").to_pylist()
    languages = rows.column("language").to_pylist()
    tags = enricher.tagger.tag_table(rows, "title", "text", "language").to_pylist()
    out: dict[str, list[tuple]] = {name: [] for name in (*int_items_enriched.TABLES, "int_items_with_frames")}
    out["int_items_tagged_to_zones"] = [
        (ids[t["item_index"]], t["zone_id"], t["score"], t["admin1_id"], t["in_title"], t["in_dateline"])
        + (t["in_lead"], t["body_hits"], t["rank"])
        for t in tags
    ]
    for item_id, lead, text, language in zip(ids, leads, texts, languages, strict=True):
        found = enricher.resolver.extract(lead, language or "en") if lead else None
        if found:
            out["int_items_with_datelines"].append(
                (item_id, found.place, found.country, found.agency, found.zone_id, found.ambiguous_zone_id)
            )
        for table, detector in (
            ("int_items_with_frames", enricher.claims.frames),
            ("int_items_with_incidents", enricher.incidents),
        ):
            out[table] += [(item_id, label) for label in old_detect(detector, text or "", language)]
        out["int_items_enriched"].append((item_id,))
    return out


# --- measuring ------------------------------------------------------------------------------------------


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def table_rows(con: duckdb.DuckDBPyConnection, name: str, ids: list[str]) -> list[tuple]:
    con.register("bench_ids", pa.table({"item_id": ids}))
    try:
        return con.execute(
            f"select * from intermediate.{name} where item_id in (select item_id from bench_ids)"
        ).fetchall()
    finally:
        con.unregister("bench_ids")


def cpu_best(function, repeat: int) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        function()
        best = min(best, time.process_time() - started)
    return best


def measure_pending(root: Path, registry: Registry, enriched: int, night: int) -> None:
    """Finding `night` pending items among `enriched` ones: the watermark path and the anti-join."""
    con = duckdb.connect(str(root / "pending.duckdb"))
    started = time.perf_counter()
    con.execute("create schema staging; create schema intermediate")
    con.execute(
        """
        create table staging.stg_items as
        select 'item-' || lpad(i::varchar, 10, '0') as item_id, 'Title ' || i as title,
               'KARSA, Vantria (Agency) - lead of item ' || i as lead_text, null::varchar as summary,
               'Body text of the article, number ' || i || ', as long as a short lead.' as body_text,
               'en' as language,
               $before::timestamptz + to_seconds(i // 100000) + to_seconds(case when i >= $enriched then 86400 else 0 end)
                   as loaded_at
        from range($total) as r(i)
        """,
        {"before": datetime(2026, 1, 1, tzinfo=UTC), "enriched": enriched, "total": enriched + night},
    )
    cut = {"cut": datetime(2026, 1, 1, 12, tzinfo=UTC)}  # between the enriched items and the night's
    con.execute(
        "create table intermediate.int_items_enriched as select item_id from staging.stg_items where loaded_at < $cut",
        cut,
    )
    con.execute(f"create table {int_items_enriched.STATE} ({int_items_enriched.STATE_COLUMNS})")
    con.execute(
        f"insert into {int_items_enriched.STATE} select max(loaded_at), count(*) from staging.stg_items where loaded_at < $cut",
        cut,
    )
    con.execute("checkpoint")
    print(
        f"\npending items among {enriched:,} enriched (+{night:,} new), built in {time.perf_counter() - started:.1f} s ({load()})"
    )
    for label, run in (
        ("loaded_at watermark (the model)", lambda: int_items_enriched.pending_items(con)),
        (
            "anti-join (the fallback, and the previous PENDING)",
            lambda: con.sql(int_items_enriched.PENDING).to_arrow_table(),
        ),
    ):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            rows = run().num_rows
            times.append(time.perf_counter() - started)
        print(
            f"  {label}: {rows:,} rows, best of 3 {min(times):.3f} s (all: {', '.join(f'{t:.2f}' for t in times)})"
        )
    con.close()


SAME_DEFINITION = ("int_items_tagged_to_zones", "int_items_with_datelines")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=60_000, help="items of the night (default 60,000)")
    parser.add_argument("--baseline-items", type=int, default=6_000, help="items the baseline enriches")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the in-process timings (best kept)")
    parser.add_argument(
        "--pending-items", type=int, default=0, help="also time finding pending items among this many"
    )
    args = parser.parse_args(argv)
    if args.items < 1 or not 1 <= args.baseline_items <= args.items:
        parser.error("need --items >= 1 and 1 <= --baseline-items <= --items")

    with tempfile.TemporaryDirectory(prefix="bench-enrich-") as tmp:
        root = Path(tmp)
        registry = load_registry(
            write_demo_config(load_scenario("default"), "http://127.0.0.1:1", root / "config")
        )
        items = make_items(args.items, registry)
        con = open_warehouse(root / "warehouse.duckdb", items)
        chars = sum(len(t or "") for t in items.column("body_text").to_pylist()) / items.num_rows
        print(f"{items.num_rows:,} items (en/fr/ar, about {chars:.0f} characters of body each); {load()}")

        workers = enrich.worker_count(items.num_rows)
        con.execute("begin transaction")
        started = time.perf_counter()
        done = int_items_enriched.build(con, registry)
        model_s = time.perf_counter() - started
        con.execute("commit")
        counts = {
            n: con.execute(f"select count(*) from intermediate.{n}").fetchall()[0][0]
            for n in int_items_enriched.TABLES
        }
        model_rate = done / model_s
        print(
            f"NEW model end to end (PENDING query, {workers} process(es), inserts): {done:,} items in "
            f"{model_s:.2f} s wall = {model_rate:,.0f} items/s; {load()}"
        )
        print("  rows: " + ", ".join(f"{n} {c:,}" for n, c in counts.items()))
        # again in this process alone (a full refresh redoes every item): its CPU time does not depend
        # on what else the machine runs, and an idle second core would roughly halve its wall time
        pool_min, enrich.POOL_MIN_ITEMS = enrich.POOL_MIN_ITEMS, args.items + 1
        con.execute("begin transaction")
        started, cpu = time.perf_counter(), time.process_time()
        int_items_enriched.build(con, registry, full_refresh=True)
        one_wall, one_cpu = time.perf_counter() - started, time.process_time() - cpu
        con.execute("commit")
        enrich.POOL_MIN_ITEMS = pool_min
        print(
            f"NEW model end to end, one process (full refresh): {one_wall:.2f} s wall = {done / one_wall:,.0f} "
            f"items/s; {one_cpu:.2f} s CPU = {done / one_cpu:,.0f} items/s; {load()}"
        )

        rows = con.sql(
            int_items_enriched.PENDING.replace(
                "where item_id not in (select item_id from intermediate.int_items_enriched)", ""
            )
        ).to_arrow_table()
        enricher = enrich.Enricher(registry)
        batches = [pa.Table.from_batches([b]) for b in rows.to_batches(enrich.BATCH)]
        udf_s = cpu_best(lambda: [enricher.batch(b) for b in batches], args.repeat)
        udf_rate = rows.num_rows / udf_s
        print(
            f"NEW UDFs alone, one process: {udf_s:.2f} s CPU = {udf_rate:,.0f} items/s (best of {args.repeat})"
        )

        sample = rows.slice(0, args.baseline_items)
        baseline: dict[str, list[tuple]] = {}

        def run_baseline() -> None:
            baseline.update(baseline_batch(enricher, sample))

        base_s = cpu_best(run_baseline, 1)
        base_rate = sample.num_rows / base_s
        print(
            f"BASELINE (previous implementation), one process: {sample.num_rows:,} items in {base_s:.2f} s CPU "
            f"= {base_rate:,.0f} items/s"
        )
        ids = sample.column("item_id").to_pylist()
        differ = [
            n
            for n in SAME_DEFINITION
            if sorted(baseline[n], key=repr) != sorted(table_rows(con, n, ids), key=repr)
        ]
        print(
            f"EQUALITY on the baseline's {len(ids):,} items, {', '.join(SAME_DEFINITION)}: "
            + ("identical" if not differ else f"DIFFERENT in {differ}")
        )
        # incidents are read from the title too now: the model finds the baseline's and may find more
        old_incidents = set(baseline["int_items_with_incidents"])
        new_incidents = set(table_rows(con, "int_items_with_incidents", ids))
        if not old_incidents <= new_incidents:
            differ.append("int_items_with_incidents")
        claims = table_rows(con, "int_items_with_claims", ids)
        print(
            f"  incidents: baseline {len(old_incidents):,}, model {len(new_incidents):,} (title read too; "
            f"{'a superset' if old_incidents <= new_incidents else 'NOT a superset'}); frames: baseline "
            f"{len(baseline['int_items_with_frames']):,} (wording), model {len(claims):,} claims "
            f"({len({(r[0], r[1]) for r in claims}):,} item-frame pairs)"
        )
        print(f"\nratio, UDFs alone vs baseline (one process each, CPU): {udf_rate / base_rate:.1f}x")
        print(f"ratio, model end to end in one process vs baseline (CPU): {done / one_cpu / base_rate:.1f}x")
        print(
            f"ratio, model end to end with {workers} process(es) (wall) vs baseline (CPU): {model_rate / base_rate:.1f}x"
        )
        con.close()
        if args.pending_items:
            measure_pending(root, registry, args.pending_items, args.items)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
