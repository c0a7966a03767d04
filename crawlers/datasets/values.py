"""Reading one value of a dataset row (text, date, number, country), or a RowProblem that says why not."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date

from crawlers.datasets.base import Parsed, RowProblem
from crawlers.datasets.countries import CountryResolver

_MONTH_NAMES = "january february march april may june july august september october november december".split()
MONTHS = (
    {name: i for i, name in enumerate(_MONTH_NAMES, 1)}
    | {name[:3]: i for i, name in enumerate(_MONTH_NAMES, 1)}
    | {"sept": 9}
)
ISO_DAY = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[ T]\d{2}:\d{2})"
)  # 2026-06-12, 2026-06-12 00:00:00.000
US_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})$")  # 6/12/2026 (Google Sheets export)
MONTH_DAY = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$")  # June 12, 2026
DAY_MONTH = re.compile(r"(\d{1,2}) ([A-Za-z]+)\.?,? (\d{4})$")  # 12 June 2026 (ACLED export tool)
COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T\d{6}Z)?$")  # 20260612T000000Z (GDELT)
EARLIEST_YEAR = 1900


def text(row: dict, column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def required(row: dict, column: str) -> str:
    value = text(row, column)
    if value is None:
        raise RowProblem(column, "required", f"{column} is empty")
    return value


def _ymd(value: str) -> tuple[int, int, int] | None:
    if match := ISO_DAY.match(value) or COMPACT_DAY.match(value):
        return int(match[1]), int(match[2]), int(match[3])
    if match := US_DAY.match(value):
        return int(match[3]), int(match[1]), int(match[2])
    if (match := MONTH_DAY.match(value)) and match[1].lower() in MONTHS:
        return int(match[3]), MONTHS[match[1].lower()], int(match[2])
    if (match := DAY_MONTH.match(value)) and match[2].lower() in MONTHS:
        return int(match[3]), MONTHS[match[2].lower()], int(match[1])
    return None


def day(value: str, column: str, data_date: date) -> date:
    """A calendar day in any of the layouts the datasets use; impossible or implausible days are problems."""
    parts = _ymd(value.strip())
    if parts is None:
        raise RowProblem(column, "date", f"{column} {value!r} is not a date")
    try:
        parsed = date(*parts)
    except ValueError as exc:
        raise RowProblem(column, "date", f"{column} {value!r} is not a calendar day ({exc})") from exc
    if not EARLIEST_YEAR <= parsed.year <= data_date.year + 1:
        raise RowProblem(
            column, "plausible_date", f"{column} {value!r} is outside {EARLIEST_YEAR}-{data_date.year + 1}"
        )
    return parsed


def year(value: str, column: str, data_date: date) -> int:
    if not re.fullmatch(r"\d{4}(\.0)?", value.strip()):
        raise RowProblem(column, "year", f"{column} {value!r} is not a year")
    found = int(value.strip()[:4])
    if not EARLIEST_YEAR <= found <= data_date.year + 1:
        raise RowProblem(
            column, "plausible_date", f"{column} {value!r} is outside {EARLIEST_YEAR}-{data_date.year + 1}"
        )
    return found


def number(value: str | None, column: str, decimal_comma: bool = False) -> float | None:
    """A float; empty gives None. With decimal_comma, '73,58' is 73.58 (RSF)."""
    if value is None or not str(value).strip():
        return None
    cleaned = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".") if "," in cleaned else cleaned
    try:
        parsed = float(cleaned)
    except ValueError:
        raise RowProblem(column, "number", f"{column} {value!r} is not a number") from None
    if not math.isfinite(parsed):
        raise RowProblem(column, "number", f"{column} {value!r} is not a finite number")
    return parsed


def integer(value: str | None, column: str) -> int | None:
    parsed = number(value, column)
    if parsed is None:
        return None
    if not parsed.is_integer() or parsed < 0:
        raise RowProblem(column, "count", f"{column} {value!r} is not a whole, non-negative number")
    return int(parsed)


def country_by_name(
    countries: CountryResolver,
    value: str,
    column: str,
    places: Iterable[str | None] = (),
    parsed: Parsed | None = None,
) -> str | None:
    """The alpha-3 code of a country name; when the name covers several countries, the row's `places`
    decide, and `parsed` counts how (the fetch event's detail says it once per name). None when they do
    not decide between the present countries of a combined name (see crawlers.datasets.countries)."""
    found = countries.resolve(value, places)
    if found is None:
        raise RowProblem(
            column,
            "known_country",
            f"{column} {value!r} is not a known country (add it to params.country_map)",
        )
    if found.candidates and parsed is not None:
        covered = ", ".join(found.candidates)
        if found.decided_by:
            parsed.tally(f"{column} {value!r} covers {covered}: the row's place decided")
        elif found.code:
            parsed.tally(
                f"{column} {value!r} covers {covered}: no place decided, the successor {found.code} taken"
            )
        else:
            parsed.tally(
                f"{column} {value!r} covers {covered}: no place decided, country left empty "
                "(params.country_map can name one)"
            )
    return found.code
