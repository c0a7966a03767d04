"""The generic spider against a real local HTTP server serving tests/fixtures/spider_generic."""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from core.registry import Selectors, Source
from core.settings import Settings
from crawlers.extract import extract_article
from crawlers.html import CrawlSummary, crawl_html, crawl_html_many
from landing.schemas import LANDING_SCHEMAS

FIXTURE = Path(__file__).parent / "fixtures" / "spider_generic"
ARTICLES = sorted(p.stem for p in (FIXTURE / "articles").glob("*.html"))
DATA_DATE = date(2026, 11, 25)
SELECTORS = {
    "article_links": "article.teaser h2 a",
    "next_page": "a.next",
    "title": "h1.headline",
    "body": "div.article-body",
    "published": "time::attr(datetime)",
}
DATELINE = re.compile(r"^[^()]{4,40} \((Meridian Wire|ميريديان واير)\) - \w")
FAST_RETRIES = {"BLINDSPOT_RETRY_BACKOFF_SECONDS": 0.05}
HUGE = b"<html><body>" + b"x" * (11 * 1024 * 1024) + b"</body></html>"  # over the 10 MB cap
REDIRECTS = {
    "/go/private": "/private/report.html",  # disallowed by robots.txt
    "/go/metadata": "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "/loop/a": "/loop/b",
    "/loop/b": "/loop/a",
}


