"""Reporting-drop detection: seasonal NB baseline, lower LLR CUSUMs, episodes, and collection gaps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy import stats

from alerts.config import DropConfig
from alerts.schema import DETECTOR_COLUMNS


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
    """Weekday means (S, 7), dispersion phi (S,), valid days n (S,), mean m (S,), relative var of means (S, 7)."""
    n = n_d.sum(1)
    m = np.where(n > 0, sx_d.sum(1) / np.maximum(n, 1), 0.0)
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
    # weekday factors shrunk toward 1 by empirical Bayes: weight = between-weekday var / (that + sampling var)
    unit = 1.0 / np.maximum(m, 0.1) + phi  # relative variance of one day
    samp = unit[:, None] / np.maximum(n_d, 1)
    f = np.where(m[:, None] > 0, raw_md / np.maximum(m[:, None], 1e-9), 1.0)
    tau2 = np.maximum(f.var(1, ddof=1) - samp.mean(1), 0.0) * cfg.dow_prior_scale
    wt = np.where(n_d > 0, tau2[:, None] / (tau2[:, None] + samp + 1e-12), 0.0)
    md = m[:, None] * (1.0 + wt * (f - 1.0))
    v_rel = unit[:, None] / np.maximum(n, 1)[:, None] + wt * samp
    return md, phi, n, m, v_rel


class _Detector:
    """The day-by-day state of the detector over S aligned series; step(t) only reads days <= t (causal)."""

    def __init__(self, x: np.ndarray, health: np.ndarray, dows: np.ndarray, cfg: DropConfig) -> None:
        s_n, t_n = x.shape
        self.cfg, self.dows = cfg, dows
        self.x = np.nan_to_num(x, nan=0.0)
        self.xc = self.x.copy()  # values as they enter the baseline (spikes clipped)
        self.present = ~np.isnan(x)
        self.healthy = ~(np.nan_to_num(health, nan=1.0) < cfg.health_threshold)
        self.valid = self.present & self.healthy  # may enter the baseline; alert days leave as they are known
        self.added = np.zeros((s_n, t_n), dtype=bool)
        self.sums = np.zeros((3, s_n, 7))  # per weekday: valid days, sum, sum of squares
        self.mu_hist = np.full((s_n, t_n), np.nan)
        self.phi_hist = np.full((s_n, t_n), np.nan)
        self.cus = np.zeros((s_n, len(cfg.rhos)))
        self.start = np.zeros((s_n, len(cfg.rhos)), dtype=int)
        self.h = np.asarray(cfg.thresholds, dtype=float)
        self.ep_open = np.zeros(s_n, dtype=bool)
        self.ep_idx = np.full(s_n, -1)
        self.gap_idx = np.full(s_n, -1)
        self.healthy_run = np.zeros(s_n, dtype=int)  # consecutive healthy days, for gap resolution
        self.frozen_md = np.zeros((s_n, 7))
        self.frozen_phi = np.zeros(s_n)
        self.episodes: list[list] = []

    def _window(self, day: int, sign: float, mask: np.ndarray) -> None:
        v = self.xc[mask, day]
        d = self.dows[day]
        self.sums[0, mask, d] += sign
        self.sums[1, mask, d] += sign * v
        self.sums[2, mask, d] += sign * v * v

    def _slide(self, t: int) -> None:
        """Day t - guard - 1 enters the window, the day baseline_days before it leaves."""
        a = t - self.cfg.guard_days - 1
        if a >= 0:
            m_add = self.valid[:, a] & ~self.added[:, a]
            self._window(a, 1.0, m_add)
            self.added[:, a] |= m_add
        r = a - self.cfg.baseline_days
        if r >= 0:
            self._window(r, -1.0, self.added[:, r])
            self.added[:, r] = False

    def _expect(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Expected count, predictive 1/k, baseline-ready and mean level for day t (frozen in an episode)."""
        cfg, d, op = self.cfg, self.dows[t], self.ep_open
        md, phi, n, m, v_rel = _params(*self.sums, cfg)
        md = np.where(op[:, None], self.frozen_md, md)
        ready = (n >= cfg.min_baseline_days) | op
        mu = np.where(ready, md[:, d], np.nan)
        # predictive dispersion: NB 1/k plus the relative variance of the estimated weekday mean
        phi = np.where(op, self.frozen_phi, phi + cfg.estimation_weight * v_rel[:, d] * (1.0 + phi))
        self.mu_hist[:, t], self.phi_hist[:, t] = mu, phi
        mu0 = np.nan_to_num(mu)
        cap = mu0 + cfg.clip_sd * np.sqrt(mu0 + phi * mu0**2)
        self.xc[:, t] = np.where(ready, np.minimum(self.x[:, t], cap), self.x[:, t])
        return mu, phi, ready, m

    def _gaps(self, t: int) -> None:
        """collection_gap opens while health is low; it resolves after gap_recovery_days healthy days in a row."""
        low = ~self.healthy[:, t]
        self.healthy_run = np.where(low, 0, self.healthy_run + 1)
        for i in np.flatnonzero(low & (self.gap_idx < 0)):
            self.episodes.append([i, "collection_gap", t, t, -1])
            self.gap_idx[i] = len(self.episodes) - 1
        for i in np.flatnonzero((self.healthy_run >= self.cfg.gap_recovery_days) & (self.gap_idx >= 0)):
            self.episodes[self.gap_idx[i]][4] = t
            self.gap_idx[i] = -1

    def _test(self, t: int, mu: np.ndarray, phi: np.ndarray, ready: np.ndarray, m: np.ndarray) -> None:
        """One step of every lower CUSUM; an alarm opens a reporting_drop episode at its change point."""
        cfg = self.cfg
        testable = ready & self.present[:, t] & self.healthy[:, t] & (m >= cfg.min_expected) & ~self.ep_open
        self.cus[~testable & ~self.ep_open] = 0.0  # untestable days (gaps, missing) restart the CUSUMs
        mu0 = np.maximum(np.nan_to_num(mu), 1e-9)
        llr = np.stack([_nb_logpmf_ratio(self.x[:, t], mu0, rho, phi) for rho in cfg.rhos], 1)
        self.start[testable[:, None] & (self.cus <= 0)] = t
        self.cus = np.where(testable[:, None], np.maximum(0.0, self.cus + llr), self.cus)
        self.start = np.where(testable[:, None] & (self.cus <= 0), t + 1, self.start)
        for i in np.flatnonzero(testable & (self.cus > self.h).any(1)):
            self._open(i, t, int(self.start[i][self.cus[i] > self.h].min()))

    def _open(self, i: int, t: int, cp: int) -> None:
        for day in range(cp, t + 1):  # the run-up days leave (or never enter) the baseline
            if self.added[i, day]:
                self._window(day, -1.0, np.arange(len(self.x)) == i)
                self.added[i, day] = False
        self.valid[i, cp : t + 1] = False
        md_i, phi_i, *_ = _params(*self.sums[:, i : i + 1], self.cfg)
        self.frozen_md[i], self.frozen_phi[i] = md_i[0], phi_i[0]
        self.mu_hist[i, cp : t + 1] = self.frozen_md[i][self.dows[cp : t + 1]]
        self.ep_open[i] = True
        self.episodes.append([i, "reporting_drop", cp, t, -1])
        self.ep_idx[i] = len(self.episodes) - 1
        self.cus[i] = 0.0

    def _recover(self, t: int) -> None:
        """Open episodes keep their days out of the baseline and resolve after the recovery window."""
        if not self.ep_open.any():
            return
        cfg, op = self.cfg, self.ep_open
        self.valid[op, t] = False
        lo = max(0, t - cfg.recovery_days + 1)
        obs = self.x[:, lo : t + 1].sum(1)
        exp = np.nan_to_num(self.mu_hist[:, lo : t + 1]).sum(1)
        opened = np.array([self.episodes[j][3] if j >= 0 else t for j in self.ep_idx])
        rec = op & (t - opened >= cfg.recovery_days) & (obs >= cfg.recovery_ratio * exp)
        for i in np.flatnonzero(rec & self.healthy[:, lo : t + 1].all(1)):
            self.episodes[self.ep_idx[i]][4] = t
            self.ep_open[i] = False
            self.ep_idx[i] = -1
            self.cus[i] = 0.0

    def step(self, t: int) -> None:
        self._slide(t)
        mu, phi, ready, m = self._expect(t)
        self._gaps(t)
        self._test(t, mu, phi, ready, m)
        self._recover(t)


