"""The overview's triage: the order of the zones, one sentence of why for each, and what it rests on.

Zones are ordered by the severity of their worst open alert, then by the index of the last complete week. A
week still in progress is shown, marked, and never ranked: two days scaled to seven swing the index."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from alerts.config import access_counts
from alerts.schema import SEVERITY_ORDER
from blindspot.report.data import COMPONENTS, INCIDENT_WEIGHTS, ZoneData, as_date

# How each open alert reads in a zone's sentence: observed against expected since the day it opened.
ALERT_PHRASES = {
    "reporting_drop": "independent stories {observed} against {expected} expected since {since}",
    "presence_drop": "inside datelines {observed} against {expected} expected since {since}",
    "collection_gap": "collection failing for {sources} since {since}",
    "source_silent": "{sources} silent since {since}",
}
# The order phrases are read in: reporting first, then sources and collection. An open access_incident
# alert reads as the incidents counted since it opened (INCIDENT_PHRASE), after these.
KIND_ORDER = ("presence_drop", "reporting_drop", "source_silent", "collection_gap")


def short_day(day: date, as_of: date) -> str:
    """'29 Oct', with the year when it is not the snapshot's."""
    text = f"{day.day} {day:%b}"
    return text if day.year == as_of.year else f"{text} {day.year}"


def is_known(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NA


def last_complete_week(weekly: pd.DataFrame) -> pd.Series | None:
    """The latest complete week that has an index (None when none has)."""
    rated = weekly[weekly["is_complete_week"].astype(bool) & weekly["denial_capacity_index"].notna()]
    return None if rated.empty else rated.iloc[-1]


def week_in_progress(weekly: pd.DataFrame) -> pd.Series | None:
    """The latest week when it is not complete yet."""
    if weekly.empty or bool(weekly.iloc[-1]["is_complete_week"]):
        return None
    return weekly.iloc[-1]


def worst_open(alerts: pd.DataFrame) -> str | None:
    """The severity of the zone's worst open alert."""
    open_alerts = alerts[alerts["status"] == "open"]
    found = [s for s in SEVERITY_ORDER if s in set(open_alerts["severity"])]
    return found[0] if found else None


def triage_key(zone: ZoneData) -> tuple:
    """Worst open alert first (critical, high, medium, none), then the last complete week's index, highest
    first; zones without a rated complete week last, then by name."""
    severity = worst_open(zone.alerts)
    rank = SEVERITY_ORDER.index(severity) if severity else len(SEVERITY_ORDER)
    week = last_complete_week(zone.weekly)
    index = float(week["denial_capacity_index"]) if week is not None else None
    return (rank, index is None, -(index or 0.0), zone.zone_name)


def alert_phrases(zone: ZoneData, as_of: date) -> list[str]:
    """One phrase per kind of open alert other than access_incident, in KIND_ORDER; source alerts of a kind
    are named together."""
    open_alerts = zone.alerts[(zone.alerts["status"] == "open") & (zone.alerts["kind"] != "access_incident")]
    order = {kind: n for n, kind in enumerate(KIND_ORDER)}
    phrases = []
    for kind, group in sorted(
        open_alerts.groupby("kind"), key=lambda kg: (order.get(kg[0], len(order)), kg[0])
    ):
        first = group.sort_values("opened_on").iloc[0]
        template = ALERT_PHRASES.get(kind, kind.replace("_", " ") + " since {since}")
        sources = sorted({s for s in group["source_id"] if isinstance(s, str)})
        phrases.append(
            template.format(
                observed=f"{first.observed:.0f}" if is_known(first.observed) else "?",
                expected=f"{first.expected:.0f}" if is_known(first.expected) else "?",
                since=short_day(as_date(first.opened_on), as_of),
                sources=", ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
                if sources
                else "its sources",
            )
        )
    return phrases


def incident_phrase(zone: ZoneData, start: date) -> str | None:
    """The access incidents recorded from start on, as counts ('28 shutdown days, 1 journalist killed')."""
    column_of = {label: (column, weight) for column, (label, weight) in INCIDENT_WEIGHTS.items()}
    counts: dict[str, float] = {}
    for day, label, weighted in zone.incidents:
        if day >= start:
            column, weight = column_of[label]
            counts[column] = counts.get(column, 0.0) + weighted / weight
    return access_counts(counts) or None


def why(zone: ZoneData, as_of: date, stories_7d: int, baseline_7d: float | None) -> str:
    """One plain sentence of why a zone stands where it does."""
    phrases = alert_phrases(zone, as_of)
    access = zone.alerts[(zone.alerts["status"] == "open") & (zone.alerts["kind"] == "access_incident")]
    if not access.empty:  # it opens on its first incident, so counting from then on loses none of them
        opened = min(as_date(d) for d in access["opened_on"])
        counts = incident_phrase(zone, opened) or "above the zone's usual rate"
        phrases.append(f"access incidents since {short_day(opened, as_of)}: {counts}")
    if phrases:
        text = "; ".join(phrases)
        return text[0].upper() + text[1:] + "."
    expected = "no baseline yet" if baseline_7d is None else f"against {baseline_7d:.0f} expected"
    return f"No open alert; {stories_7d} independent stories in the last 7 days, {expected}."


def volume_note(weekly: pd.DataFrame) -> str | None:
    """Why the index of the last complete week rests on fewer components: low volume or a short history."""
    week = last_complete_week(weekly)
    if week is None:
        return "no complete week with an index yet"
    present = int(week[COMPONENTS].notna().sum())
    if present == len(COMPONENTS):
        return None
    base = week["independent_stories_baseline"]
    if is_known(base) and not is_known(week["density_deficit"]):
        return (
            f"low volume: a baseline of {float(base):.1f} independent stories a week; the index rests on "
            f"{present} of {len(COMPONENTS)} components"
        )
    if not is_known(base):
        return f"short history: the index rests on {present} of {len(COMPONENTS)} components"
    return f"the index rests on {present} of {len(COMPONENTS)} components"


def is_low_volume(weekly: pd.DataFrame) -> bool:
    note = volume_note(weekly)
    return note is not None and note.startswith("low volume")
