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


def test_the_limit_benchs_predictors_use_only_days_before_their_window() -> None:
    """bench/alerts_replay_limit.py: the window sums are exact, and a rule's predictor for the d days ending
    on t does not move when those d days (or later ones) change: thinning inside the window cannot lift it."""
    import numpy as np

    from bench.alerts_replay_limit import episodes, predictors, window_sum

    x = np.arange(60, dtype=float)[None, :]
    assert window_sum(x, 3)[0, 10] == 9 + 10 + 8
    mu = np.full(60, 2.0)
    t, d = 50, 7
    before = {k: v[0, t] for k, v in predictors(x, mu, d).items()}
    thinned = x.copy()
    thinned[0, t - d + 1 :] = 0
    after = {k: v[0, t] for k, v in predictors(thinned, mu, d).items()}
    assert before == after and np.isfinite(list(before.values())).all()
    assert episodes(np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 1], dtype=bool)) == 2
