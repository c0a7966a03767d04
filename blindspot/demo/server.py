"""Serves the demo world on 127.0.0.1 as of a settable simulated date: feeds, sites, datasets and failures."""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from blindspot.demo import dataset_formats, formats
from blindspot.demo.world import DemoSource, World

log = logging.getLogger(__name__)

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
PRIVATE = b'<!DOCTYPE html>\n<html lang="en">\n<head><title>Subscribers</title></head>\n<body>\n<h1>Subscribers only</h1>\n</body>\n</html>\n'
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "rdf": "application/rdf+xml"}
CSV, JSON, TEXT = "text/csv; charset=utf-8", "application/json; charset=utf-8", "text/plain; charset=utf-8"
DATASET_PATH = re.compile(
    r"(cpj|keepiton|acled)\.csv|rsf_(\d{4})\.csv|(ioda|gdelt)/([\w-]+)\.json|reliefweb/reports\.json"
)
CACHE_SIZE = 1024
Rendered = tuple[bytes, str, datetime]  # body, content type, last modified


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = TEXT
    headers: tuple[tuple[str, str], ...] = ()


def _error(status: int, text: str, *headers: tuple[str, str]) -> Response:
    return Response(status, f"{text}\n".encode(), TEXT, headers)


class ArticleIndex:
    """Articles grouped by source, newest first, so an as-of cut is a bisection and a page is a slice."""

    def __init__(self, articles: pa.Table):
        keys = [("source_id", "ascending"), ("published_at", "descending"), ("article_id", "ascending")]
        self.table = articles.take(pc.sort_indices(articles, sort_keys=keys))
        sources = self.table.column("source_id").to_pylist()
        seconds = pc.cast(self.table.column("published_at"), pa.timestamp("s", tz="UTC"))  # Parquet gives ms
        self.stamps = pc.cast(seconds, pa.int64()).to_pylist()
        self.position = {aid: i for i, aid in enumerate(self.table.column("article_id").to_pylist())}
        self.ranges: dict[str, tuple[int, int]] = {}
        for i, source_id in enumerate(sources):
            start, _ = self.ranges.get(source_id, (i, i))
            self.ranges[source_id] = (start, i + 1)
        self.negated = {s: [-t for t in self.stamps[a:b]] for s, (a, b) in self.ranges.items()}

    def visible(self, source_id: str, as_of: date) -> tuple[int, int]:
        """Row range of the source's articles published by the end of `as_of` (UTC), newest first."""
        start, end = self.ranges.get(source_id, (0, 0))
        cutoff = int(formats.midnight(as_of + timedelta(days=1)).timestamp())
        return start + bisect.bisect_right(self.negated.get(source_id, []), -cutoff), end

    def rows(self, start: int, end: int) -> pa.Table:
        return self.table.slice(start, max(0, end - start))


class Datasets:
    """The world's dataset files: which paths exist as of a date, and their bytes."""

    def __init__(self, world: World):
        self.tables = world.tables
        self.alpha3 = {meta["alpha2"]: code for code, meta in world.countries.items()}
        volumes = world.tables["volumes"]
        self.queries = dict(
            zip(volumes.column("zone_id").to_pylist(), volumes.column("query").to_pylist(), strict=True)
        )
        self.rsf_years = sorted(set(world.tables["press_scores"].column("year").to_pylist()))

    def paths(self, as_of: date) -> list[str]:
        paths = ["cpj.csv", "keepiton.csv", "acled.csv", "reliefweb/reports.json"]
        paths += [f"rsf_{year}.csv" for year in self.rsf_years if year <= as_of.year]
        paths += [f"ioda/{alpha2}.json" for alpha2 in sorted(self.alpha3)]
        return paths + [f"gdelt/{zone_id}.json" for zone_id in sorted(self.queries)]

    @staticmethod
    def format_of(path: str) -> str | None:
        """The registry's dataset_format served at `path` (None when no dataset lives there)."""
        match = DATASET_PATH.fullmatch(path)
        if match is None:
            return None
        kind = match[1] or (match[2] and "rsf") or match[3] or "reliefweb"
        return "gdelt_timeline" if kind == "gdelt" else kind

    def render(self, path: str, as_of: date, offset: int = 0, limit: int = 1000) -> tuple[bytes, str] | None:
        match, t = DATASET_PATH.fullmatch(path), self.tables
        if match is None:
            return None
        if match[1]:
            renderer = {
                "cpj": dataset_formats.render_cpj_csv,
                "keepiton": dataset_formats.render_keepiton_csv,
            }
            renderer |= {"acled": dataset_formats.render_acled_csv}
            table = {"cpj": "incidents", "keepiton": "shutdowns", "acled": "conflict"}[match[1]]
            return renderer[match[1]](t[table], as_of), CSV
        if match[2]:
            year = int(match[2])
            published = year in self.rsf_years and year <= as_of.year  # an index is out in its own year
            return (dataset_formats.render_rsf_csv(t["press_scores"], year), CSV) if published else None
        if match[3] == "ioda" and match[4] in self.alpha3:
            body = dataset_formats.render_ioda_json(
                t["signals"], match[4], as_of, alpha3=self.alpha3[match[4]]
            )
            return body, JSON
        if match[3] == "gdelt" and match[4] in self.queries:
            return dataset_formats.render_gdelt_timeline_json(
                t["volumes"], self.queries[match[4]], as_of
            ), JSON
        if match[3]:
            return None
        return dataset_formats.render_reliefweb_json(t["reports"], as_of, offset, limit), JSON


