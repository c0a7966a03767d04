"""What the scenario's events do to a zone on a day (stories, inside share, conflict), and the ranking they imply."""

from __future__ import annotations

import math
from datetime import date, timedelta
from statistics import median

from blindspot.demo.scenario import Event, Scenario

# A blackout or a recovery doubles a zone's conflict events from its onset on: the repression it scripts.
REPRESSION_VIOLENCE = 2.0
# The attention gap's stories baseline: weeks w-28 .. w-3 (transforms/marts/zone_denial_capacity_weekly.sql).
BASELINE_WEEKS = range(3, 29)


def story_multiplier(events: list[Event], zone_id: str, day_index: int) -> tuple[float, float]:
    """(multiplier on independent stories, multiplier on the inside-dateline share) on one day."""
    volume, inside = 1.0, 1.0
    for e in events:
        if e.zone_id != zone_id or day_index < e.onset_day:
            continue
        if e.end_day is not None and day_index > e.end_day:
            continue
        if e.kind in {"blackout", "recovery", "spike"}:
            volume *= e.factor
            inside *= e.inside_factor
        elif e.kind == "slow_decline":
            progress = min(1.0, (day_index - e.onset_day + 1) / max(1, e.ramp_days))
            volume *= 1.0 - progress * (1.0 - e.factor)
    return volume, inside


def violence_multiplier(events: list[Event], zone_id: str, day_index: int) -> float:
    """Multiplier on a zone's conflict events on one day: doubled from a blackout's or a recovery's onset, and an
    escalation ramping up to its violence_factor over ramp_days (reporting untouched)."""
    repressed = any(
        e.zone_id == zone_id and e.kind in {"blackout", "recovery"} and day_index >= e.onset_day
        for e in events
    )
    multiplier = REPRESSION_VIOLENCE if repressed else 1.0
    for e in events:
        if e.zone_id != zone_id or e.kind != "escalation" or day_index < e.onset_day:
            continue
        if e.end_day is not None and day_index > e.end_day:
            continue
        progress = min(1.0, (day_index - e.onset_day + 1) / max(1, e.ramp_days))
        multiplier *= 1.0 + progress * (e.violence_factor - 1.0)
    return multiplier


def last_complete_week(start: date, days: int) -> date | None:
    """The Monday of the last Monday-to-Sunday week inside the world's days."""
    last = start + timedelta(days=days - 1)
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    monday = sunday - timedelta(days=6)
    return monday if monday >= start else None


def attention_truth(scenario: Scenario, days: int) -> dict:
    """The attention-gap ranking the script implies for the last complete week, from the scripted multipliers
    (not from generated counts): per zone, the week's mean conflict and story multipliers against the median of
    the baseline weeks', as the mart compares counts; expected gap = log2(violence ratio) − max(log2(reporting
    ratio), 0). Zones whose scripted violence rises are ranked, largest expected gap first."""
    start = scenario.start_date
    week = last_complete_week(start, days)
    if week is None:
        return {"week_start": None, "ranking": []}

    def week_mean(zone_id: str, monday: date) -> tuple[float, float]:
        offsets = [(monday - start).days + i for i in range(7)]
        offsets = [d for d in offsets if 0 <= d < days]
        violence = [violence_multiplier(scenario.events, zone_id, d) for d in offsets]
        stories = [story_multiplier(scenario.events, zone_id, d)[0] for d in offsets]
        return sum(violence) / len(violence), sum(stories) / len(stories)

    ranking = []
    for zone in scenario.zones:
        violence, stories = week_mean(zone.id, week)
        earlier = [week - timedelta(weeks=k) for k in BASELINE_WEEKS]
        baseline = [week_mean(zone.id, w) for w in earlier if w + timedelta(days=6) >= start]
        if not baseline:
            continue
        violence_ratio = violence / median(v for v, _ in baseline)
        reporting_ratio = stories / median(s for _, s in baseline)
        if violence_ratio <= 1.0:
            continue
        gap = math.log2(violence_ratio) - max(math.log2(reporting_ratio), 0.0)
        ranking.append(
            {
                "zone_id": zone.id,
                "violence_ratio": round(violence_ratio, 4),
                "reporting_ratio": round(reporting_ratio, 4),
                "expected_gap": round(gap, 4),
            }
        )
    ranking.sort(key=lambda r: (-r["expected_gap"], r["zone_id"]))
    return {"week_start": week.isoformat(), "level": "zone", "ranking": ranking}
