"""Realistic simulated zone series for bench/alerts_realistic.py: holidays, news bursts, trends, late starts."""

# A zone: one conflict country and one to three outlet countries (GBR, USA, FRA); its calendar is
# alerts.holidays.quiet_days over the three simulated years. Each holiday NAME (qualifiers such as
# "(estimated)" or "(observed)" removed) has one multiplicative effect per zone, drawn once and repeated every
# year: 0.3-0.6 for the year-end period (Christmas, New Year, Boxing Day) and Eid, 0.6-0.9 for the others.
# A weekly rhythm (alerts_sim.WEEKLY raised to a power 0.5-2, a Friday-Saturday weekend for 30% of zones),
# a trend of -50..+50% a year anchored at a given day (the zone's level holds on that day), 2-4 news bursts a
# year (a jump to 3-10x decaying exponentially back over 3-30 days), NB counts (gamma-Poisson, k 3-20).
# Each part can be left out of the rates (Zones.rate without=...) to see what it costs the detector.
# The cells' series (stable, drop, late start, sources joining, blackout on a holiday) are built here too;
# running the detectors and scoring them is bench/alerts_realistic.py.

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import numpy as np
import pandas as pd

from alerts.holidays import YEAR_END, quiet_days
from bench.alerts_sim import WEEKLY, YEAR

START = pd.Timestamp("2024-01-01")  # a Monday: day t has weekday t % 7
DAYS = 3 * YEAR
POST = 21  # days after an injected drop kept free of burst starts
LEVELS = (3.0, 5.0, 10.0, 15.0)
COUNTRIES = ("SDN", "MMR", "COD", "SYR", "YEM", "HTI", "ETH", "AFG")
OUTLETS = ("GBR", "USA", "FRA")
STRONG, MILD = (0.3, 0.6), (0.6, 0.9)  # holiday effects: year-end period and Eid / every other holiday
YEAR_END_NAMES = (YEAR_END, "Christmas Day", "New Year's Day", "Boxing Day")
_QUALIFIER = re.compile(r"\s*\((?:observed|estimated|observed, estimated)\)")


@cache
def holiday_key(name: str) -> str:
    """The holiday a calendar name stands for: "Eid al-Adha (observed, estimated)" -> "Eid al-Adha"."""
    key = _QUALIFIER.sub("", name).strip()
    return "Day off" if key.startswith("Day off") else key


def is_strong(key: str) -> bool:
    return key in YEAR_END_NAMES or key.startswith("Eid")


@cache
def calendar(country: str, outlets: tuple[str, ...], t_n: int) -> tuple[str | None, ...]:
    """Holiday name (or None) for each simulated day, from alerts.holidays.quiet_days."""
    start = START.date()
    found = quiet_days([country], start, start + timedelta(days=t_n - 1), outlets)
    return tuple(found.get(start + timedelta(days=t)) for t in range(t_n))


@dataclass
class Zones:
    """n simulated zones: everything but the trend's anchor and the injected changes."""

    level: np.ndarray  # (n,) normal-day mean at the anchor day
    k: np.ndarray  # (n,) NB shape
    trend: np.ndarray  # (n,) relative change a year
    weekly: np.ndarray  # (n, 7) weekday factors, mean 1
    holiday: np.ndarray  # (n, T) holiday effect, 1 on normal days
    names: np.ndarray  # (n, T) holiday name or None, object
    strong: np.ndarray  # (n, T) bool: a year-end or Eid day
    bursts: list[list[tuple[int, float, int]]]  # per zone: (start day, peak factor, days to decay)
    country: list[str]
    outlets: list[tuple[str, ...]]

    def burst(self, calm: np.ndarray | None = None) -> np.ndarray:
        """Burst multiplier (n, T); calm (n, 2): bursts starting in [lo, hi) are left out."""
        n, t_n = self.holiday.shape
        out = np.ones((n, t_n))
        for i, bursts in enumerate(self.bursts):
            for s, peak, days in bursts:
                if calm is not None and calm[i, 0] <= s < calm[i, 1]:
                    continue
                j = np.arange(min(days, t_n - s))
                out[i, s : s + len(j)] += (peak - 1.0) * np.exp(-4.0 * j / days)
        return out

    def rate(
        self, anchor: np.ndarray, calm: np.ndarray | None = None, without: tuple[str, ...] = ()
    ) -> np.ndarray:
        """True daily rates (n, T), the trend anchored so that the level holds on day anchor[i]; without may
        name "holiday", "burst" and "trend" to leave those out (the same zones otherwise)."""
        n, t_n = self.holiday.shape
        t = np.arange(t_n)[None, :]
        trend = 0.0 if "trend" in without else self.trend[:, None]
        week = np.take_along_axis(self.weekly, np.broadcast_to(t % 7, (n, t_n)), 1)
        rate = self.level[:, None] * week * (1.0 + trend) ** ((t - anchor[:, None]) / YEAR)
        if "holiday" not in without:
            rate = rate * self.holiday
        return rate if "burst" in without else rate * self.burst(calm)


