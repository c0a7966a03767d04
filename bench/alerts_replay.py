"""Replays alerts.drops.detect on real daily report counts: episodes as-is, injected drops, EARS-C2."""

# Data: bench/data/real_counts/*.csv (day,count), ReliefWeb reports posted per day about one country;
# SOURCES.md there says where each file comes from. Each series gets the `holiday` column from
# alerts.holidays.quiet_days: the country's national holidays and those of OUTLETS (ReliefWeb is edited
# from New York and Geneva and reposts international media and agencies).
# detect reads that column only when reporting_drop.use_holidays is set: the default (off) ignores it;
# `--set use_holidays=true` measures the holiday model. --set KEY=VALUE overrides any DropConfig field.
# (a) detect on each series as it is: reporting_drop episodes per series-year, and each episode with its
#     change point ("since", read from the message), observed/expected, the calendar holidays between the
#     change point and the opening (with so many calendars a long span nearly always holds one: those
#     within NEAR_CP days of the change point are listed apart), and any burst in the 28 days before the
#     opening (a day above BURST_FACTOR x the trailing MEDIAN_DAYS median of the series, floored at 1).
# (b) Injected drops: from a random onset (after WARM days, its LENGTH days inside the series) every report
#     of the next LENGTH days is kept with probability 1 - drop (binomial thinning), N onsets per series,
#     all thinned copies of a series run as one batch. Found within w days: a reporting_drop episode opens
#     on day onset .. onset + w - 1 (the onset day counts as day 1). An onset where the un-thinned run has
#     an episode open is excluded for every detector (detect is causal: the thinned run is the same up to
#     the onset, so it could not open another). "as-is" is the share of onsets where the un-thinned series
#     itself opens within 7 days: what a detector gets for free there.
# (c) EARS-C2 (bench/alerts_sim.py: 7-day mean and SD lagged 2 days, alarm when x < mean - c SD), at its
#     standard c = 3 and at the c whose alarm episodes per series-year on the un-thinned series (counted as
#     alerts_sim.episodes counts them) come nearest to detect's without exceeding it. The alarm rate on the
#     real series includes real drops: it is an alarm budget, not only false alarms.
# Usage: .venv/bin/python bench/alerts_replay.py [--onsets 200] [--seed 1] [--workers 2] [--set KEY=VALUE ...]

from __future__ import annotations

import argparse
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from alerts_sim import (  # noqa: E402
    YEAR,
    add_config_args,
    apply_config_args,
    bench_config,
    episodes,
    first_after,
    rule_alarms,
)

from alerts.drops import detect  # noqa: E402
from alerts.holidays import quiet_days  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "real_counts"
SERIES = {  # file stem -> (zone, ISO alpha-3 of the country)
    "reliefweb_haiti": ("Haiti", "HTI"),
    "reliefweb_myanmar": ("Myanmar", "MMR"),
    "reliefweb_philippines": ("Philippines", "PHL"),
    "reliefweb_syria": ("Syria", "SYR"),
}
OUTLETS = ("USA", "GBR", "FRA", "CHE")
WARM, LENGTH = 180, 28
DROPS = (0.8, 0.5)
WINDOWS = (3, 7)
BURST_FACTOR, BURST_DAYS, MEDIAN_DAYS = 3.0, 28, 91
NEAR_CP = 3  # a holiday this close to an episode's change point is a likely cause
EARS_GRID = np.round(np.arange(0.0, 6.01, 0.05), 2)
SINCE = re.compile(r"since (\d{4}-\d{2}-\d{2})")


def load(stem: str) -> pd.Series:
    """Counts per day over the full calendar of one series (a day absent from the file counts 0)."""
    df = pd.read_csv(DATA / f"{stem}.csv", parse_dates=["day"])
    s = df.set_index("day")["count"].astype(int)
    return s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D"), fill_value=0)


def holidays_for(iso3: str, days: pd.DatetimeIndex) -> dict:
    return quiet_days([iso3], days[0].date(), days[-1].date(), OUTLETS)


def frame(zone: str, days: pd.DatetimeIndex, x: np.ndarray, quiet: dict) -> pd.DataFrame:
    """detect's input for S copies (S, T) of one zone: zone ids zone#000.., the holiday column on every copy."""
    s_n, t_n = x.shape
    hol = np.array([quiet.get(d.date()) for d in days], dtype=object)
    return pd.DataFrame(
        {
            "zone_id": np.repeat([f"{zone}#{i:03d}" for i in range(s_n)], t_n),
            "day": np.tile(days, s_n),
            "independent_stories": x.ravel(),
            "holiday": np.tile(hol, s_n),
        }
    )


