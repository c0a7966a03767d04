"""Evaluates alerts.drops.detect on simulated zones against an oracle CUSUM, EARS-C2 and a naive rule."""

# Each series: daily counts with a weekly rhythm, NB over-dispersion (gamma-Poisson, k) or Poisson.
# Drop cells: a step drop at a random day in [120, 160) (any weekday), 21 days observed after it.
# Stable series: 120 days warm-up, then 365 days where every reporting_drop opened is a false alarm.
# False alarms are counted as episodes for every detector: detect keeps an episode open for at least
# recovery_days, so a comparator's alarm within that many days of its last counted one is the same episode.
# Oracle: a lower LLR CUSUM knowing the true pre/post rates and k, its h calibrated per cell on the same
# stable series to <= 1 false-alarm episode per zone-year (the measured rate is printed next to h).
# Oracle-any: the detector's own CUSUMs (its rhos) on the TRUE baseline, thresholds shifted together to
# <= 1 per zone-year: what is left between it and detect is the cost of estimating the baseline; between
# it and the oracle, the cost of not knowing the drop size.
# EARS-C2: 7-day mean/SD with a 2-day lag, alarm when x < mean - 3 SD. Naive: x < 50% of the 28-day mean.
# "@1FA": the same rules with their constant calibrated on the stable series to <= 1 per zone-year.
# Delay = opened day - onset + 1 (the onset day counts as day 1). A series where detect already had an
# episode open at onset (a false alarm, counted on the stable series) is left out for every detector
# ("excl"), so all are scored on the same series. A goal the oracle itself misses is still a FAIL for detect,
# and is also listed as LIMIT (beyond the statistical limit).
# --rhythm mixed: half the series of every stable and drop cell have a Friday-Saturday weekend instead.
# The simulation and the comparators' alarm rules are in bench/alerts_sim.py; the cells, the goals and the
# tables here.
# Usage: .venv/bin/python bench/alerts_eval.py [--series 200] [--workers 2] [--seed 1] [--rhythm mixed]
#        [--set KEY=VALUE ...] (any DropConfig field for this run, e.g. --set thresholds=[5.4,4.8,5.1])

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from alerts_sim import (  # noqa: E402
    WEEKLY,
    YEAR,
    add_config_args,
    apply_config_args,
    bench_config,
    calibrate,
    cusum_alarms,
    first_after,
    rhythm,
    rule_alarms,
    simulate,
    summary,
)

from alerts.drops import detect  # noqa: E402

START = pd.Timestamp("2025-01-06")  # a Monday, so day t has weekday t % 7
WARMUP, ONSET_LO, ONSET_HI, POST = 120, 120, 160, 21
LEVELS = (3.0, 10.0, 30.0)
DROPS = (0.3, 0.5, 0.8)
KS = (8.0, 3.0, float("inf"))
ORACLE_REF = {
    (10.0, 0.8): (95, 100, 2),
    (10.0, 0.5): (18, 75, 5),
    (30.0, 0.5): (46, 92, 4),
    (3.0, 0.8): (42, 94, 4),
}


def run_detect(x: np.ndarray, health: np.ndarray | None = None) -> pd.DataFrame:
    s_n, t_n = x.shape
    days = START + pd.to_timedelta(np.arange(t_n), unit="D")
    df = pd.DataFrame(
        {
            "zone_id": np.repeat([f"s{i:05d}" for i in range(s_n)], t_n),
            "day": np.tile(days, s_n),
            "independent_stories": x.ravel(),
        }
    )
    if health is not None:
        df["collection_health"] = health.ravel()
    out = detect(df, bench_config())
    if out.empty:
        return out
    out["series"] = out["zone_id"].str[1:].astype(int)
    out["open_t"] = (pd.to_datetime(out["opened_on"]) - START).dt.days
    return out


