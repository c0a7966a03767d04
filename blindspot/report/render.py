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
from blindspot.report import exports, overview, svg
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
    env.filters["cell_style"] = exports.cell_style
    env.filters["short_date"] = svg.short_date
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


def chart_tables(zone: ZoneData) -> dict[str, pd.DataFrame]:
    """The data of each chart of a zone page, one table per chart: what is drawn and what its CSV holds."""
    days = [as_date(d) for d in zone.daily["day"]]
    stories = values(zone.daily["independent_stories"])
    base = daily_baseline(zone)
    inside = values(zone.daily["inside_dateline_stories"])
    outside = values(zone.daily["outside_dateline_stories"])
    weekly = zone.weekly
    return {
        "stories": pd.DataFrame(
            {
                "day": days,
                "independent_stories": stories,
                "baseline": base,
                "band_low": [None if b is None else b * BAND_LOW for b in base],
                "band_high": [None if b is None else b * BAND_HIGH for b in base],
            }
        ),
        "datelines": pd.DataFrame(
            {
                "day": days,
                "inside": inside,
                "outside": outside,
                "no_dateline": [
                    max((s or 0) - (i or 0) - (o or 0), 0)
                    for s, i, o in zip(stories, inside, outside, strict=True)
                ],
            }
        ),
        "diversity": pd.DataFrame({"day": days, "effective_outlets": values(zone.daily["outlet_diversity"])}),
        "incidents": pd.DataFrame(zone.incidents, columns=["day", "kind", "weighted_incidents"]),
        "frames": pd.DataFrame(zone.frames, columns=["frame", "share_percent"]),
        "index": pd.DataFrame(
            {
                "week_start": [as_date(w) for w in weekly["week_start"]],
                "is_complete_week": weekly["is_complete_week"].astype(bool).tolist(),
                "denial_capacity_index": values(weekly["denial_capacity_index"]),
                **{c: values(weekly[c]) for c in COMPONENTS},
            }
        ),
    }


def column(table: pd.DataFrame, name: str) -> list:
    return [None if is_missing(v) else v for v in table[name]]


def zone_charts(zone: ZoneData, tables: dict[str, pd.DataFrame]) -> dict[str, Markup]:
    stories, datelines, index = tables["stories"], tables["datelines"], tables["index"]
    days, weeks = list(stories["day"]), list(index["week_start"])
    components = [
        svg.Series(
            c.split("_")[0],  # "density" for density_deficit: seven full names do not fit in one legend row
            [None if v is None else v * 100 for v in column(index, c)],
            svg.PALETTE[(i + 1) % len(svg.PALETTE)],
            dashed=True,
        )
        for i, c in enumerate(COMPONENTS)
    ]
    return {
        "stories": svg.line_chart(
            days,
            [
                svg.Series("independent stories", column(stories, "independent_stories")),
                svg.Series("baseline", column(stories, "baseline"), "#555", dashed=True),
            ],
            f"Independent stories per day, {zone.zone_name}",
            "stories",
            band=(column(stories, "band_low"), column(stories, "band_high")),
            markers=alert_markers(zone),
        ),
        "datelines": svg.stacked_bars(
            days,
            [
                svg.Series("inside the zone", column(datelines, "inside"), svg.PALETTE[2]),
                svg.Series("outside", column(datelines, "outside"), svg.PALETTE[1]),
                svg.Series("no dateline", column(datelines, "no_dateline"), "#b8c2cc"),
            ],
            f"Datelines of independent stories, {zone.zone_name}",
            "stories",
        ),
        "diversity": svg.line_chart(
            days,
            [
                svg.Series(
                    "effective outlets", column(tables["diversity"], "effective_outlets"), svg.PALETTE[3]
                )
            ],
            f"Outlet diversity, {zone.zone_name}",
            "outlets",
        ),
        "incidents": svg.timeline(days, zone.incidents, f"Access incidents, {zone.zone_name}"),
        "frames": svg.hbars(zone.frames, f"Denial frame shares, {zone.zone_name}"),
        "index": svg.line_chart(
            weeks,
            [svg.Series("index", column(index, "denial_capacity_index")), *components],
            f"Denial Capacity Index and components, {zone.zone_name}",
            "0-100",
            y_max=100,
        ),
    }


def components_present(week: pd.Series | None) -> int:
    """How many index components a week's index rests on (0 for no week)."""
    return 0 if week is None else int(week[COMPONENTS].notna().sum())


