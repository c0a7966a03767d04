"""`blindspot demo` end to end on the small scenario: real server, real collectors, real warehouse."""

from __future__ import annotations

import json

import duckdb
import pytest

from blindspot.demo.runner import collection_nights


@pytest.fixture(scope="module")
def demo(small_demo):
    return small_demo


def test_collection_schedule() -> None:
    from datetime import date

    nights = collection_nights(date(2026, 1, 1), 180)
    assert len(nights) == len(set(nights)) == 50 + 30
    assert nights[-30:] == sorted(nights[-30:]) and (nights[-1] - nights[-30]).days == 29


def test_demo_collects_every_feed_source(demo) -> None:
    con = duckdb.connect(str(demo.settings.warehouse_path), read_only=True)
    feeds = {
        r[0] for r in con.execute("select source_id from raw.registry_sources where kind = 'feed'").fetchall()
    }
    with_items = {r[0] for r in con.execute("select distinct source_id from raw.items").fetchall()}
    assert feeds <= with_items
    truth = json.loads((demo.settings.demo_dir / "truth.json").read_text())
    assert truth["days"] == 70
    dupes = con.execute("select count(*) - count(distinct item_id) from raw.items").fetchone()[0]
    assert dupes == 0


def test_collection_failure_is_visible_in_fetch_events(demo) -> None:
    con = duckdb.connect(str(demo.settings.warehouse_path), read_only=True)
    failures = dict(
        con.execute(
            "select source_id, count(*) from raw.fetch_events where error = 'http_503' group by 1"
        ).fetchall()
    )
    assert failures.get("delta-voice", 0) > 0 and failures.get("castora-herald", 0) > 0


def test_wrong_encodings_are_decoded(demo) -> None:
    con = duckdb.connect(str(demo.settings.warehouse_path), read_only=True)
    titles = [
        r[0]
        for r in con.execute("select title from raw.items where source_id = 'regional-dispatch'").fetchall()
    ]
    assert titles and all(any("\u0400" <= ch <= "\u04ff" for ch in t) for t in titles)
    arabic = con.execute(
        "select title from raw.items where source_id = 'free-valdoria-radio' limit 1"
    ).fetchone()[0]
    assert any("\u0600" <= ch <= "\u06ff" for ch in arabic)


def test_rerunning_a_night_adds_no_duplicates(demo, tmp_path) -> None:
    import shutil

    from blindspot import pipeline
    from blindspot.demo.server import DemoServer
    from blindspot.demo.world import read_world
    from core.settings import Settings

    night = demo.nights[-1]
    # on a copy: the shared demo's last check must stay the newest run of its last night
    home = tmp_path / "home"
    shutil.copytree(demo.settings.home, home)
    settings = Settings.from_env(environ={}, home=home, config_dir=demo.settings.config_dir)
    ctx = pipeline.Context.create(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    before = con.execute("select count(*) from raw.items").fetchone()[0]
    events_before = con.execute("select count(*) from raw.fetch_events").fetchone()[0]
    con.close()
    world = read_world(settings.demo_dir)
    base = ctx.registry.sources[0].url.split("/feeds/")[0]
    port = int(base.rsplit(":", 1)[1])
    with DemoServer(world, as_of=night, port=port):
        pipeline.collect_stage(ctx, night, retries=0)
        pipeline.load_stage(ctx, night)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    assert con.execute("select count(*) from raw.items").fetchone()[0] == before
    # the re-run's fetch events replace the night's earlier ones: one run per source and night
    runs = con.execute(
        "select max(n) from (select count(distinct run_id) as n from raw.fetch_events group by source_id, data_date)"
    ).fetchone()[0]
    assert runs == 1
    assert con.execute("select count(*) from raw.fetch_events").fetchone()[0] <= events_before


def test_summary_names_zones_whole_in_80_columns(demo) -> None:
    from rich.console import Console

    from blindspot.demo.report import print_summary

    console = Console(width=80, record=True, color_system=None)
    print_summary(demo, console)
    text = console.export_text()
    assert "Denial Capacity Index, latest complete week: " in text
    table = text[text.index("alerts (marts.alerts") :].split("warehouse:")[0]
    assert "xva-north" in table and "…" not in table  # ids, kinds and dates are never cut
