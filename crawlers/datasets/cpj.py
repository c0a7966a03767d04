"""CPJ export CSV (journalists killed and imprisoned) -> access_incidents.

Two layouts: the database export (year, fullName, status, country, location, ..., startDisplay), and the
people list that cpj.org/data downloads today (Name, Status, Date, Country, "Journalist or Media Worker",
Motive, "Type of Death", "cpj.org URL"), whose columns are read as the export's (PEOPLE_LIST) and whose
profile URL is each person's id.

One incident per row: status Killed -> kind "killed", status Imprisoned -> kind "imprisoned"; any other
status (e.g. Missing) is a rejected row, never guessed. started_on is startDisplay ("June 12, 2026") when
the file has it, else 1 January of `year`, said in the description and counted in the fetch event.
ended_on is endDisplay when present, else the start day for the killed and null for the imprisoned.
victims 1; person_name fullName; organization organizations; location location (or locality); admin1
province (or state); url the profile URL (people list).
country: the `country` name resolved to alpha-3; a name that covers two countries ("Israel and the
Occupied Palestinian Territory", Yugoslavia) is decided by the row's location, locality, province and state
(see crawlers.datasets.countries); country_name keeps the name as written.
The people list has no place field: a combined name there is not decided (the first country is taken and
counted in the fetch event's detail; params.country_map can say otherwise).
Record key: the people list's profile URL; the database export has no id, so status|fullName|country|
year|startDisplay, and each row is a person: rows sharing the key are told apart by their position among
them ("#2"), identical ones too, and none is dropped (see Parsed.map_rows).
"""

from __future__ import annotations

from datetime import date

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, decode_text, read_csv
from crawlers.datasets.countries import CountryResolver
from crawlers.datasets.values import country_by_name, day, required, text, year

REQUIRED = ("year", "fullName", "status", "country")
# the people list's columns, as the database export names them
PEOPLE_LIST = {
    "Name": "fullName",
    "Status": "status",
    "Date": "startDisplay",
    "Country": "country",
    "Journalist or Media Worker": "organizations",
    "Type of Death": "typeOfDeath",
    "cpj.org URL": "url",
}
KINDS = {"killed": "killed", "imprisoned": "imprisoned"}
PLACE_FIELDS = ("location", "locality", "province", "state")
YEAR_ONLY = "no startDisplay: dated 1 January of their year"


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "cpj", url, run_id, data_date)
    try:
        header, rows = read_csv(decode_text(body, parsed), (), url)
        people_list = "fullName" not in header and "cpj.org URL" in header
        if people_list:
            parsed.note("layout: people list (cpj.org/data)")
            rows = [(at, {PEOPLE_LIST.get(k, k): v for k, v in row.items()}) for at, row in rows]
            header = [PEOPLE_LIST.get(name, name) for name in header]
        missing = [c for c in REQUIRED if c not in header and not (people_list and c == "year")]
        if missing:
            names = ", ".join(repr(c) for c in missing)
            raise ParseError(f"missing column{'s' if len(missing) > 1 else ''} {names}")
    except ParseError as exc:
        return parsed.failed(str(exc))
    countries = CountryResolver(source)

    def incident(row: dict) -> tuple[str, dict]:
        status = required(row, "status")
        kind = KINDS.get(status.lower())
        if kind is None:
            raise RowProblem("status", "known_value", f"status {status!r} is neither Killed nor Imprisoned")
        name, country_name = required(row, "fullName"), required(row, "country")
        if people_list:  # the year of the date
            found_year = day(required(row, "startDisplay"), "startDisplay", data_date).year
        else:
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
        key = text(row, "url") if people_list else None
        key = key or "|".join([status, name, country_name, str(found_year), shown or ""])
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
            "url": text(row, "url"),
        }

    if people_list:
        parsed.map_rows("access_incidents", rows, incident)
    else:
        parsed.map_rows("access_incidents", rows, incident, without_id=True, identical_rows="distinct")
    return parsed
