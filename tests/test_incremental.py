"""Incremental builds equal full rebuilds: several nights, a re-loaded night, a late item, a duplicate URL."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from blindspot.pipeline import model_params
from core.registry import Registry, load_registry
from landing.files import land_rows
from transforms import incremental
from transforms.runner import Model, TransformSummary, build
from warehouse.connect import connect, upgrade
from warehouse.load import load
from warehouse.registry_tables import sync_registry

FIXTURES = Path(__file__).parent / "fixtures"
FIRST_NIGHT = date(2026, 3, 2)
NIGHTS = 4
ITEM_MODELS = (
    "intermediate.int_items_deduplicated",
    "intermediate.int_stories_clustered",
    "intermediate.int_items_in_zones",
    "marts.fct_items",
)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def item(source: str, key: str, url_key: str, lead: str, published: datetime, night: date) -> dict:
    return {
        "item_id": hashlib.md5(f"{source}|{url_key}".encode()).hexdigest()[:20],
        "source_id": source,
        "url": f"https://{source}.example.org/{url_key}?utm_source=rss",
        "canonical_url": f"https://news.example.org/{url_key}",
        "title": f"Checkpoint closed in Karsa, Northern Province ({key})",
        "lead_text": lead,
        "body_text": "Residents of Karsa in the Northern Province said the road was closed.",
        "language": "en",
        "published_at": published,
        "fetched_at": at(night, 23),
        "run_id": f"collect-{night.isoformat()}",
        "data_date": night,
    }


def night_items(n: int) -> list[dict]:
    """Stories with a wire original and an edited state copy; night 2 and 3 bring the awkward cases."""
    night = FIRST_NIGHT + timedelta(days=n)
    rows = []
    for k in range(4):
        lead = f"KARSA, Northern Province (Wire One) - Story {n}-{k}: the checkpoint closed at dawn."
        rows.append(item("wire-one", f"{n}-{k}", f"n{n}/s{k}", lead, at(night, 6 + k), night))
        copy = lead.upper().replace(":", " --").replace("(Wire One)", "( WIRE ONE )")
        rows.append(item("state-tv", f"{n}-{k}c", f"n{n}/s{k}-copy", copy, at(night, 9 + k), night))
    if n == 2:
        # the state outlet reached night 1's first story under its canonical URL, earlier: it wins the URL
        lead = "KARSA (State TV) - A different opening for the same article."
        rows.append(item("state-tv", "dup", "n1/s0", lead, at(night - timedelta(days=1), 5), night))
    if n == 3:
        # a late item for the first night: an earlier copy of story 0-1, so it becomes that story's original
        lead = "Karsa, Northern Province (Wire One) - story 0-1: the checkpoint closed at dawn"
        rows.append(item("wire-one", "late", "late/0-1", lead, at(FIRST_NIGHT, 4), night))
    return rows


@dataclass
class Warehouse:
    db: Path
    landing: Path
    registry: Registry

    @property
    def params(self) -> dict[str, object]:
        return model_params(self.registry.config_dir)

    def load_night(self, n: int, run: str = "a") -> None:
        night = FIRST_NIGHT + timedelta(days=n)
        run_id = f"collect-{night.isoformat()}-{run}"
        rows = [r | {"run_id": run_id} for r in night_items(n)]
        for source in sorted({r["source_id"] for r in rows}):
            mine = [r for r in rows if r["source_id"] == source]
            land_rows(self.landing, source, night, run_id, {"items": mine}, always=frozenset())
        con = connect(self.db)
        try:
            load(con, self.landing, night)
        finally:
            con.close()

    def build(self, n: int, full_refresh: bool = False) -> TransformSummary:
        con = connect(self.db)
        try:
            night = FIRST_NIGHT + timedelta(days=n)
            return build(con, self.registry, night, full_refresh=full_refresh, params=self.params)
        finally:
            con.close()

    def hashes(self) -> dict[str, str]:
        """A hash of every built table's sorted rows (bookkeeping `*_state` tables excluded)."""
        con = connect(self.db, read_only=True)
        try:
            tables = con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                "where schema_name in ('intermediate', 'marts') and not ends_with(table_name, '_state') order by 1"
            ).fetchall()
            return {t: _table_hash(con, t) for (t,) in tables}
        finally:
            con.close()

    def query(self, sql: str) -> list[tuple]:
        con = connect(self.db, read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


def _table_hash(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    # a load stamp says when this warehouse loaded an item, which differs between warehouses, as in raw
    schema, table = relation.split(".")
    stamped = con.execute(
        "select count(*) from duckdb_columns() where schema_name = $s and table_name = $t and column_name = 'loaded_at'",
        {"s": schema, "t": table},
    ).fetchone()[0]
    rows = con.execute(f"select * {'exclude (loaded_at)' if stamped else ''} from {relation}").fetchall()
    return hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()


def new_warehouse(root: Path) -> Warehouse:
    config = root / "config"
    shutil.copytree(FIXTURES / "config_min", config)
    registry = load_registry(config)
    db = root / "warehouse.duckdb"
    upgrade(db)
    con = connect(db)
    try:
        sync_registry(con, registry)
    finally:
        con.close()
    return Warehouse(db, root / "landing", registry)


@pytest.fixture(scope="module")
def nightly(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One warehouse built night by night (with a night re-loaded and re-built), hashed as it goes."""
    wh = new_warehouse(tmp_path_factory.mktemp("nightly"))
    summaries, after_night = [], []
    for n in range(NIGHTS):
        wh.load_night(n)
        summaries.append(wh.build(n))
        after_night.append(wh.hashes())
    last = NIGHTS - 1
    wh.load_night(last, run="again")  # the night collected and loaded again: the same items
    rerun = wh.build(last)
    return {
        "wh": wh,
        "summaries": summaries,
        "hashes": after_night,
        "rerun": rerun,
        "rerun_hashes": wh.hashes(),
    }


def test_later_nights_are_incremental(nightly) -> None:
    first, *later = nightly["summaries"]
    assert all(first.modes[m] == "full" for m in ITEM_MODELS)
    for summary in later:
        assert all(summary.modes[m] == "incremental" for m in ITEM_MODELS), summary.modes


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, TransformSummary]:
    """The same nights loaded into a new warehouse and built once."""
    wh = new_warehouse(tmp_path_factory.mktemp("fresh"))
    for n in range(NIGHTS):
        wh.load_night(n)
    return wh, wh.build(NIGHTS - 1)


def test_incremental_equals_a_full_build_of_the_same_items(nightly, fresh) -> None:
    wh, summary = fresh
    assert all(summary.modes[m] == "full" for m in ITEM_MODELS)
    assert wh.hashes() == nightly["rerun_hashes"]


def test_rerunning_a_night_changes_nothing(nightly) -> None:
    assert all(nightly["rerun"].modes[m] == "unchanged" for m in ITEM_MODELS), nightly["rerun"].modes
    assert nightly["rerun_hashes"] == nightly["hashes"][-1]


def test_full_refresh_gives_the_same_tables(nightly) -> None:
    wh = nightly["wh"]
    summary = wh.build(NIGHTS - 1, full_refresh=True)
    assert all(summary.modes[m] == "full" for m in ITEM_MODELS)
    assert wh.hashes() == nightly["rerun_hashes"]


def test_duplicate_url_and_late_item_are_merged_into_their_stories(nightly) -> None:
    wh = nightly["wh"]
    [(url_rows, winner_source)] = wh.query(
        "select count(*), any_value(source_id) from intermediate.int_items_deduplicated "
        "where canonical_url = 'https://news.example.org/n1/s0'"
    )
    assert (url_rows, winner_source) == (1, "state-tv")
    stories = wh.query(
        "select s.item_id, d.canonical_url, s.story_copies, s.is_original from intermediate.int_stories_clustered s "
        "join intermediate.int_items_deduplicated d using (item_id) "
        "where d.canonical_url like '%/n0/s1%' or d.canonical_url like '%/late/0-1' order by d.canonical_url"
    )
    assert [(url.rsplit("/", 2)[-2:], copies, original) for _, url, copies, original in stories] == [
        (["late", "0-1"], 3, True),
        (["n0", "s1"], 3, False),
        (["n0", "s1-copy"], 3, False),
    ]
    [(zone_rows,)] = wh.query("select count(*) from intermediate.int_items_in_zones")
    assert zone_rows > 0


def test_out_of_order_load_falls_back_to_a_full_build(fresh, tmp_path: Path) -> None:
    built, _ = fresh
    wh = Warehouse(tmp_path / "copy.duckdb", built.landing, built.registry)
    shutil.copy(built.db, wh.db)
    con = connect(wh.db)
    try:  # a row whose load time is older than what the models have taken in
        con.execute(
            "insert into raw.items by name select * replace ('old-' || item_id as item_id, "
            "canonical_url || '-old' as canonical_url, loaded_at - interval 1 hour as loaded_at) "
            "from raw.items order by item_id limit 1"
        )
    finally:
        con.close()
    summary = wh.build(NIGHTS - 1)
    assert all(summary.modes[m] == "full" for m in ITEM_MODELS), summary.modes
    assert wh.query("select count(*) from marts.fct_items where item_id like 'old-%'") == [(1,)]


def test_a_full_build_in_key_range_chunks_gives_the_same_tables(fresh, tmp_path: Path, monkeypatch) -> None:
    built, _ = fresh
    wh = Warehouse(tmp_path / "copy.duckdb", built.landing, built.registry)
    shutil.copy(built.db, wh.db)
    monkeypatch.setattr(incremental, "CHUNK_ITEMS", 7)  # a few items per chunk, as 10M are at 1M
    summary = wh.build(NIGHTS - 1, full_refresh=True)
    assert all(summary.modes[m] == "full" for m in ITEM_MODELS)
    assert wh.hashes() == built.hashes()


def test_a_partial_build_then_a_whole_night_still_equals_a_full_build(fresh, tmp_path: Path) -> None:
    built, _ = fresh
    wh = new_warehouse(tmp_path)
    for n in range(NIGHTS - 1):
        wh.load_night(n)
    wh.build(NIGHTS - 2)
    wh.load_night(NIGHTS - 1)
    con = connect(wh.db)
    try:  # the stories merged on their own (after the enrichment, which keys the new items): the item
        # facts can no longer tell what changed, so they rebuild
        selected = ["int_items_enriched", "int_items_deduplicated", "int_stories_clustered"]
        stories = build(con, wh.registry, FIRST_NIGHT, selected, params=wh.params)
    finally:
        con.close()
    assert stories.modes == {m: "incremental" for m in ITEM_MODELS[:2]}
    summary = wh.build(NIGHTS - 1)
    assert summary.modes["intermediate.int_items_in_zones"] == "full"
    assert summary.modes["marts.fct_items"] == "full"
    assert wh.hashes() == built.hashes()


# The syndication key as first written (regexp_replace): its faster form must give the same value for any text.
SYNDICATION_KEY_AS_REGEXP_REPLACE = r"""
md5_number(left(trim(regexp_replace(
    lower(coalesce(nullif(trim(lead_text), ''), nullif(trim(title), ''), canonical_url)), '[^\p{L}\p{N}]+', ' ', 'g'
)), 240))
"""
ODD_LEADS = [
    None,
    "",
    "   ",
    "\t\n",
    "...!!!---",
    "GOMA, Congo (Reuters) -- Fighting resumed...",
    "  leading and trailing punctuation runs?! ",
    "KHARTOUM \u2014\u2014 \u00ab quoted \u00bb \u2026 end.",
    "\u062f\u0645\u0634\u0642\u060c \u0633\u0648\u0631\u064a\u0627 (CNN) -- \u0642\u064f\u062a\u0650\u0644 18",
    "cafe\u0301 na\u0308ive \u0915\u094d\u0937 combining marks",
    "\u0130stanbul \u1e9e\u00df \u01c5 \u2163 \u00bd \u0660\u0661\u0662 digits",
    "zero\u200bwidth\u200cjoiners\u00a0nbsp\u3000ideographic space",
    "emoji \U0001f600\U0001f1f8\U0001f1e9 flags",
    "x" * 239 + " yz",
    ("word, " * 80).strip(),
    "\u0627\u0644\u062e\u0631\u0637\u0648\u0645 " * 60,
]


def test_the_syndication_key_equals_its_regexp_replace_definition() -> None:
    import random

    rng = random.Random(5)
    alphabet = "aZ9 \t\n.,;:!?-\u2014\u2013()\"'\u2019\u00ab\u00bb\u060c\u061f\u064f\u0301\u00e9\u0130\u00df\u0660\u200b\u00a0\U0001f600_"
    leads = ODD_LEADS + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))) for _ in range(3000)
    ]
    titles = [None, " ", "A title: here", "\u00c9t\u00e9 \u2014 2026"]
    rows = [
        {
            "lead_text": lead,
            "title": titles[i % len(titles)],
            "canonical_url": f"https://x.example/{i}" if i % 7 else None,
        }
        for i, lead in enumerate(leads)
    ]
    con = duckdb.connect()
    con.execute("create schema intermediate")
    incremental.prepare(con)
    con.execute("create table t (lead_text varchar, title varchar, canonical_url varchar)")
    con.executemany("insert into t values ($lead_text, $title, $canonical_url)", rows)
    differing = con.execute(
        f"""
        select count(*) filter (where syndication_key(lead_text, title, canonical_url)
                                      is distinct from ({SYNDICATION_KEY_AS_REGEXP_REPLACE})),
               -- the form int_items_deduplicated uses on stg_items' trimmed, blank-nulled columns
               count(*) filter (where syndication_text_key(coalesce(
                   nullif(trim(lead_text), ''), nullif(trim(title), ''), canonical_url))
                                      is distinct from ({SYNDICATION_KEY_AS_REGEXP_REPLACE})),
               count(distinct syndication_key(lead_text, title, canonical_url)),
               count(*)
        from t
        """
    ).fetchone()
    assert differing[:2] == (0, 0)
    assert differing[2] > len(rows) // 2  # the inputs are varied, not one key


def test_key_range_chunks_cover_every_key_once_null_and_repeated_keys_included(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    con.execute(
        "create table raw.items as select case when i % 97 = 0 then null else 'id-' || (i % 300) end as item_id "
        "from range(1000) as t(i)"
    )
    bounds = incremental.chunk_bounds(con, "item_id", 4, 1000)
    assert len(bounds) == 3 and bounds == sorted(bounds)
    body = "select item_id from raw.items where in_scope(item_id)"
    assert incremental.rebuild(con, "main.copy", body, {}, 1000, "item_id", chunk_items=250) == 4
    chunked = con.execute("select item_id, count(*) from main.copy group by all order by all").fetchall()
    whole = con.execute("select item_id, count(*) from raw.items group by all order by all").fetchall()
    assert chunked == whole  # each key in exactly one chunk, the null key too
    con.close()


def test_a_model_sets_its_chunk_size_in_its_header(tmp_path: Path) -> None:
    def model(header: str) -> Model:
        return Model("intermediate", "m", f"-- materialized: incremental\n{header}\nselect 1")

    assert model("-- chunk_items: 300").chunk_items == 300
    assert model("-- unique_key: item_id").chunk_items == incremental.CHUNK_ITEMS
    assert model("-- chunk_items: 0").chunk_items == 0
    with pytest.raises(ValueError, match="chunk_items must be a whole number of items, not 'many'"):
        _ = model("-- chunk_items: many").chunk_items
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.items as select 'id-' || i as item_id from range(1000) as t(i)")
    body = "select item_id from raw.items where in_scope(item_id)"
    assert incremental.rebuild(con, "main.copy", body, {}, 1000, "item_id", chunk_items=300) == 4
    assert incremental.rebuild(con, "main.copy", body, {}, 1000, "item_id", chunk_items=0) == 1
    assert con.execute("select count(distinct item_id), count(*) from main.copy").fetchone() == (1000, 1000)
    con.close()