def zones(n: int, rng: np.random.Generator, levels: np.ndarray, t_n: int = DAYS) -> Zones:
    """n zones with their own country, outlets, holiday effects, weekly rhythm, trend, k and bursts."""
    weekly, holiday = np.ones((n, 7)), np.ones((n, t_n))
    names = np.full((n, t_n), None, dtype=object)
    strong = np.zeros((n, t_n), dtype=bool)
    k, trend = np.empty(n), np.empty(n)
    bursts, countries, outlets = [], [], []
    for i in range(n):
        country = COUNTRIES[rng.integers(len(COUNTRIES))]
        pick = rng.random(len(OUTLETS)) < 0.6
        if not pick.any():
            pick[rng.integers(len(OUTLETS))] = True
        outs = tuple(o for o, p in zip(OUTLETS, pick, strict=True) if p)
        cal = calendar(country, outs, t_n)
        effects: dict[str, float] = {}
        for t, name in enumerate(cal):
            if name is None:
                continue
            key = holiday_key(name)
            if key not in effects:
                effects[key] = rng.uniform(*(STRONG if is_strong(key) else MILD))
            holiday[i, t], strong[i, t] = effects[key], is_strong(key)
        names[i] = cal
        w = WEEKLY ** rng.uniform(0.5, 2.0)
        if rng.random() < 0.3:
            w = np.roll(w, -1)  # a Friday-Saturday weekend
        weekly[i] = w / w.mean()
        trend[i], k[i] = rng.uniform(-0.5, 0.5), rng.uniform(3.0, 20.0)
        zb = []
        for y in range(0, t_n, YEAR):
            for s in rng.integers(y, min(y + YEAR, t_n), size=int(rng.integers(2, 5))):
                zb.append((int(s), float(rng.uniform(3.0, 10.0)), int(rng.integers(3, 31))))
        bursts.append(sorted(zb))
        countries.append(country)
        outlets.append(outs)
    return Zones(
        np.asarray(levels, dtype=float), k, trend, weekly, holiday, names, strong, bursts, countries, outlets
    )