def render_dataset_files(world: World, as_of: date, out_dir: Path) -> list[Path]:
    """Write every dataset file as of `as_of` under out_dir (for file:// sources); returns the paths."""
    datasets, written = Datasets(world), []
    for relative in datasets.paths(as_of):
        rendered = datasets.render(relative, as_of, limit=max(1, world.tables["reports"].num_rows))
        if rendered is None:
            continue
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(rendered[0])
        written.append(target)
    return written


def _http_date(ts: datetime) -> str:
    return format_datetime(ts.astimezone(UTC), usegmt=True)


def _not_modified(headers: Message, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 order: If-None-Match decides when present, else If-Modified-Since."""
    if (tags := headers.get("If-None-Match")) is not None:
        return tags.strip() == "*" or etag in {t.strip().removeprefix("W/") for t in tags.split(",")}
    if (since_text := headers.get("If-Modified-Since")) is None:
        return False
    try:
        since = parsedate_to_datetime(since_text)
    except (TypeError, ValueError):
        return False  # an unparsable date is ignored, as the RFC says
    return last_modified <= (since if since.tzinfo else since.replace(tzinfo=UTC))


def _int(query: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = query.get(name, [])
    return min(high, max(low, int(values[0]))) if values and values[0].isdigit() else default


class DemoServer:
    """A threaded HTTP server of the world; `as_of` may move while it runs (from Python or over HTTP)."""

    def __init__(
        self,
        world: World,
        as_of: date,
        host: str = "127.0.0.1",
        port: int = 0,
        feed_items: int = 50,
        page_size: int = 20,
        slow_seconds: float = 2.0,
        debug: bool = False,
    ):
        self.world, self.host, self.port, self.debug = world, host, port, debug
        self.feed_items, self.page_size, self.slow_seconds = feed_items, page_size, slow_seconds
        self.sources = {s.id: s for s in world.sources}
        self.by_format = {s.dataset_format: s for s in world.sources if s.dataset_format}
        self.index, self.datasets = ArticleIndex(world.tables["articles"]), Datasets(world)
        self._as_of, self._lock = as_of, threading.Lock()
        self._cache: OrderedDict[tuple, Rendered | None] = OrderedDict()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def as_of(self) -> date:
        with self._lock:
            return self._as_of

    @as_of.setter
    def as_of(self, value: date) -> None:
        with self._lock:
            self._as_of = value

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the demo server is not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> DemoServer:
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- routing -------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: Message) -> Response:
        """The response to one request; pure apart from the scripted `slow` sleep and the render cache."""
        if path == "/_demo/as-of":
            return self._as_of_endpoint(method, query)
        if method not in {"GET", "HEAD"}:
            return _error(405, "Method Not Allowed", ("Allow", "GET, HEAD"))
        as_of, parts = self.as_of, path.strip("/").split("/")
        if path == "/robots.txt":
            return Response(200, ROBOTS)
        if path == "/private/index.html":
            return Response(200, PRIVATE, "text/html; charset=utf-8")
        if parts[0] == "feeds" and len(parts) == 2 and parts[1].endswith(".xml"):
            source = self.sources.get(parts[1].removesuffix(".xml"))
            if source is None or source.kind != "feed":
                return _error(404, "Not Found")
            return self._failure(source, as_of) or self._feed(source, as_of, headers)
        if parts[0] == "sites" and len(parts) >= 2:
            source = self.sources.get(parts[1])
            if source is None or source.kind == "dataset":
                return _error(404, "Not Found")
            return self._failure(source, as_of) or self._site(source, parts[2:], as_of)
        if parts[0] == "datasets":
            return self._dataset("/".join(parts[1:]), query, as_of, headers)
        return _error(404, "Not Found")

    def _as_of_endpoint(self, method: str, query: dict[str, list[str]]) -> Response:
        if method == "POST":
            try:
                self.as_of = date.fromisoformat(query.get("date", [""])[0])
            except ValueError:
                return _error(400, "Bad Request: date=YYYY-MM-DD")
        elif method not in {"GET", "HEAD"}:
            return _error(405, "Method Not Allowed", ("Allow", "GET, HEAD, POST"))
        return Response(200, json.dumps({"as_of": self.as_of.isoformat()}).encode(), JSON)

    def _failure(self, source: DemoSource | None, as_of: date) -> Response | None:
        """The scripted error of the source on that day; `slow` only delays the normal answer."""
        failure = source.failure_on(as_of) if source else None
        if failure is None:
            return None
        if failure.mode == "http_503":
            return _error(503, "Service Unavailable", ("Retry-After", "3600"))
        if failure.mode == "http_500":
            return _error(500, "Internal Server Error")
        if failure.mode == "slow":
            time.sleep(self.slow_seconds)
        return None

    # ---- resources -----------------------------------------------------------------------------------

    def _cached(self, key: tuple, render: Callable[[], Rendered | None]) -> Rendered | None:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = render()  # rendered outside the lock: two threads may both render once, harmlessly
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def _conditional(self, headers: Message, body: bytes, content_type: str, modified: datetime) -> Response:
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        validators = (("ETag", etag), ("Last-Modified", _http_date(modified)))
        if _not_modified(headers, etag, modified):
            return Response(304, b"", "", validators)
        return Response(200, body, content_type, validators)

    def _feed(self, source: DemoSource, as_of: date, headers: Message) -> Response:
        failure = source.failure_on(as_of)
        malformed = failure is not None and failure.mode == "malformed_xml"

        def render() -> Rendered:
            start, end = self.index.visible(source.id, as_of)
            rows = self.index.rows(start, min(end, start + self.feed_items))
            body = formats.render_feed(source, rows, self.base_url, as_of, malformed=malformed)
            newest = self.index.stamps[start] if end > start else None
            modified = formats.midnight(as_of) if newest is None else datetime.fromtimestamp(newest, UTC)
            charset = source.declared_encoding or source.encoding
            return body, f"{FEED_TYPES[source.feed_format or 'rss']}; charset={charset}", modified

        cached = self._cached(("feed", source.id, as_of, malformed), render)
        return self._conditional(headers, *cached) if cached else _error(404, "Not Found")

    def _site(self, source: DemoSource, rest: list[str], as_of: date) -> Response:
        if not rest or (len(rest) == 2 and rest[0] == "page" and rest[1].isdigit()):
            return self._listing(source, int(rest[1]) if rest else 1, as_of)
        if len(rest) == 2 and rest[0] == "articles" and rest[1].endswith(".html"):
            return self._article(source, rest[1].removesuffix(".html"), as_of)
        return _error(404, "Not Found")

    def _listing(self, source: DemoSource, page: int, as_of: date) -> Response:
        start, end = self.index.visible(source.id, as_of)
        first = start + (page - 1) * self.page_size
        if page < 1 or (page > 1 and first >= end):
            return _error(404, "Not Found")
        failure = source.failure_on(as_of)
        layout = "changed" if failure and failure.mode == "layout_change" else "standard"
        rows = self.index.rows(first, min(end, first + self.page_size))
        body = formats.render_listing(source, rows, page, first + self.page_size < end, self.base_url, layout)
        return Response(200, body, f"text/html; charset={source.encoding}")

    def _article(self, source: DemoSource, article_id: str, as_of: date) -> Response:
        start, end = self.index.visible(source.id, as_of)
        position = self.index.position.get(article_id)
        if position is None or not start <= position < end:  # unknown, another source's, or not out yet
            return _error(404, "Not Found")
        row = self.index.rows(position, position + 1).to_pylist()[0]
        related = self.index.rows(position + 1, min(end, position + 4)).to_pylist()
        body = formats.render_article(source, row, self.base_url, related)
        return Response(200, body, f"text/html; charset={source.encoding}")

    def _dataset(self, path: str, query: dict[str, list[str]], as_of: date, headers: Message) -> Response:
        kind = Datasets.format_of(path)
        if kind is None:
            return _error(404, "Not Found")
        failed = self._failure(self.by_format.get(kind), as_of)
        if failed:
            return failed
        offset, limit = _int(query, "offset", 0, 0, 10**9), _int(query, "limit", 1000, 1, 1000)

        def render() -> Rendered | None:
            rendered = self.datasets.render(path, as_of, offset, limit)
            return None if rendered is None else (*rendered, formats.midnight(as_of))

        cached = self._cached(("dataset", path, as_of, offset, limit), render)
        return self._conditional(headers, *cached) if cached else _error(404, "Not Found")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type, demo: DemoServer):
        self.demo, self.connections, self.connections_lock = demo, set[socket.socket](), threading.Lock()
        super().__init__(address, handler)

    def process_request_thread(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        with self.connections_lock:
            self.connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.discard(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections, so no client talks to a stopped server's world."""
        with self.connections_lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError as error:  # already closed by the client
                    log.debug("closing a connection: %s", error)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that hung up mid-answer (a collector's timeout on a slow day) is not worth stderr."""
        log.debug("request from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: collectors reuse connections on loopback
    server_version = "blindspot-demo/1"
    disable_nagle_algorithm = True  # headers and body go out as two writes; do not wait on delayed ACKs
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "0")
        form = self.rfile.read(int(length)).decode("utf-8", "replace") if length.isdigit() else ""
        self._serve(parse_qs(form))

    def _serve(self, form: dict[str, list[str]] | None = None) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query) | (form or {})
        response = self.server.demo.handle(self.command, url.path, query, self.headers)
        self.send_response(response.status)
        if response.status != 304:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.demo.debug:
            log.debug("%s %s", self.address_string(), format % args)
