"""Datelines resolved to zones: the place a dateline names, checked against the registry's zones, exclusions and
every country's names (the dateline itself is read by transforms/udf/dateline.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path

import pycountry
from babel import Locale

from core.registry import Zone, load_registry
from transforms.udf.dateline import Dateline, DatelineMemo, find_dateline
from transforms.udf.text import normalize

COUNTRY_NAME_LANGUAGES = ("en", "fr", "es", "ar", "ru")
# Short forms wire datelines use that babel and pycountry do not list.
_EXTRA_COUNTRY_NAMES = {
    "COD": ["Congo", "DR Congo", "D.R. Congo", "DRC", "RD Congo", "RDC", "Democratic Republic of Congo",
            "République démocratique du Congo", "RD del Congo", "ДР Конго", "الكونغو الديمقراطية"],
    "COG": ["Congo", "Republic of Congo", "Congo-Brazzaville"],
    "PSE": ["Palestine", "Palestinian Territories", "Occupied Palestinian Territory", "Palestinian territories"],
    "GBR": ["Britain", "UK", "U.K."],
    "USA": ["US", "U.S.", "USA", "EEUU", "EE.UU."],
    "CAF": ["CAR", "Centrafrique"],
}  # fmt: skip


def _name_variants(name: str) -> list[str]:
    """ "Congo - Kinshasa" -> also "Congo"; "Myanmar (Burma)" -> also "Myanmar" and "Burma"."""
    out = [name]
    if " - " in name:
        out.append(name.split(" - ")[0])
    if "(" in name and name.endswith(")"):
        head, _, inner = name[:-1].partition("(")
        out += [head.strip(), inner.strip()]
    return out


@cache
def builtin_country_index() -> dict[str, frozenset[str]]:
    """Normalised country name -> ISO alpha-3 codes, from pycountry and babel in en/fr/es/ar/ru."""
    index: dict[str, set[str]] = {}

    def add(name: str, code: str) -> None:
        for variant in _name_variants(name):
            index.setdefault(normalize(variant), set()).add(code)

    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if value := getattr(country, attr, None):
                add(value, country.alpha_3)
    for language in COUNTRY_NAME_LANGUAGES:
        for alpha2, name in Locale(language).territories.items():
            country = pycountry.countries.get(alpha_2=alpha2) if len(alpha2) == 2 else None
            if country is not None:
                add(name, country.alpha_3)
    for code, names in _EXTRA_COUNTRY_NAMES.items():
        for name in names:
            add(name, code)
    return {name: frozenset(codes) for name, codes in index.items()}


def _is_builtin_country(text: str) -> bool:
    return normalize(text) in builtin_country_index()


def extract_dateline(text: str, language: str, resolver: DatelineResolver | None = None) -> Dateline | None:
    """The dateline opening `text`; with a resolver, `zone_id` names the zone the place is in.

    Forms are recognised by script, so `language` does not restrict them (a French feed may carry an
    English wire's dateline).
    """
    if resolver is not None:
        return resolver.extract(text, language)
    return find_dateline(text, _is_builtin_country)


def _split_exclusion(term: str) -> tuple[str, str] | None:
    """ "Talen, Bervia" or "Talen (Bervie)" -> ("talen", "bervia"): a namesake in another place."""
    match = re.match(r"^(.+?)\s*(?:,\s*|\(\s*)(.+?)\)?$", normalize(term))
    return (match.group(1).strip(), match.group(2).strip()) if match else None


class DatelineResolver:
    """Resolves dateline places to zones from the registry's aliases, exclusions and country names.

    A place resolves to a zone when it is one of the zone's aliases (zone or admin1) and the country the
    dateline writes, if any, does not point elsewhere: it must not be a known country outside the zone's
    countries, not another zone's alias, and "place, country" must not be one of the zone's exclusions.
    Country names come from pycountry and babel (en, fr, es, ar, ru) for ISO codes; user-assigned codes
    (the demo world) have no names there, so pass `country_names` {alpha3: [names]}; a zone's own name and
    aliases are also accepted as the written country ("HEBRON, West Bank").
    """

    def __init__(self, zones: Iterable[Zone], country_names: Mapping[str, Iterable[str]] | None = None):
        self.zones: tuple[Zone, ...] = tuple(zones)
        self.places: dict[str, tuple[int, ...]] = {}
        self.zone_names: list[frozenset[str]] = []
        self.exclusions: list[frozenset[tuple[str, str]]] = []
        for index, zone in enumerate(self.zones):
            names = {normalize(zone.name)}
            for alias in _zone_aliases(zone):
                key = normalize(alias)
                names.add(key)
                if index not in self.places.get(key, ()):
                    self.places[key] = (*self.places.get(key, ()), index)
            self.zone_names.append(frozenset(names))
            pairs = (_split_exclusion(t) for terms in zone.exclusions.values() for t in terms)
            self.exclusions.append(frozenset(p for p in pairs if p))
        countries = {name: set(codes) for name, codes in builtin_country_index().items()}
        for code, names in (country_names or {}).items():
            for name in names:
                for variant in _name_variants(name):
                    countries.setdefault(normalize(variant), set()).add(code)
        self.countries = {name: frozenset(codes) for name, codes in countries.items()}
        self.exclusion_tails = frozenset(tail for pairs in self.exclusions for _, tail in pairs)
        self.country_zones = {z.countries[0]: z.id for z in self.zones if z.level == "country"}
        self.all_zone_names = frozenset().union(*self.zone_names)

    @classmethod
    def from_config(
        cls, config_dir: Path | str, country_names: Mapping[str, Iterable[str]] | None = None
    ) -> DatelineResolver:
        return cls(load_registry(config_dir).zones, country_names)

    def is_country(self, text: str) -> bool:
        """Whether a parenthesised part names a country or region rather than an agency."""
        key = normalize(text)
        return key in self.countries or key in self.exclusion_tails or key in self.all_zone_names

    def extract(self, text: str, language: str = "en", memo: DatelineMemo | None = None) -> Dateline | None:
        """The text's dateline, resolved; pass one `DatelineMemo` to the calls for the texts of one item."""
        found = find_dateline(text, self.is_country, memo)
        if found is None:
            return None
        if memo is None:
            return self.resolve(found)
        if found not in memo.resolved:
            memo.resolved[found] = self.resolve(found)
        return memo.resolved[found]

    def resolve(self, dateline: Dateline) -> Dateline:
        """Fill `zone_id` (or `ambiguous_zone_id`) for a parsed dateline.

        A place that resolves to no zone, in a country the dateline names (or that is itself a country's
        name), is in that country's zone when the registry has one ("PORT SUDAN, Sudan" -> Sudan).
        """
        key = normalize(dateline.place or "")
        country = normalize(dateline.country) if dateline.country else None
        found = self._in_zone(dateline, key, country)
        if found.zone_id is None and found.ambiguous_zone_id is None:
            for name in (country, key):
                codes = self.countries.get(name or "", frozenset())
                zones = {self.country_zones[c] for c in codes if c in self.country_zones}
                if len(zones) == 1 and len(codes) == 1:
                    return replace(dateline, zone_id=zones.pop())
        return found

    def _in_zone(self, dateline: Dateline, key: str, country: str | None) -> Dateline:
        candidates = self.places.get(key, ())
        if not candidates:
            return dateline
        kept, confirmed = [], []
        for index in candidates:
            verdict = self._country_verdict(index, key, country)
            if verdict is not None:
                kept.append(index)
                if verdict:
                    confirmed.append(index)
        chosen = confirmed if len(confirmed) == 1 else kept
        if len(chosen) != 1:
            return dateline
        zone = chosen[0]
        namesake = any(head == key for head, _ in self.exclusions[zone])
        if country is None and namesake:
            return replace(dateline, ambiguous_zone_id=self.zones[zone].id)
        return replace(dateline, zone_id=self.zones[zone].id)

    def _country_verdict(self, zone: int, place: str, country: str | None) -> bool | None:
        """None: the country contradicts the zone; True: it confirms it; False: no country or unknown."""
        if country is None:
            return False
        if (place, country) in self.exclusions[zone]:
            return None
        if country in self.zone_names[zone]:
            return True
        codes = self.countries.get(country)
        if codes:
            return True if codes & set(self.zones[zone].countries) else None
        if country in self.all_zone_names:
            return None  # another zone's name or alias
        return False


def _zone_aliases(zone: Zone) -> Iterable[str]:
    for names in zone.aliases.values():
        yield from names
    for area in zone.admin1:
        for names in area.aliases.values():
            yield from names
