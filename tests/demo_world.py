"""The small hand-built demo world the demo server tests serve, and their server and client fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from blindspot.demo.server import DemoServer
from blindspot.demo.world import TABLES, DemoSource, Failure, read_world, write_world

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
