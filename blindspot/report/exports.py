"""The data behind every chart and table of the report, as CSV files in its data/ folder, linked beside them;
and the comparison of zones over time (weeks across, zones down) for compare.html."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from blindspot.report.data import ZoneData, as_date

DATA_DIR = "data"
COMPARE_WEEKS = 16  # complete weeks side by side on the comparison page


def csv_name(page: str, chart: str) -> str:
    """data/<page stem>-<chart>.csv: the file beside a chart, relative to the report folder."""
    return f"{DATA_DIR}/{Path(page).stem}-{chart}.csv"


def write_csv(table: pd.DataFrame, report_dir: Path, name: str) -> Path:
    """One table as UTF-8 CSV with a header; missing values are empty cells."""
    path = report_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, na_rep="", float_format="%.6g", lineterminator="\n")
    return path


@dataclass
class Comparison:
    """Zones down (in the overview's order), complete weeks across, one value per cell."""

    title: str
    weeks: list
    rows: list[tuple[ZoneData, list[float | None]]]
    unit: str
    csv: str

    def table(self) -> pd.DataFrame:
        """Long form for the CSV: one row per zone and week."""
        return pd.DataFrame(
            [
                {"zone_id": z.zone_id, "zone_name": z.zone_name, "week_start": w, "value": v}
                for z, cells in self.rows
                for w, v in zip(self.weeks, cells, strict=True)
            ],
            columns=["zone_id", "zone_name", "week_start", "value"],
        )


def complete_weeks(zones: list[ZoneData], n: int = COMPARE_WEEKS) -> list:
    """The last n complete weeks of the snapshot (every zone shares the calendar)."""
    weeks = {
        as_date(w)
        for z in zones
        for w, complete in zip(z.weekly["week_start"], z.weekly["is_complete_week"], strict=True)
        if complete
    }
    return sorted(weeks)[-n:]


def weekly_values(zone: ZoneData, weeks: list, value) -> list[float | None]:
    by_week = {as_date(r["week_start"]): value(r) for _, r in zone.weekly.iterrows()}
    out = []
    for w in weeks:
        v = by_week.get(w)
        out.append(None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
    return out


def stories_share(row: pd.Series) -> float | None:
    """The week's independent stories as a percentage of the zone's baseline (none without a baseline)."""
    base = row["independent_stories_baseline"]
    if pd.isna(base) or base <= 0:
        return None
    return 100.0 * float(row["independent_stories_week"]) / float(base)


def comparisons(zones: list[ZoneData]) -> list[Comparison]:
    weeks = complete_weeks(zones)
    return [
        Comparison(
            "Denial Capacity Index per complete week",
            weeks,
            [(z, weekly_values(z, weeks, lambda r: r["denial_capacity_index"])) for z in zones],
            "0–100",
            f"{DATA_DIR}/compare-index.csv",
        ),
        Comparison(
            "Independent stories as a share of the zone's baseline, per complete week",
            weeks,
            [(z, weekly_values(z, weeks, stories_share)) for z in zones],
            "% of baseline",
            f"{DATA_DIR}/compare-stories.csv",
        ),
    ]


def cell_style(value: float | None, unit: str) -> str:
    """The background of a comparison cell: darker for a higher index, or for stories further below the
    baseline; one hue, so no colour reads as a verdict."""
    if value is None:
        return "background:#f1f3f5"
    strength = value / 100 if unit == "0–100" else (100 - min(value, 100)) / 100
    strength = min(max(strength, 0.0), 1.0)
    text = "#fff" if strength > 0.55 else "#1d2329"
    return f"background:rgba(31,90,166,{0.08 + 0.8 * strength:.2f});color:{text}"
