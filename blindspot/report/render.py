"""Render the report pages (jinja2, autoescaped) and their inline SVG charts from the snapshot's series."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from alerts.evidence import summary_line
from blindspot.report import svg
from blindspot.report.data import COMPONENTS, FRAME_DAYS, Snapshot, ZoneData, as_date
from core.pages import zone_page_name

BAND_LOW, BAND_HIGH = 0.5, 1.5  # the stories band around the baseline, as drawn and captioned
ALERT_COLORS = {"reporting_drop": "#b23b3b", "presence_drop": "#c2571a", "collection_gap": "#5a6b7b"}
SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("blindspot.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    env.filters["day"] = lambda v: "" if is_missing(v) else as_date(v).isoformat()
    env.filters["num"] = lambda v, digits=0: "" if is_missing(v) else f"{float(v):.{digits}f}"
    # Only http(s) links: a crawled javascript: or data: URL is shown as text, never linked.
    env.filters["safe_url"] = lambda v: isinstance(v, str) and bool(SAFE_URL.match(v))
    env.filters["page"] = lambda zone_id: zone_page_name(zone_id)
    return env


def is_missing(value: object) -> bool:
    return (
        value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    )


def records(table: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for missing values (pandas' NA has no truth value in a template)."""
    return [{k: None if is_missing(v) else v for k, v in row.items()} for row in table.to_dict("records")]


def values(series: pd.Series) -> list[float | None]:
    return [None if is_missing(v) else float(v) for v in series]


def alert_evidence(alert: dict) -> str:
    """The alert's evidence in one line (silent outlets, last inside dateline, incidents, collection health)."""
    return summary_line({k: None if is_missing(v) else v for k, v in alert.items()})


def daily_baseline(zone: ZoneData) -> list[float | None]:
    """Each day's expected stories: its week's baseline (a 7-day count) over 7."""
    weekly = zone.weekly.assign(week_start=zone.weekly["week_start"].map(as_date))
    per_week = dict(zip(weekly["week_start"], values(weekly["independent_stories_baseline"]), strict=True))
    out = []
    for day in zone.daily["day"].map(as_date):
        base = per_week.get(day - pd.Timedelta(days=day.weekday()))
        out.append(None if base is None else base / 7)
    return out


def alert_markers(zone: ZoneData) -> list[tuple[date, str, str]]:
    return [
        (as_date(a.opened_on), a.kind, ALERT_COLORS[a.kind])
        for a in zone.alerts.itertuples(index=False)
        if a.kind in ALERT_COLORS
    ]


def zone_charts(zone: ZoneData) -> dict[str, Markup]:
    days = [as_date(d) for d in zone.daily["day"]]
    stories = values(zone.daily["independent_stories"])
    base = daily_baseline(zone)
    inside = values(zone.daily["inside_dateline_stories"])
    outside = values(zone.daily["outside_dateline_stories"])
    undated = [
        max((s or 0) - (i or 0) - (o or 0), 0) for s, i, o in zip(stories, inside, outside, strict=True)
    ]
    weeks = [as_date(w) for w in zone.weekly["week_start"]]
    components = [
        svg.Series(
            c.replace("_", " "),
            [None if v is None else v * 100 for v in values(zone.weekly[c])],
            svg.PALETTE[(i + 1) % len(svg.PALETTE)],
            dashed=True,
        )
        for i, c in enumerate(COMPONENTS)
    ]
    return {
        "stories": svg.line_chart(
            days,
            [svg.Series("independent stories", stories), svg.Series("baseline", base, "#555", dashed=True)],
            f"Independent stories per day, {zone.zone_name}",
            "stories",
            band=(
                [None if b is None else b * BAND_LOW for b in base],
                [None if b is None else b * BAND_HIGH for b in base],
            ),
            markers=alert_markers(zone),
        ),
        "datelines": svg.stacked_bars(
            days,
            [
                svg.Series("inside the zone", inside, svg.PALETTE[2]),
                svg.Series("outside", outside, svg.PALETTE[1]),
                svg.Series("no dateline", undated, "#b8c2cc"),
            ],
            f"Datelines of independent stories, {zone.zone_name}",
            "stories",
        ),
        "diversity": svg.line_chart(
            days,
            [svg.Series("effective outlets", values(zone.daily["outlet_diversity"]), svg.PALETTE[3])],
            f"Outlet diversity, {zone.zone_name}",
            "outlets",
        ),
        "incidents": svg.timeline(days, zone.incidents, f"Access incidents, {zone.zone_name}"),
        "frames": svg.hbars(zone.frames, f"Denial frame shares, {zone.zone_name}"),
        "index": svg.line_chart(
            weeks,
            [svg.Series("index", values(zone.weekly["denial_capacity_index"])), *components],
            f"Denial Capacity Index and components, {zone.zone_name}",
            "0-100",
            y_max=100,
        ),
    }


def components_present(weekly: pd.DataFrame) -> int:
    """How many index components are known in the latest week that has an index (0 when none has)."""
    rated = weekly[weekly["denial_capacity_index"].notna()]
    return 0 if rated.empty else int(rated.iloc[-1][COMPONENTS].notna().sum())


def summarise(zone: ZoneData, as_of: date) -> dict:
    """The overview row of a zone (also the lead line of its page)."""
    index = values(zone.weekly["denial_capacity_index"])
    latest = next((v for v in reversed(index) if v is not None), None)
    present = components_present(zone.weekly)
    last7 = zone.daily.tail(7)
    base = [b for b in daily_baseline(zone)[-7:] if b is not None]
    open_alerts = zone.alerts[zone.alerts["status"] == "open"]
    since = (as_of - zone.last_inside_day).days if zone.last_inside_day else None
    return {
        "page": zone_page_name(zone.zone_id),
        "index": latest,
        # an index renormalised over fewer components says less: the reader sees how many it rests on
        "index_text": "n/a"
        if latest is None
        else f"{latest:.1f}"
        + (f" ({present} of {len(COMPONENTS)} components)" if present < len(COMPONENTS) else ""),
        "sparkline": svg.sparkline(index, f"weekly index, {zone.zone_name}"),
        "stories_7d": int(last7["independent_stories"].sum()),
        "baseline_7d": f"{sum(base):.0f}" if base else "n/a",
        "open_alerts": len(open_alerts),
        "open_kinds": ", ".join(sorted(set(open_alerts["kind"]))),
        "days_since_inside": "never" if since is None else since,
        "last_inside_text": "never"
        if zone.last_inside_day is None
        else f"{zone.last_inside_day} ({since} days before)",
    }


def render_pages(snapshot: Snapshot, out_dir: Path) -> list[Path]:
    """index.html and one page per zone; returns the paths written."""
    env = environment()
    for zone in snapshot.zones:
        zone.summary = summarise(zone, snapshot.data_date)
    ordered = sorted(snapshot.zones, key=lambda z: -(z.summary["index"] or -1))
    written = [out_dir / "index.html"]
    written[0].write_text(
        env.get_template("index.html.j2").render(meta=snapshot.meta, zones=ordered), "utf-8"
    )
    page = env.get_template("zone.html.j2")
    for zone in snapshot.zones:
        path = out_dir / zone.summary["page"]
        html = page.render(
            meta=snapshot.meta,
            z=zone,
            alerts=[a | {"evidence": alert_evidence(a)} for a in records(zone.alerts)],
            headlines=records(zone.headlines),
            claims=records(zone.claims),
            charts=zone_charts(zone),
            frame_days=FRAME_DAYS,
        )
        path.write_text(html, "utf-8")
        written.append(path)
    return written
