"""Reporting-drop detection: seasonal NB baseline, lower LLR CUSUMs, episodes, and collection gaps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy import stats

from alerts.config import DropConfig
from alerts.detector import NO_HOLIDAY, detect_matrix
from alerts.schema import DETECTOR_COLUMNS


def nb_sum_cdf(observed: float, mu_sum: float, var_sum: float) -> float:
    """P(X <= observed) for X ~ NB (or Poisson) matched to the mean and variance of a window sum."""
    if not np.isfinite(mu_sum) or mu_sum <= 0:
        return float("nan")
    if var_sum <= mu_sum * (1 + 1e-9):
        return float(stats.poisson.cdf(observed, mu_sum))
    size = mu_sum**2 / (var_sum - mu_sum)
    return float(stats.nbinom.cdf(observed, size, size / (size + mu_sum)))


def severity(ratio: float, p_value: float, cfg: DropConfig) -> str:
    """critical: deep and certain; high: about half gone and clear; medium: every other drop episode."""
    if ratio <= cfg.critical_ratio and p_value < cfg.critical_p:
        return "critical"
    if ratio <= cfg.high_ratio and p_value < cfg.high_p:
        return "high"
    return "medium"


def _message(zone: str, kind: str, obs: float, exp: float, since: dt.date, cfg: DropConfig) -> str:
    """One plain, neutral sentence: what was counted against what was expected, since when."""
    if kind == "collection_gap":
        return (
            f"Our own collection for {zone} is failing (source health below {cfg.health_threshold:g}) since "
            f"{since}; story counts for these days say nothing about reporting from the zone."
        )
    share = f"{100 * obs / exp:.0f}%" if exp > 0 else "n/a"
    return (
        f"Independent reporting on {zone} is below its usual level since {since}: {obs:.0f} independent "
        f"stories against {exp:.1f} expected ({share} of the baseline)."
    )


REQUIRED = ("zone_id", "day", "independent_stories")


def _validate(series: pd.DataFrame) -> None:
    """Raise ValueError naming what is wrong with the input, rather than detect on bad numbers."""
    missing = [c for c in REQUIRED if c not in series.columns]
    if missing:
        raise ValueError(f"detect: series lacks column(s) {', '.join(missing)}")
    stories = pd.to_numeric(series["independent_stories"], errors="coerce")
    bad = series["independent_stories"].notna() & (stories.isna() | (stories < 0))
    if bad.any():
        raise ValueError(f"detect: {int(bad.sum())} row(s) with independent_stories not a count >= 0")
    if "collection_health" in series.columns:
        h = pd.to_numeric(series["collection_health"], errors="coerce")
        off = series["collection_health"].notna() & ~h.between(0, 1)
        if off.any():
            raise ValueError(f"detect: {int(off.sum())} row(s) with collection_health outside 0..1")
    if series["zone_id"].isna().any() or series["day"].isna().any():
        raise ValueError("detect: zone_id and day must not be null")


def _matrices(series: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DatetimeIndex, list[str]]:
    """Counts, health and holiday codes as (zones x days) arrays over the full calendar; absent days are NaN.

    A holiday's code indexes its name (the same name in two zones is one code: each zone learns its own
    share of it); NO_HOLIDAY marks every other day.
    """
    df = series.copy()
    df["day"] = pd.to_datetime(df["day"]).dt.normalize()
    days = pd.date_range(df["day"].min(), df["day"].max(), freq="D")
    zones = sorted(df["zone_id"].unique())

    def matrix(column: str, aggfunc: str) -> np.ndarray:
        table = df.pivot_table(index="zone_id", columns="day", values=column, aggfunc=aggfunc, dropna=False)
        return table.reindex(index=zones, columns=days).to_numpy(dtype=float)

    x = matrix("independent_stories", "sum")
    health = matrix("collection_health", "min") if "collection_health" in df else np.full_like(x, np.nan)
    holidays = np.full(x.shape, NO_HOLIDAY)
    if "holiday" in df and df["holiday"].notna().any():
        named = df[df["holiday"].notna() & (df["holiday"].astype(str).str.strip() != "")]
        codes = {name: i for i, name in enumerate(sorted(named["holiday"].astype(str).unique()))}
        rows = pd.Index(zones).get_indexer(named["zone_id"])
        cols = days.get_indexer(named["day"])
        holidays[rows, cols] = named["holiday"].astype(str).map(codes).to_numpy()
    return x, health, holidays, days, zones


def _episode_row(
    episode: tuple,
    x: np.ndarray,
    mu_hist: np.ndarray,
    phi_hist: np.ndarray,
    days: pd.DatetimeIndex,
    zone: str,
    cfg: DropConfig,
) -> dict:
    """Observed and expected from the change point to the last day of the drop, with p-value and wording."""
    i, kind, cp, t_open, t_res = episode
    if t_res < 0:
        end = len(days) - 1
    else:  # a resolved episode ends where its recovery window begins (health back, for a gap)
        end = t_res - (cfg.recovery_days if kind == "reporting_drop" else cfg.gap_recovery_days)
    end = max(end, t_open)
    obs = float(np.nan_to_num(x[i, cp : end + 1]).sum())
    mus = mu_hist[i, cp : end + 1]
    exp = float(np.nansum(mus)) if np.isfinite(mus).any() else float("nan")
    phi = float(phi_hist[i, t_open]) if np.isfinite(phi_hist[i, t_open]) else 0.0
    p = nb_sum_cdf(obs, exp, exp + phi * float(np.nansum(mus**2)))
    ratio = obs / exp if np.isfinite(exp) and exp > 0 else float("nan")
    b_end = t_open - cfg.guard_days - 1
    b_start = max(0, b_end - cfg.baseline_days + 1)
    return {
        "zone_id": zone,
        "kind": kind,
        "opened_on": days[t_open].date(),
        "resolved_on": days[t_res].date() if t_res >= 0 else None,
        "observed": obs,
        "expected": exp,
        "ratio": ratio,
        "p_value": p,
        "severity": severity(ratio, p, cfg) if kind == "reporting_drop" else "medium",
        "baseline_start": days[b_start].date() if b_end >= 0 else None,
        "baseline_end": days[b_end].date() if b_end >= 0 else None,
        "message": _message(zone, kind, obs, exp, days[cp].date(), cfg),
    }


def detect(series: pd.DataFrame, config: DropConfig | None = None) -> pd.DataFrame:
    """One row per alert episode (reporting_drop, collection_gap) over a zone x day series.

    `series` has zone_id, day and independent_stories, optionally collection_health (0..1) and holiday (the
    name of a known quiet day of that zone, null on other days), read only when `use_holidays` is set.
    """
    cfg = config or DropConfig()
    _validate(series)
    if series.empty:
        return _empty()
    if not cfg.use_holidays and "holiday" in series.columns:
        series = series.drop(columns="holiday")
    x, health, holidays, days, zones = _matrices(series)
    episodes, mu_hist, phi_hist = detect_matrix(x, health, days.dayofweek.to_numpy(), cfg, holidays)
    rows = [_episode_row(e, x, mu_hist, phi_hist, days, zones[e[0]], cfg) for e in episodes]
    return pd.DataFrame(rows, columns=DETECTOR_COLUMNS) if rows else _empty()


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="float64" if c in ("observed", "expected", "ratio", "p_value") else "object")
            for c in DETECTOR_COLUMNS
        }
    )
