"""Collects a night's sources in parallel and writes each source's landing files; never touches DuckDB."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

from core.registry import Source
from core.settings import Settings
from crawlers.datasets import DatasetResult, collect_dataset, land_dataset, state_for
from crawlers.feeds import CollectResult, collect_feed, parse_entries
from crawlers.html import CrawlSummary, crawl_html_many
from crawlers.http import Fetcher, FetchPolicy, user_agent
from crawlers.settings import CRAWL_TIME_LIMIT_SECONDS
from landing.files import land_rows
from landing.state import read_fetch_state, read_known_urls

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass
class CollectSummary:
    run_id: str
    data_date: date
    sources: int = 0
    items: int = 0
    requests: int = 0
    failed_requests: int = 0

    def add(self, sources: int, items: int, requests: int, failed: int) -> None:
        self.sources += sources
        self.items += items
        self.requests += requests
        self.failed_requests += failed


def fetch_policy(settings: Settings, retries: int = 1, backoff_seconds: float = 1.0) -> FetchPolicy:
    return FetchPolicy(
        user_agent=user_agent(settings.contact_url),
        allow_loopback=settings.allow_loopback,
        retries=retries,
        backoff_seconds=backoff_seconds,
        deadline_seconds=settings.request_deadline_seconds,
        source_budget_seconds=settings.source_budget_seconds,
        night_budget_seconds=settings.night_budget_seconds,
    )


def land(settings: Settings, result: CollectResult, run_id: str, data_date: date) -> None:
    """Write one source's landing files for the run: items, fetch events, and any rejected rows."""
    rows = {
        "items": result.items,
        "fetch_events": [f.row() for f in result.fetches],
        "rejected_rows": result.rejected,
    }
    land_rows(
        settings.landing_dir, result.source_id, data_date, run_id, rows, frozenset({"items", "fetch_events"})
    )


_PARSE_POOL: ProcessPoolExecutor | None = None
POOL_MIN_FEEDS = 4  # below this, starting worker processes costs more than parsing in the thread


def parse_pool() -> ProcessPoolExecutor:
    """A process pool for feedparser, which is CPU-bound and holds the GIL; kept for the process's life."""
    global _PARSE_POOL
    if _PARSE_POOL is None:
        context = multiprocessing.get_context("forkserver")  # never fork a process that runs threads
        _PARSE_POOL = ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=context)
    return _PARSE_POOL


def pooled_parse(*args: object) -> tuple[list[dict], list[dict], str | None, str | None]:
    return parse_pool().submit(parse_entries, *args).result()


def _crawl_html(
    sources: list[Source], settings: Settings, data_date: date, run_id: str, budget_seconds: float
) -> list[CrawlSummary]:
    """All html sources of the night in one Scrapy child process (it writes its own landing files); its
    spiders close themselves, landing what they crawled, when the night's budget is spent."""
    if not sources:
        return []
    known = read_known_urls(settings.home, {s.id for s in sources})
    limit = {"CLOSESPIDER_TIMEOUT": min(CRAWL_TIME_LIMIT_SECONDS, budget_seconds)}
    return crawl_html_many(sources, settings, data_date, run_id, known, limit)


def collect(
    sources: list[Source],
    settings: Settings,
    data_date: date,
    run_id: str,
    progress: Progress | None = None,
    workers: int = 8,
    policy: FetchPolicy | None = None,
) -> CollectSummary:
    """Collect every given source for one night; a failing source is recorded and the others go on. Feed and
    dataset requests end by the night's budget (policy.night_budget_seconds): a request under way is cut
    there, and one not yet sent is recorded as a `timeout` without being sent."""
    summary = CollectSummary(run_id, data_date)
    state = read_fetch_state(settings.home)
    feeds = [s for s in sources if s.kind == "feed"]
    datasets = [s for s in sources if s.kind == "dataset"]
    sites = [s for s in sources if s.kind == "html"]
    policy = policy or fetch_policy(settings)
    parse = pooled_parse if len(feeds) >= POOL_MIN_FEEDS else parse_entries

    def one(source: Source) -> CollectResult | DatasetResult:
        if source.kind == "dataset":
            result = collect_dataset(source, fetcher, run_id, data_date, state_for(source.id, state))
            land_dataset(settings, result, run_id, data_date)
        else:
            validators = state.get((source.id, source.url), (None, None))
            result = collect_feed(source, fetcher, run_id, data_date, validators, parse)
            land(settings, result, run_id, data_date)
        if progress:
            progress(source.id)
        return result

    with Fetcher(policy) as fetcher, ThreadPoolExecutor(max_workers=workers) as pool:
        fetcher.night_deadline = time.monotonic() + policy.night_budget_seconds
        crawl = pool.submit(_crawl_html, sites, settings, data_date, run_id, policy.night_budget_seconds)
        for result in pool.map(one, feeds + datasets):
            summary.add(
                1,
                result.items if isinstance(result, DatasetResult) else len(result.items),
                len(result.fetches),
                result.errors,
            )
        for crawled in crawl.result():
            summary.add(1, crawled.items, crawled.requests, crawled.errors)
            if progress:
                progress(crawled.source_id)
    return summary
