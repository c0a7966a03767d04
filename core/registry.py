"""Zones and sources: pydantic models of config/zones.yml and config/sources.yml, validated on load."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import pycountry
import yaml
from babel import Locale
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

M = TypeVar("M", bound=BaseModel)
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG, min_length=2, max_length=64)]

Tier = Literal[
    "international",
    "regional",
    "national",
    "local",
    "exile",
    "wire",
    "state",
    "government",
    "ngo",
    "un",
    "press_freedom",
]
NOT_INDEPENDENT_TIERS = frozenset({"state", "government"})
SourceKind = Literal["feed", "html", "dataset"]
DatasetFormat = Literal["cpj", "rsf", "keepiton", "ioda", "acled", "ucdp", "reliefweb", "gdelt_timeline"]


@cache
def _known_languages() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@cache
def _known_countries() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


def is_user_assigned_alpha3(code: str) -> bool:
    """ISO 3166-1 reserves AAA-AAZ, QMA-QZZ, XAA-XZZ and ZZA-ZZZ for private use (the demo world uses them)."""
    return bool(re.fullmatch(r"AA[A-Z]|Q[M-Z][A-Z]|X[A-Z]{2}|ZZ[A-Z]", code))


def check_country(code: str) -> str:
    if code not in _known_countries() and not is_user_assigned_alpha3(code):
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 country code")
    return code


def check_language(code: str) -> str:
    if code not in _known_languages():
        raise ValueError(f"{code!r} is not an ISO 639-1 language code")
    return code


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


AliasMap = dict[str, list[Annotated[str, Field(min_length=2)]]]


def _check_alias_languages(value: AliasMap) -> AliasMap:
    for lang in value:
        check_language(lang)
    return value


class Admin1(_Strict):
    """A first-level administrative area inside a zone (a state, province or region)."""

    id: Slug
    name: str = Field(min_length=1)
    iso_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")  # ISO 3166-2
    aliases: AliasMap = Field(default_factory=dict)

    _langs = field_validator("aliases")(_check_alias_languages)


ZoneLevel = Literal["country", "zone"]


class Zone(_Strict):
    """A conflict zone watched by blindspot.

    Zones form a two-level hierarchy: a `country` zone covers a whole country; a `zone` (a region inside one
    country) has that country's zone as `parent`, which the registry fills in (see `load_registry`).
    `demonyms` name the zone's people (Syrians, syriennes): they count as its names unless the item places
    them in another country. `ethnonyms` name a people rather than a place (Rohingya): alone they do not
    place an item in the zone.
    `ambiguous` names are also common words (French "Tigré" folds to "tigre", tiger; Russian "Газа" is also
    "of gas"): they count when written with a capital inside a sentence, or with a second signal.
    `homonyms` are also the names of other places (Palma, Pemba): they count only with a second signal.
    See transforms/udf/geotag.py.
    """

    id: Slug
    name: str = Field(min_length=1)
    level: ZoneLevel = "zone"
    parent: Slug | None = None
    countries: list[str] = Field(min_length=1)
    admin1: list[Admin1] = Field(default_factory=list)
    aliases: AliasMap = Field(min_length=1)
    demonyms: AliasMap = Field(default_factory=dict)
    ethnonyms: AliasMap = Field(default_factory=dict)
    ambiguous: AliasMap = Field(default_factory=dict)
    homonyms: AliasMap = Field(default_factory=dict)
    exclusions: AliasMap = Field(default_factory=dict)

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return [check_country(c) for c in value]

    _alias_langs = field_validator("aliases", "demonyms", "ethnonyms", "ambiguous", "homonyms", "exclusions")(
        _check_alias_languages
    )

    @model_validator(mode="after")
    def _level(self) -> Zone:
        if self.level == "country" and (len(self.countries) != 1 or self.parent is not None):
            raise ValueError("a country zone has exactly one country and no parent")
        return self


class Politeness(_Strict):
    """Per-source overrides of the crawler's polite defaults."""

    download_delay: float | None = Field(default=None, ge=0, le=600)
    concurrent_requests: int | None = Field(default=None, ge=1, le=8)
    timeout_seconds: float | None = Field(default=None, gt=0, le=600)
    max_pages: int | None = Field(default=None, ge=1, le=10_000)
    obey_robots: bool = True


