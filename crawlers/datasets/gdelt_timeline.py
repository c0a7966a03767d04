"""GDELT DOC 2.0 timeline (mode=timelinevolraw, format=json) -> external_volume.

The "Article Count" series of `timeline` gives, per date ("YYYYMMDDTHHMMSSZ"), `value` (matching
articles) and `norm` (all articles GDELT monitored); both are summed per UTC day, so 15-minute
resolution gives the same daily rows as daily resolution. One row per day: series
"gdelt_volume:<zone_id>" (the {zone_id} of the URL; else the query title) because the table has no zone
column, value = value, total = norm, country = the source's country (usually empty).
Record key: series|day; a day GDELT revises lands again under the same key. GDELT answers `{}` when
nothing matched (no rows, noted) and plain text for a bad query (a parse error quoting it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, decode_text, load_json
from crawlers.datasets.values import day, number

SERIES = "gdelt_volume"
RAW_SERIES = "Article Count"


def _points(document: object) -> tuple[str | None, list]:
    """(query title, data points of the raw article-count series)."""
    if not isinstance(document, dict):
        raise ParseError("expected a JSON object with a 'timeline'")
    title = (document.get("query_details") or {}).get("title")
    timeline = document.get("timeline")
    if not isinstance(timeline, list):
        raise ParseError("missing key 'timeline'")
    names = [s.get("series") for s in timeline if isinstance(s, dict)]
    raw = [s for s in timeline if isinstance(s, dict) and s.get("series") == RAW_SERIES]
    if not raw:
        raise ParseError(f"no {RAW_SERIES!r} series (found {names}); ask for mode=timelinevolraw")
    data = raw[0].get("data")
    if not isinstance(data, list):
        raise ParseError(f"the {RAW_SERIES!r} series has no 'data' list")
    return title, data


def _number(point: dict, key: str) -> float | None:
    value = point.get(key)
    return None if value is None else number(str(value), key)


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "gdelt_timeline", url, run_id, data_date)
    try:
        document = load_json(decode_text(body, parsed))
        if document == {}:
            parsed.note("empty answer: nothing matched the query")
            return parsed
        title, points = _points(document)
    except ParseError as exc:
        return parsed.failed(str(exc))
    zone = (context or {}).get("zone_id") or (source.zones[0] if len(source.zones) == 1 else None)
    series = f"{SERIES}:{zone or title or 'query'}"
    totals: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for i, point in enumerate(points):
        locator = parsed.locator(f"timeline[0].data[{i}]")
        try:
            if not isinstance(point, dict):
                raise RowProblem("", "required", "a data point is not a JSON object")
            when = day(str(point.get("date") or ""), "date", data_date)
            value, norm = _number(point, "value"), _number(point, "norm")
            if value is None:
                raise RowProblem("value", "required", "value is empty")
        except RowProblem as problem:
            parsed.reject("external_volume", locator, problem, point)
            continue
        totals[when][0] += value
        totals[when][1] += norm or 0.0
    for when, (value, norm) in sorted(totals.items()):
        row = {
            "series": series,
            "country": source.country,
            "day": when,
            "value": value,
            "total": norm or None,
        }
        parsed.add("external_volume", f"{series}|{when}", row, parsed.locator(f"day {when}"))
    return parsed
