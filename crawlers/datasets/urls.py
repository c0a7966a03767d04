"""The URLs a dataset source names: {year}, {country} and {zone_id} templates expanded, API query added.

{year}: params.years ("2021,2022", "2019-2024" or one year), else the data date's year.
{country}: params.countries (comma-separated, as the URL wants them: IODA takes alpha-2).
{zone_id}: the source's zones. Any other placeholder ({APPROVED_APPNAME}, {query}, ...) cannot be
filled and becomes a `url_template` fetch error instead of a request.
ReliefWeb gets `appname` from params when the URL lacks it; GDELT gets `mode` and `format` likewise.
IODA given its API root (https://.../v2/) gets /signals/raw/country/{country} with from/until spanning
params.days (default 30) days up to the end of the data date.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from core.registry import Source

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
QUERY_PARAMS = {"reliefweb": ("appname",), "gdelt_timeline": ("mode", "format")}
IODA_DAYS = 30
WHERE = {"year": "params.years", "country": "params.countries", "zone_id": "the source's zones"}


@dataclass(frozen=True)
class Target:
    """One URL to fetch, the template values it was made from, or why it could not be made."""

    url: str
    context: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def years(value: object, data_date: date) -> list[str]:
    """'2021,2022' / '2019-2021' / 2024 -> ['2021', '2022'] ...; empty -> the data date's year."""
    found: list[str] = []
    for part in _split(value):
        if match := re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", part):
            found += [str(y) for y in range(int(match[1]), int(match[2]) + 1)]
        elif re.fullmatch(r"\d{4}", part):
            found.append(part)
        else:
            raise ValueError(f"params.years {value!r}: {part!r} is not a year or a range like 2019-2024")
    return found or [str(data_date.year)]


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    present = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    added = {k: v for k, v in extra.items() if k not in present}
    if not added:
        return url
    query = "&".join(q for q in (parts.query, urlencode(added)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _ioda_root(source: Source, data_date: date) -> str:
    url = source.url
    if source.format != "ioda" or "{country}" in url or "/signals/" in url or not url.startswith("http"):
        return url
    days = int(source.params.get("days", IODA_DAYS))
    until = datetime.combine(data_date + timedelta(days=1), time(), UTC)
    since = until - timedelta(days=days)
    path = url.rstrip("/") + "/signals/raw/country/{country}"
    return _with_query(path, {"from": str(int(since.timestamp())), "until": str(int(until.timestamp()))})


def expand(source: Source, data_date: date) -> list[Target]:
    template = _ioda_root(source, data_date)
    names = list(dict.fromkeys(PLACEHOLDER.findall(template)))
    try:
        choices = {
            "year": years(source.params.get("years"), data_date),
            "country": _split(source.params.get("countries")),
            "zone_id": list(source.zones),
        }
    except ValueError as exc:
        return [Target(template, error=str(exc))]
    unknown = [n for n in names if n not in choices]
    if unknown:
        return [Target(template, error=f"placeholder {{{unknown[0]}}} cannot be filled; edit the URL")]
    empty = [n for n in names if not choices[n]]
    if empty:
        return [Target(template, error=f"placeholder {{{empty[0]}}} needs values in {WHERE[empty[0]]}")]
    extra = {
        k: str(source.params[k]) for k in QUERY_PARAMS.get(source.format or "", ()) if k in source.params
    }
    if placeholders := [k for k, v in extra.items() if PLACEHOLDER.search(v)]:
        return [
            Target(template, error=f"params.{placeholders[0]} is still a placeholder; set the real value")
        ]
    targets = []
    for values in itertools.product(*(choices[n] for n in names)):
        context = dict(zip(names, values, strict=True))
        url = template
        for name, value in context.items():
            url = url.replace(f"{{{name}}}", quote(value, safe=""))
        if url.startswith("http"):
            url = _with_query(url, extra)
        targets.append(Target(url, context))
    return targets