def stable_cell(level: float, k: float, n: int, seed: int, mixed: bool = False) -> dict:
    """False alarms on stable series, and every comparator calibrated on them to <= 1 per zone-year."""
    rng = np.random.default_rng(seed)
    t_n = WARMUP + YEAR
    mu = rhythm(level, n, t_n, mixed)
    x = simulate(mu, k, rng)
    out = run_detect(x)
    fa = 0 if out.empty else int(((out["kind"] == "reporting_drop") & (out["open_t"] >= WARMUP)).sum())
    # the warm-up is not in the budget, but a new zone lives through it: its rate is printed too
    early = 0 if out.empty else int(((out["kind"] == "reporting_drop") & (out["open_t"] < WARMUP)).sum())
    cfg = bench_config()
    warm = WARMUP - cfg.min_baseline_days - cfg.guard_days
    grid = np.concatenate([np.linspace(0.5, 6, 45), np.linspace(6.2, 20, 70)])
    oracle = {
        d: calibrate(cusum_alarms(x, mu, (1 - d,), k, grid[:, None], WARMUP), grid, WARMUP) for d in DROPS
    }
    offsets = np.linspace(-3.0, 4.0, 57)
    h_any = np.asarray(cfg.thresholds)[None, :] + offsets[:, None]
    oracle_any = calibrate(cusum_alarms(x, mu, cfg.rhos, k, h_any, WARMUP), offsets, WARMUP)
    rules, cal = {}, {}
    for r, grid_c in (("ears", np.linspace(3.0, 12.0, 37)), ("naive", np.linspace(0.5, 0.0, 51))):
        al = np.stack([rule_alarms(x, r, c) for c in grid_c], 1)
        rules[r] = calibrate(al[:, :1], grid_c[:1], WARMUP)[1]  # at the rule's own constant (3 SD, 50%)
        cal[r] = calibrate(al, grid_c, WARMUP)[0]
    return {
        "level": level,
        "k": k,
        "fa": fa / n,
        "early": early / n * YEAR / warm,
        "oracle": oracle,
        "oracle_any": oracle_any,
        "cal": cal,
        **rules,
    }


