"""Generates the seeded demo world: articles with datelines, syndication and frames, and ground truth."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from blindspot.demo import text
from blindspot.demo.datasets import generate_datasets
from blindspot.demo.registry_config import country_zones
from blindspot.demo.scenario import DemoSourceSpec, DemoZone, Event, Scenario
from blindspot.demo.script import attention_truth, story_multiplier
from blindspot.demo.world import ARTICLES, DemoSource, Failure, write_world
from core.registry import NOT_INDEPENDENT_TIERS

WIRE_AGENCY_TIERS = {"wire"}


@dataclass
class Truth:
    """What the generator really produced, per zone and day."""

    independent_stories: dict[tuple[str, date], int] = field(default_factory=dict)
    inside_dateline_stories: dict[tuple[str, date], int] = field(default_factory=dict)

    def add(self, zone_id: str, day: date, inside: bool) -> None:
        key = (zone_id, day)
        self.independent_stories[key] = self.independent_stories.get(key, 0) + 1
        self.inside_dateline_stories[key] = self.inside_dateline_stories.get(key, 0) + int(inside)


class Writer:
    """Turns story decisions into article rows, drawing every random choice from one seeded generator."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator):
        self.scenario, self.rng = scenario, rng
        self.countries = {c.code: c for c in scenario.countries}
        self.rows: list[dict] = []
        self.seq = 0

    def pick(self, values: list):
        return values[int(self.rng.integers(len(values)))]

    def fill(self, template: str, lang: str, zone: DemoZone, day: date, town: str) -> str:
        person = f"{self.pick(text.FIRST_NAMES[lang])} {self.pick(text.LAST_NAMES[lang])}"
        return template.format(
            n=int(self.rng.integers(2, 60)),
            town=town,
            region=zone.region.get(lang),
            weekday=text.WEEKDAYS[lang][day.weekday()],
            person=person,
            PERSON=person.upper(),
            role=self.pick(text.ROLES.get(lang, text.ROLES["en"])),
            ordinal=self.pick(text.ORDINALS["en"]),
            country=self.countries[zone.country].name.get(lang),
        )

    def dateline(self, source: DemoSourceSpec, place: str, country: str, ambiguous: bool = False) -> str:
        lang = source.language
        if ambiguous:
            template = text.DATELINE_WITH_COUNTRY
        elif source.tier in WIRE_AGENCY_TIERS:
            template = text.DATELINE_WITH_AGENCY
        else:
            template = text.DATELINE_PLAIN
        return template[lang].format(PLACE=place.upper(), place=place, country=country, agency=source.name)

    def published(self, day: date, earliest: datetime | None = None) -> datetime:
        start = datetime(day.year, day.month, day.day, 5, tzinfo=UTC)
        if earliest is None:
            return start + timedelta(seconds=int(self.rng.integers(0, 17 * 3600)))
        later = earliest + timedelta(minutes=int(self.rng.integers(20, 360)))
        return min(later, start + timedelta(hours=18, minutes=59))

    def article_id(self, source_id: str, day: date) -> str:
        self.seq += 1
        return f"{day:%Y%m%d}-{self.seq:06d}"

    def add(self, source: DemoSourceSpec, day: date, **fields) -> dict:
        row = {
            "article_id": self.article_id(source.id, day),
            "source_id": source.id,
            "language": source.language,
            "is_independent": source.tier not in NOT_INDEPENDENT_TIERS,
            "caption": None,
            "dateline_place": None,
            "dateline_country": None,
            "is_inside_dateline": False,
            "frames": [],
            "incident_terms": [],
        } | fields
        row.setdefault("story_id", row["article_id"])
        self.rows.append(row)
        return row


def _paragraphs(
    w: Writer, lang: str, zone: DemoZone, day: date, town: str, frames: list[str], incidents: list[str]
):
    pool = text.NEUTRAL[lang]
    sentences = [w.fill(w.pick(pool), lang, zone, day, town) for _ in range(int(w.rng.integers(2, 5)))]
    for frame in frames:
        sentences.insert(int(w.rng.integers(len(sentences) + 1)), w.pick(text.FRAMES[lang][frame]))
    for kind in incidents:
        sentences.append(w.fill(text.INCIDENTS[lang][kind], lang, zone, day, town))
    return "\n\n".join(sentences)


