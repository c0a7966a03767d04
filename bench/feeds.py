"""Feeds per second for 200-item feeds served on 127.0.0.1: our collector against feedparser's own fetch loop."""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser

from core.registry import Source
from core.settings import Settings
from crawlers.collect import collect
from crawlers.http import FetchPolicy

NIGHT = date(2026, 11, 1)


def make_feed(index: int, items: int) -> bytes:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    entries = "".join(
        f"<item><title>Story {index}-{i}: residents of Karsa report shelling</title>"
        f"<link>https://outlet{index}.example.test/{i}?utm_source=rss</link><guid>{index}-{i}</guid>"
        f"<pubDate>{format_datetime(start - timedelta(minutes=7 * i))}</pubDate>"
        f"<description>&lt;p&gt;KARSA, Valdoria (Outlet {index}) - Families left the town overnight, "
        f"a nurse said. Story {i}.&lt;/p&gt;</description></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Outlet {index}</title><link>https://outlet{index}.example.test/</link>{entries}</channel></rss>"
    ).encode()


def serve(feeds: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def do_GET(self) -> None:  # noqa: N802
            body = feeds.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=200)
    args = parser.parse_args(argv)
    feeds = {f"/feed/{i}.xml": make_feed(i, args.items) for i in range(args.feeds)}
    httpd = serve(feeds)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    sources = [
        Source(
            id=f"outlet-{i}",
            name=f"Outlet {i}",
            kind="feed",
            url=f"{base}/feed/{i}.xml",
            languages=["en"],
            tier="national",
        )
        for i in range(args.feeds)
    ]
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp:
        settings = Settings.from_env(environ={}, home=Path(tmp), allow_loopback=True)
        policy = FetchPolicy(user_agent="blindspot-bench", allow_loopback=True, retries=0)
        started = time.perf_counter()
        summary = collect(sources, settings, NIGHT, "bench", policy=policy)
        ours = time.perf_counter() - started
    assert summary.items == args.feeds * args.items, summary
    started = time.perf_counter()
    parsed = sum(len(feedparser.parse(s.url).entries) for s in sources)
    baseline = time.perf_counter() - started
    httpd.shutdown()
    assert parsed == args.feeds * args.items
    print(f"{args.feeds} feeds x {args.items} items on 127.0.0.1")
    print(
        f"  blindspot collect (fetch, parse, normalise, land): {ours:6.2f} s  {args.feeds / ours:7.1f} feeds/s"
    )
    print(
        f"  feedparser.parse(url), one after another:          {baseline:6.2f} s  {args.feeds / baseline:7.1f} feeds/s"
    )
    print(f"  ratio vs feedparser's own fetch loop: {baseline / ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
