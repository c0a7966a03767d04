"""Crawls html sources in a child process (Twisted reactors cannot restart), one Scrapy crawler per source."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from core.registry import Source
from core.settings import Settings
from crawlers.settings import CRAWL_TIME_LIMIT_SECONDS

log = logging.getLogger(__name__)
STDERR_TAIL = 4000


class CrawlError(RuntimeError):
    """The crawl process failed before it could land a source's files."""


@dataclass(frozen=True)
class CrawlSummary:
    """What one source's crawl left: counts and the two landing files it wrote."""

    source_id: str
    items: int
    requests: int
    errors: int
    items_path: Path
    fetch_events_path: Path
    seconds: float  # from the spider's opening to its closing, landing files written


def crawl_html(
    source: Source,
    settings: Settings,
    data_date: date,
    run_id: str,
    known_urls: Collection[str] = frozenset(),
    scrapy_settings: Mapping[str, Any] | None = None,
) -> CrawlSummary:
    """Crawl one html source; `known_urls` are canonical article URLs already collected (never re-fetched)."""
    return crawl_html_many([source], settings, data_date, run_id, {source.id: known_urls}, scrapy_settings)[0]


def crawl_html_many(
    sources: Sequence[Source],
    settings: Settings,
    data_date: date,
    run_id: str,
    known_urls: Mapping[str, Collection[str]] | None = None,
    scrapy_settings: Mapping[str, Any] | None = None,
) -> list[CrawlSummary]:
    """Crawl several html sources at once in ONE child process, paying its start-up once."""
    if not sources:
        return []
    not_html = [s.id for s in sources if s.kind != "html"]
    if not_html:
        raise ValueError(f"not html sources: {', '.join(not_html)}")
    if len({s.id for s in sources}) != len(sources):
        raise ValueError("a source is given twice; its landing files would collide")
    known_urls = known_urls or {}
    with tempfile.TemporaryDirectory(prefix="blindspot-crawl-") as tmp:
        folder = Path(tmp)
        entries = []
        for position, source in enumerate(sources):
            known_path = folder / f"known-{position}.txt"
            known_path.write_text("\n".join(sorted(known_urls.get(source.id, ()))), encoding="utf-8")
            entries.append({"source": source.model_dump(mode="json"), "known_urls": str(known_path)})
        job_path, result_path = folder / "job.json", folder / "result.json"
        job = {
            "settings": settings.model_dump(mode="json"),
            "data_date": data_date.isoformat(),
            "run_id": run_id,
            "scrapy_settings": dict(scrapy_settings or {}),
            "sources": entries,
            "result": str(result_path),
        }
        job_path.write_text(json.dumps(job), encoding="utf-8")
        crawl_limit = float((scrapy_settings or {}).get("CLOSESPIDER_TIMEOUT", CRAWL_TIME_LIMIT_SECONDS))
        _run_child(job_path, limit=crawl_limit * 1.2 + 120)  # the spiders close themselves before this
        if not result_path.exists():
            raise CrawlError("the crawl process wrote no result")
        results = json.loads(result_path.read_text(encoding="utf-8"))
    return [
        CrawlSummary(
            **r | {"items_path": Path(r["items_path"]), "fetch_events_path": Path(r["fetch_events_path"])}
        )
        for r in results
    ]


def _run_child(job_path: Path, limit: float) -> None:
    command = [sys.executable, "-m", "crawlers.html", str(job_path), str(os.getpid())]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CrawlError(f"the crawl process ran longer than {limit:.0f} s and was killed") from exc
    if done.stderr.strip():
        log.debug("crawl process log:\n%s", done.stderr[-STDERR_TAIL:])
    if done.returncode != 0:
        raise CrawlError(f"the crawl process exited with {done.returncode}:\n{done.stderr[-STDERR_TAIL:]}")


def _child(job_path: Path) -> int:
    """Inside the child: one AsyncCrawlerProcess, one crawler per source, then a JSON result file."""
    from scrapy.crawler import AsyncCrawlerProcess, Crawler
    from scrapy.settings import Settings as ScrapySettings

    from crawlers.pipelines import shutdown_pools
    from crawlers.settings import crawl_settings, process_settings
    from crawlers.spiders.generic import CrawlJob, GenericSpider

    job = json.loads(job_path.read_text(encoding="utf-8"))
    settings = Settings.model_validate(job["settings"])
    overrides = job["scrapy_settings"]
    data_date, run_id = date.fromisoformat(job["data_date"]), job["run_id"]
    process = AsyncCrawlerProcess(process_settings(settings, overrides))
    crawlers: list[tuple[str, Crawler]] = []
    for entry in job["sources"]:
        source = Source.model_validate(entry["source"])
        known = frozenset(Path(entry["known_urls"]).read_text(encoding="utf-8").split())
        # At "spider" priority, so the process's defaults merged in by crawl() do not replace them.
        per_source = ScrapySettings()
        per_source.setdict(crawl_settings(settings, source, overrides), priority="spider")
        crawler = Crawler(GenericSpider, per_source)
        process.crawl(crawler, job=CrawlJob(source, data_date, run_id, known))
        crawlers.append((source.id, crawler))
    process.start()
    shutdown_pools()
    results, missing = [], []
    for source_id, crawler in crawlers:
        try:
            stats = crawler.stats.get_stats()
        except RuntimeError:  # the crawler never started
            stats = {}
        if "blindspot/fetch_events_path" not in stats:
            missing.append(source_id)
            continue
        results.append(
            {
                "source_id": source_id,
                **{key: stats[f"blindspot/{key}"] for key in ("items", "requests", "errors")},
                "items_path": stats["blindspot/items_path"],
                "fetch_events_path": stats["blindspot/fetch_events_path"],
                "seconds": stats.get("elapsed_time_seconds", 0.0),
            }
        )
    Path(job["result"]).write_text(json.dumps(results), encoding="utf-8")
    if missing:
        print(f"no landing files for: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this crawl when the collection that started it dies (kill -9 included), so no
    orphan goes on crawling and landing files for a run that is over. Linux only; elsewhere the crawl ends
    at its own time limit."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    if os.getppid() != parent_pid:  # the parent died before the request above took effect
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) > 2:
        _die_with_parent(int(sys.argv[2]))
    sys.exit(_child(Path(sys.argv[1])))
