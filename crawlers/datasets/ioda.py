"""IODA API v2 raw country signals (JSON) -> external_volume per day and access_incidents of kind "outage".

Each series of `data` (a list of lists of series) gives values[i] at from + i*step; the values are
averaged per UTC day (a daily step gives one value a day; a native 5-minute step is averaged). Every day
lands in external_volume: series = the datasource ("bgp", "ping-slash24", "merit-nt"), country, value
(null when IODA has no measurement), total empty. Record key: datasource|country|day.
country: entityCode is alpha-2; a params.country_map entry wins, else pycountry's alpha-3; a user-assigned
alpha-2 (X?) without an entry is kept as written and noted.

Outage rule: a day is an outage day for a series when its value is below OUTAGE_RATIO (60%) of the
median of that series' BASELINE_DAYS (7) most recent earlier days that were measured and were not
outage days themselves (so a long blackout does not become its own baseline); at least MIN_BASELINE (3)
such days are needed, so the first days of a file are never flagged, and a missing value is never an
outage. One access_incidents row per country and outage day (started_on = ended_on = that day) names
the series that dropped. Record key: outage|country|day.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, decode_text, load_json
from crawlers.datasets.countries import CountryResolver

OUTAGE_RATIO = 0.6
BASELINE_DAYS = 7
MIN_BASELINE = 3
SERIES_KEYS = ("entityType", "entityCode", "datasource", "from", "step", "values")


def _series(document: object) -> list[tuple[str, dict]]:
    if not isinstance(document, dict):
        raise ParseError("not an IODA envelope: expected a JSON object")
    if document.get("error"):
        raise ParseError(f"IODA error: {str(document['error'])[:300]}")
    data = document.get("data")
    if not isinstance(data, list):
        raise ParseError("missing key 'data' (a list of lists of series)")
    found = []
    for i, group in enumerate(data):
        members = group if isinstance(group, list) else [group]
        found += [(f"data[{i}][{j}]", s) for j, s in enumerate(members)]
    return found


def _daily(series: dict, locator: str, parsed: Parsed) -> dict[date, float | None]:
    """Mean of the measured values per UTC day; None for a day with no measurement. A value that is not
    a number is rejected on its own and counts as not measured."""
    start, step, values = series["from"], series["step"], series["values"]
    if not isinstance(start, int | float) or not isinstance(step, int | float) or step <= 0:
        raise RowProblem("step", "number", f"from {start!r} and step {step!r} must be positive numbers")
    if not isinstance(values, list):
        raise RowProblem("values", "list", "values is not a list")
    buckets: dict[date, list[float]] = defaultdict(list)
    for i, value in enumerate(values):
        day = datetime.fromtimestamp(start + i * step, UTC).date()
        buckets.setdefault(day, [])
        if isinstance(value, int | float) and not isinstance(value, bool):
            buckets[day].append(float(value))
        elif value is not None:
            problem = RowProblem("values", "number", f"values[{i}] {value!r} is not a number")
            record = {"datasource": series["datasource"], "entityCode": series["entityCode"], "value": value}
            parsed.reject("external_volume", f"{locator}.values[{i}]", problem, record)
    return {day: (statistics.fmean(v) if v else None) for day, v in sorted(buckets.items())}


def outage_days(daily: dict[date, float | None]) -> dict[date, tuple[float, float]]:
    """{day: (value, baseline)} for the days below OUTAGE_RATIO of the trailing baseline (see module doc)."""
    baseline: list[float] = []
    flagged: dict[date, tuple[float, float]] = {}
    for day, value in sorted(daily.items()):
        if value is None:
            continue
        median = statistics.median(baseline[-BASELINE_DAYS:]) if len(baseline) >= MIN_BASELINE else None
        if median is not None and value < OUTAGE_RATIO * median:
            flagged[day] = (value, median)
        else:
            baseline.append(value)
    return flagged


def _country_of(series: object, countries: CountryResolver, parsed: Parsed) -> str:
    if not isinstance(series, dict):
        raise RowProblem("", "required", "a series is not a JSON object")
    if missing := [k for k in SERIES_KEYS if k not in series]:
        raise RowProblem(missing[0], "required", f"series lacks {missing[0]!r}")
    if series["entityType"] != "country":
        raise RowProblem("entityType", "known_value", f"entityType {series['entityType']!r} is not country")
    code = str(series["entityCode"])
    country, kept = countries.alpha2(code)
    if country is None:
        raise RowProblem("entityCode", "known_country", f"entityCode {code!r} is not an ISO alpha-2 code")
    if kept:
        parsed.note(f"alpha-2 {code!r} has no alpha-3 in params.country_map; kept as {code!r}")
    return country


def _land_series(parsed: Parsed, series: dict, country: str, locator: str) -> dict[date, float | None]:
    datasource, daily = str(series["datasource"]), _daily(series, locator, parsed)
    for day, value in daily.items():
        row = {"series": datasource, "country": country, "day": day, "value": value, "total": None}
        parsed.add("external_volume", f"{datasource}|{country}|{day}", row, f"{locator} day {day}")
    return daily


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "ioda", url, run_id, data_date)
    try:
        series_list = _series(load_json(decode_text(body, parsed)))
    except ParseError as exc:
        return parsed.failed(str(exc))
    countries = CountryResolver(source)
    drops: dict[tuple[str, date], list[str]] = defaultdict(list)
    for position, series in series_list:
        locator = parsed.locator(position)
        try:
            country = _country_of(series, countries, parsed)
            daily = _land_series(parsed, series, country, locator)
        except RowProblem as problem:
            record = (
                {k: v for k, v in series.items() if k != "values"} if isinstance(series, dict) else series
            )
            parsed.reject("external_volume", locator, problem, record)
            continue
        for day, (value, median) in outage_days(daily).items():
            drops[(country, day)].append(
                f"{series['datasource']} {value:.1f} = {value / median:.0%} of median {median:.1f}"
            )
    for (country, day), dropped in sorted(drops.items()):
        row = {
            "kind": "outage",
            "country": country,
            "started_on": day,
            "ended_on": day,
            "description": f"IODA signals below {OUTAGE_RATIO:.0%} of their trailing median: "
            + "; ".join(dropped),
        }
        which = sorted(d.split(" ", 1)[0] for d in dropped)
        parsed.add("access_incidents", f"outage|{country}|{day}", row, parsed.locator(f"outage {day}"), which)
    return parsed
