"""The demo server over real HTTP: feeds per format and encoding, sites, datasets, as-of and failures."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser
import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from parsel import Selector

from blindspot.demo import dataset_formats, formats
from blindspot.demo.server import DemoServer, render_dataset_files
from blindspot.demo.world import TABLES, DemoSource, Failure, read_world, write_world
from crawlers.items import clean_text

START, DAYS, AS_OF = date(2026, 3, 1), 20, date(2026, 3, 10)
PAGE_SIZE = 4
SCRIPT = '<script>alert("x")</script> & Co'
TEXT = {
    "en": (
        "Markets reopen in Karsa",
        "KARSA — Aid arrived on Monday, officials said.",
        "Residents queued for bread.",
    ),
    "fr": (
        "Les marchés de Karsa rouvrent",
        "KARSA — L'aide est arrivée lundi.",
        "Les habitants font la queue.",
    ),
    "ar": (
        "إعادة فتح الأسواق في كارسا",
        "كارسا — وصلت المساعدات يوم الاثنين.",
        "اصطف السكان للحصول على الخبز.",
    ),
    "ru": (
        "Рынки Карсы вновь открылись",
        "КАРСА — Помощь прибыла в понедельник.",
        "Жители стояли в очереди.",
    ),
}


def day(offset: int) -> date:
    return START + timedelta(days=offset)


SOURCES = [
    DemoSource("wire-rss", "Wire & Sons", "wire", "feed", "en", None, (), feed_format="rss"),
    DemoSource("agence-atom", "Agence Atome", "wire", "feed", "fr", None, (), feed_format="atom", full_text=True),
    DemoSource("basin-rdf", "Basin Review", "regional", "feed", "en", None, (), feed_format="rdf", full_text=True),
    DemoSource("dispatch-ru", "Dispatch", "regional", "feed", "ru", None, (), "rss", "windows-1251", full_text=True),
    DemoSource("radio-ar", "Radio Nahr", "exile", "feed", "ar", "XVA", (), "rss", "windows-1256", full_text=True),
    DemoSource("gazette-latin", "Gazette", "local", "feed", "fr", "XCA", (), "rss", "utf-8", "iso-8859-1", full_text=True),
    DemoSource("courier-html", "The Courier", "national", "html", "en", "XVA", ("xva-north",)),
    DemoSource(
        "herald-503", "Herald", "national", "feed", "fr", "XCA", (), "rss",
        failures=(Failure("http_503", day(5), day(7)),),
    ),
    DemoSource(
        "review-broken", "Review", "regional", "feed", "en", None, (), "rss",
        failures=(Failure("malformed_xml", day(9), day(9)), Failure("slow", day(8), day(8))),
    ),
    DemoSource(
        "express-html", "Express", "national", "html", "ar", "XCA", (),
        failures=(Failure("layout_change", day(9), day(10)),),
    ),
    DemoSource("demo-cpj", "CPJ-like", "press_freedom", "dataset", "en", None, (), dataset_format="cpj"),
    DemoSource(
        "demo-acled", "ACLED-like", "ngo", "dataset", "en", None, (), dataset_format="acled",
        failures=(Failure("http_500", day(3), day(3)),),
    ),
]  # fmt: skip
SOURCES_BY_ID = {s.id: s for s in SOURCES}
COUNTRIES = {
    "XVA": {"name": "Valdoria", "alpha2": "XV", "capital": "Orsena"},
    "XCA": {"name": "Castora", "alpha2": "XC", "capital": "Maresca"},
}


def article_rows() -> list[dict]:
    """12 articles per site, one a day at 06:00 + index minutes; the last two are after AS_OF."""
    rows = []
    for source in (s for s in SOURCES if s.kind != "dataset"):
        title, lead, body = TEXT[source.language]
        for i in range(12):
            is_script = source.id in {"wire-rss", "courier-html"} and i == 3
            rows.append(
                {
                    "article_id": f"{source.id}-{i:02d}",
                    "source_id": source.id,
                    "story_id": f"{source.id}-{i:02d}",
                    "is_original": True,
                    "zone_id": "xva-north",
                    "language": source.language,
                    "published_at": datetime.combine(day(i), datetime.min.time(), UTC)
                    + timedelta(hours=6, minutes=i),
                    "title": SCRIPT
                    if is_script
                    else f"{title} {i}" + (" é" if source.id == "gazette-latin" else ""),
                    "caption": "ORSENA - A market. (Photo: Wire)" if i % 3 == 0 else None,
                    "lead": lead,
                    "body": f"{body}\n\n{body} {i}",
                    "dateline_place": "Karsa",
                    "dateline_country": "XVA",
                    "is_inside_dateline": True,
                    "is_independent": True,
                    "frames": [],
                    "incident_terms": [],
                }
            )
    return rows


def dataset_tables() -> dict[str, list[dict]]:
    countries = [("XVA", "Valdoria", "xva-north"), ("XCA", "Castora", "xca-delta")]
    incidents = [
        ("killed", 2), ("detained", 4), ("imprisoned", 5), ("expelled", 6), ("attacked", 7), ("killed", 15)
    ]  # fmt: skip
    return {
        "incidents": [
            dict(
                incident_id=f"inc-{n}", kind=kind, country="XVA", country_name="Valdoria", zone_id="xva-north"
            )
            | dict(
                location="Karsa", occurred_on=day(d), person_name=f"Person {n}", organization="Wire & Sons"
            )
            | dict(description=f"Journalist {kind}.")
            for n, (kind, d) in enumerate(incidents)
        ],
        "shutdowns": [
            dict(shutdown_id=f"sd-{n}", country="XVA", country_name="Valdoria", zone_id="xva-north")
            | dict(area_name="Northern Valdoria", start_date=day(a), end_date=None if b is None else day(b))
            | dict(shutdown_type="full network", actual_cause="Information control")
            for n, (a, b) in enumerate([(1, 3), (6, 12), (14, None)])
        ],
        "signals": [
            dict(country=code, country_name=name, day=day(d), datasource=src, value=100.0 + d)
            for code, name, _ in countries
            for src in ("bgp", "ping-slash24", "merit-nt")
            for d in range(DAYS)
        ],
        "conflict": [
            dict(event_id=f"XV{n:06d}", country="XVA", country_name="Valdoria", zone_id="xva-north")
            | dict(admin1="North", location="Karsa", latitude=12.5, longitude=30.25, event_date=day(n))
            | dict(event_type="Battles", sub_event_type="Armed clash", actor1="Armed Forces of Valdoria")
            | dict(
                actor2="Unidentified Armed Group", fatalities=n, notes='Clash near Karsa, "heavy"; 3 dead.'
            )
            for n in range(0, DAYS, 2)
        ],
        "press_scores": [
            dict(country=code, country_name=name, year=year, score=60.25 + i, rank=100 + i)
            for year in range(2020, 2027)
            for i, (code, name, _) in enumerate(countries)
        ],
        "volumes": [
            dict(query=f'"{zone}"', zone_id=zone, day=day(d), value=10 + d, norm=90_000)
            for _, _, zone in countries
            for d in range(DAYS)
        ],
        "reports": [
            dict(report_id=4_000_000 + d, title=f"Update {d}", country="XVA", country_name="Valdoria")
            | dict(
                zone_id="xva-north",
                source_name="UN Demo Office",
                published_on=day(d),
                url_alias=f"/report/{d}",
            )
            for d in range(DAYS)
        ],
    }


@pytest.fixture(scope="module")
def world_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    rows = dataset_tables() | {"articles": article_rows()}
    tables = {name: pa.Table.from_pylist(rows[name], schema=schema) for name, schema in TABLES.items()}
    write_world(root, START, DAYS, SOURCES, COUNTRIES, tables)
    return root


@pytest.fixture(scope="module")
def server(world_root: Path) -> Iterator[DemoServer]:
    with DemoServer(read_world(world_root), AS_OF, page_size=PAGE_SIZE, slow_seconds=0.3) as demo:
        yield demo


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    server.as_of = AS_OF
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        yield http


def visible_titles(source_id: str, as_of: date = AS_OF) -> list[str]:
    """Titles the source has published by the end of as_of, newest first."""
    rows = [r for r in article_rows() if r["source_id"] == source_id and r["published_at"].date() <= as_of]
    return [r["title"] for r in sorted(rows, key=lambda r: r["published_at"], reverse=True)]


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


@pytest.mark.parametrize("source_id", ["wire-rss", "agence-atom", "basin-rdf", "dispatch-ru"])
def test_malformed_rendering_breaks_after_good_entries_in_every_format(
    world_root: Path, source_id: str
) -> None:
    world = read_world(world_root)
    articles = world.tables["articles"].filter(pc.equal(world.tables["articles"]["source_id"], source_id))
    feed = feedparser.parse(formats.render_feed(SOURCES_BY_ID[source_id], articles, "http://h", AS_OF, True))
    assert feed.bozo and len(feed.entries) >= 6
    assert [e.title for e in feed.entries[:6]] == articles.column("title").to_pylist()[:6]


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


def test_scripted_500_on_a_dataset(client: httpx.Client, server: DemoServer) -> None:
    server.as_of = day(3)
    assert client.get("/datasets/acled.csv").status_code == 500
    assert client.get("/datasets/cpj.csv").status_code == 200


def test_untrusted_titles_are_escaped(client: httpx.Client) -> None:
    raw = client.get("/feeds/wire-rss.xml").content
    assert b"<script>" not in raw and b"&lt;script&gt;" in raw
    assert SCRIPT in [e.title for e in feedparser.parse(raw).entries]
    for path in ("/sites/courier-html/page/2/", "/sites/courier-html/articles/courier-html-03.html"):
        text = client.get(path).text
        assert "<script>" not in text
        assert SCRIPT in Selector(text=text).css("h1::text, h2 a::text").getall()


def read_csv(body: bytes, encoding: str = "utf-8", delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode(encoding)), delimiter=delimiter))


def test_csv_datasets_have_the_documented_columns(client: httpx.Client) -> None:
    cpj = client.get("/datasets/cpj.csv")
    assert cpj.headers["content-type"] == "text/csv; charset=utf-8"
    rows = read_csv(cpj.content)
    assert list(rows[0]) == dataset_formats.CPJ_COLUMNS
    assert [(r["status"], r["startDisplay"]) for r in rows] == [
        ("Killed", "March 3, 2026"), ("Imprisoned", "March 5, 2026"), ("Imprisoned", "March 6, 2026")
    ]  # fmt: skip
    shutdowns = read_csv(client.get("/datasets/keepiton.csv").content)
    assert list(shutdowns[0]) == dataset_formats.KEEPITON_COLUMNS
    assert [(r["start_date"], r["shutdown_status"], r["end_date"], r["duration"]) for r in shutdowns] == [
        ("3/2/2026", "Ended", "3/4/2026", "3"), ("3/7/2026", "Ongoing", "", "")
    ]  # fmt: skip
    acled = read_csv(client.get("/datasets/acled.csv").content)
    assert list(acled[0]) == dataset_formats.ACLED_COLUMNS
    assert [r["event_date"] for r in acled][-1] == "2026-03-09" and acled[0][
        "notes"
    ] == 'Clash near Karsa, "heavy"; 3 dead.'


@pytest.mark.parametrize(
    ("year", "encoding", "score_column"),
    [(2021, "utf-8-sig", "Score N"), (2022, "utf-8-sig", "Score"), (2023, "utf-8-sig", "Score")]
    + [(2024, "utf-8-sig", "Score"), (2026, "utf-8", "Score 2026")],
)
def test_rsf_layouts_per_year(client: httpx.Client, year: int, encoding: str, score_column: str) -> None:
    body = client.get(f"/datasets/rsf_{year}.csv").content
    assert body.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    rows = read_csv(body, encoding, ";")
    expected = {2021: dataset_formats.RSF_COLUMNS_2021, 2022: dataset_formats.RSF_COLUMNS_2022}.get(year)
    assert list(rows[0]) == (expected or list(rows[0])) and score_column in rows[0]
    assert [r[score_column] for r in rows] == ["60,25", "61,25"]
    assert rows[0]["ISO"] == "XVA" and "\r\n" in body.decode(encoding)


def test_rsf_index_of_a_later_year_is_not_out(client: httpx.Client, server: DemoServer) -> None:
    server.as_of = date(2025, 12, 31)
    assert client.get("/datasets/rsf_2026.csv").status_code == 404
    assert client.get("/datasets/rsf_2025.csv").status_code == 200


def test_json_datasets_have_the_documented_shapes(client: httpx.Client) -> None:
    ioda = client.get("/datasets/ioda/XV.json").json()
    series = ioda["data"][0]
    assert {s["datasource"] for s in series} == {"bgp", "ping-slash24", "merit-nt"}
    assert (
        series[0]["entityCode"] == "XV"
        and series[0]["entityName"] == "Valdoria"
        and series[0]["step"] == 86400
    )
    assert len(series[0]["values"]) == 10 and series[0]["until"] - series[0]["from"] == 10 * 86400
    gdelt = client.get("/datasets/gdelt/xca-delta.json").json()
    assert gdelt["timeline"][0]["series"] == "Article Count"
    assert gdelt["timeline"][0]["data"][-1] == {"date": "20260310T000000Z", "value": 19, "norm": 90000}
    relief = client.get("/datasets/reliefweb/reports.json", params={"limit": 4}).json()
    assert (relief["totalCount"], relief["count"], relief["data"][0]["id"]) == (10, 4, "4000009")
    fields = relief["data"][0]["fields"]
    assert fields["date"]["created"] == "2026-03-10T00:00:00+00:00"
    assert fields["country"] == [{"name": "Valdoria", "iso3": "xva"}] and fields["source"] == [
        {"name": "UN Demo Office"}
    ]
    assert client.get(relief["links"]["next"]["href"]).json()["data"][0]["id"] == "4000005"


@pytest.mark.parametrize(
    "path",
    ["/nope", "/feeds/courier-html.xml", "/feeds/missing.xml", "/sites/demo-cpj/", "/sites/courier-html/x"]
    + ["/datasets/ioda/ZZ.json", "/datasets/gdelt/nowhere.json", "/datasets/rsf_1999.csv", "/datasets/x.csv"],
)
def test_unknown_paths_are_404(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


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


def test_dataset_files_on_disk_match_the_server(
    world_root: Path, tmp_path: Path, client: httpx.Client
) -> None:
    paths = render_dataset_files(read_world(world_root), AS_OF, tmp_path)
    names = {str(p.relative_to(tmp_path)) for p in paths}
    assert {"cpj.csv", "keepiton.csv", "acled.csv", "rsf_2021.csv", "rsf_2026.csv", "ioda/XC.json"} <= names
    assert {"gdelt/xva-north.json", "reliefweb/reports.json"} <= names
    assert (tmp_path / "acled.csv").read_bytes() == client.get("/datasets/acled.csv").content
    assert json.loads((tmp_path / "reliefweb/reports.json").read_text())["count"] == 10


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
