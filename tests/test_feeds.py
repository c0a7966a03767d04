"""Feed collection against a real local server: formats, encodings, 304, bombs, loops, SSRF, failures."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from core.registry import Source
from core.settings import Settings
from crawlers.collect import collect
from crawlers.feeds import collect_feed, declares_entities, parse_entries
from crawlers.http import Fetcher, FetchPolicy
from crawlers.items import canonical_url, clean_text
from crawlers.netguard import BlockedAddress, address_class, check_url
from tests.faultserver import FEEDS, FaultServer

NIGHT = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def source(url: str, sid: str = "fixture-wire", languages: tuple[str, ...] = ("en",)) -> Source:
    return Source(id=sid, name=sid, kind="feed", url=url, languages=list(languages), tier="wire")


def fetcher(allow_loopback: bool = True, timeout: float = 5.0, resolver=None) -> Fetcher:
    policy = FetchPolicy(
        user_agent="blindspot-test",
        allow_loopback=allow_loopback,
        timeout_seconds=timeout,
        retries=0,
        max_bytes=10 * 1024 * 1024,
    )
    return Fetcher(policy, resolver=resolver) if resolver else Fetcher(policy)


def test_rss2_items_are_normalised(server: FaultServer) -> None:
    with fetcher() as f:
        out = collect_feed(source(f"{server.base_url}/feeds/rss2.xml"), f, "r1", NIGHT)
    [event] = out.fetches
    assert (event.http_status, event.error, event.items) == (200, None, 2)
    first, second = out.items
    assert first["canonical_url"] == "https://wire.example.test/2026/11/01/karsa?id=7"
    assert first["title"] == "Residents flee Karsa after shelling"
    assert first["lead_text"] == "KARSA, Valdoria (Fixture Wire) - Hundreds of families left overnight."
    assert first["published_at"] == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert first["language"] == "en" and first["author"] == "Amira Dalen"
    assert second["published_at"] is None and second["fetched_at"] is not None
    [rejected] = out.rejected
    assert (rejected["field"], rejected["rule"]) == ("link", "http_url")
    assert rejected["locator"].endswith("entry 3")


@pytest.mark.parametrize(
    ("name", "title", "language"),
    [
        ("atom.xml", "Des habitants fuient Karsa", "fr"),
        ("rdf.xml", "Kelmar market reopens", "en"),
        ("cp1251.xml", "Жители покидают Карсу", "ru"),
        ("wrong_declared_encoding.xml", "Café reopens in Kelmar — residents return", "en"),
    ],
)
def test_formats_and_encodings(server: FaultServer, name: str, title: str, language: str) -> None:
    with fetcher() as f:
        out = collect_feed(source(f"{server.base_url}/feeds/{name}", languages=(language,)), f, "r1", NIGHT)
    assert out.fetches[-1].error is None, out.fetches[-1].error_detail
    assert out.items[0]["title"] == title
    assert out.items[0]["language"] == language


def test_gzip_encoded_feed(server: FaultServer) -> None:
    with fetcher() as f:
        out = collect_feed(source(f"{server.base_url}/gzipped-feed"), f, "r1", NIGHT)
    assert out.items[0]["title"] == "Des habitants fuient Karsa"


def test_conditional_get_gives_304(server: FaultServer) -> None:
    src = source(f"{server.base_url}/feeds/rss2.xml")
    with fetcher() as f:
        first = collect_feed(src, f, "r1", NIGHT).fetches[-1]
        second = collect_feed(src, f, "r2", NIGHT, state=(first.etag, first.last_modified)).fetches[-1]
    assert first.etag and second.http_status == 304
    assert second.is_not_modified and second.error is None and second.items == 0


def test_file_url_feed(tmp_path: Path) -> None:
    with fetcher() as f:
        out = collect_feed(source((FEEDS / "atom.xml").as_uri()), f, "r1", NIGHT)
        again = collect_feed(
            source((FEEDS / "atom.xml").as_uri()), f, "r2", NIGHT, state=(None, out.fetches[0].last_modified)
        )
    assert len(out.items) == 1 and again.fetches[0].is_not_modified


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/gzip-bomb", "size_cap"),
        ("/big", "size_cap"),
        ("/loop", "redirect_loop"),
        ("/error", "http_500"),
        ("/feeds/entity_bomb.xml", "xml_entity_declaration"),
        ("/nothing-here", "http_404"),
    ],
)
def test_faults_become_fetch_events(server: FaultServer, path: str, error: str) -> None:
    with fetcher() as f:
        out = collect_feed(source(server.base_url + path), f, "r1", NIGHT)
    assert out.fetches[-1].error == error, out.fetches[-1].error_detail
    assert out.items == []


def test_entity_declarations_are_refused_in_any_encoding_and_anywhere() -> None:
    """defusedxml reads the whole document: a DOCTYPE after 70 kB of comment, or UTF-16, is still refused;
    a feed that is not well-formed is read as before unless its text declares entities."""
    bomb = (FEEDS / "entity_bomb.xml").read_bytes()
    variants = {
        "as is": bomb,
        "UTF-16": (
            "\ufeff" + bomb.decode().replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>', 1)
        ).encode("utf-16-le"),
        "after a long comment": bomb.replace(b"?>", b"?>\n<!--" + b"x" * 70_000 + b"-->", 1),
        "not well-formed": bomb + b"<unclosed>",
        "not well-formed UTF-16": (bomb + b"<unclosed>").decode().encode("utf-16"),
    }
    for name, body in variants.items():
        items, _, error, detail = parse_entries(source("http://x"), body, {}, "http://x", NOW, "r1", NIGHT)
        assert (error, items) == ("xml_entity_declaration", []), name
        assert "declares XML entities" in detail
    broken = b"<rss><channel><item><title>a &amp; b</title><link>https://x.test/1</link></item>"
    assert declares_entities(broken) is None and declares_entities((FEEDS / "rss2.xml").read_bytes()) is None


def test_timeout_and_slow_server(server: FaultServer) -> None:
    with fetcher(timeout=0.5) as f:
        timed_out = collect_feed(source(f"{server.base_url}/slow"), f, "r1", NIGHT).fetches[-1]
    with fetcher(timeout=5) as f:
        slow = collect_feed(source(f"{server.base_url}/slow"), f, "r1", NIGHT)
    assert timed_out.error == "timeout"
    assert slow.fetches[-1].error is None and len(slow.items) == 2 and slow.fetches[-1].duration_ms > 1000


def test_a_trickling_server_is_cut_at_the_request_deadline(server: FaultServer) -> None:
    """A byte every 0.3 s never trips the per-read timeout; the whole request's deadline stops it."""
    policy = FetchPolicy(
        user_agent="t", allow_loopback=True, retries=0, timeout_seconds=2, deadline_seconds=1.5
    )
    started = time.perf_counter()
    with Fetcher(policy) as f:
        out = collect_feed(source(f"{server.base_url}/drip"), f, "r1", NIGHT)
    took = time.perf_counter() - started
    event = out.fetches[-1]
    assert event.error == "timeout" and "deadline" in event.error_detail and out.items == []
    assert 1.5 <= took < 1.5 * 1.1 + 0.3  # the deadline, plus at most one read of the trickle