def _frames_for(w: Writer, lang: str, rate: float) -> list[str]:
    available = sorted(text.FRAMES.get(lang, {}))
    if not available or w.rng.random() >= rate:
        return []
    count = 1 + int(w.rng.random() < 0.3)
    return sorted({w.pick(available) for _ in range(count)})


def _incidents_for(w: Writer, lang: str, events: list[Event], zone: DemoZone, day_index: int) -> list[str]:
    """Around the onset of a blackout, reporting mentions detentions, expulsions and the shutdown."""
    for e in events:
        if e.zone_id == zone.id and e.kind in {"blackout", "recovery"} and 0 <= day_index - e.onset_day <= 10:
            if w.rng.random() < 0.5:
                kinds = sorted(text.INCIDENTS.get(lang, {}))
                return [w.pick(kinds)] if kinds else []
    return []


def _independent_story(
    w: Writer, origin: DemoSourceSpec, zone: DemoZone, day: date, day_index: int, inside_mult: float
) -> dict:
    sc, lang = w.scenario, origin.language
    town = w.pick(zone.towns).name.get(lang)
    has_dateline = w.rng.random() < zone.dateline_share
    inside = has_dateline and w.rng.random() < min(1.0, zone.inside_share * inside_mult)
    lead_prefix, place, place_country = "", None, None
    if has_dateline:
        if inside:
            place, place_country = town, zone.country
        elif zone.twin_towns and w.rng.random() < 0.25:
            twin = w.pick(zone.twin_towns)
            place, place_country = twin.name.get(lang), twin.country
        else:
            capital_of = w.countries[w.pick(zone.neighbours)]
            place, place_country = capital_of.capital.get(lang), capital_of.code
        twins = {t.name.get(lang) for t in zone.twin_towns}
        lead_prefix = w.dateline(origin, place, w.countries[place_country].name.get(lang), place in twins)
    if not has_dateline and lang in text.NAME_TRAP and w.rng.random() < 0.3:
        lead = w.fill(text.NAME_TRAP[lang], lang, zone, day, town)
    else:
        lead = lead_prefix + w.fill(w.pick(text.LEADS[lang]), lang, zone, day, town)
    caption = None
    if lang in text.CAPTION and w.rng.random() < 0.12:
        inside_town = w.pick(zone.towns).name.get(lang)
        caption = text.CAPTION[lang].format(
            PLACE=inside_town.upper(),
            place=inside_town,
            country=w.countries[zone.country].name.get(lang),
            agency=origin.name,
        )
    frames = _frames_for(w, lang, zone.other_frame_rate)
    incidents = _incidents_for(w, lang, sc.events, zone, day_index)
    return w.add(
        origin,
        day,
        is_original=True,
        zone_id=zone.id,
        published_at=w.published(day),
        title=w.fill(w.pick(text.TITLES[lang]), lang, zone, day, town),
        caption=caption,
        lead=lead,
        body=_paragraphs(w, lang, zone, day, town, frames, incidents),
        dateline_place=place,
        dateline_country=place_country,
        is_inside_dateline=inside,
        frames=frames,
        incident_terms=incidents,
    )


TITLE_EDITS = [
    lambda t: t,
    lambda t: f"UPDATE: {t}",
    lambda t: t.rstrip(".") + " - report",
    lambda t: t.replace(" in ", " in the town of ", 1),
    lambda t: t.split(",")[0],
]


def _republish(w: Writer, original: dict, copier: DemoSourceSpec, day: date) -> None:
    w.add(
        copier,
        day,
        story_id=original["story_id"],
        is_original=False,
        zone_id=original["zone_id"],
        published_at=w.published(day, original["published_at"]),
        title=w.pick(TITLE_EDITS)(original["title"]),
        caption=original["caption"],
        lead=original["lead"],
        body=original["body"],  # copies edit the title; the text, and so its frames, stays whole
        dateline_place=original["dateline_place"],
        dateline_country=original["dateline_country"],
        is_inside_dateline=original["is_inside_dateline"],
        frames=original["frames"],
        incident_terms=original["incident_terms"],
    )


