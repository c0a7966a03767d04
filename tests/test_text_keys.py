"""transforms.intermediate.int_items_text_keys: each item keyed once, by the syndication_key definition, and keyed again in full
when the stored keys no longer hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from transforms import incremental
from transforms.intermediate import int_items_text_keys as text_keys

T0 = datetime(2026, 6, 1, 3, tzinfo=UTC)


def add_items(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    con.executemany(
        "insert into staging.stg_items values (?, ?, ?, ?, ?, 'feed', ?, cast(? as date))",
        [(*row, row[-1], row[-1]) for row in rows],
    )


def stored(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(f"select item_id, text_key from {text_keys.TABLE} order by item_id").fetchall()


def expected(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select item_id, syndication_key(lead_text, title, canonical_url) from staging.stg_items order by item_id"
    ).fetchall()


@pytest.fixture
def con(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema staging; create schema intermediate")
    con.execute(
        "create table staging.stg_items (item_id varchar, lead_text varchar, title varchar, "
        "canonical_url varchar, loaded_at timestamptz, source_id varchar, reported_at timestamptz, "
        "reported_date date)"
    )
    add_items(
        con,
        [
            ("a", "GOMA, Congo (Reuters) - Shelling resumed.", "Shelling", "https://x.example/1", T0),
            ("b", None, "Only a title, no lead", "https://x.example/2", T0),
            ("c", None, None, "https://x.example/3", T0),
        ],
    )
    yield con
    con.close()


def test_each_item_is_keyed_once_and_a_night_adds_only_its_items(con) -> None:
    assert text_keys.update(con) == "full"  # first run
    assert stored(con) == expected(con) and len(stored(con)) == 3
    assert len({key for _, key in stored(con)}) == 3  # lead, title and URL each made a different key

    add_items(
        con,
        [
            (
                "d",
                "Goma, Congo (Reuters) -- shelling resumed!",
                None,
                "https://y.example/9",
                T0 + timedelta(hours=1),
            ),
            ("e", "Another story.", "Title", "https://y.example/10", T0 + timedelta(hours=1)),
        ],
    )
    assert text_keys.update(con) == "incremental"
    assert stored(con) == expected(con) and len(stored(con)) == 5
    keys = dict(stored(con))
    assert keys["d"] == keys["a"]  # an edited wire copy: same case-, punctuation- and space-folded lead
    assert text_keys.update(con) == "incremental" and len(stored(con)) == 5  # a re-run adds nothing
    columns = "item_id, source_id, canonical_url, reported_at, reported_date"
    kept = con.execute(f"select {columns} from {text_keys.TABLE} order by item_id").fetchall()
    assert kept == con.execute(f"select {columns} from staging.stg_items order by item_id").fetchall()


def test_the_keys_are_computed_again_when_they_no_longer_hold(con, monkeypatch) -> None:
    text_keys.update(con)
    # an item stamped before the watermark: the counts disagree, so every key is computed again
    add_items(con, [("late", "A late lead.", None, "https://x.example/4", T0 - timedelta(days=1))])
    assert text_keys.update(con) == "full"
    assert stored(con) == expected(con) and len(stored(con)) == 4

    assert text_keys.update(con, full_refresh=True) == "full"
    assert stored(con) == expected(con)

    monkeypatch.setattr(text_keys, "DEFINITION", "another definition")
    assert text_keys.update(con) == "full"  # the keys were made by another definition of the key
    state = incremental.read_state(con, text_keys.TABLE)
    assert state.fingerprint == "another definition" and state.items == 4
    assert text_keys.update(con) == "incremental"