def test_no_source_holds_the_night_past_its_budget(server: FaultServer, tmp_path: Path) -> None:
    """Ten trickling feeds, four at a time, each with a 60 s request deadline and retries: the night's
    collection ends at its budget, and every source is recorded (timeout), none lost."""
    settings = Settings.from_env(environ={}, home=tmp_path, allow_loopback=True)
    sources = [source(f"{server.base_url}/drip?n={n}", f"drip-{n}") for n in range(10)]
    policy = FetchPolicy(user_agent="t", allow_loopback=True, retries=2, night_budget_seconds=2.0)
    started = time.perf_counter()
    summary = collect(sources, settings, NIGHT, "run-1", workers=4, policy=policy)
    took = time.perf_counter() - started
    assert took < 2.0 * 1.1 + 0.4  # the budget plus 10%, and one read of the trickle
    assert summary.sources == 10 and summary.items == 0
    for n in range(10):
        [event] = pq.read_table(
            tmp_path / f"landing/fetch_events/drip-{n}/2026-11-01/run-1.parquet"
        ).to_pylist()
        assert event["error"] == "timeout"


def test_retries_leave_one_event_per_request(server: FaultServer) -> None:
    policy = FetchPolicy(user_agent="t", allow_loopback=True, retries=2, backoff_seconds=0.01)
    with Fetcher(policy) as f:
        out = collect_feed(source(f"{server.base_url}/error"), f, "r1", NIGHT)
    assert [e.error for e in out.fetches] == ["http_500"] * 3
    assert len({e.row()["event_id"] for e in out.fetches}) == 3


def test_loopback_refused_unless_allowed(server: FaultServer) -> None:
    with fetcher(allow_loopback=False) as f:
        out = collect_feed(source(f"{server.base_url}/feeds/rss2.xml"), f, "r1", NIGHT)
    assert out.fetches[-1].error == "blocked_address" and out.items == []