def _state_item(w: Writer, source: DemoSourceSpec, zone: DemoZone, day: date) -> None:
    lang = source.language
    town = w.pick(zone.towns).name.get(lang)
    country = w.countries[zone.country]
    frames = _frames_for(w, lang, zone.state_frame_rate)
    capital = country.capital.get(lang)
    w.add(
        source,
        day,
        is_original=True,
        zone_id=zone.id,
        published_at=w.published(day),
        title=w.fill(w.pick(text.STATE_TITLES[lang]), lang, zone, day, town),
        lead=w.dateline(source, capital, country.name.get(lang))
        + w.fill(w.pick(text.NEUTRAL[lang]), lang, zone, day, town),
        body=_paragraphs(w, lang, zone, day, town, frames, []),
        dateline_place=capital,
        dateline_country=country.code,
        frames=frames,
    )


def _background_item(w: Writer, source: DemoSourceSpec, day: date) -> None:
    """News that names no zone: tagging must leave it untagged."""
    lang = source.language
    country = w.countries["XEL"] if "XEL" in w.countries else w.scenario.countries[-1]
    title = w.pick(text.BACKGROUND_TITLES[lang]).format(country=country.name.get(lang))
    w.add(
        source,
        day,
        is_original=True,
        zone_id=None,
        published_at=w.published(day),
        title=title,
        lead=title + ".",
        body="",
    )


def covering(sources: list[DemoSourceSpec], zone_id: str, independent: bool) -> list[DemoSourceSpec]:
    """Feed and HTML sources covering a zone (an empty zone list covers every zone)."""
    return [
        s
        for s in sources
        if s.kind != "dataset"
        and (not s.zones or zone_id in s.zones)
        and (s.tier not in NOT_INDEPENDENT_TIERS) == independent
    ]


def generate_articles(scenario: Scenario, rng: np.random.Generator, days: int) -> tuple[pa.Table, Truth]:
    w, truth = Writer(scenario, rng), Truth()
    k = scenario.dispersion_k
    for day_index in range(days):
        day = scenario.start_date + timedelta(days=day_index)
        weekday = scenario.weekday_factors[day.weekday()]
        for zone in scenario.zones:
            volume, inside_mult = story_multiplier(scenario.events, zone.id, day_index)
            independents = [s for s in covering(scenario.sources, zone.id, True) if s.weight > 0]
            weights = np.array([s.weight for s in independents])
            mean = zone.stories_per_day * weekday * volume
            for _ in range(int(rng.poisson(mean * rng.gamma(k, 1 / k)))):
                origin = independents[int(rng.choice(len(independents), p=weights / weights.sum()))]
                original = _independent_story(w, origin, zone, day, day_index, inside_mult)
                truth.add(zone.id, day, original["is_inside_dateline"])
                for copier in scenario.sources:
                    if origin.id in copier.republishes and rng.random() < copier.republish_rate:
                        _republish(w, original, copier, day)
            state = covering(scenario.sources, zone.id, False)
            for _ in range(int(rng.poisson(zone.state_items_per_day * weekday))):
                _state_item(w, w.pick(state), zone, day)
        wires = [s for s in scenario.sources if s.tier in {"wire", "international"} and s.kind == "feed"]
        for _ in range(int(rng.poisson(3))):
            _background_item(w, w.pick(wires), day)
    for zone in scenario.zones:  # zero-filled truth calendar
        for day_index in range(days):
            day = scenario.start_date + timedelta(days=day_index)
            truth.independent_stories.setdefault((zone.id, day), 0)
            truth.inside_dateline_stories.setdefault((zone.id, day), 0)
    return pa.Table.from_pylist(w.rows, schema=ARTICLES), truth