def detect_starts(
    out: pd.DataFrame, shape: tuple[int, int], onset: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Episode starts (S, T) of detect, and which series already had an episode open at onset."""
    starts = np.zeros(shape, dtype=bool)
    busy = np.zeros(shape[0], dtype=bool)
    if out.empty:
        return starts, busy
    rd = out[out["kind"] == "reporting_drop"]
    starts[rd["series"].to_numpy(), rd["open_t"].to_numpy()] = True
    res_t = (pd.to_datetime(rd["resolved_on"]) - START).dt.days.fillna(shape[1]).to_numpy()
    series = rd["series"].to_numpy()
    before = (rd["open_t"].to_numpy() < onset[series]) & (res_t >= onset[series])
    busy[series[before]] = True
    return starts, busy


def drop_cell(
    level: float, k: float, drop: float, stable: dict, n: int, seed: int, mixed: bool = False
) -> dict:
    """Detection within 3 and 7 days and median delay of every detector on the same step-drop series."""
    rng = np.random.default_rng(seed)
    t_n = ONSET_HI + POST
    onset = rng.integers(ONSET_LO, ONSET_HI, size=n)
    mu = rhythm(level, n, t_n, mixed)
    rate = np.where(np.arange(t_n)[None, :] >= onset[:, None], mu * (1 - drop), mu)
    x = simulate(rate, k, rng)
    starts, busy = detect_starts(run_detect(x), x.shape, onset)
    # a series whose detector episode (a false alarm, already counted on stable series) is still open at
    # onset cannot open another; it is left out for every detector, so all are scored on the same series
    keep = ~busy
    res = {"detect": summary(first_after(starts, onset)[keep]), "excluded": int(busy.sum())}
    h = np.array([[stable["oracle"][drop][0]]])
    res["oracle"] = summary(first_after(cusum_alarms(x, mu, (1 - drop,), k, h, WARMUP)[:, 0], onset)[keep])
    cfg = bench_config()
    h_any = np.asarray(cfg.thresholds)[None, :] + stable["oracle_any"][0]
    res["oracle_any"] = summary(
        first_after(cusum_alarms(x, mu, cfg.rhos, k, h_any, WARMUP)[:, 0], onset)[keep]
    )
    for r in ("ears", "naive"):
        res[r] = summary(first_after(rule_alarms(x, r), onset)[keep])
        res[r + "_cal"] = summary(first_after(rule_alarms(x, r, stable["cal"][r]), onset)[keep])
    return {"level": level, "k": k, "drop": drop, **res}


def special_cells(n: int, seed: int) -> list[str]:
    """Slow decline, spikes, collection failure, low volume (level 10 / 0.5, k=8)."""
    rng = np.random.default_rng(seed)
    lines = []
    t_n = WARMUP + YEAR
    days = np.arange(t_n)
    base = np.tile(10 * WEEKLY[days % 7], (n, 1))
    # slow decline: linear from 100% to 40% over 60 days from onset
    onset = rng.integers(ONSET_LO, ONSET_HI, size=n)
    frac = np.clip(1 - 0.6 * (days[None, :] - onset[:, None]) / 60, 0.4, 1)
    x = simulate(base[:, : ONSET_HI + 90] * frac[:, : ONSET_HI + 90], 8, rng)
    out = run_detect(x)
    starts = np.zeros_like(x, dtype=bool)
    rd = out[out["kind"] == "reporting_drop"] if not out.empty else out
    if not out.empty:
        starts[rd["series"].to_numpy(), rd["open_t"].to_numpy()] = True
    d = first_after(starts, onset)
    ok = np.isfinite(d)
    lines.append(
        f"slow decline 10/day -> 40% over 60 d: detected {100 * ok.mean():.0f}% within 90 d, "
        f"median delay {np.median(d[ok]) if ok.any() else float('nan'):.0f} d (ratio at alarm ~"
        f"{np.median(1 - 0.6 * np.minimum(d[ok], 60) / 60) if ok.any() else float('nan'):.2f})"
    )
    # spikes: 2 per year, 3 days at 4x
    rate = base.copy()
    for i in range(n):
        for s in rng.integers(WARMUP - 60, t_n - 3, size=3):
            rate[i, s : s + 3] *= 4
    out = run_detect(simulate(rate, 8, rng))
    fa = 0 if out.empty else int(((out["kind"] == "reporting_drop") & (out["open_t"] >= WARMUP)).sum())
    lines.append(
        f"spikes (3 x 3-day 4x bursts per zone-year) 10/day: reporting_drop {fa / n:.2f} per zone-year"
    )
    # collection failure: health 0.1 and counts x0.1 for 14 days
    t_c = ONSET_HI + 60
    x = simulate(base[:, :t_c], 8, rng)
    health = np.ones_like(x)
    mis, gaps, post = 0, 0, 0
    xs = x.copy()
    for i in range(n):
        o = onset[i]
        health[i, o : o + 14] = 0.1
        xs[i, o : o + 14] = rng.poisson(0.1 * base[i, o : o + 14])
    out = run_detect(xs, health)
    if not out.empty:
        o = onset[out["series"].to_numpy()]
        in_gap = (out["open_t"] >= o) & (out["open_t"] <= o + 14)
        after = (out["open_t"] > o + 14) & (out["open_t"] <= o + 14 + 21)
        mis = int(((out["kind"] == "reporting_drop") & in_gap).sum())
        post = int(((out["kind"] == "reporting_drop") & after).sum())
        gaps = int(out.loc[(out["kind"] == "collection_gap") & in_gap, "series"].nunique())
    lines.append(
        f"collection failure 10/day (health 0.1, counts x0.1, 14 d): reporting_drop {mis}, collection_gap {gaps}/{n}; "
        f"reporting_drop in the 21 d after recovery {post} (chance at 1 FA/zone-year: {n * 21 / 365:.1f})"
    )
    # low volume 0.5/day
    lv = simulate(np.tile(0.5 * WEEKLY[days % 7], (n, 1)), 8, rng)
    lv[:, 200:230] = 0
    out = run_detect(lv)
    cnt = 0 if out.empty else int((out["kind"] == "reporting_drop").sum())
    lines.append(f"low volume 0.5/day (+30 silent days): reporting_drop {cnt} over {n} zone-years")
    return lines


def fmt(v: tuple[float, float, float]) -> str:
    return f"{v[0]:5.0f}% {v[1]:5.0f}% {v[2]:4.1f}"


def cell_checks(c: dict, de: tuple, ref: tuple, ref_name: str) -> list[str]:
    """The issue's per-cell goals for one detector's (within 3, within 7, median delay) against an oracle."""
    k, lv, d = c["k"], c["level"], c["drop"]
    out = []
    if de[1] < 0.9 * ref[1]:
        out.append(f"recall7 k={k} {lv:.0f}/day {d:.0%}: {de[1]:.0f}% < 90% of {ref_name} {ref[1]:.0f}%")
    if ref[1] > 0 and (np.isnan(de[2]) or de[2] > ref[2] + 1):
        out.append(f"delay k={k} {lv:.0f}/day {d:.0%}: {de[2]} > {ref_name} {ref[2]} + 1")
    if d >= 0.8 and lv >= 10 and de[0] < 93:
        out.append(
            f"blackout k={k} {lv:.0f}/day {d:.0%}: {de[0]:.1f}% within 3 d < 93% ({ref_name} {ref[0]:.1f}%)"
        )
    return out


def goal_checks(cells: list[dict], stable: dict) -> tuple[list[str], list[str]]:
    """Missed goals, and (LIMIT) the goals the oracle itself misses, which are beyond the statistical limit."""
    fails, limits = [], []
    for c in cells:
        k, lv, d = c["k"], c["level"], c["drop"]
        # goals the oracle itself misses stay counted as missed; LIMIT says they are beyond the statistical limit
        unreachable = cell_checks(c, c["oracle"], c["oracle"], "oracle")  # only the blackout check can hit
        limits += [f"{u}: the oracle itself misses it; detect {c['detect'][0]:.1f}%" for u in unreachable]
        known_any = {g.split(":")[0] for g in cell_checks(c, c["oracle_any"], c["oracle"], "oracle")}
        for f in cell_checks(c, c["detect"], c["oracle"], "oracle"):
            fails.append(f + (" (oracle-any misses it too)" if f.split(":")[0] in known_any else ""))
        de = c["detect"]
        for r in ("ears", "naive"):
            if de[1] < c[r + "_cal"][1]:
                fails.append(
                    f"recall7 k={k} {lv:.0f}/day {d:.0%}: detect {de[1]:.0f}% < {r} @1FA {c[r + '_cal'][1]:.0f}%"
                )
            if de[1] < c[r][1] and stable[(lv, k)][r] <= stable[(lv, k)]["fa"]:
                fails.append(
                    f"recall7 k={k} {lv:.0f}/day {d:.0%}: detect {de[1]:.0f}% < {r} {c[r][1]:.0f}% at <= FA"
                )
    for (lv, k), r in stable.items():
        if r["fa"] > 1.0:
            fails.append(f"FA k={k} {lv:.0f}/day: {r['fa']:.2f} > 1 per zone-year")
    return fails, limits


def print_tables(n: int, cells: list[dict], stable: dict) -> None:
    names = ("detect", "oracle", "oracle_any", "ears", "naive", "ears_cal", "naive_cal")
    heads = ("detect", "oracle", "oracle-any", "EARS-C2", "naive", "EARS-C2 @1FA", "naive @1FA")
    print(
        f"alerts_eval: {n} series per cell; each detector: within 3 d, within 7 d, median delay (d, of those within 7)"
    )
    print(f"{'k':>4} {'level':>5} {'drop':>4} | " + " | ".join(f"{h:^18}" for h in heads) + " | excl")
    for c in cells:
        row = " | ".join(fmt(c[m]) for m in names)
        print(f"{c['k']:>4} {c['level']:5.0f} {c['drop']:4.0%} | {row} | {c['excluded']:4d}")
    print(
        "false-alarm episodes per zone-year on stable series (oracle: h for 30/50/80% and its measured rate)"
    )
    for (lv, k), r in stable.items():
        orc = " ".join(f"{r['oracle'][d][0]:.1f}:{r['oracle'][d][1]:.2f}" for d in DROPS)
        print(
            f"  k={k:>4} {lv:5.0f}/day: detect {r['fa']:.2f} (warm-up {r['early']:.2f}) | oracle {orc} | oracle-any {r['oracle_any'][1]:.2f} "
            f"(h {r['oracle_any'][0]:+.2f}) | EARS-C2 {r['ears']:.2f} | naive {r['naive']:.2f} | "
            f"@1FA: EARS-C2 c={r['cal']['ears']:.2f}, naive c={r['cal']['naive']:.2f}"
        )
    print(
        "issue's oracle reference (k=8): "
        + ", ".join(f"{lv:.0f}/day {d:.0%}: {a}%/{b}%/{m} d" for (lv, d), (a, b, m) in ORACLE_REF.items())
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--series", type=int, default=200, help="simulated zones per cell (the goals need >= 200)"
    )
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    ap.add_argument("--seed", type=int, default=1, help="base seed; every cell derives its own from it")
    ap.add_argument(
        "--rhythm", choices=("same", "mixed"), default="same", help="mixed: half with a Fri-Sat weekend"
    )
    add_config_args(ap)
    args = ap.parse_args()
    apply_config_args(args)
    n, t0, mixed = args.series, time.time(), args.rhythm == "mixed"
    with ProcessPoolExecutor(args.workers) as pool:
        stab = [
            pool.submit(stable_cell, lv, k, n, args.seed + 10 * i, mixed)
            for i, (lv, k) in enumerate((a, b) for b in KS for a in LEVELS)
        ]
        spec = pool.submit(special_cells, n, args.seed + 999)
        stable = {(r["level"], r["k"]): r for r in (f.result() for f in stab)}
        futs = [
            pool.submit(drop_cell, lv, k, d, stable[(lv, k)], n, args.seed + 100 + 7 * j, mixed)
            for j, (k, lv, d) in enumerate((k, lv, d) for k in KS for lv in LEVELS for d in DROPS)
        ]
        cells = [f.result() for f in futs]
        special = spec.result()
    fails, limits = goal_checks(cells, stable)
    print_tables(n, cells, stable)
    for line in special:
        print(line)
        if line.startswith("collection failure") and "d): reporting_drop 0," not in line:
            fails.append("collection failure labelled reporting_drop")
    for f in limits:
        print(f"LIMIT {f}")
    for f in fails:
        print(f"FAIL {f}")
    print(f"goals: {'all met' if not fails else f'{len(fails)} missed'}; {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