def test_redirect_to_loopback_refused(server: FaultServer) -> None:
    # "localhost" plays a public host here: the classifier is told it is public, the redirect target is not.
    pretend_public = {"localhost": ["93.184.216.34"]}
    port = server.base_url.rsplit(":", 1)[1]
    with fetcher(allow_loopback=False, resolver=lambda host: pretend_public[host]) as f:
        out = collect_feed(source(f"http://localhost:{port}/to-loopback"), f, "r1", NIGHT)
    event = out.fetches[-1]
    assert event.error == "blocked_address" and "127.0.0.1" in event.error_detail


ADDRESSES = [
    ("10.1.2.3", "private"),
    ("192.168.0.10", "private"),
    ("172.16.5.4", "private"),
    ("169.254.169.254", "link_local"),
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("fe80::1", "link_local"),
    ("fd00::1", "private"),
    ("::ffff:10.0.0.1", "private"),
    ("0.0.0.0", "unspecified"),
    ("100.64.0.1", "shared"),
    ("93.184.216.34", None),
    ("2606:4700::1111", None),
]


@pytest.mark.parametrize(("address", "kind"), ADDRESSES)
def test_address_classifier(address: str, kind: str | None) -> None:
    assert address_class(address) == kind


@pytest.mark.parametrize(
    ("host", "resolved", "refused"),
    [
        ("metadata.internal.test", ["169.254.169.254"], True),
        ("intranet.test", ["10.0.0.5"], True),
        ("mixed.test", ["93.184.216.34", "192.168.1.1"], True),
        ("public.test", ["93.184.216.34"], False),
    ],
)
def test_names_resolving_to_private_addresses(host: str, resolved: list[str], refused: bool) -> None:
    table = {host: resolved}  # a resolver table: this test makes no connection and no DNS query
    if refused:
        with pytest.raises(BlockedAddress):
            check_url(f"https://{host}/feed", resolver=table.__getitem__)
    else:
        check_url(f"https://{host}/feed", resolver=table.__getitem__)


def test_a_dead_source_loses_no_item_from_the_others(server: FaultServer, tmp_path: Path) -> None:
    settings = Settings.from_env(environ={}, home=tmp_path, allow_loopback=True)
    sources = [
        source(f"{server.base_url}/feeds/rss2.xml", "good-one"),
        source("http://127.0.0.1:9/feed.xml", "dead-one"),
        source(f"{server.base_url}/feeds/atom.xml", "good-two", ("fr",)),
    ]
    policy = FetchPolicy(user_agent="t", allow_loopback=True, retries=0, timeout_seconds=2)
    summary = collect(sources, settings, NIGHT, "run-1", policy=policy)
    assert summary.sources == 3 and summary.items == 3 and summary.failed_requests == 1
    items = pq.read_table(tmp_path / "landing/items/good-one/2026-11-01/run-1.parquet")
    events = pq.read_table(tmp_path / "landing/fetch_events/dead-one/2026-11-01/run-1.parquet").to_pylist()
    assert items.num_rows == 2
    assert events[0]["error"] == "connect_error" and events[0]["items"] == 0


def test_text_helpers() -> None:
    assert (
        canonical_url("HTTPS://Example.TEST:443/a?b=2&utm_campaign=x&a=1#frag")
        == "https://example.test/a?a=1&b=2"
    )
    assert clean_text("<p>One &amp; two</p><p>  three </p>") == "One & two\nthree"


def test_full_text_in_extension_elements_feeds_the_body(tmp_path: Path) -> None:
    """yandex:full-text (Russian news feeds) and content:encoded give the body; a media:description caption
    beside them is not taken for it."""
    feed = tmp_path / "ext.xml"
    feed.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:yandex="http://news.yandex.ru" xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title><language>ru</language>
<item><title>Обстрел</title><link>https://news.example.test/1</link><description>Кратко.</description>
<media:description>Фото: архив</media:description>
<yandex:full-text>ХЕРСОН — Жители сообщили об обстреле ночью. Второй абзац о последствиях.</yandex:full-text></item>
<item><title>Shelling</title><link>https://news.example.test/2</link><description>Short.</description>
<content:encoded><![CDATA[<p>KHERSON — Residents reported shelling overnight.</p><p>More.</p>]]></content:encoded>
<media:description>Photo: archive</media:description></item>
</channel></rss>""",
        encoding="utf-8",
    )
    with fetcher() as f:
        out = collect_feed(source(feed.as_uri(), languages=("ru", "en")), f, "r1", NIGHT)
    first, second = out.items
    assert first["body_text"].startswith("ХЕРСОН — Жители сообщили об обстреле ночью."), first["body_text"]
    assert second["body_text"].startswith("KHERSON — Residents reported shelling overnight."), second[
        "body_text"
    ]
