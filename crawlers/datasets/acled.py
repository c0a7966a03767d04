"""ACLED events (CSV export, or the API's JSON {data: [...]} with the same fields) -> conflict_events.

One event per row: event_type, occurred_on event_date (YYYY-MM-DD; "12 June 2026" from the export tool
accepted), fatalities, actor1, actor2, admin1, location, latitude, longitude, notes. country: a
params.country_map entry for the `country` name, else the numeric `iso` code, else the name; ACLED's own
numbers for places without an ISO code (and this demo's 900+) resolve only through the name.
Record key: event_id_cnty. A revised event (new fatalities) lands again under the same key; `timestamp`
(last modified, Unix seconds) is its source_modified_at, which orders the revisions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, read_events
from crawlers.datasets.countries import CountryResolver
from crawlers.datasets.values import day, integer, number, required, text

REQUIRED = ("event_id_cnty", "event_date", "event_type", "country")


def _country(countries: CountryResolver, row: dict) -> str | None:
    name = required(row, "country")
    if code := countries.mapped(name) or countries.numeric(text(row, "iso") or ""):
        return code
    found = countries.resolve(name, [text(row, "location"), text(row, "admin1")])
    if found is None:
        raise RowProblem(
            "country",
            "known_country",
            f"country {name!r} (iso {text(row, 'iso')!r}) is not a known country (add it to params.country_map)",
        )
    return found.code


def _modified(value: str | None) -> datetime | None:
    """ACLED's `timestamp`: when the event was last modified, in Unix seconds (its revision order)."""
    try:
        seconds = number(value, "timestamp")
        return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None
    except (RowProblem, OverflowError, OSError, ValueError):  # an unreadable stamp orders nothing
        return None


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "acled", url, run_id, data_date)
    try:
        rows, _ = read_events(body, parsed, REQUIRED, "data", bare_list=True)
    except ParseError as exc:
        return parsed.failed(str(exc))
    countries = CountryResolver(source)

    def event(row: dict) -> tuple[str, dict]:
        key = required(row, "event_id_cnty")
        return key, {
            "event_type": required(row, "event_type"),
            "country": _country(countries, row),
            "country_name": required(row, "country"),
            "admin1": text(row, "admin1"),
            "location": text(row, "location"),
            "latitude": number(text(row, "latitude"), "latitude"),
            "longitude": number(text(row, "longitude"), "longitude"),
            "occurred_on": day(required(row, "event_date"), "event_date", data_date),
            "fatalities": integer(text(row, "fatalities"), "fatalities"),
            "actor1": text(row, "actor1"),
            "actor2": text(row, "actor2"),
            "notes": text(row, "notes"),
            "source_modified_at": _modified(text(row, "timestamp")),
        }

    parsed.map_rows("conflict_events", rows, event)
    return parsed
