"""Datelines: the place a story was filed from, read from its opening lines and resolved to a zone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pycountry
from babel import Locale

from core.registry import Zone, load_registry
from crawlers.lead import is_furniture
from transforms.udf.text import normalize

SCAN_CHARS = 300  # a dateline sits at the top; a headline or caption may come first
SCAN_LINES = 3
# Bylines and share, audio, ad or "Read more" lines above a dateline are skipped, not counted in the
# window, as far down as this (a share bar between the place and the story, a player above the lead).
FURNITURE_CHARS = 1500
MAX_HEADER = 120  # longest "PLACE, Country, date (Agency)" part before the dash
LEAD_PARAGRAPH = 120  # a line this long ending a sentence is the story itself: stop looking below it
COUNTRY_NAME_LANGUAGES = ("en", "fr", "es", "ar", "ru")

# The dash between the dateline and the story: " - ", " -- ", an em or en dash, EFE's ").-", or the
# ".-" after a capitalised country in Central American papers ("TEGUCIGALPA, HONDURAS.- Tras ...").
_SEPARATOR = re.compile(r"\s+-{1,2}(?=\s)|(?<=\))\.?-{1,2}(?=\s)|(?<=[^\W\d_]{2})\.-(?=\s)|\s*[—–―]{1,2}")
_DASH = re.compile("[-—–―]")
# "PLACE. AGENCY" (Kazinform); a short first part is an abbreviation ("ST. LOUIS"), not a place.
_PLACE_CREDIT = re.compile(r"^([^\W\d_][^.]{3,})\.\s+([^\W\d_][^.]*)$")
_SEGMENT_SPLIT = re.compile(r"\s*[,،]\s*")
_PLACE_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\s.'’\-\u0300-\u036f\u0640\u064b-\u065f\u0670])*$")
_PARTICLES = frozenset("de del la las los el al da do dos das du des d' l' y e au aux sur am an".split())
# Words that open all-caps headlines or kickers, never a place.
_KICKERS = frozenset(
    "update updated breaking exclusive analysis factbox explainer opinion live watch urgent corrected "
    "refile photo video file editorial alerte urgente exclusif analyse ultima urgente срочно молния "
    "عاجل".split()
)
_MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december janv fevr fev mars avr mai juin juil aout janvier fevrier avril "
    "juillet septembre octobre novembre decembre ene abr ago dic enero febrero marzo abril mayo junio julio "
    "agosto septiembre setiembre octubre noviembre diciembre янв фев мар апр мая июн июл авг сен окт ноя дек "
    "января февраля марта апреля июня июля августа сентября октября ноября декабря يناير فبراير مارس ابريل "
    "مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر monday tuesday wednesday thursday friday saturday "
    "sunday lundi mardi mercredi jeudi vendredi samedi dimanche lunes martes miercoles jueves viernes sabado "
    "domingo".split()
)
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


@dataclass(frozen=True)
class Dateline:
    """A story's dateline: the place as written, the country and agency it names, and the zone it is in.

    `ambiguous_zone_id` is set (and `zone_id` left None) when the place is a zone's alias but the zone's
    exclusions name a namesake elsewhere ("Talen, Bervia") and the dateline gives no country to choose.
    `header` is the dateline as written, up to its dash ("GOMA, Congo (Reuters)"): the names in it say
    where the story was filed, not what it is about.
    """

    place: str | None
    country: str | None = None
    agency: str | None = None
    zone_id: str | None = None
    ambiguous_zone_id: str | None = None
    header: str | None = None


class DatelineMemo:
    """Line parses and resolutions shared by the texts of one item: its lead and its full text start alike."""

    __slots__ = ("lines", "resolved")

    def __init__(self) -> None:
        self.lines: dict[str, Dateline | None] = {}
        self.resolved: dict[Dateline, Dateline] = {}


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


def _is_cased(text: str) -> bool:
    return text.lower() != text.upper()


def _is_date(segment: str) -> bool:
    first = normalize(segment).split(" ")[0].rstrip(".")
    return any(c.isdigit() for c in segment) or first in _MONTHS


def _valid_place(place: str, has_agency: bool) -> bool:
    words = place.split()
    if not words or len(words) > 5 or not _PLACE_CHARS.match(place):
        return False
    if normalize(words[0]).strip(".") in _KICKERS:
        return False
    if not _is_cased(place):
        return len(words) <= 3  # Arabic and other uncased scripts: a place is a short phrase
    if place == place.upper():
        return True
    # "Bogotá, 3 nov (EFE).-": a capitalised place is accepted only with an agency credit.
    return (
        has_agency and words[0][0].isupper() and all(w[0].isupper() or w.lower() in _PARTICLES for w in words)
    )


def parse_dateline_line(line: str, is_country: Callable[[str], bool]) -> Dateline | None:
    """Parse one line as "PLACE[/PLACE2][, Country][, date][ (Country)][ (Agency)] - story", or None."""
    if not line or line[0].islower():
        return None
    sep = _SEPARATOR.search(line, 0, MAX_HEADER + 6)
    if sep is None or sep.start() == 0 or not line[sep.end() :].strip():
        return None
    header = written = line[: sep.start()].strip()
    parens: list[str] = []
    while header.endswith(")"):
        opening = header.rfind("(")
        if opening <= 0:
            return None
        parens.insert(0, header[opening + 1 : -1].strip())
        header = header[:opening].rstrip()
    segments = _SEGMENT_SPLIT.split(header)
    place = segments[0].split("/")[0].strip()
    credit = _PLACE_CREDIT.match(place) if place == place.upper() else None
    if credit:  # "ПЕТРОПАВЛОВСК. КАЗИНФОРМ –": the place, then the agency
        place = credit.group(1)
        parens.append(credit.group(2))
    if not _valid_place(place, has_agency=bool(parens)):
        return None
    country = None
    for segment in segments[1:]:
        if segment and _is_date(segment):
            continue
        if not segment or (_is_cased(segment) and not segment[0].isupper()) or len(segment.split()) > 4:
            return None  # "MARIA TALEN, a teacher from Karsa, said": a clause, not a dateline
        country = segment.split("/")[0].strip()
    agency = None
    if len(parens) >= 2:
        country, agency = country or parens[0], parens[-1]
    elif parens:
        if is_country(parens[0]) and country is None:
            country = parens[0]
        else:
            agency = parens[0]
    return Dateline(place=place, country=country or None, agency=agency or None, header=written)


def _opening_lines(text: str) -> list[str]:
    """The first SCAN_LINES non-empty lines within SCAN_CHARS characters; captions, bylines and widget
    lines (share, audio, ad, "Read more") are skipped, not counted, within the first FURNITURE_CHARS."""
    lines: list[str] = []
    budget = SCAN_CHARS
    for raw in text[:FURNITURE_CHARS].splitlines():
        line = raw.strip()
        if not line or is_furniture(line):
            continue
        lines.append(line[:budget])
        budget -= len(raw) + 1
        if len(lines) == SCAN_LINES or budget <= 0:
            break
    return lines


def find_dateline(
    text: str, is_country: Callable[[str], bool], memo: DatelineMemo | None = None
) -> Dateline | None:
    """The dateline in the first few lines, past captions, bylines, widget lines and a headline.

    `memo` keeps each line's reading for the next text of the same item (a lead, then the full text).
    """
    readings = memo.lines if memo is not None else {}

    def dateline_of(line: str) -> Dateline | None:
        if line not in readings:
            readings[line] = parse_dateline_line(line, is_country)
        return readings[line]

    lines = _opening_lines(text)
    if not any(_DASH.search(line) for line in lines):
        return None  # every dateline form ends in a dash
    for i, line in enumerate(lines):
        found = dateline_of(line)
        if found is None:
            if len(line) >= LEAD_PARAGRAPH and line.rstrip()[-1:] in '.!?؟…"»':
                return None
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if following and dateline_of(following):
            continue  # two dateline-like lines in a row: the first is a caption over the story
        return found
    return None


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
