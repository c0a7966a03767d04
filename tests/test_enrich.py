"""Enrichment model: same rows as the previous implementation (kept in bench/enrich.py), pool, watermark."""

from __future__ import annotations

import importlib.util
import multiprocessing
import pickle
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from blindspot.demo import text as demo_text
from blindspot.demo.generator import generate
from blindspot.demo.registry_config import write_demo_config
from blindspot.demo.scenario import load_scenario
from core.registry import Registry, load_registry
from transforms import enrich
from transforms.enrich import enrichment_fingerprint
from transforms.intermediate import int_items_enriched
from transforms.udf.claims import Document
from transforms.udf.tokens import tokenize

BENCH = Path(__file__).resolve().parents[1] / "bench" / "enrich.py"
STAMP = datetime(2026, 3, 1, tzinfo=UTC)


def _load_reference():
    """bench/enrich.py holds the previous implementation as the benchmark's baseline: the reference here."""
    spec = importlib.util.spec_from_file_location("bench_enrich", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_enrich"] = module
    spec.loader.exec_module(module)
    return module


reference = _load_reference()
BENCH_STAMP = reference.LOADED_AT  # bench items' loaded_at


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    root = tmp_path_factory.mktemp("enrich")
    return load_registry(write_demo_config(load_scenario("default"), "http://127.0.0.1:1", root / "config"))


@pytest.fixture(scope="module")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Registry, pa.Table]:
    """The small demo world's registry and articles as staging items (70 days: its blackout brings
    incidents); captions stand in for summaries."""
    root = tmp_path_factory.mktemp("world")
    scenario = load_scenario("small")
    generate(scenario, 7, root, 70)
    registry = load_registry(write_demo_config(scenario, "http://127.0.0.1:1", root / "config"))
    articles = pq.read_table(root / "world" / "articles.parquet")
    return registry, pa.table(
        {
            "item_id": articles.column("article_id"),
            "title": articles.column("title"),
            "lead_text": articles.column("lead"),
            "summary": articles.column("caption"),
            "body_text": articles.column("body"),
            "language": articles.column("language"),
            "loaded_at": pa.array([STAMP] * articles.num_rows, pa.timestamp("us", "UTC")),
            "canonical_url": articles.column("article_id"),
            "source_id": articles.column("source_id"),
            "reported_at": pa.array([STAMP] * articles.num_rows, pa.timestamp("us", "UTC")),
            "reported_date": pa.array([STAMP.date()] * articles.num_rows, pa.date32()),
        }
    )


def odd_items(count: int, seed: int = 5) -> pa.Table:
    """Items built to stress the shortcuts: no lead or body, lead only, odd line breaks and punctuation."""
    rng = random.Random(seed)
    pieces = [
        *demo_text.FRAMES["en"]["reports_false"],
        *demo_text.FRAMES["fr"]["militia_blamed"],
        *demo_text.FRAMES["ar"]["victims_combatants"],
        "KARSA, Vantria (Reuters) - ",
        "Photo: file.",
        "Mr. Dalen of the U.N. said",
        "\r\n",
        "\u2028",
        "\t",
        " -- ",
        "journalists were detained",
        "Karsa",
        "…",
        "",
    ]
    rows = []
    for i in range(count):
        lead = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) or None
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) or None
        rows.append(
            {
                "item_id": f"odd-{i:05d}",
                "title": rng.choice(["Karsa", "", None, "Shelling near Mirn"]),
                "lead_text": lead,
                "summary": rng.choice([None, lead, "A summary."]),
                "body_text": body,
                "language": rng.choice(["en", "fr", "ar", "ru", "", None]),
                "loaded_at": STAMP,
                "canonical_url": f"https://odd.example.org/{i}",
                "source_id": "odd-feed",
                "reported_at": STAMP,
                "reported_date": STAMP.date(),
            }
        )
    return pa.Table.from_pylist(rows)


def warehouse(path: Path, items: pa.Table) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema staging; create schema intermediate")
    con.register("items", items)
    con.execute("create table staging.stg_items as select * from items")
    con.unregister("items")
    return con


def enrich_in_transaction(con: duckdb.DuckDBPyConnection, registry: Registry, **kwargs: bool) -> int:
    con.execute("begin transaction")
    done = int_items_enriched.build(con, registry, **kwargs)
    con.execute("commit")
    return done


def model_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        name: sorted(con.execute(f"select * from intermediate.{name}").fetchall(), key=repr)
        for name in int_items_enriched.TABLES
    }


