"""`blindspot demo`: generate the world, serve it on 127.0.0.1, and run the real stages night by night."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from alerts.notify import DeliverySummary
from blindspot import pipeline
from blindspot.demo.generator import generate
from blindspot.demo.registry_config import write_demo_config
from blindspot.demo.scenario import load_scenario
from blindspot.demo.server import DemoServer
from blindspot.demo.world import read_world
from blindspot.report import ReportSummary
from checks.run import CheckSummary
from core.settings import Settings
from warehouse.publish import PublishSummary

log = logging.getLogger(__name__)
NIGHTLY_DAYS = 30  # the last 30 nights are collected one by one; earlier months are backfilled
BACKFILL_STEP = 3  # earlier nights are collected every 3rd night; feeds show enough items to cover the gap


@dataclass
class DemoSummary:
    settings: Settings
    truth: dict
    nights: list[date] = field(default_factory=list)
    items: int = 0
    requests: int = 0
    failed_requests: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    delivery: DeliverySummary | None = None  # the alert notifications sent at the end
    check: CheckSummary | None = None  # the data-quality checks of the last night
    published: PublishSummary | None = None  # the snapshot published after the checks passed
    report: ReportSummary | None = None  # the HTML report of that snapshot

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the wall time of the block to `stages[stage]`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started


def collection_nights(start: date, days: int) -> list[date]:
    """Backfill nights every BACKFILL_STEP days, then every one of the last NIGHTLY_DAYS nights."""
    nightly_from = max(0, days - NIGHTLY_DAYS)
    backfill = list(range(BACKFILL_STEP - 1, nightly_from, BACKFILL_STEP))
    return [start + timedelta(days=i) for i in backfill + list(range(nightly_from, days))]


def demo_settings(settings: Settings) -> Settings:
    """The demo's own registry, and loopback allowed: the demo server is on 127.0.0.1."""
    return settings.model_copy(update={"config_dir": settings.demo_dir / "config", "allow_loopback": True})


def run_demo(
    settings: Settings,
    scenario_name: str = "default",
    seed: int = 7,
    days: int | None = None,
    on_night: Callable[[date, int, int], None] | None = None,
) -> DemoSummary:
    """Generate, serve and collect the demo world night by night, loading after each night."""
    clock = time.perf_counter()
    scenario = load_scenario(scenario_name)
    truth = generate(scenario, seed, settings.demo_dir, days)
    world = read_world(settings.demo_dir)
    nights = collection_nights(world.start_date, world.days)
    summary = DemoSummary(demo_settings(settings), truth, nights)
    summary.stages["generate"] = time.perf_counter() - clock
    with DemoServer(world, as_of=nights[0]) as server:
        write_demo_config(scenario, server.base_url, summary.settings.config_dir)
        ctx = pipeline.Context.create(summary.settings)
        feeds_only = [s.id for s in ctx.registry.enabled_sources() if s.kind == "feed"]
        nightly_from = nights[-NIGHTLY_DAYS] if len(nights) > NIGHTLY_DAYS else nights[0]
        for index, night in enumerate(nights, start=1):
            server.as_of = night
            # Listings page back and dataset files hold their whole history: during the backfill only feeds
            # need every third night; sites and datasets are collected from the first nightly night on.
            wanted = feeds_only if night < nightly_from else None
            with summary.timed("collect"):
                collected = pipeline.collect_stage(ctx, night, wanted, retries=0)
            with summary.timed("load"):
                pipeline.load_stage(ctx, night)
            summary.items += collected.items
            summary.requests += collected.requests
            summary.failed_requests += collected.failed_requests
            if on_night:
                on_night(night, index, len(nights))
    with summary.timed("transform"):
        pipeline.transform_stage(ctx, nights[-1])  # builds marts.alerts after the SQL models
    with summary.timed("check"):
        summary.check = pipeline.check_stage(ctx, nights[-1])  # alert delivery refuses without a pass
    with summary.timed("alert"):
        summary.delivery = pipeline.alert_stage(ctx, nights[-1])
    with summary.timed("publish"):  # alert_stage above already refused unless the check passed
        summary.published = pipeline.publish_stage(ctx, nights[-1])
    with summary.timed("report"):
        summary.report = pipeline.report_stage(ctx.settings, nights[-1])
    return summary