def run_detect(zone: str, days: pd.DatetimeIndex, x: np.ndarray, quiet: dict) -> pd.DataFrame:
    """reporting_drop episodes of detect over S copies, with copy index, open_t, res_t (T if unresolved) and cp_t."""
    out = detect(frame(zone, days, x, quiet), bench_config())
    rd = out[out["kind"] == "reporting_drop"].copy() if not out.empty else out
    if rd.empty:
        return pd.DataFrame(columns=[*out.columns, "copy", "open_t", "res_t", "cp_t"])
    rd["copy"] = rd["zone_id"].str.rsplit("#", n=1).str[1].astype(int)
    rd["open_t"] = (pd.to_datetime(rd["opened_on"]) - days[0]).dt.days
    rd["res_t"] = (pd.to_datetime(rd["resolved_on"]) - days[0]).dt.days.fillna(len(days)).astype(int)
    since = rd["message"].str.extract(SINCE)[0]
    rd["cp_t"] = ((pd.to_datetime(since) - days[0]).dt.days).fillna(rd["open_t"]).astype(int)
    return rd.reset_index(drop=True)


def starts_of(rd: pd.DataFrame, shape: tuple[int, int]) -> np.ndarray:
    starts = np.zeros(shape, dtype=bool)
    if not rd.empty:
        starts[rd["copy"].to_numpy(int), rd["open_t"].to_numpy(int)] = True
    return starts


def busy_at(rd: pd.DataFrame, t: np.ndarray) -> np.ndarray:
    """For each day in t: an episode of the (single, copy 0) run opened before it and not resolved by then."""
    if rd.empty:
        return np.zeros(len(t), dtype=bool)
    o, r = rd["open_t"].to_numpy(int), rd["res_t"].to_numpy(int)
    return ((o[None, :] < t[:, None]) & (r[None, :] >= t[:, None])).any(1)


def bursts(s: pd.Series) -> pd.Series:
    """Days above BURST_FACTOR x the trailing MEDIAN_DAYS median (the day itself left out, floored at 1)."""
    med = s.shift(1).rolling(MEDIAN_DAYS, min_periods=BURST_DAYS).median().clip(lower=1.0)
    return s[s > BURST_FACTOR * med].to_frame("count").assign(median=med)


def near_share(days: pd.DatetimeIndex, quiet: dict) -> float:
    """Share of the series' days with a calendar quiet day within NEAR_CP days: the chance rate."""
    on = pd.Series(days.map(lambda d: d.date() in quiet), index=days).astype(int)
    return float(on.rolling(2 * NEAR_CP + 1, center=True, min_periods=1).max().mean())


def burst_share(days: pd.DatetimeIndex, burst: pd.DataFrame) -> float:
    """Share of the series' days with a burst day in the BURST_DAYS before them: the chance rate."""
    on = pd.Series(days.isin(burst.index), index=days).astype(int)
    return float(on.shift(1, fill_value=0).rolling(BURST_DAYS, min_periods=1).max().mean())


def ears_rate(x: np.ndarray, c: float, years: float) -> float:
    return float(episodes(rule_alarms(x, "ears", c)).sum() / years)


def as_is(stem: str) -> dict:
    """Part (a) for one series: the run on the real counts, its episodes explained, per series-year counts."""
    zone, iso3 = SERIES[stem]
    s = load(stem)
    days = s.index
    quiet = holidays_for(iso3, days)
    rd = run_detect(zone, days, s.to_numpy(float)[None, :], quiet)
    per_year = {y: 0 for y in sorted(set(days.year))}
    burst = bursts(s)
    lines, tally = [], {"holiday": 0, "at_cp": 0, "burst": 0, "neither": 0}
    for e in rd.itertuples():
        per_year[days[e.open_t].year] += 1
        cp, op = days[e.cp_t], days[e.open_t]
        hol = sorted({n for d, n in quiet.items() if cp.date() <= d <= op.date()})
        at_cp = sorted({n for d, n in quiet.items() if abs((d - cp.date()).days) <= NEAR_CP})
        near = burst[(burst.index >= op - pd.Timedelta(days=BURST_DAYS)) & (burst.index < op)]
        why = [f"holiday: {', '.join(hol)}"] if hol else []
        why += [f"at the change point: {', '.join(at_cp)}"] if at_cp else []
        if not near.empty:
            top = near["count"].idxmax()
            why.append(
                f"after burst: {len(near)} day(s), top {top.date()} {near.loc[top, 'count']} "
                f"(median {near.loc[top, 'median']:.0f})"
            )
        tally["holiday"] += bool(hol)
        tally["at_cp"] += bool(at_cp)
        tally["burst"] += not near.empty
        tally["neither"] += not hol and near.empty
        res = e.resolved_on if e.resolved_on is not None and pd.notna(e.resolved_on) else "open"
        lines.append(
            f"    opened {e.opened_on} (since {cp.date()}) resolved {res}: {e.observed:.0f}/{e.expected:.1f} "
            f"= {e.ratio:.2f} [{e.severity}]; " + ("; ".join(why) if why else "no holiday, no burst")
        )
    return {
        "stem": stem,
        "zone": zone,
        "days": days,
        "x": s.to_numpy(float),
        "quiet": quiet,
        "rd": rd,
        "per_year": per_year,
        "lines": lines,
        "tally": tally,
        "chance": near_share(days, quiet),
        "burst_chance": burst_share(days, burst),
        "bursts": len(burst),
    }