class Selectors(_Strict):
    """CSS selectors the generic spider follows from a listing page to article pages."""

    article_links: str = Field(min_length=1)
    next_page: str | None = None
    title: str | None = None
    body: str | None = None
    published: str | None = None


class Source(_Strict):
    """A place blindspot collects from: a feed, an HTML site or a dataset."""

    id: Slug
    name: str = Field(min_length=1)
    kind: SourceKind
    url: str
    languages: list[str] = Field(min_length=1)
    country: str | None = None
    tier: Tier
    is_independent: bool | None = None
    independence_reason: str | None = None
    zones: list[Slug] = Field(default_factory=list)
    politeness: Politeness = Field(default_factory=Politeness)
    selectors: Selectors | None = None
    format: DatasetFormat | None = None
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^(https?://[^\s/]+|file://)\S*$", value):
            raise ValueError(f"{value!r} is not an http(s):// or file:// URL")
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        return [check_language(v) for v in value]

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return None if value is None else check_country(value)

    @model_validator(mode="after")
    def _kind_fields(self) -> Source:
        if self.kind == "html" and self.selectors is None:
            raise ValueError("an html source needs 'selectors' (at least article_links)")
        if self.kind == "dataset" and self.format is None:
            raise ValueError("a dataset source needs 'format'")
        if self.kind != "dataset" and self.format is not None:
            raise ValueError(f"'format' is only for dataset sources, not {self.kind}")
        derived = self.tier not in NOT_INDEPENDENT_TIERS
        if (
            self.is_independent is not None
            and self.is_independent != derived
            and not self.independence_reason
        ):
            raise ValueError(
                f"is_independent={self.is_independent} overrides the tier {self.tier!r}; "
                "give the reason in 'independence_reason'"
            )
        if self.is_independent is None:
            object.__setattr__(self, "is_independent", derived)
        return self


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file, named precisely enough to fix it."""

    file: str
    entry: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return f"{where}, field '{self.field}': {self.reason}" if self.field else f"{where}: {self.reason}"


class RegistryError(ValueError):
    """The registry has one or more problems; `issues` lists each of them."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class Registry:
    """The validated zones and sources of one config folder."""

    config_dir: Path
    zones: tuple[Zone, ...]
    sources: tuple[Source, ...]

    def zone(self, zone_id: str) -> Zone:
        return next(z for z in self.zones if z.id == zone_id)

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def enabled_sources(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]


def _reason(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def validation_issues(path: Path, label: str, exc: ValidationError) -> list[ConfigIssue]:
    """One ConfigIssue per pydantic error, naming the field and a plain reason."""
    return [
        ConfigIssue(str(path), label, ".".join(str(p) for p in e["loc"]), _reason(e)) for e in exc.errors()
    ]


def _read_yaml(path: Path, top_key: str, issues: list[ConfigIssue]) -> list[Any]:
    name = path.name
    if not path.exists():
        issues.append(ConfigIssue(str(path), "", "", "file not found"))
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else ""
        issues.append(ConfigIssue(str(path), line, "", f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return []
    except UnicodeDecodeError as exc:
        issues.append(ConfigIssue(str(path), "", "", f"not UTF-8 text: {exc.reason}"))
        return []
    if not isinstance(data, dict) or top_key not in data:
        issues.append(
            ConfigIssue(str(path), "", top_key, f"{name} must be a mapping with a '{top_key}' list")
        )
        return []
    for key in data:
        if key != top_key:
            issues.append(ConfigIssue(str(path), "", str(key), "unknown key"))
    entries = data[top_key]
    if not isinstance(entries, list):
        issues.append(ConfigIssue(str(path), "", top_key, "must be a list"))
        return []
    return entries


def _validate_entries(
    path: Path, entries: list[Any], model: type[M], noun: str, issues: list[ConfigIssue]
) -> list[M]:
    valid: list[M] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(entries, start=1):
        entry_id = raw.get("id") if isinstance(raw, dict) else None
        label = f"{noun} '{entry_id}' (entry {position})" if entry_id else f"{noun} entry {position}"
        if not isinstance(raw, dict):
            issues.append(ConfigIssue(str(path), label, "", "must be a mapping"))
            continue
        try:
            obj = model.model_validate(raw)
        except ValidationError as exc:
            issues += validation_issues(path, label, exc)
            continue
        if entry_id in seen:
            issues.append(
                ConfigIssue(str(path), label, "id", f"duplicate id; first used by entry {seen[entry_id]}")
            )
            continue
        seen[entry_id] = position
        valid.append(obj)
    return valid


def load_registry(config_dir: Path | str) -> Registry:
    """Load and validate zones.yml and sources.yml; raise RegistryError listing every problem."""
    config_dir = Path(config_dir)
    issues: list[ConfigIssue] = []
    zones_path, sources_path = config_dir / "zones.yml", config_dir / "sources.yml"
    zones = _validate_entries(zones_path, _read_yaml(zones_path, "zones", issues), Zone, "zone", issues)
    sources = _validate_entries(
        sources_path, _read_yaml(sources_path, "sources", issues), Source, "source", issues
    )
    zone_ids = {z.id for z in zones}
    for source in sources:
        for i, zone_id in enumerate(source.zones):
            if zone_ids and zone_id not in zone_ids:
                label = f"source '{source.id}'"
                issues.append(
                    ConfigIssue(str(sources_path), label, f"zones.{i}", f"unknown zone {zone_id!r}")
                )
    if not issues:
        zones = with_hierarchy(zones, load_country_names(config_dir), zones_path, issues)
        zones = _with_generated_aliases(zones, config_dir, issues)
    if issues:
        raise RegistryError(issues)
    return Registry(config_dir=config_dir, zones=tuple(zones), sources=tuple(sources))


def _with_generated_aliases(zones: list[Zone], config_dir: Path, issues: list[ConfigIssue]) -> list[Zone]:
    """Zones with the names of aliases.generated.yml (written by core/gazetteer.py) after their own, when
    that file exists: per zone id, `aliases`, `ambiguous` and `homonyms` per language, `admin1` per area id."""
    path = config_dir / "aliases.generated.yml"
    if not path.exists():
        return zones
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        issues.append(ConfigIssue(str(path), "", "", f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return zones
    generated = data.get("zones") if isinstance(data, dict) else None
    if not isinstance(generated, dict):
        issues.append(ConfigIssue(str(path), "", "zones", "must be a mapping of zone ids"))
        return zones
    by_id = {z.id: z for z in zones}
    for zone_id, entry in generated.items():
        label = f"zone '{zone_id}'"
        if zone_id not in by_id:
            issues.append(ConfigIssue(str(path), label, "", "unknown zone"))
            continue
        if not isinstance(entry, dict):
            issues.append(ConfigIssue(str(path), label, "", "must be a mapping of fields"))
            continue
        zone, update = by_id[zone_id], {}
        for field, names in entry.items():
            if field in ("aliases", "ambiguous", "homonyms"):
                update[field] = _merged(getattr(zone, field), names, path, label, field, issues)
            elif field == "admin1" and isinstance(names, dict):
                areas = {a.id for a in zone.admin1}
                for area_id in sorted(set(names) - areas):
                    issues.append(ConfigIssue(str(path), label, f"admin1.{area_id}", "unknown admin-1 area"))
                update["admin1"] = [
                    a.model_copy(
                        update={
                            "aliases": _merged(a.aliases, names[a.id], path, label, f"admin1.{a.id}", issues)
                        }
                    )
                    if a.id in names
                    else a
                    for a in zone.admin1
                ]
            else:
                issues.append(ConfigIssue(str(path), label, str(field), "unknown field"))
        by_id[zone_id] = zone.model_copy(update=update)
    return [by_id[z.id] for z in zones]


def _merged(
    own: AliasMap, names: Any, path: Path, label: str, field: str, issues: list[ConfigIssue]
) -> AliasMap:
    """`own` with the generated `names` appended per language, each name once."""
    if not isinstance(names, dict):
        issues.append(ConfigIssue(str(path), label, field, "must be a mapping of languages to names"))
        return own
    out = {lang: list(values) for lang, values in own.items()}
    for lang, values in names.items():
        try:
            check_language(str(lang))
        except ValueError as exc:
            issues.append(ConfigIssue(str(path), label, f"{field}.{lang}", str(exc)))
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) and len(v) >= 2 for v in values):
            issues.append(ConfigIssue(str(path), label, f"{field}.{lang}", "must be a list of names"))
            continue
        out[lang] = list(dict.fromkeys([*out.get(lang, []), *values]))
    return out


COUNTRY_ZONE_LANGUAGES = ("en", "fr", "es", "ar", "ru", "uk")


def country_zone_names(code: str, names: dict[str, list[str]]) -> tuple[str, AliasMap]:
    """A country's display name and its aliases per language: CLDR (babel) and pycountry names for an ISO
    code, or the countries.yml names for a user-assigned one (listed under "en")."""
    if code in names and names[code]:
        return names[code][0], {"en": list(dict.fromkeys(names[code]))}
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return code, {"en": [code]}
    display = getattr(country, "common_name", None) or country.name
    aliases: AliasMap = {}
    for language in COUNTRY_ZONE_LANGUAGES:
        name = Locale(language).territories.get(country.alpha_2)
        if name:
            aliases[language] = [name]
    english = aliases.setdefault("en", [])
    for value in (display, country.name):
        if value not in english:
            english.append(value)
    return display, aliases


def country_zone_id(code: str, display: str) -> str:
    """The id of a country zone the registry makes: the alpha-2 code (alpha-3 for a user-assigned one) and
    the name, as slugs ("mm-myanmar", "xva-valdoria")."""
    country = pycountry.countries.get(alpha_3=code)
    prefix = country.alpha_2.lower() if country is not None else code.lower()
    return "-".join([prefix, *re.findall(r"[a-z0-9]+", display.lower())])[:64].strip("-")


def with_hierarchy(
    zones: list[Zone], names: dict[str, list[str]], path: Path, issues: list[ConfigIssue]
) -> list[Zone]:
    """Zones with their country level: every country of a single-country zone gets a country zone (taken
    from the registry when one is written there, else made from the country's names, see
    `country_zone_names`), and each such zone gets that country zone as `parent`.

    A zone that names several countries has no parent. A written `parent` must be the country zone of the
    zone's country.
    """
    by_country = {z.countries[0]: z for z in zones if z.level == "country"}
    made: list[Zone] = []
    for zone in zones:
        if zone.level == "country" or len(zone.countries) != 1:
            continue
        code = zone.countries[0]
        if code not in by_country:
            display, aliases = country_zone_names(code, names)
            country_zone = Zone(
                id=country_zone_id(code, display), name=display, level="country", countries=[code],
                aliases=aliases,
            )  # fmt: skip
            by_country[code] = country_zone
            made.append(country_zone)
    ids = {z.id for z in zones}
    for zone in made:
        if zone.id in ids:
            issues.append(
                ConfigIssue(
                    str(path), f"zone '{zone.id}'", "id", "taken by a zone that is not the country zone"
                )
            )
    out: list[Zone] = []
    for zone in zones:
        if zone.level == "zone" and len(zone.countries) == 1:
            parent = by_country[zone.countries[0]].id
            if zone.parent not in (None, parent):
                label = f"zone '{zone.id}'"
                issues.append(
                    ConfigIssue(str(path), label, "parent", f"must be {parent!r}, the country zone")
                )
            zone = zone.model_copy(update={"parent": parent})
        elif zone.parent is not None:
            issues.append(
                ConfigIssue(str(path), f"zone '{zone.id}'", "parent", "only a one-country zone has one")
            )
        out.append(zone)
    return out + made


def load_country_names(config_dir: Path | str) -> dict[str, list[str]]:
    """Optional countries.yml: names per ISO alpha-3 code, for codes pycountry does not know (user-assigned)."""
    path = Path(config_dir) / "countries.yml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    issues = []
    names: dict[str, list[str]] = {}
    for code, values in (data.get("countries") or {}).items():
        try:
            check_country(str(code))
        except ValueError as exc:
            issues.append(ConfigIssue(str(path), f"country {code!r}", "", str(exc)))
            continue
        names[str(code)] = [str(v) for v in values]
    if issues or set(data) - {"countries"}:
        issues += [ConfigIssue(str(path), "", str(k), "unknown key") for k in set(data) - {"countries"}]
        raise RegistryError(issues)
    return names
