"""Demo scenarios: pydantic models of blindspot/demo/scenarios/*.yml, validated like the registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.registry import SLUG, ConfigIssue, RegistryError, Tier, check_country, validation_issues

SCENARIO_DIR = Path(__file__).parent / "scenarios"
Lang = Literal["en", "fr", "ar", "ru"]
EventKind = Literal[
    "blackout",
    "slow_decline",
    "stable",
    "spike",
    "collection_failure",
    "low_volume",
    "recovery",
    "escalation",
]
FailureMode = Literal["http_503", "http_500", "layout_change", "slow", "malformed_xml"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    """A place name in each demo language."""

    en: str
    fr: str
    ar: str
    ru: str | None = None

    def get(self, lang: str) -> str:
        return getattr(self, lang, None) or self.en


class Country(_Strict):
    code: str = Field(pattern=r"^X[A-Z]{2}$", description="ISO 3166 user-assigned alpha-3 (fictional)")
    alpha2: str = Field(pattern=r"^X[A-Z]$")
    name: Names
    capital: Names

    @model_validator(mode="after")
    def _code(self) -> Country:
        check_country(self.code)
        return self


class Town(_Strict):
    name: Names
    admin1: str | None = None


class TwinTown(_Strict):
    """A town outside the zone that shares a name with one inside it (a geotagging trap)."""

    name: Names
    country: str


class DemoZone(_Strict):
    id: str = Field(pattern=SLUG)
    name: Names
    country: str
    region: Names  # the zone's own name as written in text ("Northern Valdoria")
    towns: list[Town] = Field(min_length=2)
    neighbours: list[str] = Field(
        min_length=1, description="countries whose capitals file 'outside' datelines"
    )
    stories_per_day: float = Field(gt=0)
    inside_share: float = Field(ge=0, le=1)
    dateline_share: float = Field(default=0.85, ge=0, le=1)
    state_items_per_day: float = Field(default=2.0, ge=0)
    state_frame_rate: float = Field(default=0.35, ge=0, le=1)
    other_frame_rate: float = Field(default=0.03, ge=0, le=1)
    exclusions: dict[str, list[str]] = Field(default_factory=dict)
    twin_towns: list[TwinTown] = Field(default_factory=list)


class DemoSourceSpec(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    tier: Tier
    kind: Literal["feed", "html", "dataset"] = "feed"
    feed_format: Literal["rss", "atom", "rdf"] | None = None
    language: Lang = "en"
    country: str | None = None
    zones: list[str] = Field(default_factory=list)
    weight: float = Field(default=1.0, ge=0, description="share of the zone's original stories")
    republishes: list[str] = Field(default_factory=list, description="wire ids whose stories it republishes")
    republish_rate: float = Field(default=0.45, ge=0, le=1)
    encoding: str = "utf-8"
    declared_encoding: str | None = None
    dataset_format: str | None = None
    full_text: bool = Field(
        default=False, description="its feed carries the article text (content:encoded / Atom content)"
    )

    @model_validator(mode="after")
    def _kind(self) -> DemoSourceSpec:
        if self.kind == "feed" and self.feed_format is None:
            raise ValueError("a feed source needs feed_format")
        if self.full_text and self.kind != "feed":
            raise ValueError("full_text applies to feed sources only")
        if self.kind == "dataset" and self.dataset_format is None:
            raise ValueError("a dataset source needs dataset_format")
        return self


class Event(_Strict):
    zone_id: str
    kind: EventKind
    onset_day: int = Field(ge=0)
    end_day: int | None = None
    factor: float = Field(default=1.0, ge=0, description="multiplier on independent stories at full effect")
    inside_factor: float = Field(default=1.0, ge=0, description="multiplier on the inside-dateline share")
    ramp_days: int = Field(
        default=0, ge=0, description="days to reach full effect (slow decline, escalation)"
    )
    violence_factor: float = Field(
        default=1.0, ge=0, description="multiplier on conflict events at full effect (escalation)"
    )
    failing_sources: list[str] = Field(default_factory=list)
    failure_mode: FailureMode | None = None
    expected_alerts: list[str] = Field(default_factory=list)
    detect_within_days: int | None = None


class Scenario(_Strict):
    name: str
    description: str
    start_date: date
    days: int = Field(ge=14, le=2000)
    dispersion_k: float = Field(default=8.0, gt=0, description="negative-binomial dispersion of daily counts")
    weekday_factors: list[float] = Field(min_length=7, max_length=7, description="Monday first")
    countries: list[Country]
    zones: list[DemoZone] = Field(min_length=1)
    sources: list[DemoSourceSpec] = Field(min_length=1)
    events: list[Event] = Field(default_factory=list)
    misbehaving: dict[str, FailureMode] = Field(
        default_factory=dict, description="sources that misbehave on scattered single days (bad bytes, slow)"
    )

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        countries = {c.code for c in self.countries}
        zones = {z.id for z in self.zones}
        sources = {s.id for s in self.sources}
        for z in self.zones:
            if z.country not in countries or not set(z.neighbours) <= countries:
                raise ValueError(f"zone {z.id}: unknown country")
        for s in self.sources:
            if not set(s.zones) <= zones:
                raise ValueError(f"source {s.id}: unknown zone in {s.zones}")
            if not set(s.republishes) <= sources:
                raise ValueError(f"source {s.id}: republishes an unknown source")
        for e in self.events:
            if e.zone_id not in zones or not set(e.failing_sources) <= sources:
                raise ValueError(f"event {e.kind} on {e.zone_id}: unknown zone or source")
        return self


def scenario_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    return path if path.suffix in {".yml", ".yaml"} else SCENARIO_DIR / f"{name_or_path}.yml"


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yml"))


def load_scenario(name_or_path: str) -> Scenario:
    """Load and validate a scenario; errors name the file, the field and the reason (RegistryError)."""
    path = scenario_path(name_or_path)
    if not path.exists():
        known = ", ".join(available_scenarios())
        raise RegistryError([ConfigIssue(str(path), "", "", f"no such scenario; known: {known}")])
    try:
        return Scenario.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        raise RegistryError(validation_issues(path, "", exc)) from None
