"""Known quiet days: the national holidays of a zone's countries and of its outlets', from `holidays`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache

import holidays as holiday_calendars
import pycountry

# International newsrooms slow down over Christmas and New Year whatever the zone; their calendars name
# only the public holidays, so the days between are added as one period.
YEAR_END = "Christmas and New Year"
YEAR_END_DAYS = ((12, 24), (12, 25), (12, 26), (12, 27), (12, 28), (12, 29), (12, 30), (12, 31), (1, 1))


@cache
def _alpha2(code: str) -> str | None:
    """ISO alpha-2 of an alpha-2 or alpha-3 code; None for user-assigned codes (the demo world's X..)."""
    country = (
        pycountry.countries.get(alpha_3=code) if len(code) == 3 else pycountry.countries.get(alpha_2=code)
    )
    return country.alpha_2 if country is not None else None


@cache
def _calendar(alpha2: str, years: tuple[int, ...]) -> dict[date, str]:
    try:
        calendar = holiday_calendars.country_holidays(alpha2, years=years)
    except NotImplementedError:  # `holidays` has no calendar for this country
        return {}
    return {day: name.split(";")[0].strip() for day, name in calendar.items()}


def quiet_days(
    countries: Iterable[str], start: date, end: date, outlet_countries: Iterable[str] = ()
) -> dict[date, str]:
    """Day -> holiday name for [start, end]: the zone's national holidays, its outlets' national holidays,
    and the year-end period when any outlet is from a country that keeps it. Where two fall on one day the
    zone's own holiday names it."""
    years = tuple(range(start.year, end.year + 1))
    found: dict[date, str] = {}
    outlets = [a for a in dict.fromkeys(_alpha2(c) for c in outlet_countries) if a]
    for alpha2 in outlets:
        calendar = _calendar(alpha2, years)
        found.update(calendar)
        if any("Christmas" in name for name in calendar.values()):
            for year in years:
                for month, day in YEAR_END_DAYS:
                    found[date(year, month, day)] = YEAR_END
    for alpha2 in [a for a in dict.fromkeys(_alpha2(c) for c in countries) if a]:
        found.update(_calendar(alpha2, years))
    return {d: n for d, n in sorted(found.items()) if start <= d <= end}
