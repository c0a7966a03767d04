"""The demo server's feeds and sites over real HTTP: formats, encodings, full text, pages and escaping."""

from __future__ import annotations

from pathlib import Path

import feedparser
import httpx
import pyarrow.compute as pc
import pytest
from parsel import Selector

from blindspot.demo import dataset_formats, formats
from blindspot.demo.world import read_world
from crawlers.items import clean_text
from tests.demo_world import (
    AS_OF,
    PAGE_SIZE,
    SCRIPT,
    SOURCES_BY_ID,
    TEXT,
    client,
    server,
    visible_titles,
    world_root,
)

__all__ = ["client", "server", "world_root"]  # the shared fixtures


@pytest.mark.parametrize(
    ("source_id", "encoding"),
    [("wire-rss", "utf-8"), ("agence-atom", "utf-8"), ("basin-rdf", "utf-8"), ("dispatch-ru", "windows-1251")]
    + [("radio-ar", "windows-1256"), ("gazette-latin", "iso-8859-1")],
)
def test_feeds_parse_in_every_format_and_encoding(
    client: httpx.Client, source_id: str, encoding: str
) -> None:
    response = client.get(f"/feeds/{source_id}.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].endswith(f"charset={encoding}")
    assert response.content.startswith(f'<?xml version="1.0" encoding="{encoding}"?>'.encode())
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == visible_titles(source_id)
    entry = feed.entries[0]
    assert entry.link.endswith(
        f"/sites/{source_id}/articles/{source_id}-09.html?utm_source=rss&utm_medium=feed"
    )
    assert (entry.get("published_parsed") or entry.updated_parsed)[:4] == (2026, 3, 10, 6)  # RDF: dc:date
    assert entry.summary == TEXT[SOURCES_BY_ID[source_id].language][1]


def test_cyrillic_and_arabic_bytes_are_in_the_served_encoding(client: httpx.Client) -> None:
    assert "Рынки Карсы".encode("windows-1251") in client.get("/feeds/dispatch-ru.xml").content
    assert "كارسا".encode("windows-1256") in client.get("/feeds/radio-ar.xml").content


@pytest.mark.parametrize(
    "source_id", ["wire-rss", "agence-atom", "basin-rdf", "dispatch-ru", "radio-ar", "gazette-latin"]
)
def test_full_text_feeds_carry_the_article_text_and_others_only_the_lead(
    client: httpx.Client, source_id: str
) -> None:
    """content:encoded (RSS 2.0, RDF) or Atom content holds lead + paragraphs as the article page has them."""
    source = SOURCES_BY_ID[source_id]
    feed = feedparser.parse(client.get(f"/feeds/{source_id}.xml").content)
    assert not feed.bozo
    _, lead, body = TEXT[source.language]
    for entry, title in zip(feed.entries, visible_titles(source_id), strict=True):
        assert entry.summary == lead
        if not source.full_text:
            assert "content" not in entry
            continue
        number = title.split()[-2] if source_id == "gazette-latin" else title.split()[-1]
        assert clean_text(entry.content[0].value) == f"{lead}\n{body}\n{body} {number}"
        assert entry.content[0].type == "text/html"


def test_wrong_declared_encoding_is_the_same_trap_in_header_and_declaration(client: httpx.Client) -> None:
    raw = client.get("/feeds/gazette-latin.xml").content
    assert "rouvrent 9 é".encode() in raw  # the bytes are UTF-8 ...
    assert "é" not in raw.decode("iso-8859-1")  # ... so trusting the declaration gives mojibake


def test_robots_disallows_private_which_exists(client: httpx.Client) -> None:
    robots = client.get("/robots.txt")
    assert robots.text == "User-agent: *\nDisallow: /private/\n"
    assert client.get("/private/index.html").status_code == 200


def test_pagination_lists_every_published_article_once(client: httpx.Client) -> None:
    seen, page, path = [], 1, "/sites/courier-html/"
    while path:
        html = Selector(text=client.get(path).text)
        links = html.css("article.teaser h2 a::attr(href)").getall()
        assert len(links) == (PAGE_SIZE if page < 3 else 2)
        seen += links
        path, page = html.css("a.next::attr(href)").get(), page + 1
    assert page == 4
    assert seen == [f"/sites/courier-html/articles/courier-html-{i:02d}.html" for i in range(9, -1, -1)]
    assert client.get("/sites/courier-html/page/4/").status_code == 404
    assert client.get("/sites/courier-html/articles/courier-html-10.html").status_code == 404  # not out yet
    assert client.get("/sites/courier-html/articles/wire-rss-01.html").status_code == 404  # another site's
    article = Selector(text=client.get("/sites/courier-html/articles/courier-html-09.html").text)
    assert article.css("h1::text").get() == "Markets reopen in Karsa 9"
    assert article.css("article time::attr(datetime)").get() == "2026-03-10T06:09:00Z"
    assert article.css("div.article-body p::text").getall()[0].startswith("KARSA")


def test_article_page_has_caption_before_text_and_rtl_for_arabic(client: httpx.Client) -> None:
    html = client.get("/sites/express-html/articles/express-html-06.html")
    page = Selector(text=html.text)
    assert page.css("html::attr(dir)").get() == "rtl" and page.css("html::attr(lang)").get() == "ar"
    assert html.text.index("<figcaption>") < html.text.index('<div class="article-body">')
    assert page.css('meta[property="article:published_time"]::attr(content)').get() == "2026-03-07T06:06:00Z"
    assert (
        page.css('link[rel="canonical"]::attr(href)')
        .get()
        .endswith("/express-html/articles/express-html-06.html")
    )
    assert len(page.css("footer .related a")) == 3


@pytest.mark.parametrize("source_id", ["wire-rss", "agence-atom", "basin-rdf", "dispatch-ru"])
def test_malformed_rendering_breaks_after_good_entries_in_every_format(
    world_root: Path, source_id: str
) -> None:
    world = read_world(world_root)
    articles = world.tables["articles"].filter(pc.equal(world.tables["articles"]["source_id"], source_id))
    feed = feedparser.parse(formats.render_feed(SOURCES_BY_ID[source_id], articles, "http://h", AS_OF, True))
    assert feed.bozo and len(feed.entries) >= 6
    assert [e.title for e in feed.entries[:6]] == articles.column("title").to_pylist()[:6]


def test_untrusted_titles_are_escaped(client: httpx.Client) -> None:
    raw = client.get("/feeds/wire-rss.xml").content
    assert b"<script>" not in raw and b"&lt;script&gt;" in raw
    assert SCRIPT in [e.title for e in feedparser.parse(raw).entries]
    for path in ("/sites/courier-html/page/2/", "/sites/courier-html/articles/courier-html-03.html"):
        text = client.get(path).text
        assert "<script>" not in text
        assert SCRIPT in Selector(text=text).css("h1::text, h2 a::text").getall()


def test_renderers_are_deterministic(world_root: Path) -> None:
    world = read_world(world_root)
    articles, source = world.tables["articles"].slice(0, 5), SOURCES_BY_ID["wire-rss"]
    row = articles.to_pylist()[0]
    renders = [
        lambda: formats.render_feed(source, articles, "http://h", AS_OF),
        lambda: formats.render_feed(source, articles, "http://h", AS_OF, malformed=True),
        lambda: formats.render_listing(source, articles, 2, True, "http://h", "changed"),
        lambda: formats.render_article(source, row, "http://h", articles.to_pylist()[1:]),
        lambda: dataset_formats.render_cpj_csv(world.tables["incidents"], AS_OF),
        lambda: dataset_formats.render_rsf_csv(world.tables["press_scores"], 2024),
        lambda: dataset_formats.render_ioda_json(world.tables["signals"], "XV", AS_OF, alpha3="XVA"),
        lambda: dataset_formats.render_reliefweb_json(world.tables["reports"], AS_OF),
    ]
    for render in renders:
        assert render() == render()
