"""The generated demo world on disk: its files, their Arrow schemas, and loading them back.

The generator writes these files into `$BLINDSPOT_HOME/demo/world/`; the demo server renders them as
feeds, HTML pages and dataset files "as of" a simulated date; tests compare warehouse numbers with
`truth.json`. Records carry plain facts; the server owns every wire format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TS = pa.timestamp("s", tz="UTC")

# One row per published item (an original story or a republished copy).
ARTICLES = pa.schema(
    [
        ("article_id", pa.string()),  # unique, also the URL slug
        ("source_id", pa.string()),
        ("story_id", pa.string()),  # shared by an original and its republished copies
        ("is_original", pa.bool_()),
        ("zone_id", pa.string()),  # the zone the story is about (null for background news)
        ("language", pa.string()),
        ("published_at", TS),
        ("title", pa.string()),
        ("caption", pa.string()),  # photo caption shown above the text, may look like a dateline (a trap)
        ("lead", pa.string()),  # first paragraph, carries the dateline when there is one
        ("body", pa.string()),  # the following paragraphs, separated by blank lines
        ("dateline_place", pa.string()),  # as written, null when the item has no dateline
        ("dateline_country", pa.string()),  # ISO alpha-3 of the dateline place
        ("is_inside_dateline", pa.bool_()),  # dateline place lies inside zone_id
        ("is_independent", pa.bool_()),  # from the source's tier
        ("frames", pa.list_(pa.string())),  # denial frames carried by the text
        ("incident_terms", pa.list_(pa.string())),  # access-incident kinds mentioned (detained, expelled...)
    ]
)

# Journalist-safety incidents (CPJ-like), one row per person and incident.
INCIDENTS = pa.schema(
    [
        ("incident_id", pa.string()),
        ("kind", pa.string()),  # killed, imprisoned, detained, expelled, denied_entry, attacked
        ("country", pa.string()),  # ISO alpha-3
        ("country_name", pa.string()),
        ("zone_id", pa.string()),
        ("location", pa.string()),
        ("occurred_on", pa.date32()),
        ("person_name", pa.string()),
        ("organization", pa.string()),
        ("description", pa.string()),
    ]
)

# Internet shutdowns (KeepItOn-like), one row per shutdown episode.
SHUTDOWNS = pa.schema(
    [
        ("shutdown_id", pa.string()),
        ("country", pa.string()),
        ("country_name", pa.string()),
        ("zone_id", pa.string()),
        ("area_name", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),  # null while ongoing
        ("shutdown_type", pa.string()),  # full network, mobile, service-based
        ("actual_cause", pa.string()),
    ]
)

# Connectivity signals (IODA-like), one row per country, day and datasource.
SIGNALS = pa.schema(
    [
        ("country", pa.string()),
        ("country_name", pa.string()),
        ("day", pa.date32()),
        ("datasource", pa.string()),  # bgp, ping-slash24, merit-nt
        ("value", pa.float64()),
    ]
)

# Political violence events (ACLED-like).
CONFLICT = pa.schema(
    [
        ("event_id", pa.string()),
        ("country", pa.string()),
        ("country_name", pa.string()),
        ("zone_id", pa.string()),
        ("admin1", pa.string()),
        ("location", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("event_date", pa.date32()),
        ("event_type", pa.string()),
        ("sub_event_type", pa.string()),
        ("actor1", pa.string()),
        ("actor2", pa.string()),
        ("fatalities", pa.int32()),
        ("notes", pa.string()),
    ]
)

# Press-freedom index (RSF-like), one row per country and year.
PRESS_SCORES = pa.schema(
    [
        ("country", pa.string()),
        ("country_name", pa.string()),
        ("year", pa.int32()),
        ("score", pa.float64()),
        ("rank", pa.int32()),
    ]
)

# Media attention volume (GDELT DOC timelinevolraw-like), one row per query and day.
VOLUMES = pa.schema(
    [
        ("query", pa.string()),
        ("zone_id", pa.string()),
        ("day", pa.date32()),
        ("value", pa.int64()),  # matching articles
        ("norm", pa.int64()),  # all articles monitored that day
    ]
)

# Humanitarian reports (ReliefWeb-like).
REPORTS = pa.schema(
    [
        ("report_id", pa.int64()),
        ("title", pa.string()),
        ("country", pa.string()),
        ("country_name", pa.string()),
        ("zone_id", pa.string()),
        ("source_name", pa.string()),
        ("published_on", pa.date32()),
        ("url_alias", pa.string()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "incidents": INCIDENTS,
    "shutdowns": SHUTDOWNS,
    "signals": SIGNALS,
    "conflict": CONFLICT,
    "press_scores": PRESS_SCORES,
    "volumes": VOLUMES,
    "reports": REPORTS,
}


@dataclass(frozen=True)
class Failure:
    """Scripted misbehaviour of one source between two simulated dates (inclusive)."""

    mode: str  # http_503, http_500, layout_change, slow, malformed_xml
    start: date
    end: date

    def active(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class DemoSource:
    """A fictional source as the server needs it (the registry entry is written from the same data)."""

    id: str
    name: str
    tier: str
    kind: str  # feed, html, dataset
    language: str
    country: str | None
    zones: tuple[str, ...]
    feed_format: str | None = None  # rss, atom, rdf (feeds only)
    encoding: str = "utf-8"  # the encoding of the bytes served
    declared_encoding: str | None = None  # what the XML/HTTP header claims, when it differs (a trap)
    dataset_format: str | None = None
    failures: tuple[Failure, ...] = ()
    full_text: bool = False  # the feed carries the article text, not only the lead

    def failure_on(self, day: date) -> Failure | None:
        return next((f for f in self.failures if f.active(day)), None)

    def to_json(self) -> dict:
        data = self.__dict__ | {"zones": list(self.zones)}
        data["failures"] = [
            {"mode": f.mode, "start": f.start.isoformat(), "end": f.end.isoformat()} for f in self.failures
        ]
        return data

    @classmethod
    def from_json(cls, data: dict) -> DemoSource:
        failures = tuple(
            Failure(f["mode"], date.fromisoformat(f["start"]), date.fromisoformat(f["end"]))
            for f in data["failures"]
        )
        return cls(**(data | {"zones": tuple(data["zones"]), "failures": failures}))


@dataclass(frozen=True)
class World:
    """A generated world read back from disk."""

    root: Path
    start_date: date
    days: int
    sources: tuple[DemoSource, ...]
    countries: dict[str, dict[str, str]]  # alpha-3 -> {"name", "alpha2", "capital"}
    tables: dict[str, pa.Table]

    @property
    def end_date(self) -> date:
        from datetime import timedelta

        return self.start_date + timedelta(days=self.days - 1)

    def source(self, source_id: str) -> DemoSource:
        return next(s for s in self.sources if s.id == source_id)


def world_dir(demo_dir: Path) -> Path:
    return demo_dir / "world"


def write_world(
    demo_dir: Path,
    start_date: date,
    days: int,
    sources: list[DemoSource],
    countries: dict[str, dict[str, str]],
    tables: dict[str, pa.Table],
) -> Path:
    """Write the world's tables and sources; byte-identical output for identical input."""
    root = world_dir(demo_dir)
    root.mkdir(parents=True, exist_ok=True)
    for name, schema in TABLES.items():
        table = tables[name].select(schema.names).cast(schema)
        pq.write_table(table, root / f"{name}.parquet", compression="zstd", write_statistics=False)
    meta = {
        "start_date": start_date.isoformat(),
        "days": days,
        "countries": countries,
        "sources": [s.to_json() for s in sources],
    }
    (root / "world.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    return root


def read_world(demo_dir: Path) -> World:
    root = world_dir(demo_dir)
    meta = json.loads((root / "world.json").read_text())
    return World(
        root=root,
        start_date=date.fromisoformat(meta["start_date"]),
        days=meta["days"],
        sources=tuple(DemoSource.from_json(s) for s in meta["sources"]),
        countries=meta["countries"],
        tables={name: pq.read_table(root / f"{name}.parquet") for name in TABLES},
    )
