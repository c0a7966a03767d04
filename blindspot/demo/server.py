"""Serves the demo world on 127.0.0.1 as of a settable simulated date: feeds, sites, datasets and failures."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import Message

from blindspot.demo import formats
from blindspot.demo.content import JSON, ArticleIndex, Datasets
from blindspot.demo.httpd import (
    DemoHTTPServer,
    DemoRequestHandler,
    Response,
    conditional_response,
    error_response,
    int_param,
)
from blindspot.demo.world import DemoSource, World

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
PRIVATE = b'<!DOCTYPE html>\n<html lang="en">\n<head><title>Subscribers</title></head>\n<body>\n<h1>Subscribers only</h1>\n</body>\n</html>\n'
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "rdf": "application/rdf+xml"}
CACHE_SIZE = 1024
Rendered = tuple[bytes, str, datetime]  # body, content type, last modified


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
        self._httpd: DemoHTTPServer | None = None
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
        self._httpd = DemoHTTPServer((self.host, self.port), DemoRequestHandler, self)
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
            return error_response(405, "Method Not Allowed", ("Allow", "GET, HEAD"))
        as_of, parts = self.as_of, path.strip("/").split("/")
        if path == "/robots.txt":
            return Response(200, ROBOTS)
        if path == "/private/index.html":
            return Response(200, PRIVATE, "text/html; charset=utf-8")
        if parts[0] == "feeds" and len(parts) == 2 and parts[1].endswith(".xml"):
            source = self.sources.get(parts[1].removesuffix(".xml"))
            if source is None or source.kind != "feed":
                return error_response(404, "Not Found")
            return self._failure(source, as_of) or self._feed(source, as_of, headers)
        if parts[0] == "sites" and len(parts) >= 2:
            source = self.sources.get(parts[1])
            if source is None or source.kind == "dataset":
                return error_response(404, "Not Found")
            return self._failure(source, as_of) or self._site(source, parts[2:], as_of)
        if parts[0] == "datasets":
            return self._dataset("/".join(parts[1:]), query, as_of, headers)
        return error_response(404, "Not Found")

    def _as_of_endpoint(self, method: str, query: dict[str, list[str]]) -> Response:
        if method == "POST":
            try:
                self.as_of = date.fromisoformat(query.get("date", [""])[0])
            except ValueError:
                return error_response(400, "Bad Request: date=YYYY-MM-DD")
        elif method not in {"GET", "HEAD"}:
            return error_response(405, "Method Not Allowed", ("Allow", "GET, HEAD, POST"))
        return Response(200, json.dumps({"as_of": self.as_of.isoformat()}).encode(), JSON)

    def _failure(self, source: DemoSource | None, as_of: date) -> Response | None:
        """The scripted error of the source on that day; `slow` only delays the normal answer."""
        failure = source.failure_on(as_of) if source else None
        if failure is None:
            return None
        if failure.mode == "http_503":
            return error_response(503, "Service Unavailable", ("Retry-After", "3600"))
        if failure.mode == "http_500":
            return error_response(500, "Internal Server Error")
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
        return conditional_response(headers, *cached) if cached else error_response(404, "Not Found")

    def _site(self, source: DemoSource, rest: list[str], as_of: date) -> Response:
        if not rest or (len(rest) == 2 and rest[0] == "page" and rest[1].isdigit()):
            return self._listing(source, int(rest[1]) if rest else 1, as_of)
        if len(rest) == 2 and rest[0] == "articles" and rest[1].endswith(".html"):
            return self._article(source, rest[1].removesuffix(".html"), as_of)
        return error_response(404, "Not Found")

    def _listing(self, source: DemoSource, page: int, as_of: date) -> Response:
        start, end = self.index.visible(source.id, as_of)
        first = start + (page - 1) * self.page_size
        if page < 1 or (page > 1 and first >= end):
            return error_response(404, "Not Found")
        failure = source.failure_on(as_of)
        layout = "changed" if failure and failure.mode == "layout_change" else "standard"
        rows = self.index.rows(first, min(end, first + self.page_size))
        body = formats.render_listing(source, rows, page, first + self.page_size < end, self.base_url, layout)
        return Response(200, body, f"text/html; charset={source.encoding}")

    def _article(self, source: DemoSource, article_id: str, as_of: date) -> Response:
        start, end = self.index.visible(source.id, as_of)
        position = self.index.position.get(article_id)
        if position is None or not start <= position < end:  # unknown, another source's, or not out yet
            return error_response(404, "Not Found")
        row = self.index.rows(position, position + 1).to_pylist()[0]
        related = self.index.rows(position + 1, min(end, position + 4)).to_pylist()
        body = formats.render_article(source, row, self.base_url, related)
        return Response(200, body, f"text/html; charset={source.encoding}")

    def _dataset(self, path: str, query: dict[str, list[str]], as_of: date, headers: Message) -> Response:
        kind = Datasets.format_of(path)
        if kind is None:
            return error_response(404, "Not Found")
        failed = self._failure(self.by_format.get(kind), as_of)
        if failed:
            return failed
        offset, limit = int_param(query, "offset", 0, 0, 10**9), int_param(query, "limit", 1000, 1, 1000)

        def render() -> Rendered | None:
            rendered = self.datasets.render(path, as_of, offset, limit)
            return None if rendered is None else (*rendered, formats.midnight(as_of))

        cached = self._cached(("dataset", path, as_of, offset, limit), render)
        return conditional_response(headers, *cached) if cached else error_response(404, "Not Found")
