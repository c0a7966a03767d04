"""Downloader middlewares: the SSRF address guard, retry backoff, and the recorder of one fetch event per request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import response_status_message
from twisted.internet import error as twisted_error

from crawlers.items import FetchRecord, canonical_url
from crawlers.netguard import BlockedAddress, check_url
from landing.fetch_errors import FetchError, http_status_error

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

# Sent by the spider once it has parsed a page: page_parsed(response, items, error, detail).
page_parsed = object()
FETCH_SEQ = "blindspot_fetch_seq"  # request meta: the record of the response a redirect or retry came from

EXCEPTION_CLASSES: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, twisted_error.TimeoutError, twisted_error.TCPTimedOutError), FetchError.TIMEOUT),
    ((CannotResolveHostError, twisted_error.DNSLookupError), FetchError.DNS_ERROR),
    ((DownloadConnectionRefusedError, twisted_error.ConnectError), FetchError.CONNECT_ERROR),
    ((DownloadCancelledError,), FetchError.SIZE_CAP),  # the handler cancels a body over DOWNLOAD_MAXSIZE
    (
        (ResponseDataLossError, twisted_error.ConnectionLost, twisted_error.ConnectionDone),
        FetchError.CONNECTION_LOST,
    ),
    ((DownloadFailedError,), FetchError.DOWNLOAD_FAILED),
)
# Scrapy raises a bare IgnoreRequest for these; its message is all that tells them apart.
IGNORE_REASONS = (
    ("Forbidden by robots.txt", FetchError.ROBOTS_REFUSED),  # RobotsTxtMiddleware
    ("DOWNLOAD_MAXSIZE", FetchError.SIZE_CAP),  # HttpCompressionMiddleware, while decompressing
    ("max redirections", FetchError.TOO_MANY_REDIRECTS),  # RedirectMiddleware
)


class BlockedRequest(IgnoreRequest):
    """The address guard refused the request's host."""


def error_class(exception: BaseException) -> str:
    """The fetch-event error name of an exception raised while fetching."""
    if isinstance(exception, BlockedRequest):
        return FetchError.BLOCKED_ADDRESS
    if isinstance(exception, IgnoreRequest):
        text = str(exception)
        return next((name for marker, name in IGNORE_REASONS if marker in text), "ignored")
    return next(
        (name for types, name in EXCEPTION_CLASSES if isinstance(exception, types)),
        f"download_error:{type(exception).__name__}",
    )


class AddressGuard:
    """Refuses private, loopback, link-local and metadata hosts for every request, redirects included."""

    def __init__(self, allow_loopback: bool):
        self.allow_loopback = allow_loopback
        self._verdicts: dict[str, str | None] = {}  # scheme://host -> why it is refused, or None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuard:
        return cls(crawler.settings.getbool("BLINDSPOT_ALLOW_LOOPBACK"))

    def process_request(self, request: Request) -> Awaitable[None] | None:
        parts = urlsplit(request.url)
        key = f"{parts.scheme}://{parts.hostname}"
        if key not in self._verdicts:
            return self._check_host(key, request.url)
        if self._verdicts[key] is not None:
            raise BlockedRequest(self._verdicts[key])
        return None

    async def _check_host(self, key: str, url: str) -> None:
        # Name resolution blocks, so it runs in a thread; one verdict per host and crawl.
        self._verdicts[key] = await asyncio.to_thread(self._verdict, url)
        if self._verdicts[key] is not None:
            raise BlockedRequest(self._verdicts[key])

    def _verdict(self, url: str) -> str | None:
        if urlsplit(url).scheme not in ("http", "https"):
            return f"only http(s) URLs are fetched, not {url!r}"
        try:
            check_url(url, self.allow_loopback)
        except BlockedAddress as exc:
            return str(exc)
        return None


class RetryBackoff:
    """Waits before each retry, doubling per attempt: Scrapy's RetryMiddleware retries at once."""

    def __init__(self, base_seconds: float, max_seconds: float):
        self.base_seconds, self.max_seconds = base_seconds, max_seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoff:
        settings = crawler.settings
        return cls(
            settings.getfloat("BLINDSPOT_RETRY_BACKOFF_SECONDS"),
            settings.getfloat("BLINDSPOT_RETRY_BACKOFF_MAX_SECONDS"),
        )

    def process_request(self, request: Request) -> Awaitable[None] | None:
        attempt = request.meta.get("retry_times", 0)
        if attempt and self.base_seconds > 0:  # a coroutine only when there is something to wait for
            return asyncio.sleep(min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1)))
        return None


