"""The demo server as an HTTP server: conditional GET, moving as-of, scripted failures, 404s, load, restart."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import feedparser
import httpx
import pytest
from parsel import Selector

from blindspot.demo.server import DemoServer
from blindspot.demo.world import read_world
from tests.demo_world import AS_OF, PAGE_SIZE, client, day, server, world_root

__all__ = ["client", "server", "world_root"]  # the shared fixtures


def test_conditional_get_on_feeds_and_datasets(client: httpx.Client, server: DemoServer) -> None:
    for path in ("/feeds/wire-rss.xml", "/datasets/acled.csv"):
        first = client.get(path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert etag.startswith('"') and int(first.headers["content-length"]) == len(first.content)
        again = client.get(path, headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        server.as_of = AS_OF + timedelta(days=1)
        newer = client.get(path, headers={"If-None-Match": etag, "If-Modified-Since": modified})
        assert newer.status_code == 200 and newer.headers["etag"] != etag
        server.as_of = AS_OF
    assert client.get("/feeds/wire-rss.xml").headers["last-modified"] == "Tue, 10 Mar 2026 06:09:00 GMT"


def test_moving_as_of_forward_adds_items(client: httpx.Client) -> None:
    assert len(feedparser.parse(client.get("/feeds/basin-rdf.xml").content).entries) == 10
    assert client.post("/_demo/as-of", params={"date": "2026-03-12"}).json() == {"as_of": "2026-03-12"}
    assert client.get("/_demo/as-of").json() == {"as_of": "2026-03-12"}
    assert len(feedparser.parse(client.get("/feeds/basin-rdf.xml").content).entries) == 12
    assert client.get("/sites/courier-html/articles/courier-html-11.html").status_code == 200
    assert client.post("/_demo/as-of", params={"date": "soon"}).status_code == 400


def test_503_inside_the_failure_window_only(client: httpx.Client, server: DemoServer) -> None:
    paths = ["/feeds/herald-503.xml", "/sites/herald-503/", "/sites/herald-503/articles/herald-503-01.html"]
    for offset, status in [(4, 200), (5, 503), (7, 503), (8, 200)]:
        server.as_of = day(offset)
        for path in paths:
            response = client.get(path)
            assert response.status_code == status, (path, offset)
            assert (response.headers.get("retry-after") is not None) == (status == 503)


def test_malformed_feed_still_yields_entries_with_bozo(client: httpx.Client, server: DemoServer) -> None:
    server.as_of = day(9)
    feed = feedparser.parse(client.get("/feeds/review-broken.xml").content)
    assert feed.bozo and len(feed.entries) >= 5
    assert feed.entries[0].title == "Markets reopen in Karsa 9"
    server.as_of = day(10)
    assert not feedparser.parse(client.get("/feeds/review-broken.xml").content).bozo


def test_slow_day_answers_late_but_normally(client: httpx.Client, server: DemoServer) -> None:
    server.as_of = day(8)
    started = time.monotonic()
    assert client.get("/feeds/review-broken.xml").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_layout_change_breaks_the_listing_selectors_but_not_articles(client: httpx.Client) -> None:
    changed = Selector(text=client.get("/sites/express-html/").text)
    assert (
        changed.css("article.teaser") == [] and changed.css("a.next") == [] and changed.css("article") == []
    )
    assert len(changed.css("div.story-card span.hl::attr(data-href)")) == PAGE_SIZE
    assert client.get("/sites/express-html/articles/express-html-02.html").status_code == 200
    assert len(Selector(text=client.get("/sites/courier-html/").text).css("article.teaser")) == PAGE_SIZE


@pytest.mark.parametrize(
    "path",
    ["/nope", "/feeds/courier-html.xml", "/feeds/missing.xml", "/sites/demo-cpj/", "/sites/courier-html/x"]
    + ["/datasets/ioda/ZZ.json", "/datasets/gdelt/nowhere.json", "/datasets/rsf_1999.csv", "/datasets/x.csv"],
)
def test_unknown_paths_are_404(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_keeps_up_with_hundreds_of_requests(client: httpx.Client) -> None:
    started = time.monotonic()
    for i in range(300):
        assert client.get(f"/sites/courier-html/articles/courier-html-{i % 10:02d}.html").status_code == 200
    assert time.monotonic() - started < 3


def test_restart_on_the_same_port_serves_the_new_world(world_root: Path) -> None:
    world = read_world(world_root)
    with DemoServer(world, AS_OF) as first, httpx.Client(base_url=first.base_url) as http:
        port = int(first.base_url.rsplit(":", 1)[1])
        assert http.get("/_demo/as-of").json() == {"as_of": "2026-03-10"}
        first.stop()
        with DemoServer(world, day(2), port=port):
            assert http.get("/_demo/as-of").json() == {
                "as_of": "2026-03-03"
            }  # same client, pooled connection