def onsets_for(t_n: int, n: int, seed: int, idx: int) -> np.ndarray:
    rng = np.random.default_rng([seed, idx])
    pool = np.arange(WARM, t_n - LENGTH + 1)
    return np.sort(rng.choice(pool, size=min(n, len(pool)), replace=False))


def injected(base: dict, idx: int, drop: float, n: int, seed: int, c_cal: float) -> dict:
    """Part (b) and (c) for one series and drop size: delays of detect and EARS-C2 on the thinned copies."""
    x0, days = base["x"], base["days"]
    t_n = len(x0)
    onset = onsets_for(t_n, n, seed, idx)
    rng = np.random.default_rng([seed, idx, int(round(drop * 100))])
    x = np.tile(x0, (len(onset), 1))
    for i, o in enumerate(onset):
        x[i, o : o + LENGTH] = rng.binomial(x0[o : o + LENGTH].astype(int), 1.0 - drop)
    rd = run_detect(base["zone"], days, x, base["quiet"])
    keep = ~busy_at(base["rd"], onset)
    res = {"detect": first_after(starts_of(rd, x.shape), onset)[keep]}
    res["ears3"] = first_after(rule_alarms(x, "ears", 3.0), onset)[keep]
    res["ears_cal"] = first_after(rule_alarms(x, "ears", c_cal), onset)[keep]
    # what each rule opens within 7 days of onset on the un-thinned series (no drop injected)
    res["free_detect"] = first_after(starts_of(base["rd"], (1, t_n)).repeat(len(onset), 0), onset)[keep]
    free_ears = rule_alarms(x0[None, :], "ears", c_cal).repeat(len(onset), 0)
    res["free_ears_cal"] = first_after(free_ears, onset)[keep]
    return {"stem": base["stem"], "drop": drop, "n": len(onset), "excluded": int((~keep).sum()), **res}


def found(delay: np.ndarray, w: int) -> float:
    return 100.0 * float(np.mean(delay <= w)) if len(delay) else float("nan")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else ("inf" if a > 0 else "n/a")


def cells(delay: np.ndarray) -> str:
    ok = delay[np.isfinite(delay) & (delay <= 7)]
    med = f"{np.median(ok):4.1f}" if len(ok) else "   -"
    return f"{found(delay, 3):5.1f}% {found(delay, 7):5.1f}% {med}"