class FetchRecorder:
    """Leaves exactly one FetchRecord per request: each attempt, each redirect hop, each refusal."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.records: list[FetchRecord] = []
        self._by_request: dict[Request, FetchRecord] = {}
        self._reached: dict[Request, float] = {}
        self._headers_at: dict[Request, float] = {}
        for handler, signal in (
            (self._on_reached, signals.request_reached_downloader),
            (self._on_headers, signals.headers_received),
            (self._on_dropped, signals.request_dropped),
            (self._on_spider_error, signals.spider_error),
            (self._on_item_error, signals.item_error),
            (self._on_page_parsed, page_parsed),
        ):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchRecorder:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        # Failures raised after the download (decompressed size cap, too many redirects) only reach an errback.
        if request.errback is None:
            request.errback = self._on_failure

    def process_response(self, request: Request, response: Response) -> Response:
        record = self._record(request)
        record.http_status, record.bytes = response.status, len(response.body)
        record.is_not_modified = response.status == 304
        record.etag = _header(response, b"ETag")
        record.last_modified = _header(response, b"Last-Modified")
        if response.status >= 400 and not _is_robots_txt(request):  # no robots.txt: everything is allowed
            record.error = http_status_error(response.status)
        record.error_detail = response_status_message(response.status) if response.status >= 400 else None
        request.meta[FETCH_SEQ] = record.seq
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        record = self._record(request)
        record.error, record.error_detail = error_class(exception), _detail(exception)
        request.meta[FETCH_SEQ] = record.seq

    def _record(self, request: Request) -> FetchRecord:
        job = self.crawler.spider.job
        now, reached = time.monotonic(), self._reached.pop(request, None)
        headers_at = self._headers_at.pop(request, None)
        latency = request.meta.get("download_latency")
        if headers_at is not None and latency is not None:
            duration = now - headers_at + latency  # the transfer alone, not the wait for a download slot
        else:
            duration = None if reached is None else now - reached
        started = datetime.now(UTC) - timedelta(seconds=duration or 0)
        record = FetchRecord(
            job.source.id, request.url, started, job.run_id, job.data_date, len(self.records)
        )
        record.duration_ms = None if duration is None else round(duration * 1000, 1)
        self.records.append(record)
        self._by_request[request] = record
        return record

    def _on_reached(self, request: Request) -> None:
        self._reached[request] = time.monotonic()

    def _on_headers(self, request: Request) -> None:
        self._headers_at[request] = time.monotonic()

    def _on_failure(self, failure: Failure) -> None:
        """Errback of every request: the failure is recorded, never re-raised into the log."""
        request: Request = failure.request
        record = self._by_request.get(request) or self._record(request)
        if record.error is None and not isinstance(failure.value, HttpError):  # 304, 3xx: not errors
            record.error, record.error_detail = error_class(failure.value), _detail(failure.value)

    def _on_dropped(self, request: Request) -> None:
        """A redirect to a URL already fetched in this crawl is dropped by the duplicate filter."""
        chain = request.meta.get("redirect_urls")
        parent = request.meta.get(FETCH_SEQ)
        if not chain or parent is None:
            return
        record = self.records[parent]
        hops = " -> ".join([*chain, request.url])
        if canonical_url(request.url) in {canonical_url(url) for url in chain}:
            record.error, record.error_detail = FetchError.REDIRECT_LOOP, hops
        else:
            record.error_detail = f"redirected to a URL already fetched: {hops}"

    def _on_page_parsed(self, response: Response, items: int, error: str | None, detail: str | None) -> None:
        record = self._by_request.get(response.request)
        if record is None:
            return
        record.items = items
        if error:
            record.error, record.error_detail = error, detail

    def _on_spider_error(self, failure: Failure, response: Response) -> None:
        self._mark(response, FetchError.PARSE_ERROR, failure)

    def _on_item_error(self, failure: Failure, response: Response | None) -> None:
        self._mark(response, FetchError.EXTRACT_ERROR, failure)

    def _mark(self, response: Any, error: str, failure: Failure) -> None:
        record = self._by_request.get(getattr(response, "request", None))
        if record is not None:
            record.error, record.error_detail = (
                error,
                f"{type(failure.value).__name__}: {_detail(failure.value)}",
            )


def _detail(exception: BaseException) -> str:
    return str(exception)[:500] or type(exception).__name__


def _is_robots_txt(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and urlsplit(request.url).path == "/robots.txt"


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
