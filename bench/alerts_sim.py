"""Simulated zone series and the comparators' alarm rules (oracle CUSUM, EARS-C2, naive) for alerts_eval."""

# Series: true daily rates with a weekly rhythm (rhythm), counts drawn around them, NB over-dispersion
# (gamma-Poisson, k) or Poisson (simulate). Comparators: restarting lower LLR CUSUMs that know the true rates
# (cusum_alarms, the oracle and oracle-any), EARS-C2 and the naive rule (rule_alarms); their alarms counted
# as episodes the way detect counts them (episodes), a constant calibrated to <= 1 false-alarm episode per
# zone-year (calibrate), and the delay of the first alarm on or after onset (first_after, summary).

from __future__ import annotations

import argparse
import json
import os
from functools import cache

import numpy as np
import yaml

from alerts.drops import DropConfig

OVERRIDES_ENV = "BLINDSPOT_BENCH_DROP_CONFIG"  # JSON of DropConfig fields; worker processes inherit it


def add_config_args(ap: argparse.ArgumentParser) -> None:
    """--set key=value (repeatable): a DropConfig field for this run (YAML-style values: 4.5, true, [0.2,0.5])."""
    ap.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a DropConfig field"
    )


def apply_config_args(args: argparse.Namespace) -> DropConfig:
    """Puts the --set overrides where every worker's bench_config() reads them; returns the config."""
    pairs = dict(item.split("=", 1) for item in args.set)
    os.environ[OVERRIDES_ENV] = json.dumps({k: yaml.safe_load(v) for k, v in pairs.items()})
    bench_config.cache_clear()
    cfg = bench_config()
    if pairs:
        print("config overrides: " + ", ".join(f"{k}={getattr(cfg, k)}" for k in pairs))
    return cfg


@cache
def bench_config() -> DropConfig:
    """The detector's config in this run: the defaults (the nightly run's) with the --set overrides."""
    return DropConfig(**json.loads(os.environ.get(OVERRIDES_ENV, "{}")))


WEEKLY = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.8, 0.85])
WEEKLY = WEEKLY / WEEKLY.mean()
YEAR = 365
EPISODE_DAYS = DropConfig().recovery_days  # a detect episode lasts at least this long: alarms inside it merge


def rhythm(level: float, n: int, t_n: int, mixed: bool) -> np.ndarray:
    """True daily rates (n, t_n); mixed: the second half of the series has the rhythm shifted a day earlier."""
    mu = np.tile(level * WEEKLY[np.arange(t_n) % 7], (n, 1))
    if mixed:
        mu[n // 2 :] = level * np.roll(WEEKLY, -1)[np.arange(t_n) % 7]
    return mu


def simulate(rate: np.ndarray, k: float, rng: np.random.Generator) -> np.ndarray:
    """NB (gamma-Poisson with shape k) or Poisson counts around the rate matrix."""
    lam = rate if not np.isfinite(k) else rate * rng.gamma(k, 1.0 / k, size=rate.shape)
    return rng.poisson(lam).astype(float)


def llr(x: np.ndarray, mu: np.ndarray, rho: float, k: float) -> np.ndarray:
    """Daily log-likelihood ratio of rate rho*mu against mu, NB with shape k (Poisson when k is inf)."""
    if np.isfinite(k):
        return x * (np.log(rho * mu / (rho * mu + k)) - np.log(mu / (mu + k))) + k * np.log(
            (mu + k) / (rho * mu + k)
        )
    return x * np.log(rho) + mu * (1 - rho)


def cusum_alarms(
    x: np.ndarray, mu: np.ndarray, rhos: tuple[float, ...], k: float, h: np.ndarray, t0: int
) -> np.ndarray:
    """Alarm days (S, G, T) of restarting lower LLR CUSUMs, one per rho, for each threshold row h (G, R)."""
    s_n, t_n = x.shape
    inc = np.stack([llr(x, mu, r, k) for r in rhos], 2)  # (S, T, R)
    cus = np.zeros((s_n, h.shape[0], len(rhos)))
    alarms = np.zeros((s_n, h.shape[0], t_n), dtype=bool)
    for t in range(t0, t_n):
        cus = np.maximum(0.0, cus + inc[:, t, None, :])
        hit = (cus > h[None]).any(2)
        alarms[:, :, t] = hit
        cus[hit] = 0.0
    return alarms


def episodes(alarms: np.ndarray, gap: int = EPISODE_DAYS) -> np.ndarray:
    """Alarm starts (..., T) counted as detect counts episodes: one within `gap` days of the last is merged."""
    counted = np.zeros_like(alarms)
    last = np.full(alarms.shape[:-1], -(10**9))
    for t in range(alarms.shape[-1]):
        new = alarms[..., t] & (t - last >= gap)
        counted[..., t] = new
        last = np.where(new, t, last)
    return counted


def calibrate(alarms: np.ndarray, grid: np.ndarray, t0: int) -> tuple[float, float]:
    """The first grid value whose false-alarm episodes per zone-year are <= 1, and that rate."""
    fa = episodes(alarms[:, :, t0:]).sum((0, 2)) / alarms.shape[0] * YEAR / (alarms.shape[2] - t0)
    i = int(np.argmax(fa <= 1.0)) if (fa <= 1.0).any() else len(grid) - 1
    return float(grid[i]), float(fa[i])


def rule_alarms(x: np.ndarray, kind: str, c: float | None = None) -> np.ndarray:
    """Episode starts (S, T) of EARS-C2 (x < mean - c SD, c=3) or naive (x < c * 28-day mean, c=0.5)."""
    c = c if c is not None else (3.0 if kind == "ears" else 0.5)
    s_n, t_n = x.shape
    flag = np.zeros_like(x, dtype=bool)
    cs = np.concatenate([np.zeros((s_n, 1)), np.cumsum(x, 1)], 1)
    cs2 = np.concatenate([np.zeros((s_n, 1)), np.cumsum(x * x, 1)], 1)
    for t in range(28, t_n):
        if kind == "ears":
            a, b = t - 9, t - 2
            m = (cs[:, b] - cs[:, a]) / 7
            var = ((cs2[:, b] - cs2[:, a]) - 7 * m * m) / 6
            flag[:, t] = x[:, t] < m - c * np.sqrt(np.maximum(var, 0))
        else:
            flag[:, t] = x[:, t] < c * (cs[:, t] - cs[:, t - 28]) / 28
    starts = flag & ~np.concatenate([np.zeros((s_n, 1), dtype=bool), flag[:, :-1]], 1)
    return starts


def first_after(starts: np.ndarray, onset: np.ndarray) -> np.ndarray:
    """Delay (days, onset day = 1) of the first alarm start on or after onset; inf if none."""
    t = np.arange(starts.shape[1])[None, :]
    ok = starts & (t >= onset[:, None])
    return np.where(ok.any(1), np.argmax(ok, 1) - onset + 1, np.inf).astype(float)


def summary(delay: np.ndarray) -> tuple[float, float, float]:
    det = np.isfinite(delay) & (delay <= 7)
    med = float(np.median(delay[det])) if det.any() else float("nan")
    return 100 * float(np.mean(delay <= 3)), 100 * float(np.mean(delay <= 7)), med
