"""CPJ export CSV (journalists killed and imprisoned) -> access_incidents.

One incident per row: status Killed -> kind "killed", status Imprisoned -> kind "imprisoned"; any other
status (e.g. Missing) is a rejected row, never guessed. started_on is startDisplay ("June 12, 2026") when
the file has it, else 1 January of `year`, said in the description and counted in the fetch event.
ended_on is endDisplay when present, else the start day for the killed and null for the imprisoned.
country: the `country` name resolved to alpha-3. victims 1; person_name fullName; organization
organizations; location location (or locality); admin1 province (or state).
country: the `country` name resolved to alpha-3; a name that covers two countries ("Israel and the
Occupied Palestinian Territory", Yugoslavia) is decided by the row's location, locality, province and state
(see crawlers.datasets.countries); country_name keeps the name as written.
Record key: status|fullName|country|year|startDisplay (the export has no id). Each row is a person: rows
sharing the key are told apart by their position among them ("#2"), identical ones too, and none is
dropped (see Parsed.map_rows).
"""

from __future__ import annotations

from datetime import date

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, decode_text, read_csv
from crawlers.datasets.countries import CountryResolver
from crawlers.datasets.values import country_by_name, day, required, text, year

REQUIRED = ("year", "fullName", "status", "country")
KINDS = {"killed": "killed", "imprisoned": "imprisoned"}
PLACE_FIELDS = ("location", "locality", "province", "state")
YEAR_ONLY = "no startDisplay: dated 1 January of their year"


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "cpj", url, run_id, data_date)
    try:
        _, rows = read_csv(decode_text(body, parsed), REQUIRED, url)
    except ParseError as exc:
        return parsed.failed(str(exc))
    countries = CountryResolver(source)

    def incident(row: dict) -> tuple[str, dict]:
        status = required(row, "status")
        kind = KINDS.get(status.lower())
        if kind is None:
            raise RowProblem("status", "known_value", f"status {status!r} is neither Killed nor Imprisoned")
        name, country_name = required(row, "fullName"), required(row, "country")
        found_year = year(required(row, "year"), "year", data_date)
        places = [text(row, c) for c in PLACE_FIELDS]
        country = country_by_name(countries, country_name, "country", places, parsed)
        shown = text(row, "startDisplay")
        notes = [text(row, c) for c in ("typeOfDeath", "charges", "lengthOfSentence")]
        if shown:
            started = day(shown, "startDisplay", data_date)
        else:
            started = date(found_year, 1, 1)
            notes.append("date unknown: 1 January of the year")
            parsed.tally(YEAR_ONLY)
        end_shown = text(row, "endDisplay")
        ended = (
            day(end_shown, "endDisplay", data_date) if end_shown else (started if kind == "killed" else None)
        )
        if ended is not None and ended < started:
            raise RowProblem(
                "endDisplay", "date_order", f"endDisplay {end_shown!r} is before the start {started}"
            )
        key = "|".join([status, name, country_name, str(found_year), shown or ""])
        return key, {
            "kind": kind,
            "country": country,
            "country_name": country_name,
            "admin1": text(row, "province") or text(row, "state"),
            "location": text(row, "location") or text(row, "locality"),
            "started_on": started,
            "ended_on": ended,
            "victims": 1,
            "person_name": name,
            "organization": text(row, "organizations"),
            "description": "; ".join(n for n in notes if n) or None,
            "url": None,
        }

    parsed.map_rows("access_incidents", rows, incident, without_id=True, identical_rows="distinct")
    return parsed
