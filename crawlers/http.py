"""Polite, bounded HTTP and file fetching: conditional GET, size cap, SSRF guard, manual redirects, retries."""

from __future__ import annotations

import email.utils
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from crawlers.netguard import BlockedAddress, Resolver, check_url, system_resolver
from landing.fetch_errors import RETRYABLE, FetchError, http_status_error

MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5


@dataclass
class FetchResult:
    """What one request returned; `error` names the failure class, None when the bytes are usable."""

    url: str
    final_url: str
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    error_detail: str | None = None
    duration_ms: float = 0.0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    attempts: list[FetchResult] = field(default_factory=list)  # earlier failed attempts (retries)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str
    timeout_seconds: float = 20.0  # each connect and each read
    deadline_seconds: float = 60.0  # the whole request: connect, redirects and every read of the body
    source_budget_seconds: float = 300.0  # one source's requests in a night (a paged dataset stops there)
    night_budget_seconds: float = 1800.0  # every feed and dataset request of a night's collection
    max_bytes: int = MAX_BYTES
    retries: int = 1
    backoff_seconds: float = 1.0
    allow_loopback: bool = False


def user_agent(contact_url: str) -> str:
    return f"blindspot/0.1 (+{contact_url}; independent-reporting monitor)"


class Fetcher:
    """One client per collection run; reuses connections, never follows a redirect it has not checked."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver = system_resolver):
        self.policy, self.resolver = policy, resolver
        self.night_deadline = math.inf  # monotonic time: no request of the night runs past it
        self.client = httpx.Client(
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(policy.timeout_seconds),
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET with retries on 5xx and timeouts; each failed attempt is kept in `attempts`."""
        attempts: list[FetchResult] = []
        for attempt in range(self.policy.retries + 1):
            result = self._get_once(url, etag, last_modified)
            retryable = result.error in RETRYABLE or (result.status or 0) >= 500
            backoff = self.policy.backoff_seconds * (2**attempt)
            past_night = time.monotonic() + backoff >= self.night_deadline  # no retry outlives the night
            if not retryable or attempt == self.policy.retries or past_night:
                result.attempts = attempts
                return result
            attempts.append(result)
            time.sleep(backoff)
        raise AssertionError("unreachable")

    def _get_once(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        if url.startswith("file://"):
            return read_file(url, self.policy.max_bytes, last_modified)
        started = time.perf_counter()
        night_left = self.night_deadline - time.monotonic()
        deadline = started + min(self.policy.deadline_seconds, night_left)
        result = FetchResult(url=url, final_url=url)
        if night_left <= 0:
            result.error = FetchError.TIMEOUT
            result.error_detail = "the night's collection budget was spent before this request; not sent"
            return result
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: set[str] = set()
        current = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                check_url(current, self.policy.allow_loopback, self.resolver)
                if current in seen:
                    result.error, result.error_detail = (
                        FetchError.REDIRECT_LOOP,
                        f"{current} was already visited",
                    )
                    return result
                seen.add(current)
                # no connect or read may wait past the deadline either
                wait = max(0.01, min(self.policy.timeout_seconds, deadline - time.perf_counter()))
                with self.client.stream("GET", current, headers=headers, timeout=wait) as response:
                    result.status, result.final_url = response.status_code, current
                    result.headers = {k.lower(): v for k, v in response.headers.items()}
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    self._read_body(response, result, deadline)
                    return result
            result.error, result.error_detail = (
                FetchError.TOO_MANY_REDIRECTS,
                f"more than {MAX_REDIRECTS} redirects",
            )
        except BlockedAddress as exc:
            result.error, result.error_detail = FetchError.BLOCKED_ADDRESS, str(exc)
        except httpx.TimeoutException as exc:
            result.error, result.error_detail = FetchError.TIMEOUT, f"{type(exc).__name__}: {exc}"
        except httpx.ConnectError as exc:
            result.error, result.error_detail = FetchError.CONNECT_ERROR, str(exc)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            result.error, result.error_detail = FetchError.HTTP_ERROR, f"{type(exc).__name__}: {exc}"
        finally:
            result.duration_ms = (time.perf_counter() - started) * 1000
        return result

    def _read_body(self, response: httpx.Response, result: FetchResult, deadline: float) -> None:
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            result.error, result.error_detail = (
                FetchError.SIZE_CAP,
                f"Content-Length {declared} exceeds {cap} bytes",
            )
            return
        chunks, size = [], 0
        for chunk in response.iter_bytes():  # decoded bytes: a gzip bomb is cut as it inflates
            size += len(chunk)
            if size > cap:
                result.error, result.error_detail = (
                    FetchError.SIZE_CAP,
                    f"body exceeds {cap} bytes after decoding",
                )
                return
            chunks.append(chunk)
            if time.perf_counter() > deadline:  # a server that trickles holds no night: what came is dropped
                result.error, result.error_detail = (
                    FetchError.TIMEOUT,
                    f"the request's deadline passed ({self.policy.deadline_seconds:g} s, or the end of the "
                    f"night's collection budget); {size} bytes had arrived",
                )
                return
        result.body = b"".join(chunks)
        if result.status != 304 and result.status and result.status >= 400:
            result.error = http_status_error(result.status)
            result.error_detail = response.reason_phrase


def read_file(url: str, max_bytes: int, last_modified: str | None = None) -> FetchResult:
    """A file:// URL read like an HTTP GET: 200, 304 when unchanged since last_modified, or an error."""
    started = time.perf_counter()
    path = Path(unquote(urlsplit(url).path))
    result = FetchResult(url=url, final_url=url)
    try:
        stat = path.stat()
        modified = email.utils.format_datetime(datetime.fromtimestamp(int(stat.st_mtime), UTC), usegmt=True)
        result.headers = {"last-modified": modified}
        if last_modified == modified:
            result.status = 304
        elif stat.st_size > max_bytes:
            result.error, result.error_detail = (
                FetchError.SIZE_CAP,
                f"{stat.st_size} bytes exceeds {max_bytes}",
            )
        else:
            result.status, result.body = 200, path.read_bytes()
    except FileNotFoundError:
        result.status, result.error, result.error_detail = 404, "http_404", f"no such file: {path}"
    except OSError as exc:
        result.error, result.error_detail = FetchError.FILE_ERROR, f"{type(exc).__name__}: {exc}"
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result