def reference_rows(con: duckdb.DuckDBPyConnection, registry: Registry) -> dict[str, list[tuple]]:
    rows = con.sql(
        int_items_enriched.PENDING.replace(
            "where item_id not in (select item_id from intermediate.int_items_enriched)", ""
        )
    ).to_arrow_table()
    out = reference.baseline_batch(enrich.Enricher(registry), rows)
    return {name: sorted(values, key=repr) for name, values in out.items()}


@pytest.mark.parametrize("source", ["demo", "synthetic", "odd"])
def test_same_rows_as_the_previous_implementation(
    tmp_path: Path, registry: Registry, demo_world: tuple[Registry, pa.Table], source: str
) -> None:
    if source == "demo":
        registry, items = demo_world
    else:
        items = reference.make_items(4000, registry) if source == "synthetic" else odd_items(1500)
    con = warehouse(tmp_path / "w.duckdb", items)
    assert enrich_in_transaction(con, registry) == items.num_rows
    got, expected = model_rows(con), reference_rows(con, registry)
    # zone tags and datelines are defined as they were: the same rows
    for name in SAME_DEFINITION:
        assert got[name] == expected[name], name
    # incidents are read from the title too since claims: every row the reference finds, and maybe more
    assert set(expected["int_items_with_incidents"]) <= set(got["int_items_with_incidents"])
    # claims replaced frames: where the frame's wording is found in the text, the item has a claim of it, and
    # no claim has wording the title and text lack (the demo's and the bench's frame sentences name their
    # speaker and what they are about, so there every wording is a claim)
    claimed = {(row[0], row[1]) for row in got["int_items_with_claims"]}
    worded = set(expected["int_items_with_frames"])
    if source != "odd":
        assert claimed == worded
    else:
        assert claimed <= worded | wording_with_titles(con, registry)
    assert len(got["int_items_enriched"]) == items.num_rows
    if source == "demo":  # the demo world exercises every table
        assert all(len(rows) > 10 for rows in got.values()), {n: len(r) for n, r in got.items()}


SAME_DEFINITION = ("int_items_tagged_to_zones", "int_items_with_datelines")


def wording_with_titles(con: duckdb.DuckDBPyConnection, registry: Registry) -> set[tuple[str, str]]:
    """(item_id, frame) pairs whose wording is found in the title and text read as one document."""
    frames = enrich.Enricher(registry).claims.frames
    rows = con.sql(
        int_items_enriched.PENDING.replace(
            "where item_id not in (select item_id from intermediate.int_items_enriched)", ""
        )
    ).fetchall()
    return {
        (item_id, frame)
        for item_id, title, _, text, language in rows
        for frame in frames.detect(Document.of(title, text).item, language)
    }


def test_tokenize_matches_the_per_token_reference() -> None:
    rng = random.Random(11)
    pieces = ["a", "U", "mr", "Dr", "word", "Élan", "قتل", "الصحفي", "журналист", "ß", "İ", "x1", "_", ".", "..",
              ",", ";", ":", "؛", "!", "?", "؟", "…", "-", "--", "–", "—", " ", "  ", "\n", "\r\n", "\r", "\t",
              "\x0b", "\u2028", "\x85", "\u00a0", "(", ")", "'", "«", "ـ", "َ", "\u0301", "1.5", "U.N."]  # fmt: skip
    texts = [
        "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 30)))
        for _ in range(20_000)
    ]
    texts += [
        s for by_label in demo_text.FRAMES.values() for sentences in by_label.values() for s in sentences
    ]
    for text in texts:
        assert tokenize(text) == reference.old_tokenize(text), repr(text)


def test_a_process_pool_gives_the_same_rows(tmp_path: Path, registry: Registry) -> None:
    items = reference.make_items(3000, registry)
    con = warehouse(tmp_path / "w.duckdb", items)
    int_items_enriched.create_tables(con)
    pending = int_items_enriched.pending_items(con)
    one = list(enrich.enriched_batches(pending, registry, workers=1))
    two = list(enrich.enriched_batches(pending, registry, workers=2))
    assert len(one) == len(two) == -(-items.num_rows // enrich.BATCH)
    for a, b in zip(one, two, strict=True):
        assert a.keys() == b.keys()
        for name in a:
            assert (a[name] is None and b[name] is None) or a[name].equals(b[name]), name


def test_a_batch_handed_to_a_worker_carries_only_its_own_rows() -> None:
    """A slice pickles with its whole table's buffers; the copy a worker gets holds only the slice's rows."""
    table = pa.table({"item_id": [f"i{n}" for n in range(20_000)], "text": ["x" * 200] * 20_000})
    batch = table.to_batches(max_chunksize=enrich.BATCH)[3]
    compact = enrich._compact(batch)
    assert compact.equals(batch)
    assert len(pickle.dumps(compact)) * 5 < len(pickle.dumps(batch))


def test_a_worker_process_gives_the_same_rows(tmp_path: Path, registry: Registry) -> None:
    """The pool's entry points in a real forkserver worker: Arrow in, the five tables out, unchanged."""
    rows = reference.make_items(2500, registry)
    con = warehouse(tmp_path / "w.duckdb", rows)
    int_items_enriched.create_tables(con)
    batch = int_items_enriched.pending_items(con).to_batches(max_chunksize=enrich.BATCH)[0]
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=enrich._start_worker, initargs=(registry,)
    ) as pool:
        assert pool.submit(enrich._worker_ready).result() == 1
        remote = pool.submit(enrich._enrich_in_worker, batch).result()
    local = enrich.Enricher(registry).batch(batch)
    assert remote.keys() == local.keys()
    for name in local:
        assert (remote[name] is None and local[name] is None) or remote[name].equals(local[name]), name


