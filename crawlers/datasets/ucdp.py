"""UCDP GED events (the bulk CSV, zipped or not, or the API's JSON {Result: [...]}) -> conflict_events.

Columns are GED's 49 (id, relid, year, ..., type_of_violence, conflict_name, side_a, side_b, ...,
where_coordinates, where_description, adm_1, adm_2, latitude, longitude, ..., country, country_id, ...,
date_start, date_end, ..., best, high, low, gwnoa, gwnob). One event per row: event_type from
type_of_violence (1 State-based conflict, 2 Non-state conflict, 3 One-sided violence), occurred_on
date_start ("2024-03-01 00:00:00.000" read as its day), fatalities `best`, actor1 side_a, actor2 side_b,
admin1 adm_1, location where_coordinates, latitude, longitude; notes carry conflict_name, the end day
when the event spans days, and the low-high estimate. country: the `country` name (UCDP writes names
like "DR Congo (Zaire)"; country_id is a Gleditsch-Ward number, not ISO, and is not used).
Record key: id. The API's NextPageUrl is followed by the collector.
"""

from __future__ import annotations

from datetime import date

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, read_events, unzip_csv
from crawlers.datasets.countries import CountryResolver
from crawlers.datasets.values import country_by_name, day, integer, number, required, text

REQUIRED = ("id", "type_of_violence", "country", "date_start", "best")
VIOLENCE = {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"}


def _rows(body: bytes, parsed: Parsed) -> list[tuple[str, dict]]:
    if body.startswith(b"PK\x03\x04"):
        body = unzip_csv(body)
    rows, document = read_events(body, parsed, REQUIRED, "Result")
    next_url = document.get("NextPageUrl") if isinstance(document, dict) else None
    if isinstance(next_url, str) and next_url:
        parsed.next_url = next_url
    return rows


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "ucdp", url, run_id, data_date)
    try:
        rows = _rows(body, parsed)
    except ParseError as exc:
        return parsed.failed(str(exc))
    countries = CountryResolver(source)

    def event(row: dict) -> tuple[str, dict]:
        violence = required(row, "type_of_violence").removesuffix(".0")
        if violence not in VIOLENCE:
            raise RowProblem(
                "type_of_violence", "known_value", f"type_of_violence {violence!r} is not 1, 2 or 3"
            )
        started = day(required(row, "date_start"), "date_start", data_date)
        end_text = text(row, "date_end")
        ended = day(end_text, "date_end", data_date) if end_text else started
        low, high = text(row, "low"), text(row, "high")
        notes = [text(row, "conflict_name"), f"until {ended}" if ended != started else None]
        notes.append(f"deaths {low}-{high} (low-high)" if low and high else None)
        return required(row, "id").removesuffix(".0"), {
            "event_type": VIOLENCE[violence],
            "country": country_by_name(
                countries,
                required(row, "country"),
                "country",
                [text(row, "adm_1"), text(row, "where_coordinates")],
                parsed,
            ),
            "country_name": required(row, "country"),
            "admin1": text(row, "adm_1"),
            "location": text(row, "where_coordinates"),
            "latitude": number(text(row, "latitude"), "latitude"),
            "longitude": number(text(row, "longitude"), "longitude"),
            "occurred_on": started,
            "fatalities": integer(required(row, "best"), "best"),
            "actor1": text(row, "side_a"),
            "actor2": text(row, "side_b"),
            "notes": "; ".join(n for n in notes if n) or None,
        }

    parsed.map_rows("conflict_events", rows, event)
    return parsed
