"""Real article pages crawled from a local server: the stored lead is the story's first paragraph, and the
dateline read from it (as enrichment reads it) matches the hand labels of tests/fixtures/article_pages."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from core.registry import Source
from core.settings import Settings
from crawlers.feeds import parse_entries
from crawlers.html import crawl_html
from crawlers.lead import is_byline, is_caption, is_widget, lead_paragraph
from transforms.udf.dateline import DatelineMemo
from transforms.udf.datelines_resolve import DatelineResolver, extract_dateline

PAGES = Path(__file__).parent / "fixtures" / "article_pages"
LABELS: dict[str, dict] = json.loads((PAGES / "labels.json").read_text(encoding="utf-8"))
CONFIG = Path(__file__).resolve().parents[1] / "config"
DATA_DATE = date(2026, 11, 25)


def page_bytes(name: str) -> bytes:
    data = (PAGES / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


class PagesHandler(BaseHTTPRequestHandler):
    """A listing page linking every fixture, and each fixture's page bytes exactly as found."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/index.html":
            links = "".join(f'<li><a class="story" href="/pages/{name}">{name}</a></li>' for name in LABELS)
            self._reply(200, f"<html><body><ul>{links}</ul></body></html>".encode())
        elif path.startswith("/pages/") and path.removeprefix("/pages/") in LABELS:
            self._reply(200, page_bytes(path.removeprefix("/pages/")))
        else:
            self._reply(404, b"not found")

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html")  # the page's own <meta charset> decides, as on the web
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PagesHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def items(site: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The crawled items by fixture file, through the generic spider and the landing pipeline."""
    source = Source.model_validate(
        {
            "id": "real-pages",
            "name": "Real pages",
            "kind": "html",
            "url": f"{site}/index.html",
            "languages": ["en"],
            "tier": "national",
            "politeness": {"download_delay": 0, "timeout_seconds": 5},
            "selectors": {"article_links": "a.story"},  # as configured real sources: no body selector
        }
    )
    home = tmp_path_factory.mktemp("blindspot")
    settings = Settings.from_env(environ={}, home=home, allow_loopback=True)
    summary = crawl_html(source, settings, DATA_DATE, "real-pages-1")
    rows = pq.read_table(summary.items_path).to_pylist()
    return {row["url"].rsplit("/", 1)[-1]: row for row in rows}


@pytest.fixture(scope="module")
def resolver() -> DatelineResolver:
    return DatelineResolver.from_config(CONFIG)


def lead_dateline(item: dict, resolver: DatelineResolver) -> str | None:
    """The dateline place read from the stored lead, exactly as transforms/enrich.py reads it."""
    lead = item["lead_text"]
    found = resolver.extract(lead, item["language"] or "en", DatelineMemo()) if lead else None
    return found.place if found else None


def test_every_page_is_crawled(items: dict[str, dict]) -> None:
    assert sorted(items) == sorted(LABELS)
    assert len({label["language"] for label in LABELS.values()}) >= 4
    assert sum(1 for label in LABELS.values() if label["dateline"]) >= 20


@pytest.mark.parametrize("name", sorted(LABELS))
def test_the_dateline_from_the_stored_lead_matches_the_label(
    name: str, items: dict[str, dict], resolver: DatelineResolver
) -> None:
    item = items[name]
    assert lead_dateline(item, resolver) == LABELS[name]["dateline"], item["lead_text"]
    lead = item["lead_text"]
    assert lead and lead != item["title"] and not is_caption(lead) and not is_widget(lead)
    assert item["body_text"] and " ".join(lead.split()) in " ".join(item["body_text"].split())


def test_the_pipeline_finds_what_the_clean_text_reading_finds(
    items: dict[str, dict], resolver: DatelineResolver
) -> None:
    clean = {
        name: extract_dateline(item["body_text"] or "", item["language"] or "en")
        for name, item in items.items()
    }
    found_in_text = {name for name, dateline in clean.items() if dateline is not None}
    found_by_lead = {
        name for name in found_in_text if lead_dateline(items[name], resolver) == clean[name].place
    }
    assert len(found_by_lead) * 13 >= len(found_in_text) * 11, sorted(found_in_text - found_by_lead)
    no_dateline = [name for name, label in LABELS.items() if label["dateline"] is None]
    assert len(no_dateline) >= 4
    assert [name for name in no_dateline if lead_dateline(items[name], resolver)] == []


# -- the line rules, on lines taken from the pages above --------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "- Tweet",
        "- Link this",
        "- Share this",
        "Share Facebook Twitter Copy link Email",
        "Listen to this article",
        "Audio: Hear the story in two minutes",
        "AP Radio AP Radio News: Your browser does not support the audio element.",
        "Advertisement",
        "Read more: Sudan's army says it retook the bridge",
        "Related",
        "Lire aussi : la guerre au Soudan",
        "Lee también: Borrell pide elecciones",
        "Читайте также: новости региона",
        "Partager",
    ],
)
def test_widget_lines(line: str) -> None:
    assert is_widget(line)


@pytest.mark.parametrize(
    "line",
    [
        "KHARTOUM, Sudan (AP) — Fighting resumed on Tuesday.",
        "LONDON (Reuters) - A healthcare worker has been diagnosed with Ebola a day after flying home.",
        "Listeners in Goma said the radio had gone silent on Monday, and the station's staff had fled the city "
        "before the rebels reached the airport and the lake shore.",
        "Share prices fell in Nairobi on Monday.",
        "Related parties met in Doha.",
    ],
)
def test_story_lines_are_not_widgets(line: str) -> None:
    assert not is_widget(line) and not is_byline(line)


def test_bylines_and_captions() -> None:
    assert is_byline("By Cristina Alonso") and is_byline("Par Jean Dupont") and is_byline("Por Agencia EFE")
    assert not is_byline("By Monday the town had emptied, residents said.")
    assert is_caption("FILE PHOTO: French President Emmanuel Macron delivers his new year wishes")
    assert is_caption("Photo : Radio-Canada / Steve Bruce")


def test_the_lead_is_the_first_paragraph_of_the_story() -> None:
    title = "Healthcare worker in Scotland diagnosed with Ebola"
    lines = [
        title,
        "LONDON",
        "- Tweet",
        "- Link this",
        "By Jane Doe",
        "Photo: A hospital in Glasgow. (Photo: Reuters)",
        "LONDON (Reuters) - A healthcare worker has been diagnosed with Ebola, the government said.",
        "The patient is being treated in isolation.",
    ]
    assert lead_paragraph(lines, title) == lines[6]
    caption_first = [
        "FILE PHOTO: French President Emmanuel Macron at a ceremony near Orleans, France, January 16, 2020.",
        "January 18, 2020",
        "PARIS (Reuters) – Protesters tried to force their way into a theater in Paris on Friday evening.",
    ]
    assert lead_paragraph(caption_first, "Protesters gather at Paris theater") == caption_first[2]
    # nothing that reads as running text: the first line that is neither the title nor furniture
    assert lead_paragraph([title, "Share", "Rebels hold the airport"], title) == "Rebels hold the airport"
    assert lead_paragraph(["Share"], None) == "Share"
    assert lead_paragraph([], "A title") is None


def test_the_dateline_is_read_past_widget_lines_anywhere() -> None:
    body = "\n".join(
        [
            "Healthcare worker in Scotland diagnosed with Ebola",
            "LONDON",
            "- Tweet",
            "- Link this",
            "- Share this",
            "Listen to this article",
            "Advertisement",
            "LONDON (Reuters) - A healthcare worker has been diagnosed with Ebola.",
        ]
    )
    found = extract_dateline(body, "en")
    assert found is not None and found.place == "LONDON" and found.agency == "Reuters"
    # widgets are skipped, but the window still ends: a dateline below three story lines is not read
    late = "A first paragraph.\nA second one.\nA third one.\nLONDON (Reuters) - Too late to be a dateline."
    assert extract_dateline(late, "en") is None


def test_a_feed_entry_lead_is_its_first_paragraph() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Wire</title><language>en</language><item><title>Rebels take the airport</title>
<link>https://wire.example.test/a</link>
<content:encoded><![CDATA[<p>Rebels take the airport</p><p>By Jane Doe</p><p>Listen to this article</p>
<figure><figcaption>Photo: smoke over the city (Photo: AP)</figcaption></figure>
<p>GOMA, Congo (AP) - Rebels took the airport on Monday, witnesses said.</p><p>More text.</p>]]></content:encoded>
</item></channel></rss>"""
    source = Source.model_validate(
        {"id": "wire", "name": "Wire", "kind": "feed", "url": "https://wire.example.test/rss", "languages": ["en"],
         "tier": "wire"}
    )  # fmt: skip
    items, _, error, _ = parse_entries(source, feed, {}, source.url, datetime.now(UTC), "run-1", DATA_DATE)
    assert error is None
    assert items[0]["lead_text"] == "GOMA, Congo (AP) - Rebels took the airport on Monday, witnesses said."
    assert extract_dateline(items[0]["lead_text"], "en").place == "GOMA"
