"""Polite Scrapy settings for a blindspot crawl, built from blindspot Settings and a source's politeness."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from core.registry import Source
from core.settings import Settings
from crawlers.http import MAX_BYTES, MAX_REDIRECTS, user_agent

DEFAULT_DELAY_SECONDS = 1.0  # the least time between two requests to one site
AUTOTHROTTLE_START_SECONDS = 3.0
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_PAGES = 50  # listing pages per source and night
MAX_REQUESTS_PER_DOMAIN = 2
CRAWL_TIME_LIMIT_SECONDS = 3600  # one source's crawl is closed (and still landed) after this long

# Extraction (trafilatura) costs more CPU than Scrapy's own work per page (bench/crawl.py), so it runs in
# worker processes beside the crawl process; 0 would run it inside the crawl process.
EXTRACT_WORKERS = max(1, min(4, os.cpu_count() or 1))

# Positions in Scrapy's downloader middleware chain: the guard before robots.txt (100) is even fetched,
# the recorder closest to the network so that it sees every attempt and every redirect hop.
ADDRESS_GUARD_POSITION = 40
RETRY_BACKOFF_POSITION = 540
FETCH_RECORDER_POSITION = 960


def process_settings(settings: Settings, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Settings shared by every crawler of one process (logging, components, limits)."""
    values: dict[str, Any] = {
        "BOT_NAME": "blindspot",
        "USER_AGENT": user_agent(settings.contact_url),
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": "blindspot",  # the token site owners name in robots.txt
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": AUTOTHROTTLE_START_SECONDS,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_DELAY": DEFAULT_DELAY_SECONDS,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": MAX_REQUESTS_PER_DOMAIN,
        "CONCURRENT_ITEMS": 16,  # Scrapy starts this many tasks per response; its 100 cost more than a page
        "DOWNLOAD_TIMEOUT": DEFAULT_TIMEOUT_SECONDS,
        "DOWNLOAD_MAXSIZE": MAX_BYTES,
        "DOWNLOAD_WARNSIZE": MAX_BYTES // 4,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",  # the fetch event records it; no need to shout in the log
        "BLINDSPOT_RETRY_BACKOFF_SECONDS": 1.0,
        "BLINDSPOT_RETRY_BACKOFF_MAX_SECONDS": 30.0,
        "REDIRECT_MAX_TIMES": MAX_REDIRECTS,
        "CLOSESPIDER_TIMEOUT": CRAWL_TIME_LIMIT_SECONDS,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # opens no port on the host
        "LOG_LEVEL": "WARNING",
        "STATS_DUMP": False,
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.middlewares.AddressGuard": ADDRESS_GUARD_POSITION,
            "crawlers.middlewares.RetryBackoff": RETRY_BACKOFF_POSITION,
            "crawlers.middlewares.FetchRecorder": FETCH_RECORDER_POSITION,
        },
        "ITEM_PIPELINES": {"crawlers.pipelines.LandingPipeline": 300},
        "BLINDSPOT_ALLOW_LOOPBACK": settings.allow_loopback,
        "BLINDSPOT_LANDING_DIR": str(settings.landing_dir),
        "BLINDSPOT_EXTRACT_WORKERS": EXTRACT_WORKERS,
        "BLINDSPOT_MAX_PAGES": DEFAULT_MAX_PAGES,
    }
    return values | dict(overrides or {})


def crawl_settings(
    settings: Settings, source: Source, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One source's crawler settings: the polite defaults, lowered or slowed by its politeness entry."""
    values = process_settings(settings)
    polite = source.politeness
    values["ROBOTSTXT_OBEY"] = polite.obey_robots
    if polite.download_delay is not None:
        values["DOWNLOAD_DELAY"] = polite.download_delay
        values["AUTOTHROTTLE_START_DELAY"] = polite.download_delay
    if polite.concurrent_requests is not None:
        values["CONCURRENT_REQUESTS_PER_DOMAIN"] = min(MAX_REQUESTS_PER_DOMAIN, polite.concurrent_requests)
    if polite.timeout_seconds is not None:
        values["DOWNLOAD_TIMEOUT"] = polite.timeout_seconds
    if polite.max_pages is not None:
        values["BLINDSPOT_MAX_PAGES"] = polite.max_pages
    return values | dict(overrides or {})
