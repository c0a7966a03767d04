"""Tests for alerts.drops.detect on seeded synthetic zone series, and its config from alerts.yml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alerts.config import DropConfig, load_alerts_config
from alerts.drops import detect, severity
from alerts.schema import DETECTOR_COLUMNS as COLUMNS
from core.registry import RegistryError

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config"

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
    # resolves on the third healthy day in a row (gap_recovery_days)
    assert out.iloc[0]["resolved_on"] == day(onset + length + 2)


def test_health_hovering_near_the_threshold_is_one_gap() -> None:
    df, _ = make_series(200, seed=6)
    df["collection_health"] = 1.0
    df.loc[150:163, "collection_health"] = [0.85, 0.95] * 7  # low every other day
    out = detect(df)
    assert list(out["kind"]) == ["collection_gap"]
    assert out.iloc[0]["opened_on"] == day(150)
    assert out.iloc[0]["resolved_on"] == day(165)  # last low day 162, then three healthy days


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
    drops = out[(out["kind"] == "reporting_drop") & (out["opened_on"] >= day(onset))]
    assert len(drops) == 1
    resolved = drops.iloc[0]["resolved_on"]
    cfg = DropConfig()
    assert resolved is not None
    # the trailing 7-day sum reaches 80% of the lower of the frozen and the robust pre-drop level once 5 or
    # 6 of its days have recovered
    assert day(end + cfg.recovery_days - 3) <= resolved <= day(end + cfg.recovery_days + 3)


@pytest.mark.parametrize("seed", [3, 21, 22, 23])
@pytest.mark.parametrize("onset_dow", [0, 2, 5])
def test_blackout_table_within_3_days(seed: int, onset_dow: int) -> None:
    onset = 147 + onset_dow  # day 147 is a Monday
    factor = np.where(np.arange(onset + 10) >= onset, 0.1, 1.0)
    df, _ = make_series(onset + 10, level=10.0, factor=factor, seed=seed)
    out = detect(df)
    opened = out.loc[(out["kind"] == "reporting_drop") & (out["opened_on"] >= day(onset)), "opened_on"]
    assert len(opened) == 1 and opened.iloc[0] <= day(onset + 2)


def test_causal_prefix_gives_the_same_opened_on() -> None:
    # a blackout, a recovery, then a moderate drop: a nightly run on any prefix opens the same episodes
    factor = np.ones(320)
    factor[150:175] = 0.1
    factor[260:] = 0.5
    df, _ = make_series(320, factor=factor, seed=6)
    full = detect(df)
    assert (full["kind"] == "reporting_drop").sum() >= 2
    for cut in (152, 160, 200, 265, 290, 319):
        part = detect(df.iloc[: cut + 1])
        expect = full[full["opened_on"] <= day(cut)]
        assert list(part["opened_on"]) == list(expect["opened_on"])
        assert list(part["kind"]) == list(expect["kind"])
        done = expect["resolved_on"].map(lambda r, c=cut: r is not None and r <= day(c))
        assert list(part["resolved_on"][done.to_numpy()]) == list(expect["resolved_on"][done])


def test_severity_rule() -> None:
    cfg = DropConfig()
    assert severity(0.1, 1e-6, cfg) == "critical"
    assert severity(0.1, 1e-3 / 2, cfg) == "high"  # deep but not yet certain enough for critical
    assert severity(0.5, 1e-4, cfg) == "high"
    assert severity(0.7, 1e-9, cfg) == "medium"
    assert severity(0.2, 0.01, cfg) == "medium"


def test_message_is_plain_and_neutral() -> None:
    factor = np.where(np.arange(170) >= 150, 0.1, 1.0)
    df, _ = make_series(170, factor=factor, seed=3)
    row = detect(df).iloc[0]
    assert row["message"].startswith("Independent reporting on zz-test is below its usual level since ")
    assert "independent stories against" in row["message"] and "p=" not in row["message"]


def test_bad_input_is_a_clear_error() -> None:
    df, _ = make_series(60)
    with pytest.raises(ValueError, match="lacks column"):
        detect(df.drop(columns="independent_stories"))
    bad = df.copy()
    bad.loc[3, "independent_stories"] = -2
    with pytest.raises(ValueError, match="not a count"):
        detect(bad)
    bad = df.assign(collection_health=1.5)
    with pytest.raises(ValueError, match="outside 0..1"):
        detect(bad)


def test_missing_days_are_not_a_drop() -> None:
    df, _ = make_series(220, seed=12)
    out = detect(df.drop(index=range(150, 165)))  # days absent from the series: not tested, not zero
    assert (out["kind"] != "reporting_drop").all() or (out["opened_on"] < day(150)).all()


def load_drop_config(config_dir: Path) -> DropConfig:
    return load_alerts_config(config_dir).reporting_drop


def test_config_from_alerts_yml(tmp_path: Path) -> None:
    assert load_drop_config(REPO_CONFIG) == DropConfig()  # the shipped file states the defaults
    assert load_drop_config(tmp_path) == DropConfig()  # no alerts.yml: defaults
    (tmp_path / "alerts.yml").write_text(
        "reporting_drop:\n  min_expected: 2.5\n  rhos: [0.3]\n  thresholds: [6]\n"
    )
    cfg = load_drop_config(tmp_path)
    assert (cfg.min_expected, cfg.rhos, cfg.thresholds) == (2.5, (0.3,), (6.0,))
    df, _ = make_series(120)
    assert list(detect(df, cfg).columns) == COLUMNS


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ("reporting_drop:\n  min_expectd: 2\n", "reporting_drop.min_expectd", "unknown key"),
        (
            "reporting_drop:\n  rhos: [0.2, 0.5]\n  thresholds: [5]\n",
            "reporting_drop",
            "one per entry of rhos",
        ),
        ("reporting_drop:\n  rhos: [1.5]\n  thresholds: [5]\n", "reporting_drop", "between 0 and 1"),
        (
            "reporting_drop:\n  health_threshold: 2\n",
            "reporting_drop.health_threshold",
            "less than or equal to 1",
        ),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, body: str, field: str, reason: str) -> None:
    (tmp_path / "alerts.yml").write_text(body)
    with pytest.raises(RegistryError) as err:
        load_drop_config(tmp_path)
    issues = err.value.issues
    assert any(i.field == field and reason in i.reason for i in issues), issues


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


def test_an_alerts_section_left_in_metrics_yml_says_where_it_moved(tmp_path: Path) -> None:
    from transforms.params import load_metrics

    (tmp_path / "metrics.yml").write_text("alerts:\n  min_expected: 2\n")
    with pytest.raises(RegistryError) as err:
        load_metrics(tmp_path)
    assert any("moved to alerts.yml, under reporting_drop" in i.reason for i in err.value.issues)