def demo_sources(scenario: Scenario, rng: np.random.Generator, days: int) -> list[DemoSource]:
    """The served sources, with failure windows from events and scattered misbehaving days."""
    start = scenario.start_date
    failures: dict[str, list[Failure]] = {}
    for e in scenario.events:
        if e.kind == "collection_failure" and e.failure_mode:
            end = start + timedelta(days=(e.end_day if e.end_day is not None else days - 1))
            for sid in e.failing_sources:
                failures.setdefault(sid, []).append(
                    Failure(e.failure_mode, start + timedelta(days=e.onset_day), end)
                )
    for sid, mode in sorted(scenario.misbehaving.items()):
        for offset in sorted(
            rng.choice(np.arange(max(1, days - 30), days), size=min(3, days), replace=False)
        ):
            day = start + timedelta(days=int(offset))
            failures.setdefault(sid, []).append(Failure(mode, day, day))
    return [
        DemoSource(
            id=s.id,
            name=s.name,
            tier=s.tier,
            kind=s.kind,
            language=s.language,
            country=s.country,
            zones=tuple(s.zones),
            feed_format=s.feed_format,
            encoding=s.encoding,
            declared_encoding=s.declared_encoding,
            dataset_format=s.dataset_format,
            failures=tuple(sorted(failures.get(s.id, []), key=lambda f: f.start)),
            full_text=s.full_text,
        )
        for s in scenario.sources
    ]


def country_level(scenario: Scenario, truth: Truth) -> Truth:
    """The truth of the country zones: each story is about one zone, so a country's counts are the sums of
    its zones' (its outside datelines are in other countries, so inside a zone is inside its country)."""
    countries = country_zones(scenario)
    out = Truth()
    for zone in scenario.zones:
        country_id = countries[zone.country][0]
        for (zone_id, day), count in truth.independent_stories.items():
            if zone_id == zone.id:
                key = (country_id, day)
                out.independent_stories[key] = out.independent_stories.get(key, 0) + count
                inside = truth.inside_dateline_stories[(zone_id, day)]
                out.inside_dateline_stories[key] = out.inside_dateline_stories.get(key, 0) + inside
    return out


def truth_document(scenario: Scenario, seed: int, days: int, truth: Truth) -> dict:
    start = scenario.start_date
    countries = country_zones(scenario)
    above = country_level(scenario, truth)
    truth = Truth(
        truth.independent_stories | above.independent_stories,
        truth.inside_dateline_stories | above.inside_dateline_stories,
    )
    return {
        "seed": seed,
        "scenario": scenario.name,
        "start_date": start.isoformat(),
        "days": days,
        "zones": [
            {"id": z.id, "name": z.name.en, "level": "zone", "parent": countries[z.country][0]}
            for z in scenario.zones
        ]
        + [
            {"id": zone_id, "name": name, "level": "country", "parent": None}
            for zone_id, name in countries.values()
        ],
        "events": [
            {
                "zone_id": e.zone_id,
                "kind": e.kind,
                "onset": (start + timedelta(days=e.onset_day)).isoformat(),
                "end": None if e.end_day is None else (start + timedelta(days=e.end_day)).isoformat(),
                "expected_alerts": e.expected_alerts,
                "detect_within_days": e.detect_within_days,
            }
            for e in scenario.events
            if e.onset_day < days
        ],
        "daily": [
            {
                "zone_id": zone_id,
                "date": day.isoformat(),
                "independent_stories": count,
                "inside_dateline_stories": truth.inside_dateline_stories[(zone_id, day)],
            }
            for (zone_id, day), count in sorted(truth.independent_stories.items())
        ],
        "attention_gap": attention_truth(scenario, days),
    }


def generate(scenario: Scenario, seed: int, demo_dir: Path, days: int | None = None) -> dict:
    """Generate the world into demo_dir (world/ and truth.json); the same seed gives the same bytes."""
    days = days or scenario.days
    rng = np.random.default_rng(seed)
    articles, truth = generate_articles(scenario, rng, days)
    sources = demo_sources(scenario, rng, days)
    tables = generate_datasets(scenario, rng, days, truth) | {"articles": articles}
    countries = {
        c.code: {"name": c.name.en, "alpha2": c.alpha2, "capital": c.capital.en} for c in scenario.countries
    }
    write_world(demo_dir, scenario.start_date, days, sources, countries, tables)
    document = truth_document(scenario, seed, days, truth)
    (demo_dir / "truth.json").write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return document
