"""Generates the demo world's dataset records: journalist incidents, shutdowns, signals, conflict, volumes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from blindspot.demo.scenario import Event, Scenario
from blindspot.demo.script import violence_multiplier
from blindspot.demo.world import CONFLICT, INCIDENTS, PRESS_SCORES, REPORTS, SHUTDOWNS, SIGNALS, VOLUMES

if TYPE_CHECKING:
    from blindspot.demo.generator import Truth

# Incidents scripted around the onset of a blackout: (day offset from onset, kind).
ONSET_INCIDENTS = [(-1, "detained"), (0, "detained"), (1, "expelled"), (2, "denied_entry"), (3, "detained")]
BACKGROUND_INCIDENT_KINDS = ["attacked", "detained", "attacked", "imprisoned"]
FIRST_NAMES = ["Ari", "Bela", "Cato", "Dina", "Emil", "Fara", "Galen", "Hana", "Ivo", "Jana", "Kiro", "Lema"]
LAST_NAMES = ["Varos", "Tellin", "Marek", "Osric", "Quell", "Rastin", "Sorel", "Unver", "Weld", "Yarrow"]
EVENT_TYPES = [
    ("Battles", "Armed clash"),
    ("Violence against civilians", "Attack"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Protests", "Peaceful protest"),
]


def _blackouts(scenario: Scenario) -> list[Event]:
    return [e for e in scenario.events if e.kind in {"blackout", "recovery"}]


def _incidents(scenario: Scenario, rng: np.random.Generator, days: int) -> pa.Table:
    countries = {c.code: c for c in scenario.countries}
    zones = {z.id: z for z in scenario.zones}
    rows: list[dict] = []

    def add(zone_id: str, day_index: int, kind: str) -> None:
        if not 0 <= day_index < days:
            return
        zone = zones[zone_id]
        outlets = [
            s.name for s in scenario.sources if s.kind != "dataset" and (not s.zones or zone_id in s.zones)
        ]
        rows.append(
            {
                "incident_id": f"inc-{len(rows) + 1:05d}",
                "kind": kind,
                "country": zone.country,
                "country_name": countries[zone.country].name.en,
                "zone_id": zone_id,
                "location": zone.towns[int(rng.integers(len(zone.towns)))].name.en,
                "occurred_on": scenario.start_date + timedelta(days=day_index),
                "person_name": f"{FIRST_NAMES[int(rng.integers(12))]} {LAST_NAMES[int(rng.integers(10))]}",
                "organization": outlets[int(rng.integers(len(outlets)))],
                "description": f"Journalist {kind.replace('_', ' ')} in {zone.region.en}.",
            }
        )

    for e in _blackouts(scenario):
        for offset, kind in ONSET_INCIDENTS:
            add(e.zone_id, e.onset_day + offset, kind)
        if e.kind == "blackout":
            add(e.zone_id, e.onset_day + 4, "killed")
    stable = {e.zone_id for e in scenario.events if e.kind == "stable"}
    for zone in scenario.zones:  # scattered incidents, about one every 60 days, except in the stable zone
        if zone.id in stable:
            continue
        for day_index in np.flatnonzero(rng.random(days) < 1 / 60):
            add(zone.id, int(day_index), BACKGROUND_INCIDENT_KINDS[int(rng.integers(4))])
    rows.sort(key=lambda r: (r["occurred_on"], r["incident_id"]))
    return pa.Table.from_pylist(rows, schema=INCIDENTS)


def _shutdowns(scenario: Scenario, days: int) -> pa.Table:
    countries = {c.code: c for c in scenario.countries}
    zones = {z.id: z for z in scenario.zones}
    rows = []
    for i, e in enumerate(_blackouts(scenario), start=1):
        zone = zones[e.zone_id]
        start = scenario.start_date + timedelta(days=e.onset_day)
        end = None if e.end_day is None else scenario.start_date + timedelta(days=e.end_day)
        rows.append(
            {
                "shutdown_id": f"sd-{i:03d}",
                "country": zone.country,
                "country_name": countries[zone.country].name.en,
                "zone_id": zone.id,
                "area_name": zone.region.en,
                "start_date": start,
                "end_date": end,
                "shutdown_type": "full network",
                "actual_cause": "Information control",
            }
        )
    return pa.Table.from_pylist(rows, schema=SHUTDOWNS)


def _signals(scenario: Scenario, rng: np.random.Generator, days: int, shutdowns: pa.Table) -> pa.Table:
    rows = []
    windows = shutdowns.to_pylist()
    for country in scenario.countries:
        for source, base in [("bgp", 1200.0), ("ping-slash24", 5400.0), ("merit-nt", 830.0)]:
            noise = rng.normal(1.0, 0.03, size=days)
            for day_index in range(days):
                day = scenario.start_date + timedelta(days=day_index)
                cut = any(
                    w["country"] == country.code
                    and w["start_date"] <= day
                    and (w["end_date"] is None or day <= w["end_date"])
                    for w in windows
                )
                value = base * noise[day_index] * (0.35 if cut else 1.0)
                rows.append(
                    {
                        "country": country.code,
                        "country_name": country.name.en,
                        "day": day,
                        "datasource": source,
                        "value": round(value, 1),
                    }
                )
    return pa.Table.from_pylist(rows, schema=SIGNALS)


def _conflict(scenario: Scenario, rng: np.random.Generator, days: int) -> pa.Table:
    countries = {c.code: c for c in scenario.countries}
    rows = []
    for zone in scenario.zones:
        rate = 0.2 + zone.stories_per_day / 25
        for day_index in range(days):
            factor = violence_multiplier(scenario.events, zone.id, day_index)
            for _ in range(int(rng.poisson(rate * factor))):
                town = zone.towns[int(rng.integers(len(zone.towns)))]
                event_type, sub_type = EVENT_TYPES[int(rng.integers(len(EVENT_TYPES)))]
                rows.append(
                    {
                        "event_id": f"{countries[zone.country].alpha2}{len(rows) + 1:06d}",
                        "country": zone.country,
                        "country_name": countries[zone.country].name.en,
                        "zone_id": zone.id,
                        "admin1": town.admin1 or zone.region.en,
                        "location": town.name.en,
                        "latitude": round(float(rng.uniform(10, 20)), 4),
                        "longitude": round(float(rng.uniform(20, 35)), 4),
                        "event_date": scenario.start_date + timedelta(days=day_index),
                        "event_type": event_type,
                        "sub_event_type": sub_type,
                        "actor1": f"Armed Forces of {countries[zone.country].name.en}",
                        "actor2": "Unidentified Armed Group" if event_type != "Protests" else "Protesters",
                        "fatalities": int(rng.negative_binomial(2, 0.4)) if event_type != "Protests" else 0,
                        "notes": f"Demo event near {town.name.en}.",
                    }
                )
    rows.sort(key=lambda r: (r["event_date"], r["event_id"]))
    return pa.Table.from_pylist(rows, schema=CONFLICT)


def _press_scores(scenario: Scenario, rng: np.random.Generator) -> pa.Table:
    rows = []
    last = scenario.start_date.year
    for year in range(last - 5, last + 1):
        scores = {c.code: float(rng.uniform(25, 75)) for c in scenario.countries}
        ranked = sorted(scores, key=lambda code: -scores[code])
        for c in scenario.countries:
            rows.append(
                {
                    "country": c.code,
                    "country_name": c.name.en,
                    "year": year,
                    "score": round(scores[c.code], 2),
                    "rank": 100 + ranked.index(c.code),
                }
            )
    return pa.Table.from_pylist(rows, schema=PRESS_SCORES)


def _volumes(scenario: Scenario, rng: np.random.Generator, days: int, truth: Truth) -> pa.Table:
    rows = []
    for zone in scenario.zones:
        for day_index in range(days):
            day: date = scenario.start_date + timedelta(days=day_index)
            stories = truth.independent_stories.get((zone.id, day), 0)
            rows.append(
                {
                    "query": f'"{zone.region.en}"',
                    "zone_id": zone.id,
                    "day": day,
                    "value": int(stories * 3 + rng.poisson(2)),
                    "norm": int(90_000 + rng.integers(-4000, 4000)),
                }
            )
    return pa.Table.from_pylist(rows, schema=VOLUMES)


def _reports(scenario: Scenario, rng: np.random.Generator, days: int) -> pa.Table:
    countries = {c.code: c for c in scenario.countries}
    rows = []
    for day_index in range(days):
        day = scenario.start_date + timedelta(days=day_index)
        for zone in scenario.zones:
            for _ in range(int(rng.poisson(0.2))):
                report_id = 4_000_000 + len(rows) + 1
                rows.append(
                    {
                        "report_id": report_id,
                        "title": f"{zone.region.en}: humanitarian situation update no. {len(rows) + 1}",
                        "country": zone.country,
                        "country_name": countries[zone.country].name.en,
                        "zone_id": zone.id,
                        "source_name": "UN Demo Relief Coordination Office",
                        "published_on": day,
                        "url_alias": f"/report/{zone.id}/update-{report_id}",
                    }
                )
    return pa.Table.from_pylist(rows, schema=REPORTS)


def generate_datasets(
    scenario: Scenario, rng: np.random.Generator, days: int, truth: Truth
) -> dict[str, pa.Table]:
    shutdowns = _shutdowns(scenario, days)
    return {
        "incidents": _incidents(scenario, rng, days),
        "shutdowns": shutdowns,
        "signals": _signals(scenario, rng, days, shutdowns),
        "conflict": _conflict(scenario, rng, days),
        "press_scores": _press_scores(scenario, rng),
        "volumes": _volumes(scenario, rng, days, truth),
        "reports": _reports(scenario, rng, days),
    }
