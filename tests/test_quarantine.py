"""Landing files the loader cannot take are quarantined one by one; the rest of the night loads, and a
fixed or re-collected file loads later. Files are known by their path under the home and their checksum."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from blindspot import pipeline
from core.settings import Settings
from landing.files import write_landing_file
from tests.test_warehouse import NIGHT, full, items_table
from warehouse.load import load


def landed(settings: Settings, source: str) -> Path:
    return settings.landing_dir / "items" / source / NIGHT.isoformat() / "r1.parquet"


def corrupt_data_page(path: Path) -> None:
    """Keep the footer, break the compressed pages: the file opens, its data does not decode."""
    pq.write_table(full(items_table(2000, "corrupt-tv")), path, compression="zstd")
    data = bytearray(path.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little") + 8
    for at in range(8, len(data) - footer - 8, 97):
        data[at] ^= 0x5A
    path.write_bytes(bytes(data))


def make_bad_files(settings: Settings) -> dict[str, Path]:
    files = {name: landed(settings, name) for name in ("truncated", "foreign", "corrupt", "empty")}
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    files["truncated"].write_bytes(b"PAR1 truncated")
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), files["foreign"])
    corrupt_data_page(files["corrupt"])
    files["empty"].write_bytes(b"")
    return files


def rejected(settings: Settings) -> dict[str, tuple[str, str]]:
    with pipeline.warehouse(settings, creates=True) as con:
        rows = con.execute("select path, reason, quarantined_to from ops.rejected_files").fetchall()
    return {Path(path).parts[2]: (reason, kept) for path, reason, kept in rows}


def test_each_bad_file_is_quarantined_and_the_night_loads(settings: Settings) -> None:
    write_landing_file(settings.landing_dir, "items", "wire-one", NIGHT, "r1", full(items_table(10)))
    bad = make_bad_files(settings)
    with pipeline.warehouse(settings, creates=True) as con:
        summary = load(con, settings.landing_dir, NIGHT)
        assert summary.rows_inserted == 10
        assert load(con, settings.landing_dir, NIGHT).rows_inserted == 0  # nothing pending any more
        paths = {
            p for (p,) in con.execute("select path from ops.loaded_files where kind = 'items'").fetchall()
        }
    assert paths == {f"landing/items/wire-one/{NIGHT}/r1.parquet"}  # under the home, not absolute
    found = rejected(settings)
    assert set(found) == set(bad) and len(summary.rejected_files) == 4
    assert found["truncated"][0].startswith("not a readable Parquet file")
    assert found["empty"][0].startswith("not a readable Parquet file")
    assert found["foreign"][0].startswith("its columns are not those of items: item_id, source_id")
    assert found["corrupt"][0].startswith("its data cannot be read")
    for name, path in bad.items():  # moved aside, kept
        assert not path.exists() and (settings.home / found[name][1]).is_file()
        assert found[name][1] == f"quarantine/items/{name}/{NIGHT}/r1.parquet"


def test_a_good_copy_put_back_loads_and_a_retry_loads_a_fixed_file(settings: Settings) -> None:
    make_bad_files(settings)
    ctx = pipeline.Context.create(settings)
    with pipeline.warehouse(settings, creates=True) as con:
        load(con, settings.landing_dir, NIGHT)
    # a re-collected copy at the landing path loads on the next run
    write_landing_file(
        settings.landing_dir, "items", "truncated", NIGHT, "r1", full(items_table(3, "truncated"))
    )
    with pipeline.warehouse(settings, creates=True) as con:
        assert load(con, settings.landing_dir, NIGHT).rows_inserted == 3
    # a quarantined file fixed where it is kept loads with --retry
    kept = settings.home / "quarantine" / "items" / "foreign" / NIGHT.isoformat() / "r1.parquet"
    pq.write_table(full(items_table(4, "foreign")), kept)
    summary = pipeline.retry_file(ctx, Path("quarantine/items/foreign") / NIGHT.isoformat() / "r1.parquet")
    assert summary.rows_inserted == 4 and not summary.rejected_files
    assert "foreign" not in rejected(settings) and landed(settings, "foreign").is_file()
    # a retry of a file that is still bad sends it back with its reason
    again = pipeline.retry_file(
        ctx, settings.home / "quarantine/items/corrupt" / NIGHT.isoformat() / "r1.parquet"
    )
    assert [r.path for r in again.rejected_files] == [f"landing/items/corrupt/{NIGHT}/r1.parquet"]
    with pytest.raises(FileNotFoundError):
        pipeline.retry_file(ctx, Path("landing/items/wire-one") / NIGHT.isoformat() / "r1.parquet")


def test_a_moved_home_has_nothing_pending(settings: Settings, tmp_path: Path) -> None:
    write_landing_file(settings.landing_dir, "items", "wire-one", NIGHT, "r1", full(items_table(10)))
    with pipeline.warehouse(settings, creates=True) as con:
        load(con, settings.landing_dir, NIGHT)
    moved = tmp_path / "moved-home"
    shutil.move(settings.home, moved)
    there = Settings.from_env(environ={}, home=moved, config_dir=settings.config_dir)
    with pipeline.warehouse(there, creates=True) as con:
        assert load(con, there.landing_dir, NIGHT).batches == []  # every file known by its path under home
        assert con.execute("select count(*) from raw.items").fetchone()[0] == 10
    with duckdb.connect(str(there.warehouse_path), read_only=True) as con:
        assert con.execute("select count(*) from ops.loaded_files").fetchone()[0] == 1  # recorded once


def test_revision_0006_makes_recorded_paths_relative_to_the_home(tmp_path: Path) -> None:
    from warehouse.connect import upgrade

    path = tmp_path / "warehouse.duckdb"
    upgrade(path, "0005")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into ops.loaded_files values ('/srv/old-home/landing/items/wire-one/2026-11-01/r1.parquet', "
            "'items', 'wire-one', '2026-11-01', 'r1', 10, 'load-1', now())"
        )
    upgrade(path)
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("select path, checksum from ops.loaded_files").fetchall()
    assert rows == [("landing/items/wire-one/2026-11-01/r1.parquet", None)]