def report(bases: list[dict], results: list[dict], rates: dict, c_cal: float, args, secs: float) -> None:
    print(
        f"alerts_replay: detect on {len(bases)} real series (ReliefWeb reports per day), "
        f"{args.onsets} onsets/series, seed {args.seed}, holidays {'+'.join(OUTLETS)} + country"
    )
    print("(a) reporting_drop episodes on the series as they are")
    for b in bases:
        x = b["x"]
        yrs = " ".join(f"{y}:{n}" for y, n in b["per_year"].items())
        print(
            f"  {b['zone']:<12} {b['days'][0].date()}..{b['days'][-1].date()} mean {x.mean():.1f}/day, "
            f"median {np.median(x):.0f}, {b['bursts']} burst days, {len(b['quiet']) * YEAR / len(x):.0f} "
            f"calendar quiet days/year | episodes per year {yrs}"
        )
        for line in b["lines"]:
            print(line)
        t = b["tally"]
        print(
            f"    {len(b['rd'])} episodes: {t['holiday']} overlap a holiday ({t['at_cp']} with one within "
            f"{NEAR_CP} d of the change point; chance for any day {100 * b['chance']:.0f}%), "
            f"{t['burst']} follow a burst (chance {100 * b['burst_chance']:.0f}%), {t['neither']} neither"
        )
    print(
        f"(b) injected drops, {LENGTH} days of binomial thinning; found within 3 d, within 7 d, median delay "
        "(d, of those within 7); excl: an episode already open at onset; as-is: opens within 7 d without a drop"
    )
    head = ("detect", "EARS-C2 c=3", f"EARS-C2 c={c_cal:g}")
    print(f"  {'series':<12} {'drop':>4} | " + " | ".join(f"{h:^19}" for h in head) + " | excl | as-is d/E")
    pooled = {}
    for drop in DROPS:
        rows = [r for r in results if r["drop"] == drop]
        for r in rows:
            zone = SERIES[r["stem"]][0]
            print(
                f"  {zone:<12} {drop:4.0%} | {cells(r['detect'])} | {cells(r['ears3'])} | "
                f"{cells(r['ears_cal'])} | {r['excluded']:4d} | {found(r['free_detect'], 7):3.0f}%/"
                f"{found(r['free_ears_cal'], 7):3.0f}%"
            )
        pooled[drop] = {k: np.concatenate([r[k] for r in rows]) for k in ("detect", "ears3", "ears_cal")}
        p = pooled[drop]
        print(
            f"  {'all':<12} {drop:4.0%} | {cells(p['detect'])} | {cells(p['ears3'])} | {cells(p['ears_cal'])} | "
            f"{sum(r['excluded'] for r in rows):4d} |"
        )
    print(
        f"(c) reporting_drop episodes per series-year on the un-thinned series: detect {rates['detect']:.2f}, "
        f"EARS-C2 c=3 {rates['ears3']:.2f}, EARS-C2 c={c_cal:g} {rates['ears_cal']:.2f} (calibrated to <= detect)"
    )
    for drop in DROPS:
        p = pooled[drop]
        r_cal = [ratio(found(p["detect"], w), found(p["ears_cal"], w)) for w in WINDOWS]
        r_3 = [ratio(found(p["detect"], w), found(p["ears3"], w)) for w in WINDOWS]
        print(
            f"  {drop:.0%} drops, recall ratio detect / EARS-C2 c={c_cal:g}: within 3 d {r_cal[0]}, "
            f"within 7 d {r_cal[1]} (against c=3: {r_3[0]}, {r_3[1]})"
        )
    worst = max(((b["zone"], y, n) for b in bases for y, n in b["per_year"].items()), key=lambda v: v[2])
    ok1 = worst[2] <= 1
    print(
        f"done-means: at most 1 episode per series-year on each real series: {'MET' if ok1 else 'MISSED'} "
        f"(most: {worst[0]} {worst[1]} with {worst[2]})"
    )
    r7 = found(pooled[0.8]["detect"], 7)
    per = ", ".join(
        f"{SERIES[r['stem']][0]} {found(r['detect'], 7):.0f}%" for r in results if r["drop"] == 0.8
    )
    print(
        f"done-means: 80% drops found within 7 days >= 90%: {'MET' if r7 >= 90 else 'MISSED'} "
        f"(all series {r7:.1f}%; {per})"
    )
    print(f"{secs:.0f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--onsets", type=int, default=200, help="injected drop onsets per series and drop size")
    ap.add_argument("--seed", type=int, default=1, help="seed of the onsets and the thinning")
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    add_config_args(ap)
    args = ap.parse_args()
    apply_config_args(args)
    t0 = time.time()
    with ProcessPoolExecutor(args.workers) as pool:
        bases = list(pool.map(as_is, SERIES))
        years = sum(len(b["x"]) for b in bases) / YEAR
        stack = [b["x"][None, :] for b in bases]
        rates = {
            "detect": sum(len(b["rd"]) for b in bases) / years,
            "ears3": sum(ears_rate(x, 3.0, 1.0) for x in stack) / years,
        }
        by_c = np.array([sum(ears_rate(x, c, 1.0) for x in stack) / years for c in EARS_GRID])
        fit = np.flatnonzero(by_c <= rates["detect"] + 1e-12)
        c_cal = float(EARS_GRID[fit[0]] if len(fit) else EARS_GRID[-1])
        rates["ears_cal"] = float(by_c[EARS_GRID == c_cal][0])
        futs = [
            pool.submit(injected, b, i, d, args.onsets, args.seed, c_cal)
            for d in DROPS
            for i, b in enumerate(bases)
        ]
        results = [f.result() for f in futs]
    report(bases, results, rates, c_cal, args, time.time() - t0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
