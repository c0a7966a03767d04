"""The one item pipeline: extracts article fields and writes the run's items and fetch_events landing files."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from crawlers.extract import extract_article
from crawlers.items import item_id
from crawlers.middlewares import FetchRecorder
from crawlers.spiders.generic import ArticlePage, CrawlJob
from landing.files import rows_to_table, write_landing_file

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_POOLS: dict[int, ProcessPoolExecutor] = {}


def extraction_pool(workers: int) -> ProcessPoolExecutor:
    """One worker pool per crawl process, shared by all its crawlers (crawl_html_many runs several)."""
    if workers not in _POOLS:
        # forkserver: workers never fork the reactor's threads; preloading gives them trafilatura warm.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["crawlers.extract"])
        _POOLS[workers] = ProcessPoolExecutor(workers, mp_context=context)
    return _POOLS[workers]


def discard_pool(workers: int, pool: ProcessPoolExecutor) -> None:
    """A worker died (BrokenProcessPool): the next article gets a fresh pool."""
    if _POOLS.get(workers) is pool:
        del _POOLS[workers]
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown_pools() -> None:
    while _POOLS:
        _POOLS.popitem()[1].shutdown()


class LandingPipeline:
    """Collects the crawl's items; on close writes exactly one items and one fetch_events file, even if empty."""

    def __init__(self, crawler: Crawler, landing_dir: Path, workers: int):
        self.crawler, self.landing_dir, self.workers = crawler, landing_dir, workers
        self.rows: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LandingPipeline:
        settings = crawler.settings
        return cls(
            crawler, Path(settings["BLINDSPOT_LANDING_DIR"]), settings.getint("BLINDSPOT_EXTRACT_WORKERS")
        )

    @property
    def job(self) -> CrawlJob:
        return self.crawler.spider.job

    async def process_item(self, item: ArticlePage) -> dict:
        source = self.job.source
        args = (item.html, item.url, source.selectors, source.languages[0], item.encoding)
        if self.workers <= 0:
            fields = extract_article(*args)
        else:  # started at the first article, so crawls with nothing new never pay for the workers
            pool = extraction_pool(self.workers)
            try:
                fields = await asyncio.wrap_future(pool.submit(extract_article, *args))
            except BrokenProcessPool:
                discard_pool(self.workers, pool)
                raise  # item_error: the fetch recorder marks the page extract_error
        row = fields | {
            "item_id": item_id(source.id, item.canonical_url),
            "source_id": source.id,
            "url": item.url,
            "canonical_url": item.canonical_url,
            "fetched_at": item.fetched_at,
            "run_id": self.job.run_id,
            "data_date": self.job.data_date,
        }
        self.rows.append(row)
        return row

    def close_spider(self) -> None:
        job, stats = self.job, self.crawler.stats
        recorder = self.crawler.get_downloader_middleware(FetchRecorder)
        records = recorder.records if recorder is not None else []
        items = rows_to_table("items", self.rows)
        events = rows_to_table("fetch_events", [record.row() for record in records])
        where = (job.source.id, job.data_date, job.run_id)
        items_path = write_landing_file(self.landing_dir, "items", *where, items)
        events_path = write_landing_file(self.landing_dir, "fetch_events", *where, events)
        stats.set_value("blindspot/items", len(self.rows))
        stats.set_value("blindspot/requests", len(records))
        stats.set_value("blindspot/errors", sum(1 for record in records if record.error))
        stats.set_value("blindspot/items_path", str(items_path))
        stats.set_value("blindspot/fetch_events_path", str(events_path))
