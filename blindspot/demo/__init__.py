"""The embedded offline default: until the demo world lands, a tiny landing fixture run through the loader."""

from __future__ import annotations

from datetime import UTC, date, datetime

from blindspot import pipeline
from warehouse.landing import new_run_id, rows_to_table, stable_id, write_landing_file

FIXTURE_NIGHT = date(2026, 6, 1)
FIXTURE_ITEMS = [
    (
        "https://wire.demo.test/2026/06/01/karsa-market",
        "KARSA, Northland (Demo Wire) - Markets reopened on Monday.",
    ),
    (
        "https://wire.demo.test/2026/06/01/road-closure",
        "TALEN (Demo Wire) - The northern road was closed again.",
    ),
    ("https://wire.demo.test/2026/06/01/aid-convoy", "An aid convoy reached the camp, officials said."),
]


def run_fixture_demo(ctx: pipeline.Context) -> pipeline.LoadSummary:
    """Land three fictional items and one fetch event for one night, then load them."""
    run_id = new_run_id("demo", FIXTURE_NIGHT)
    fetched_at = datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    items = [
        {
            "item_id": stable_id("demo-wire", url),
            "source_id": "demo-wire",
            "url": url,
            "canonical_url": url,
            "title": text.split(" - ")[-1],
            "lead_text": text,
            "language": "en",
            "fetched_at": fetched_at,
            "run_id": run_id,
            "data_date": FIXTURE_NIGHT,
        }
        for url, text in FIXTURE_ITEMS
    ]
    event = {
        "event_id": stable_id(run_id, 0),
        "source_id": "demo-wire",
        "url": "https://wire.demo.test/feed.xml",
        "started_at": fetched_at,
        "http_status": 200,
        "items": len(items),
        "run_id": run_id,
        "data_date": FIXTURE_NIGHT,
    }
    landing = ctx.settings.landing_dir
    write_landing_file(landing, "items", "demo-wire", FIXTURE_NIGHT, run_id, rows_to_table("items", items))
    write_landing_file(
        landing, "fetch_events", "demo-wire", FIXTURE_NIGHT, run_id, rows_to_table("fetch_events", [event])
    )
    return pipeline.load_stage(ctx, FIXTURE_NIGHT)
