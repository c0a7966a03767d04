"""The real daily counts bench/alerts_replay.py replays: each file parses, and SOURCES.md names every one."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "real_counts"
FILES = sorted(DATA.glob("*.csv"))


def test_there_are_at_least_two_series() -> None:
    assert len(FILES) >= 2, FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_series_is_one_count_per_day_over_two_years_or_more(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["day", "count"]
        rows = list(reader)
    days = [date.fromisoformat(r["day"]) for r in rows]
    assert len(set(days)) == len(days), "a day appears twice"
    assert days == sorted(days)
    counts = [r["count"] for r in rows]
    assert all(c.isdigit() for c in counts), "counts must be integers >= 0"
    assert (days[-1] - days[0]).days + 1 >= 2 * 365


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sources_names_every_file(path: Path) -> None:
    assert f"`{path.name}`" in (DATA / "SOURCES.md").read_text(encoding="utf-8")
