"""Reporting-drop detection: seasonal NB baseline, lower LLR CUSUMs, episodes, and collection gaps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = [
    "zone_id",
    "kind",
    "opened_on",
    "resolved_on",
    "observed",
    "expected",
    "ratio",
    "p_value",
    "severity",
    "baseline_start",
    "baseline_end",
    "message",
]


@dataclass(frozen=True)
class DropConfig:
    """Every threshold of the detector; defaults calibrated by bench/alerts_eval.py (<= 1 FA per zone-year)."""

    baseline_days: int = 112  # trailing window for level, day-of-week factors and dispersion
    guard_days: int = 7  # gap between the baseline window and the day tested
    min_baseline_days: int = 28  # valid days needed in the window before testing starts
    dow_shrink: float = 4.0  # pseudo-days pulling each weekday mean toward the overall mean
    dispersion_floor: float = 0.005  # minimum NB 1/k used (guards against an under-estimated dispersion)
    estimation_weight: float = 3.0  # share of the weekday-mean estimation variance added to 1/k
    dispersion_se: float = 1.0  # standard errors of the moment estimate of 1/k added to it (upper bound)
    clip_sd: float = 3.0  # days above mu + clip_sd * sd enter the baseline clipped (spikes)
    min_expected: float = 1.0  # baseline mean/day below which no reporting_drop is tested (low volume)
    rhos: tuple[float, ...] = (0.3, 0.65)  # drop alternatives, one CUSUM each: mu -> rho * mu
    thresholds: tuple[float, ...] = (4.3, 4.3)  # CUSUM thresholds h, one per rho
    recovery_days: int = 7  # trailing days whose observed sum must reach recovery_ratio of expected
    recovery_ratio: float = 0.8
    health_threshold: float = 0.5  # collection_health below this: collection_gap, never reporting_drop


def _nb_logpmf_ratio(x: np.ndarray, mu: np.ndarray, rho: float, phi: np.ndarray) -> np.ndarray:
    """log f(x; rho*mu) - log f(x; mu) under NB with 1/k = phi (Poisson where phi == 0)."""
    pois = x * np.log(rho) + mu * (1.0 - rho)
    k = 1.0 / np.maximum(phi, 1e-12)
    nb = x * (np.log(rho * mu / (rho * mu + k)) - np.log(mu / (mu + k))) + k * np.log(
        (mu + k) / (rho * mu + k)
    )
    return np.where(phi > 1e-9, nb, pois)


def nb_sum_cdf(observed: float, mu_sum: float, var_sum: float) -> float:
    """P(X <= observed) for X ~ NB (or Poisson) matched to the mean and variance of a window sum."""
    if not np.isfinite(mu_sum) or mu_sum <= 0:
        return float("nan")
    if var_sum <= mu_sum * (1 + 1e-9):
        return float(stats.poisson.cdf(observed, mu_sum))
    size = mu_sum**2 / (var_sum - mu_sum)
    return float(stats.nbinom.cdf(observed, size, size / (size + mu_sum)))


def _params(n_d: np.ndarray, sx_d: np.ndarray, sx2_d: np.ndarray, cfg: DropConfig) -> tuple[np.ndarray, ...]:
    """Weekday means (S, 7), dispersion phi (S,), total valid days n (S,) from the window sums."""
    n = n_d.sum(1)
    m = np.where(n > 0, sx_d.sum(1) / np.maximum(n, 1), 0.0)
    md = (sx_d + cfg.dow_shrink * m[:, None]) / (n_d + cfg.dow_shrink)
    raw_md = np.where(n_d > 0, sx_d / np.maximum(n_d, 1), 0.0)
    ss = np.where(n_d > 1, sx2_d - n_d * raw_md**2, 0.0).sum(1)
    w = np.maximum(n_d - 1, 0)
    denom = (w * raw_md**2).sum(1)
    phi = np.where(denom > 0, (ss - (w * raw_md).sum(1)) / np.maximum(denom, 1e-12), 0.0)
    df = np.maximum(w.sum(1), 1)
    phi = np.maximum(phi, 0.0) + cfg.dispersion_se * (
        1.0 / np.maximum(m, 0.1) + np.maximum(phi, 0.0)
    ) * np.sqrt(2.0 / df)
    phi = np.maximum(phi, cfg.dispersion_floor)
    return md, phi, n, m


def detect_matrix(
    x: np.ndarray, health: np.ndarray, dows: np.ndarray, cfg: DropConfig
) -> tuple[list[tuple], np.ndarray, np.ndarray]:
    """Runs the detector on S aligned series (S, T); returns raw episodes, expected (S, T) and phi at each day.

    An episode is (series, kind, cp, open_t, resolved_t or -1). NaN counts are missing days (not tested).
    """
    s_n, t_n = x.shape
    g, w_len, r_len = cfg.guard_days, cfg.baseline_days, cfg.recovery_days
    n_d = np.zeros((s_n, 7))
    sx_d = np.zeros((s_n, 7))
    sx2_d = np.zeros((s_n, 7))
    xc = np.nan_to_num(x.copy(), nan=0.0)  # values as they enter the baseline (clipped)
    present = ~np.isnan(x)
    healthy = ~(np.nan_to_num(health, nan=1.0) < cfg.health_threshold)
    valid = present & healthy  # may enter the baseline; alert days are removed as they are known
    added = np.zeros((s_n, t_n), dtype=bool)
    mu_hist = np.full((s_n, t_n), np.nan)
    phi_hist = np.full((s_n, t_n), np.nan)
    n_rho = len(cfg.rhos)
    cus = np.zeros((s_n, n_rho))
    start = np.zeros((s_n, n_rho), dtype=int)
    ep_open = np.zeros(s_n, dtype=bool)
    ep_idx = np.full(s_n, -1)
    frozen_md = np.zeros((s_n, 7))
    frozen_phi = np.zeros(s_n)
    gap_idx = np.full(s_n, -1)
    episodes: list[list] = []
    h = np.asarray(cfg.thresholds)
    x0 = np.nan_to_num(x, nan=0.0)
    rows = np.arange(s_n)

    def window_update(day: int, sign: float, mask: np.ndarray) -> None:
        d = dows[day]
        v = xc[mask, day]
        n_d[mask, d] += sign
        sx_d[mask, d] += sign * v
        sx2_d[mask, d] += sign * v * v

    for t in range(t_n):
        a = t - g - 1  # day entering the window for testing day t
        if a >= 0:
            m_add = valid[:, a] & ~added[:, a]
            window_update(a, 1.0, m_add)
            added[:, a] |= m_add
        r = a - w_len
        if r >= 0:
            m_rm = added[:, r]
            window_update(r, -1.0, m_rm)
            added[:, r] = False
        md, phi, n, m = _params(n_d, sx_d, sx2_d, cfg)
        md = np.where(ep_open[:, None], frozen_md, md)
        phi = np.where(ep_open, frozen_phi, phi)
        ready = (n >= cfg.min_baseline_days) | ep_open
        mu = np.where(ready, md[:, dows[t]], np.nan)
        # predictive dispersion: NB 1/k plus the relative variance of the estimated weekday mean
        est = (1.0 / np.maximum(m, 0.1) + phi) / (n_d[:, dows[t]] + cfg.dow_shrink)
        phi = np.where(ep_open, phi, phi + cfg.estimation_weight * est)
        mu_hist[:, t] = mu
        phi_hist[:, t] = phi
        sd = np.sqrt(np.nan_to_num(mu) + phi * np.nan_to_num(mu) ** 2)
        xc[:, t] = np.where(ready, np.minimum(x0[:, t], np.nan_to_num(mu) + cfg.clip_sd * sd), x0[:, t])

        # collection gaps: open while health is low, resolve on the first healthy day
        low = ~healthy[:, t]
        for i in np.flatnonzero(low & (gap_idx < 0)):
            episodes.append([i, "collection_gap", t, t, -1])
            gap_idx[i] = len(episodes) - 1
        for i in np.flatnonzero(~low & (gap_idx >= 0)):
            episodes[gap_idx[i]][4] = t
            gap_idx[i] = -1

        testable = ready & present[:, t] & healthy[:, t] & (np.where(ep_open, 1e9, m) >= cfg.min_expected)
        testable &= ~ep_open
        reset = ~testable & ~ep_open
        cus[reset] = 0.0
        llr = np.stack(
            [_nb_logpmf_ratio(x0[:, t], np.maximum(np.nan_to_num(mu), 1e-9), rho, phi) for rho in cfg.rhos], 1
        )
        new = testable[:, None] & (cus <= 0)
        start[new] = t
        cus = np.where(testable[:, None], np.maximum(0.0, cus + llr), cus)
        start = np.where(testable[:, None] & (cus <= 0), t + 1, start)
        alarm = testable & (cus > h).any(1)
        for i in np.flatnonzero(alarm):
            cp = int(start[i][cus[i] > h].min())
            for day in range(cp, t + 1):  # the run-up days leave (or never enter) the baseline
                if added[i, day]:
                    window_update(day, -1.0, rows == i)
                    added[i, day] = False
            valid[i, cp : t + 1] = False
            md_i, phi_i, _, _ = _params(n_d[i : i + 1], sx_d[i : i + 1], sx2_d[i : i + 1], cfg)
            frozen_md[i], frozen_phi[i] = md_i[0], phi_i[0]
            mu_hist[i, cp : t + 1] = frozen_md[i][dows[cp : t + 1]]
            ep_open[i] = True
            episodes.append([i, "reporting_drop", cp, t, -1])
            ep_idx[i] = len(episodes) - 1
            cus[i] = 0.0

        # open episodes: days stay out of the baseline; resolve after the recovery window
        if ep_open.any():
            valid[ep_open, t] = False
            lo = max(0, t - r_len + 1)
            obs = x0[:, lo : t + 1].sum(1)
            exp = np.nan_to_num(mu_hist[:, lo : t + 1]).sum(1)
            opened = np.array([episodes[j][3] if j >= 0 else t for j in ep_idx])
            rec = (
                ep_open
                & (t - opened >= r_len)
                & (obs >= cfg.recovery_ratio * exp)
                & healthy[:, lo : t + 1].all(1)
            )
            for i in np.flatnonzero(rec):
                episodes[ep_idx[i]][4] = t
                ep_open[i] = False
                ep_idx[i] = -1
                cus[i] = 0.0
    return [tuple(e) for e in episodes], mu_hist, phi_hist


def _severity(ratio: float, p: float) -> str:
    if ratio <= 0.3 and p < 1e-4:
        return "critical"
    if ratio <= 0.6 and p < 1e-3:
        return "high"
    return "medium"


def detect(series: pd.DataFrame, config: DropConfig | None = None) -> pd.DataFrame:
    """One row per alert episode (reporting_drop, collection_gap) over a zone x day series."""
    cfg = config or DropConfig()
    if series.empty:
        return _empty()
    df = series.copy()
    df["day"] = pd.to_datetime(df["day"]).dt.normalize()
    days = pd.date_range(df["day"].min(), df["day"].max(), freq="D")
    zones = sorted(df["zone_id"].unique())
    counts = df.pivot_table(index="zone_id", columns="day", values="independent_stories", aggfunc="sum")
    counts = counts.reindex(index=zones, columns=days)
    x = counts.to_numpy(dtype=float)
    if "collection_health" in df:
        hp = df.pivot_table(
            index="zone_id", columns="day", values="collection_health", aggfunc="min", dropna=False
        )
        health = hp.reindex(index=zones, columns=days).to_numpy(dtype=float)
    else:
        health = np.full_like(x, np.nan)
    dows = days.dayofweek.to_numpy()
    episodes, mu_hist, phi_hist = detect_matrix(x, health, dows, cfg)
    rows = []
    for i, kind, cp, t_open, t_res in episodes:
        end = (
            (t_res - cfg.recovery_days if kind == "reporting_drop" else t_res - 1)
            if t_res >= 0
            else len(days) - 1
        )
        end = max(end, t_open)
        obs_v = np.nan_to_num(x[i, cp : end + 1]).sum()
        mus = mu_hist[i, cp : end + 1]
        exp_v = float(np.nansum(mus)) if np.isfinite(mus).any() else float("nan")
        phi = float(phi_hist[i, t_open]) if np.isfinite(phi_hist[i, t_open]) else 0.0
        var_v = exp_v + phi * float(np.nansum(mus**2))
        p = nb_sum_cdf(obs_v, exp_v, var_v)
        ratio = obs_v / exp_v if exp_v and np.isfinite(exp_v) and exp_v > 0 else float("nan")
        b_end = t_open - cfg.guard_days - 1
        b_start = max(0, b_end - cfg.baseline_days + 1)
        if kind == "reporting_drop":
            sev = _severity(ratio, p)
            msg = (
                f"{zones[i]}: independent stories {obs_v:.0f} vs {exp_v:.1f} expected since {days[cp].date()} "
                f"(ratio {ratio:.2f}, p={p:.2g})"
            )
        else:
            sev = "medium"
            msg = f"{zones[i]}: collection health below {cfg.health_threshold} since {days[cp].date()}"
        rows.append(
            {
                "zone_id": zones[i],
                "kind": kind,
                "opened_on": days[t_open].date(),
                "resolved_on": days[t_res].date() if t_res >= 0 else None,
                "observed": float(obs_v),
                "expected": exp_v,
                "ratio": ratio,
                "p_value": p,
                "severity": sev,
                "baseline_start": days[b_start].date() if b_end >= 0 else None,
                "baseline_end": days[b_end].date() if b_end >= 0 else None,
                "message": msg,
            }
        )
    if not rows:
        return _empty()
    return pd.DataFrame(rows, columns=COLUMNS)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="float64" if c in ("observed", "expected", "ratio", "p_value") else "object")
            for c in COLUMNS
        }
    )