class SiteHandler(SimpleHTTPRequestHandler):
    """The static fixture site, plus a few misbehaving pages."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in REDIRECTS:
            self._reply(302, b"", location=REDIRECTS[path])
        elif path == "/broken.html":
            self._reply(500, b"<html>down</html>")
        elif path == "/slow.html":
            time.sleep(2.5)
            self._reply(200, b"<html>too late</html>")
        elif path == "/huge.html":
            self._reply(200, HUGE)
        else:
            super().do_GET()

    def _reply(self, status: int, body: bytes, location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the crawler hangs up on huge and slow pages
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = SiteServer(("127.0.0.1", 0), partial(SiteHandler, directory=str(FIXTURE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def source(site: str, path: str = "/news/index.html", source_id: str = "meridian-wire") -> Source:
    return Source.model_validate(
        {
            "id": source_id,
            "name": "Meridian Wire",
            "kind": "html",
            "url": site + path,
            "languages": ["en", "fr", "ar"],
            "tier": "wire",
            "politeness": {"download_delay": 0, "timeout_seconds": 1},
            "selectors": SELECTORS,
        }
    )


def home_settings(home: Path, allow_loopback: bool = True) -> Settings:
    return Settings.from_env(environ={}, home=home, allow_loopback=allow_loopback)


def read(summary: CrawlSummary) -> tuple[list[dict], list[dict]]:
    return pq.read_table(summary.items_path).to_pylist(), pq.read_table(summary.fetch_events_path).to_pylist()


@pytest.fixture(scope="module")
def first_crawl(site: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlSummary, list, list]:
    settings = home_settings(tmp_path_factory.mktemp("blindspot"))
    summary = crawl_html(source(site), settings, DATA_DATE, "crawl-1", scrapy_settings=FAST_RETRIES)
    return summary, *read(summary)


def paths(events: list[dict]) -> Counter:
    return Counter(e["url"].split("/", 3)[-1].split("?")[0] for e in events)


def test_every_article_is_crawled_once_with_its_dateline_lead(first_crawl) -> None:
    summary, items, _ = first_crawl
    assert summary.items == len(items) == len(ARTICLES) == 12
    assert sorted(i["canonical_url"].rsplit("/", 1)[-1].removesuffix(".html") for i in items) == ARTICLES
    assert all("utm_source" not in i["canonical_url"] for i in items)
    assert Counter(i["language"] for i in items) == {"en": 4, "fr": 4, "ar": 4}
    for item in items:
        lead = item["lead_text"]
        assert DATELINE.match(lead), lead  # kept raw: the dateline opens the lead
        assert "Photo" not in lead and "صورة" not in lead  # the caption above the text is not the lead
        assert item["body_text"].startswith(lead)
        assert "dataLayer" not in item["title"] and "Breaking" not in item["title"]
    by_slug = {i["canonical_url"].rsplit("/", 1)[-1]: i for i in items}
    assert by_slug["brenna-checkpoint.html"]["lead_text"].startswith(
        "BRENNA, Valdoria (Meridian Wire) - Forty"
    )
    assert by_slug["karsa-curfew.html"]["title"] == "Curfew extended in Karsa"
    assert by_slug["karsa-shelling.html"]["published_at"].isoformat() == "2026-11-17T05:30:00+00:00"
    assert (
        by_slug["brenna-checkpoint.html"]["published_at"].isoformat() == "2026-11-18T06:30:00+00:00"
    )  # meta
    assert by_slug["valdoria-talks.html"]["published_at"] is None
    assert {i["run_id"] for i in items} == {"crawl-1"} and {i["data_date"] for i in items} == {DATA_DATE}
    assert len({i["item_id"] for i in items}) == 12


def test_landing_files_follow_the_landing_schemas(first_crawl) -> None:
    summary = first_crawl[0]
    assert pq.read_schema(summary.items_path).equals(LANDING_SCHEMAS["items"], check_metadata=False)
    assert pq.read_schema(summary.fetch_events_path).equals(
        LANDING_SCHEMAS["fetch_events"], check_metadata=False
    )
    assert summary.items_path.parts[-4:] == ("items", "meridian-wire", "2026-11-25", "crawl-1.parquet")


def test_every_request_leaves_one_fetch_event(first_crawl) -> None:
    summary, _, events = first_crawl
    assert summary.requests == len(events) and len({e["event_id"] for e in events}) == len(events)
    assert summary.errors == sum(1 for e in events if e["error"])
    count = paths(events)
    assert count["robots.txt"] == 1
    assert all(count[f"articles/{slug}.html"] == 1 for slug in ARTICLES)
    errors = Counter((e["url"].split("/", 3)[-1].split("?")[0], e["error"]) for e in events if e["error"])
    assert errors == {
        ("private/leak.html", "robots_refused"): 1,
        ("private/report.html", "robots_refused"): 1,  # reached through a redirect
        ("latest/meta-data/", "blocked_address"): 1,  # a redirect to 169.254.169.254
        ("broken.html", "http_500"): 3,  # the first attempt and two retries
        ("slow.html", "timeout"): 3,
        ("huge.html", "size_cap"): 1,
        ("loop/a", "redirect_loop"): 1,
    }
    listings = {e["url"].rsplit("/", 1)[-1]: e["items"] for e in events if "/news/" in e["url"]}
    assert listings == {"index.html": 4, "page-2.html": 8, "page-3.html": 7}
    articles = [e for e in events if "/articles/" in e["url"]]
    assert all(e["http_status"] == 200 and e["items"] == 1 and e["bytes"] > 1000 for e in articles)
    assert all(e["duration_ms"] is not None for e in articles)
    hops = [e for e in events if e["http_status"] == 302]
    assert sorted(paths(hops)) == ["go/metadata", "go/private", "loop/a", "loop/b"]


def test_second_crawl_requests_no_known_article_and_stops_paginating(first_crawl, site, tmp_path) -> None:
    known = {i["canonical_url"] for i in first_crawl[1]}
    summary = crawl_html(source(site), home_settings(tmp_path), DATA_DATE, "crawl-2", known_urls=known)
    items, events = read(summary)
    assert items == [] and summary.items == 0
    assert paths(events) == {"robots.txt": 1, "news/index.html": 1}  # page 1 is all known: no page 2
    assert [e["items"] for e in events if "news" in e["url"]] == [4]


def test_listing_without_article_links_is_a_layout_change(site, tmp_path) -> None:
    summary = crawl_html(source(site, "/redesign.html"), home_settings(tmp_path), DATA_DATE, "crawl-3")
    items, events = read(summary)
    assert items == []
    listing = next(e for e in events if e["url"].endswith("/redesign.html"))
    assert (listing["http_status"], listing["error"], listing["items"]) == (200, "layout_changed", 0)
    assert "article.teaser h2 a" in listing["error_detail"]


def test_loopback_is_refused_unless_allowed_and_crawl_html_runs_twice(site, tmp_path) -> None:
    settings = home_settings(tmp_path, allow_loopback=False)
    for run_id in ("crawl-4", "crawl-5"):  # a second call in the same process works (a fresh child each time)
        summary = crawl_html(source(site), settings, DATA_DATE, run_id)
        items, events = read(summary)
        assert items == []
        assert [(e["error"], e["http_status"]) for e in events] == [("blocked_address", None)]
        assert "loopback" in events[0]["error_detail"]


def test_crawl_html_many_crawls_several_sources_in_one_process(first_crawl, site, tmp_path) -> None:
    known = {i["canonical_url"] for i in first_crawl[1]}
    sources = [source(site), source(site, "/redesign.html", "meridian-new-look")]
    summaries = crawl_html_many(
        sources, home_settings(tmp_path), DATA_DATE, "crawl-6", {"meridian-wire": known}
    )
    assert [s.source_id for s in summaries] == ["meridian-wire", "meridian-new-look"]
    assert [s.items for s in summaries] == [0, 0]
    assert all(s.fetch_events_path.exists() and s.items_path.exists() for s in summaries)


def test_extraction_falls_back_to_trafilatura_without_selectors() -> None:
    html = (FIXTURE / "articles" / "karsa-qasf.html").read_bytes()
    fields = extract_article(html, "https://example.org/a", Selectors(article_links="a"), "en")
    assert fields["lead_text"].startswith("كارسا، فالدوريا (ميريديان واير) - ")
    assert fields["language"] == "ar" and fields["title"] == "تجدد القصف على أطراف كارسا"
    assert fields["published_at"] is not None
