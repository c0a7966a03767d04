"""A local HTTP server that misbehaves on purpose: bombs, loops, slow answers, errors (loopback only)."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
import zlib
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


@cache
@cache
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB of zeros (built once: it takes seconds, longer than a
    test client's read timeout on a busy machine)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    return b"".join(compressor.compress(chunk) for _ in range(1024)) + compressor.flush()


class FaultHandler(BaseHTTPRequestHandler):
    server_version = "FaultServer/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        port = self.server.server_address[1]
        if path.startswith("/feeds/"):
            body = (FEEDS / path.removeprefix("/feeds/")).read_bytes()
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, headers={"ETag": etag})
            charset = "windows-1251" if "1251" in path else "iso-8859-1" if "wrong" in path else "utf-8"
            return self.send(
                200,
                body,
                {
                    "Content-Type": f"application/rss+xml; charset={charset}",
                    "ETag": etag,
                    "Last-Modified": "Sun, 01 Nov 2026 10:00:00 GMT",
                },
            )
        if path == "/gzip-bomb":
            return self.send(
                200, gzip_bomb(), {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
            )
        if path == "/big":
            return self.send(
                200, b"<rss>" + b" " * (11 * 1024 * 1024) + b"</rss>", {"Content-Type": "text/xml"}
            )
        if path == "/loop":
            return self.send(302, headers={"Location": "/loop-b"})
        if path == "/loop-b":
            return self.send(302, headers={"Location": "/loop"})
        if path == "/to-loopback":
            return self.send(302, headers={"Location": f"http://127.0.0.1:{port}/feeds/rss2.xml"})
        if path == "/error":
            return self.send(500, b"internal error")
        if path == "/slow":
            time.sleep(1.5)
            return self.send(200, (FEEDS / "rss2.xml").read_bytes(), {"Content-Type": "application/rss+xml"})
        if path == "/drip":  # a byte every 0.3 s, for as long as the client listens (an endless trickle)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            try:
                for _ in range(10_000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.3)
            except (BrokenPipeError, ConnectionResetError):
                return None
            return None
        if path == "/gzipped-feed":
            body = gzip.compress((FEEDS / "atom.xml").read_bytes())
            return self.send(200, body, {"Content-Type": "application/atom+xml", "Content-Encoding": "gzip"})
        return self.send(404, b"not found")


class FaultServer:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), FaultHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FaultServer:
        gzip_bomb()  # before serving, so no request waits for it
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