def test_watermark_finds_new_items_and_falls_back_when_it_cannot(tmp_path: Path, registry: Registry) -> None:
    items = reference.make_items(600, registry)
    con = warehouse(tmp_path / "w.duckdb", items.slice(0, 400))
    assert enrich_in_transaction(con, registry) == 400
    fingerprint = enrichment_fingerprint(registry)
    assert con.execute(f"select * from {int_items_enriched.STATE}").fetchall() == [
        (BENCH_STAMP, 400, fingerprint)
    ]
    assert enrich_in_transaction(con, registry) == 0  # nothing new: a re-run adds nothing

    later = items.slice(400, 100).set_column(
        6, "loaded_at", pa.array([BENCH_STAMP + timedelta(hours=1)] * 100)
    )
    con.register("later", later)
    con.execute("insert into staging.stg_items select * from later")
    assert int_items_enriched.pending_items(con).column("item_id").to_pylist() == sorted(
        later.column("item_id").to_pylist()
    )
    assert enrich_in_transaction(con, registry) == 100

    # an item stamped before the watermark (a late load with an old clock): the counts disagree, so the
    # model falls back to the anti-join and still finds it
    late = items.slice(500, 1).set_column(6, "loaded_at", pa.array([BENCH_STAMP - timedelta(days=1)]))
    con.register("late", late)
    con.execute("insert into staging.stg_items select * from late")
    assert (
        int_items_enriched.pending_items(con).column("item_id").to_pylist()
        == late.column("item_id").to_pylist()
    )
    assert enrich_in_transaction(con, registry) == 1
    assert enrich_in_transaction(con, registry, full_refresh=True) == 501
    before = model_rows(con)
    assert enrich_in_transaction(con, registry) == 0 and model_rows(con) == before

    # the registry changes (a zone gains a name): every item is enriched again, with the new name
    zone = registry.zones[0]
    renamed = zone.model_copy(update={"aliases": {**zone.aliases, "en": [*zone.aliases["en"], "Quarrytown"]}})
    changed = replace(registry, zones=(renamed, *registry.zones[1:]))
    assert not int_items_enriched.is_stale(con, registry) and int_items_enriched.is_stale(con, changed)
    assert enrich_in_transaction(con, changed) == 501
    assert not int_items_enriched.is_stale(con, changed)


def test_a_mention_in_the_lead_that_opens_the_body_counts_once(tmp_path: Path, registry: Registry) -> None:
    """The lead (and a summary equal to it) is usually the body's first paragraph: one mention there is one
    body hit (in the lead), not two or three."""
    zone = registry.zones[0]
    place = zone.aliases["en"][0]
    first = f"Prices in {place} have risen this month, a teacher said."
    rows = []
    for item_id, lead, body in (
        ("once", first, f"{first}\nThe market closed early."),
        ("twice", first, f"{first}\nTraders in {place} said the market closed early."),
        ("lead only", first, None),
    ):
        rows.append(
            {
                "item_id": item_id,
                "title": "Prices rise",
                "lead_text": lead,
                "summary": f"  {lead} ",  # a feed's summary: the lead again, with other spacing
                "body_text": body,
                "language": "en",
                "loaded_at": STAMP,
                "canonical_url": f"https://example.org/{item_id}",
                "source_id": "feed",
                "reported_at": STAMP,
                "reported_date": STAMP.date(),
            }
        )
    con = warehouse(tmp_path / "w.duckdb", pa.Table.from_pylist(rows))
    enrich_in_transaction(con, registry)
    tagged = dict(
        con.execute(
            "select item_id, body_hits from intermediate.int_items_tagged_to_zones where zone_id = ? and in_lead",
            [zone.id],
        ).fetchall()
    )
    assert tagged == {"once": 1, "twice": 2, "lead only": 1}, tagged