def summarise(zone: ZoneData, as_of: date) -> dict:
    """The overview row of a zone (also the lead line of its page)."""
    week = overview.last_complete_week(zone.weekly)
    latest = None if week is None else float(week["denial_capacity_index"])
    present = components_present(week)
    progress = overview.week_in_progress(zone.weekly)
    complete = zone.weekly[zone.weekly["is_complete_week"].astype(bool)]
    last7 = zone.daily.tail(7)
    base = [b for b in daily_baseline(zone)[-7:] if b is not None]
    open_alerts = zone.alerts[zone.alerts["status"] == "open"]
    since = (as_of - zone.last_inside_day).days if zone.last_inside_day else None
    stories_7d = int(last7["independent_stories"].sum())
    in_progress = None
    if progress is not None and not is_missing(progress["denial_capacity_index"]):
        in_progress = float(progress["denial_capacity_index"])
    return {
        "page": zone_page_name(zone.zone_id),
        "index": latest,
        "index_week": None if week is None else as_date(week["week_start"]),
        # an index renormalised over fewer components says less: the reader sees how many it rests on
        "index_text": "n/a"
        if latest is None
        else f"{latest:.1f}"
        + (f" ({present} of {len(COMPONENTS)} components)" if present < len(COMPONENTS) else ""),
        "in_progress_text": None
        if progress is None
        else f"week of {overview.short_day(as_date(progress['week_start']), as_of)} in progress "
        f"({int(progress['days_observed'])} of 7 days): "
        + ("n/a" if in_progress is None else f"{in_progress:.1f}")
        + ", not ranked",
        "sparkline": svg.sparkline(
            [as_date(w) for w in complete["week_start"]],
            values(complete["denial_capacity_index"]),
            f"weekly index of complete weeks, {zone.zone_name}",
            in_progress=in_progress,
        ),
        "stories_7d": stories_7d,
        "baseline_7d": f"{sum(base):.0f}" if base else "n/a",
        "open_alerts": len(open_alerts),
        "severity": overview.worst_open(zone.alerts),
        "why": overview.why(zone, as_of, stories_7d, sum(base) if base else None),
        "volume_note": overview.volume_note(zone.weekly),
        "low_volume": overview.is_low_volume(zone.weekly),
        "days_since_inside": "never" if since is None else since,
        "last_inside_text": "never"
        if zone.last_inside_day is None
        else f"{zone.last_inside_day} ({since} days before)",
    }


def overview_table(ordered: list[ZoneData]) -> pd.DataFrame:
    """The overview's rows as data, in its order (data/overview.csv)."""
    return pd.DataFrame(
        [
            {
                "rank": n + 1,
                "zone_id": z.zone_id,
                "zone_name": z.zone_name,
                "level": z.level,
                "worst_open_alert": z.summary["severity"],
                "open_alerts": z.summary["open_alerts"],
                "index_last_complete_week": z.summary["index"],
                "last_complete_week": z.summary["index_week"],
                "week_in_progress": z.summary["in_progress_text"],
                "why": z.summary["why"],
                "volume_note": z.summary["volume_note"],
                "stories_7d": z.summary["stories_7d"],
                "baseline_7d": z.summary["baseline_7d"],
                "days_since_inside_dateline": z.summary["days_since_inside"],
            }
            for n, z in enumerate(ordered)
        ]
    )


def weekly_index_table(ordered: list[ZoneData]) -> pd.DataFrame:
    """Every zone's weekly index, the sparklines' data (data/index-weekly.csv)."""
    frames = [
        z.weekly.assign(zone_name=z.zone_name)[
            [
                "zone_id",
                "zone_name",
                "week_start",
                "days_observed",
                "is_complete_week",
                "denial_capacity_index",
            ]
        ]
        for z in ordered
    ]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not table.empty:
        table["week_start"] = table["week_start"].map(as_date)
    return table


def render_pages(snapshot: Snapshot, out_dir: Path) -> list[Path]:
    """index.html, compare.html and one page per zone, each chart's data as CSV beside it; returns the
    pages written."""
    env = environment()
    for zone in snapshot.zones:
        zone.summary = summarise(zone, snapshot.data_date)
    ordered = sorted(snapshot.zones, key=overview.triage_key)
    data = {"overview": f"{exports.DATA_DIR}/overview.csv", "weekly": f"{exports.DATA_DIR}/index-weekly.csv"}
    exports.write_csv(overview_table(ordered), out_dir, data["overview"])
    exports.write_csv(weekly_index_table(ordered), out_dir, data["weekly"])
    written = [out_dir / "index.html", out_dir / "compare.html"]
    written[0].write_text(
        env.get_template("index.html.j2").render(meta=snapshot.meta, zones=ordered, data=data), "utf-8"
    )
    tables = exports.comparisons(ordered)
    for table in tables:
        exports.write_csv(table.table(), out_dir, table.csv)
    written[1].write_text(
        env.get_template("compare.html.j2").render(meta=snapshot.meta, comparisons=tables), "utf-8"
    )
    page = env.get_template("zone.html.j2")
    for zone in snapshot.zones:
        path = out_dir / zone.summary["page"]
        charts = chart_tables(zone)
        csv = {name: exports.csv_name(zone.summary["page"], name) for name in charts}
        for name, table in charts.items():
            exports.write_csv(table, out_dir, csv[name])
        html = page.render(
            meta=snapshot.meta,
            z=zone,
            alerts=[a | {"evidence": alert_evidence(a)} for a in records(zone.alerts)],
            headlines=records(zone.headlines),
            claims=records(zone.claims),
            charts=zone_charts(zone, charts),
            csv=csv,
            frame_days=FRAME_DAYS,
        )
        path.write_text(html, "utf-8")
        written.append(path)
    return written