def counts(rate: np.ndarray, k: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """NB counts (gamma-Poisson with each zone's shape k) around the rate matrix."""
    lam = rate * rng.gamma(k[:, None], 1.0 / k[:, None], size=rate.shape)
    return rng.poisson(lam).astype(float)


def thin(x: np.ndarray, onset: np.ndarray, drop: float, rng: np.random.Generator) -> np.ndarray:
    """Binomial thinning from onset on: each story is kept with probability 1 - drop."""
    out = x.copy()
    after = np.arange(x.shape[1])[None, :] >= onset[:, None]
    out[after] = rng.binomial(x[after].astype(int), 1.0 - drop)
    return out


def holiday_periods(names: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) day of every run of consecutive holiday days in one zone's names row."""
    on = np.array([n is not None for n in names], dtype=int)
    edges = np.diff(np.concatenate([[0], on, [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def cycled(n: int) -> np.ndarray:
    return np.resize(np.asarray(LEVELS), n)


def calm_after(onset: np.ndarray) -> np.ndarray:
    return np.stack([onset, onset + POST], 1)


@dataclass
class Cell:
    """The series of one cell as detect sees them, the zones behind them, and the cell's injected days."""

    x: np.ndarray  # (S, T) counts
    names: np.ndarray  # (S, T) holiday names
    z: Zones
    rate: np.ndarray  # (n, T) true rates before the injected drop
    onset: np.ndarray  # (S,) injected drop day (-1: none)
    info: dict[str, np.ndarray]


def stable_cell(n: int, rng: np.random.Generator, without: tuple[str, ...] = ()) -> Cell:
    """No injected change; levels 3, 5, 10, 15 in turn, the trend anchored mid-series."""
    z = zones(n, rng, cycled(n))
    rate = z.rate(np.full(n, DAYS // 2), without=without)
    return Cell(counts(rate, z.k, rng), z.names, z, rate, np.full(n, -1), {})


def drop_cell(
    n: int, rng: np.random.Generator, level: float, drop: float, without: tuple[str, ...] = ()
) -> Cell:
    """A step drop (binomial thinning) at a random day after the first year, the level holding there."""
    onset = rng.integers(YEAR, DAYS - POST, size=n)
    z = zones(n, rng, np.full(n, level))
    rate = z.rate(onset, calm_after(onset), without)
    return Cell(thin(counts(rate, z.k, rng), onset, drop, rng), z.names, z, rate, onset, {})


def late_cell(n: int, rng: np.random.Generator) -> Cell:
    """4n series: late-start zones with an 80% drop, the same without the late start, then the same two with a
    total blackout d days after coverage starts instead (a probe of when the zone is first tested)."""
    start = rng.integers(60, 121, size=n)
    onset = start + rng.integers(42, 181, size=n)
    probe = start + rng.integers(14, 170, size=n)
    z = zones(n, rng, cycled(n))
    rate = z.rate(onset, calm_after(onset))
    full = counts(rate, z.k, rng)
    twin = thin(full, onset, 0.8, rng)
    blackout = np.where(np.arange(DAYS)[None, :] >= probe[:, None], 0.0, full)
    before = np.arange(DAYS)[None, :] < start[:, None]
    late, late_probe = np.where(before, 0.0, twin), np.where(before, 0.0, blackout)
    x = np.concatenate([late, twin, late_probe, blackout])
    info = {"start": np.tile(start, 4)}
    return Cell(x, np.tile(z.names, (4, 1)), z, rate, np.concatenate([onset, onset, probe, probe]), info)


def join_cell(n: int, rng: np.random.Generator) -> Cell:
    """Sources joining: a level step of +50..+150% in the second year, an 80% drop 60-180 days later."""
    step = rng.integers(YEAR, 2 * YEAR, size=n)
    onset = step + rng.integers(60, 181, size=n)
    factor = 1.0 + rng.uniform(0.5, 1.5, size=n)
    z = zones(n, rng, cycled(n))
    up = np.where(np.arange(DAYS)[None, :] >= step[:, None], factor[:, None], 1.0)
    rate = z.rate(onset, calm_after(onset)) * up
    x = thin(counts(rate, z.k, rng), onset, 0.8, rng)
    return Cell(x, z.names, z, rate, onset, {"step": step, "factor": factor})


def holiday_cell(n: int, rng: np.random.Generator) -> Cell:
    """An 80% blackout beginning on the first day of a holiday period after the first year (half of them a
    year-end or Eid period where the zone has one), the level holding on that day."""
    z = zones(n, rng, cycled(n))
    onset, end, strong = np.empty(n, dtype=int), np.empty(n, dtype=int), np.zeros(n, dtype=bool)
    for i in range(n):
        periods = [(a, b) for a, b in holiday_periods(z.names[i]) if YEAR <= a < DAYS - POST - 10]
        big = [(a, b) for a, b in periods if z.strong[i, a : b + 1].any()]
        pool = big if big and rng.random() < 0.5 else periods
        onset[i], end[i] = pool[rng.integers(len(pool))]
        strong[i] = bool(z.strong[i, onset[i] : end[i] + 1].any())
    rate = z.rate(onset, calm_after(onset))
    x = thin(counts(rate, z.k, rng), onset, 0.8, rng)
    return Cell(x, z.names, z, rate, onset, {"end": end, "strong": strong})


def detect_frame(x: np.ndarray, names: np.ndarray) -> pd.DataFrame:
    """The detector's input: zone_id, day, independent_stories and the holiday that was simulated (or None)."""
    s_n, t_n = x.shape
    return pd.DataFrame(
        {
            "zone_id": np.repeat([f"s{i:05d}" for i in range(s_n)], t_n),
            "day": np.tile(START + pd.to_timedelta(np.arange(t_n), unit="D"), s_n),
            "independent_stories": x.ravel(),
            "holiday": names.ravel(),
        }
    )
