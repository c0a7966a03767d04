"""Access Now STOP / #KeepItOn CSV (internet shutdowns) -> access_incidents of kind "shutdown".

One incident per row: started_on start_date, ended_on end_date (dates M/D/YYYY as the Google Sheets
export writes them; ISO accepted), null while shutdown_status is Ongoing (an end_date on an ongoing row
is ignored and counted); a row that is not Ongoing and has no end_date (Ended or Unknown without one, as
in the real 2021 and 2022 sheets) is counted as its start day only, never as running on to the run date. country: the `country` name resolved to alpha-3; location area_name;
description `event` (else extent, network and cause); url info_source_link (else an_link).
Record key: country|start day|area_name|shutdown_type|affected_network (the sheet has no id); when a
shutdown ends its row lands again with the same key and the end date. Different rows sharing the key are
told apart by their position among them ("#2"); a row equal to an earlier one in every field is a
duplicate (see Parsed.map_rows).
"""

from __future__ import annotations

from datetime import date

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, decode_text, read_csv
from crawlers.datasets.countries import CountryResolver
from crawlers.datasets.values import country_by_name, day, required, text

REQUIRED = ("start_date", "country", "shutdown_status", "end_date")


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "keepiton", url, run_id, data_date)
    try:
        _, rows = read_csv(decode_text(body, parsed), REQUIRED, url)
    except ParseError as exc:
        return parsed.failed(str(exc))
    countries = CountryResolver(source)

    def shutdown(row: dict) -> tuple[str, dict]:
        started = day(required(row, "start_date"), "start_date", data_date)
        country_name = required(row, "country")
        country = country_by_name(countries, country_name, "country", [text(row, "area_name")], parsed)
        status, end_text = (text(row, "shutdown_status") or "").lower(), text(row, "end_date")
        ended = None
        if status == "ongoing":
            if end_text:
                parsed.tally("shutdown_status Ongoing with an end_date: end_date ignored")
        elif end_text:
            ended = day(end_text, "end_date", data_date)
            if ended < started:
                raise RowProblem(
                    "end_date", "date_order", f"end_date {end_text!r} is before start_date {started}"
                )
        else:  # Ended or Unknown with no end: one day known, not a shutdown that runs on to the run date
            ended = started
            parsed.tally(
                f"shutdown_status {status or 'empty'!r} without an end_date: counted as its start day only"
            )
        area = text(row, "area_name")
        cause = [text(row, c) for c in ("shutdown_extent", "affected_network", "actual_cause")]
        key_parts = [
            country,
            started.isoformat(),
            area,
            text(row, "shutdown_type"),
            text(row, "affected_network"),
        ]
        return "|".join(p or "" for p in key_parts), {
            "kind": "shutdown",
            "country": country,
            "country_name": country_name,
            "admin1": None,
            "location": area,
            "started_on": started,
            "ended_on": ended,
            "victims": None,
            "person_name": None,
            "organization": None,
            "description": text(row, "event") or "; ".join(c for c in cause if c) or None,
            "url": text(row, "info_source_link") or text(row, "an_link"),
        }

    parsed.map_rows("access_incidents", rows, shutdown, without_id=True)
    return parsed
