"""HTTP plumbing under the demo server: responses, conditional GET, the threaded server and its handler."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from blindspot.demo.server import DemoServer

log = logging.getLogger(__name__)

TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = TEXT
    headers: tuple[tuple[str, str], ...] = ()


def error_response(status: int, text: str, *headers: tuple[str, str]) -> Response:
    return Response(status, f"{text}\n".encode(), TEXT, headers)


def http_date(ts: datetime) -> str:
    return format_datetime(ts.astimezone(UTC), usegmt=True)


def not_modified(headers: Message, etag: str, last_modified: datetime) -> bool:
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


def conditional_response(headers: Message, body: bytes, content_type: str, modified: datetime) -> Response:
    """200 with ETag and Last-Modified, or an empty 304 when the request's validators still match."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    validators = (("ETag", etag), ("Last-Modified", http_date(modified)))
    if not_modified(headers, etag, modified):
        return Response(304, b"", "", validators)
    return Response(200, body, content_type, validators)


def int_param(query: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = query.get(name, [])
    return min(high, max(low, int(values[0]))) if values and values[0].isdigit() else default


class DemoHTTPServer(ThreadingHTTPServer):
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


class DemoRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: collectors reuse connections on loopback
    server_version = "blindspot-demo/1"
    disable_nagle_algorithm = True  # headers and body go out as two writes; do not wait on delayed ACKs
    server: DemoHTTPServer

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
