"""Tests for transforms.drops.detect on seeded synthetic zone series."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from transforms.drops import COLUMNS, DropConfig, detect

WEEKLY = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.8, 0.85])
START = pd.Timestamp("2025-01-06")


def make_series(
    days: int, level: float = 10.0, seed: int = 0, k: float = 8.0, factor: np.ndarray | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    rate = level * WEEKLY[np.arange(days) % 7] / WEEKLY.mean()
    if factor is not None:
        rate = rate * factor
    counts = rng.poisson(rate * rng.gamma(k, 1.0 / k, size=days))
    df = pd.DataFrame(
        {
            "zone_id": "zz-test",
            "day": START + pd.to_timedelta(np.arange(days), unit="D"),
            "independent_stories": counts,
        }
    )
    return df, rate


def day(i: int) -> dt.date:
    return (START + pd.Timedelta(days=i)).date()


def test_blackout_opened_within_3_days() -> None:
    onset = 150
    factor = np.where(np.arange(170) >= onset, 0.1, 1.0)
    df, _ = make_series(170, factor=factor, seed=3)
    out = detect(df)
    drops = out[out["kind"] == "reporting_drop"]
    assert len(drops) == 1
    opened = drops.iloc[0]["opened_on"]
    assert day(onset) <= opened <= day(onset + 2)
    assert drops.iloc[0]["resolved_on"] is None
    assert drops.iloc[0]["ratio"] < 0.5
    assert drops.iloc[0]["p_value"] < 1e-3


def test_stable_year_raises_nothing() -> None:
    df, _ = make_series(365, seed=11)
    out = detect(df)
    assert out.empty
    assert list(out.columns) == COLUMNS


def test_collection_failure_is_only_collection_gap() -> None:
    onset, length = 150, 14
    factor = np.ones(200)
    factor[onset : onset + length] = 0.05
    df, _ = make_series(200, factor=factor, seed=5)
    df["collection_health"] = 1.0
    df.loc[onset : onset + length - 1, "collection_health"] = 0.1
    df.loc[10:20, "collection_health"] = None  # unknown health is not a gap
    out = detect(df)
    assert set(out["kind"]) == {"collection_gap"}
    assert len(out) == 1
    assert out.iloc[0]["opened_on"] == day(onset)
    assert out.iloc[0]["resolved_on"] == day(onset + length)


def test_spike_raises_nothing() -> None:
    factor = np.ones(300)
    factor[140:143] = 5.0
    df, _ = make_series(300, factor=factor, seed=2)
    assert detect(df).empty


def test_episode_resolves_after_recovery() -> None:
    onset, end = 150, 170
    factor = np.where((np.arange(220) >= onset) & (np.arange(220) < end), 0.1, 1.0)
    df, _ = make_series(220, factor=factor, seed=4)
    out = detect(df)
    drops = out[out["kind"] == "reporting_drop"]
    assert len(drops) == 1
    resolved = drops.iloc[0]["resolved_on"]
    cfg = DropConfig()
    assert resolved is not None
    # the trailing 7-day sum reaches 80% of expected once about 6 of its days have recovered
    assert day(end + cfg.recovery_days - 2) <= resolved <= day(end + cfg.recovery_days + 3)


def test_low_volume_zone_gets_no_reporting_drop() -> None:
    factor = np.where(np.arange(200) >= 150, 0.0, 1.0)
    df, _ = make_series(200, level=0.5, factor=factor, seed=1)
    out = detect(df)
    assert (out["kind"] != "reporting_drop").all()


def test_output_columns_and_types() -> None:
    factor = np.where(np.arange(170) >= 150, 0.1, 1.0)
    a, _ = make_series(170, factor=factor, seed=3)
    b, _ = make_series(170, seed=8)
    b["zone_id"] = "zz-other"
    out = detect(pd.concat([a, b], ignore_index=True))
    assert list(out.columns) == COLUMNS
    assert set(out["zone_id"]) == {"zz-test"}
    row = out.iloc[0]
    assert row["kind"] in {"reporting_drop", "collection_gap"}
    assert isinstance(row["opened_on"], dt.date)
    assert isinstance(row["baseline_start"], dt.date) and isinstance(row["baseline_end"], dt.date)
    assert row["baseline_end"] < row["opened_on"]
    for col in ("observed", "expected", "ratio", "p_value"):
        assert isinstance(row[col], float)
    assert 0.0 <= row["p_value"] <= 1.0
    assert row["severity"] in {"critical", "high", "medium"}
    assert "zz-test" in row["message"]
    assert detect(a.iloc[0:0]).columns.tolist() == COLUMNS
