"""ReliefWeb API v2 reports (JSON) -> external_volume series "reliefweb_reports".

One row per report and country it is tagged with: day = fields.date.created (when the report appeared
on ReliefWeb, in UTC; fields.date.original is often older and would rewrite past days), value 1, total
empty. The count of reports per country and day is the sum of `value` over those rows; landing the
report rather than a count keeps overlapping pages and windows from counting a report twice, and keeps
a day at the edge of a page from landing a partial count. country: fields.country[].iso3 (lower case in
the API) as alpha-3, else the name. Record key: report id|country.
The API must return date.created and country (fields[include][] or a profile); `links.next.href` is
followed by the collector.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, decode_text, load_json
from crawlers.datasets.countries import CountryResolver

SERIES = "reliefweb_reports"


def _created(fields: dict) -> date:
    stamp = (fields.get("date") or {}).get("created") if isinstance(fields.get("date"), dict) else None
    if not isinstance(stamp, str):
        raise RowProblem(
            "date.created", "required", "fields.date.created is missing (include it in the query)"
        )
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise RowProblem("date.created", "date", f"date.created {stamp!r} is not an ISO 8601 time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


def _country(countries: CountryResolver, tag: object) -> str:
    if not isinstance(tag, dict):
        raise RowProblem("country", "required", "a country tag is not a JSON object")
    iso3, name = str(tag.get("iso3") or ""), str(tag.get("name") or "")
    code = countries.mapped(name) if name else None
    code = code or (countries.alpha3(iso3) if iso3 else None) or (countries.name(name) if name else None)
    if code is None:
        raise RowProblem(
            "country", "known_country", f"country {name!r} (iso3 {iso3!r}) is not a known country"
        )
    return code


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "reliefweb", url, run_id, data_date)
    try:
        document = load_json(decode_text(body, parsed))
        if not isinstance(document, dict) or not isinstance(document.get("data"), list):
            raise ParseError("missing key 'data' (a list of reports)")
    except ParseError as exc:
        return parsed.failed(str(exc))
    next_link = (document.get("links") or {}).get("next") if isinstance(document.get("links"), dict) else None
    if isinstance(next_link, dict) and isinstance(next_link.get("href"), str):
        parsed.next_url = next_link["href"]
    countries = CountryResolver(source)
    for i, report in enumerate(document["data"]):
        locator = parsed.locator(f"data[{i}]")
        try:
            if not isinstance(report, dict) or not isinstance(report.get("fields"), dict):
                raise RowProblem("fields", "required", "the report has no fields object")
            report_id = str(report.get("id") or "").strip()
            if not report_id:
                raise RowProblem("id", "required", "id is empty")
            created, tags = _created(report["fields"]), report["fields"].get("country")
            if not isinstance(tags, list) or not tags:
                raise RowProblem("country", "required", "the report is tagged with no country")
        except RowProblem as problem:
            parsed.reject("external_volume", locator, problem, report)
            continue
        for j, tag in enumerate(tags):
            tag_locator = f"{locator}.fields.country[{j}]"
            try:
                country = _country(countries, tag)
                row = {"series": SERIES, "country": country, "day": created, "value": 1.0, "total": None}
                parsed.add("external_volume", f"{report_id}|{country}", row, tag_locator)
            except RowProblem as problem:
                parsed.reject("external_volume", tag_locator, problem, {"id": report_id, "country": tag})
    return parsed