def detect_matrix(
    x: np.ndarray, health: np.ndarray, dows: np.ndarray, cfg: DropConfig
) -> tuple[list[tuple], np.ndarray, np.ndarray]:
    """Runs the detector on S aligned series (S, T); returns raw episodes, expected (S, T) and 1/k at each day.

    An episode is (series, kind, cp, open_t, resolved_t or -1). NaN counts are missing days (not tested).
    """
    state = _Detector(x, health, dows, cfg)
    for t in range(x.shape[1]):
        state.step(t)
    return [tuple(e) for e in state.episodes], state.mu_hist, state.phi_hist


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


def _matrices(series: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex, list[str]]:
    """Counts and health as (zones x days) arrays over the full calendar; absent days are NaN."""
    df = series.copy()
    df["day"] = pd.to_datetime(df["day"]).dt.normalize()
    days = pd.date_range(df["day"].min(), df["day"].max(), freq="D")
    zones = sorted(df["zone_id"].unique())
    counts = df.pivot_table(index="zone_id", columns="day", values="independent_stories", aggfunc="sum")
    x = counts.reindex(index=zones, columns=days).to_numpy(dtype=float)
    if "collection_health" not in df:
        return x, np.full_like(x, np.nan), days, zones
    hp = df.pivot_table(
        index="zone_id", columns="day", values="collection_health", aggfunc="min", dropna=False
    )
    return x, hp.reindex(index=zones, columns=days).to_numpy(dtype=float), days, zones


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
    """One row per alert episode (reporting_drop, collection_gap) over a zone x day series."""
    cfg = config or DropConfig()
    _validate(series)
    if series.empty:
        return _empty()
    x, health, days, zones = _matrices(series)
    episodes, mu_hist, phi_hist = detect_matrix(x, health, days.dayofweek.to_numpy(), cfg)
    rows = [_episode_row(e, x, mu_hist, phi_hist, days, zones[e[0]], cfg) for e in episodes]
    return pd.DataFrame(rows, columns=DETECTOR_COLUMNS) if rows else _empty()


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="float64" if c in ("observed", "expected", "ratio", "p_value") else "object")
            for c in DETECTOR_COLUMNS
        }
    )
