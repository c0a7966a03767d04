"""Evaluates alerts.drops.detect on realistic zones (holidays, bursts, trends, late starts) against EARS-C2."""

# The stationary harness is bench/alerts_eval.py; this one simulates three years per zone with a conflict
# country's and its outlets' holidays (alerts.holidays.quiet_days, each name its own yearly effect), news
# bursts, trends and NB noise (bench/alerts_realism.py), and passes detect zone_id, day, independent_stories
# and holiday (the calendar simulated, None elsewhere; detect reads it only with use_holidays set, so
# `--set use_holidays=true` measures the holiday model). Cells:
#   (a) stable: no injected change; reporting_drop episodes opened from day WARMUP on are false alarms.
#       Ablations: the same zones and seed without holiday effects, bursts or trend, with one of them only,
#       and with none; with the share of zone-days inside an open episode (a zone in an episode cannot open
#       another one).
#   (b) an 80% or 50% drop (binomial thinning) at a random day after the first year, levels 3, 5, 10, 15;
#       "plain": detect on the same zones and seed without holidays, bursts and trend.
#   (c) late start: zero for the first 60-120 days (coverage not started), an 80% drop 42-180 days after the
#       start; against the same series without the late start. A probe: the same zones with a total blackout
#       d = 14-170 days after the start; the first d from which it is found within 7 days in >= 90% (every
#       later bin too) is the first day the zone can alarm. Goal: that day <= its own warm-up (guard_days +
#       min_baseline_days) + 21, and the 80% drop found within 7 days no more than 5 points below the same
#       series without the late start.
#   (d) sources joining: +50..+150% in the second year, an 80% drop 60-180 days later.
#   (e) an 80% blackout beginning on the first day of a holiday period: found by 3 days after its last day.
# Found within d days: the first reporting_drop opened on day onset..onset+d-1 (the onset day is day 1).
# As in alerts_eval, a series where an episode is already open at onset is left out for every detector
# ("excl"). EARS-C2 (bench/alerts_sim.py: 7-day mean/SD, 2-day lag) at its standard 3 SD, and "@1FA" with
# its constant calibrated on cell (a) to <= 1 false-alarm episode per zone-year; "ratio" is detect's share
# found within 7 days over EARS-C2 @1FA's. Goals (MET/MISSED): the 80% goal holds at every level, the 50%
# goal pools the four levels, the holiday blackout wants >= 90% found by the holiday period's end + 3 days.
# Usage: .venv/bin/python bench/alerts_realistic.py [--series 200] [--seed 1] [--workers 2] [--set KEY=VALUE ...]

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from alerts.drops import detect  # noqa: E402
from bench import alerts_realism as sim  # noqa: E402
from bench.alerts_sim import (  # noqa: E402
    YEAR,
    add_config_args,
    apply_config_args,
    bench_config,
    calibrate,
    episodes,
    first_after,
    rule_alarms,
    summary,
)

WARMUP = 120
DROPS = (0.8, 0.5)
EARS_GRID = np.linspace(3.0, 12.0, 37)
LATE_BINS = (14, 28, 42, 56, 84, 112, 140, 170)
ONSET_BINS = (42, 90, 130, 181)
JOIN_BINS = (60, 90, 120, 181)


def run_detect(x: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Episode starts (S, T) of reporting_drop, and its episodes with series, open_t, cp_t and res_t."""
    out = detect(sim.detect_frame(x, names), bench_config())
    starts = np.zeros(x.shape, dtype=bool)
    if out.empty:
        return starts, pd.DataFrame(columns=["series", "open_t", "cp_t", "res_t", "expected"])
    out = out[out["kind"] == "reporting_drop"].copy()
    out["series"] = out["zone_id"].str[1:].astype(int)
    out["open_t"] = (pd.to_datetime(out["opened_on"]) - sim.START).dt.days
    since = pd.to_datetime(out["message"].str.extract(r"since (\d{4}-\d{2}-\d{2})")[0], errors="coerce")
    out["cp_t"] = (since - sim.START).dt.days.fillna(out["open_t"]).astype(int)
    out["res_t"] = (pd.to_datetime(out["resolved_on"]) - sim.START).dt.days.fillna(x.shape[1]).astype(int)
    starts[out["series"].to_numpy(), out["open_t"].to_numpy()] = True
    return starts, out


def busy_at(ep: pd.DataFrame, onset: np.ndarray) -> np.ndarray:
    """Series with a reporting_drop episode opened before onset and still open on it."""
    busy = np.zeros(len(onset), dtype=bool)
    if len(ep):
        s = ep["series"].to_numpy()
        busy[s[(ep["open_t"].to_numpy() < onset[s]) & (ep["res_t"].to_numpy() >= onset[s])]] = True
    return busy


def fa_rate(starts: np.ndarray, lo: int, hi: int) -> float:
    """False-alarm episodes per zone-year over days [lo, hi)."""
    return float(episodes(starts[:, lo:hi]).sum()) / starts.shape[0] * YEAR / (hi - lo)


def inside(ep: pd.DataFrame, shape: tuple[int, int], lo: int) -> float:
    """Share of zone-days from lo on that lie inside an open reporting_drop episode (opened to resolved)."""
    days = np.zeros(shape, dtype=bool)
    for s, a, b in zip(ep["series"], ep["open_t"], ep["res_t"], strict=True):
        days[s, a:b] = True
    return float(days[:, lo:].mean())


PLAIN = ("holiday", "burst", "trend")
ABLATIONS = (
    ("all of them", ()),
    ("no holiday effects", ("holiday",)),
    ("no bursts", ("burst",)),
    ("no trend", ("trend",)),
    ("holiday effects only", ("burst", "trend")),
    ("bursts only", ("holiday", "trend")),
    ("trend only", ("holiday", "burst")),
    ("none (weekly + NB only)", PLAIN),
)


def task(kind: str, n: int, seed: int, level: float = 0.0, drop: float = 0.0) -> dict:
    """One cell: simulate, run detect, and return what the scoring needs (counts for EARS-C2 too)."""
    rng = np.random.default_rng(seed)
    cell = {
        "stable": lambda: sim.stable_cell(n, rng),
        "drop": lambda: sim.drop_cell(n, rng, level, drop),
        "late": lambda: sim.late_cell(n, rng),
        "join": lambda: sim.join_cell(n, rng),
        "holiday": lambda: sim.holiday_cell(n, rng),
    }[kind]()
    starts, ep = run_detect(cell.x, cell.names)
    res = {"kind": kind, "level": level, "drop": drop, "x": cell.x, "onset": cell.onset, "starts": starts}
    res |= {
        "busy": busy_at(ep, cell.onset),
        "info": cell.info,
        "levels": np.resize(cell.z.level, len(cell.x)),
    }
    if kind == "stable":  # the same zones (and seed) with parts of the realism left out
        t_n, res["ablations"] = cell.x.shape[1], []
        for name, without in ABLATIONS:
            c = sim.stable_cell(n, np.random.default_rng(seed), without) if without else cell
            st, e = run_detect(c.x, c.names) if without else (starts, ep)
            ears = fa_rate(rule_alarms(c.x, "ears"), WARMUP, t_n)
            res["ablations"].append((name, fa_rate(st, WARMUP, t_n), inside(e, c.x.shape, WARMUP), ears))
    if kind == "drop":
        plain = sim.drop_cell(n, np.random.default_rng(seed), level, drop, PLAIN)
        st, ep = run_detect(plain.x, plain.names)
        res["plain"] = score(st, plain.onset, ~busy_at(ep, plain.onset))
        # what the missed series have: a burst in the baseline window, an up-trend, low k
        burst = [
            any(o - 119 <= s < o for s, _, _ in b) for o, b in zip(cell.onset, cell.z.bursts, strict=True)
        ]
        res["flags"] = {"burst": np.array(burst), "up-trend": cell.z.trend > 0.25, "k<6": cell.z.k < 6}
    return res


def first_day(starts: np.ndarray, onset: np.ndarray) -> np.ndarray:
    return onset + first_after(starts, onset) - 1


def score(starts: np.ndarray, onset: np.ndarray, keep: np.ndarray) -> tuple[float, float, float]:
    return summary(first_after(starts, onset)[keep])


def three(r: dict, sel: np.ndarray, c_cal: float) -> dict[str, tuple[float, float, float]]:
    """(within 3, within 7, median delay) for detect, EARS-C2 and EARS-C2 @1FA on the selected series."""
    keep, x, onset = sel & ~r["busy"], r["x"], r["onset"]
    return {
        "detect": score(r["starts"], onset, keep),
        "ears": score(rule_alarms(x, "ears"), onset, keep),
        "ears_cal": score(rule_alarms(x, "ears", c_cal), onset, keep),
    }


def fmt(v: tuple[float, float, float]) -> str:
    return f"{v[0]:4.0f}% {v[1]:4.0f}% {v[2]:4.1f}"


def ratio(s: dict) -> str:
    return f"{s['detect'][1] / s['ears_cal'][1]:5.2f}" if s["ears_cal"][1] > 0 else "  n/a"


HEAD = f"{'detect':^17} | {'EARS-C2':^17} | {'EARS-C2 @1FA':^17} | ratio | excl"


def row(s: dict, excl: int) -> str:
    return f"{fmt(s['detect'])} | {fmt(s['ears'])} | {fmt(s['ears_cal'])} | {ratio(s)} | {excl:4d}"


Goal = tuple[bool, str, str]


def report_stable(r: dict, n: int) -> tuple[float, list[Goal]]:
    x, starts, t_n = r["x"], r["starts"], r["x"].shape[1]
    c_cal, fa_cal = calibrate(np.stack([rule_alarms(x, "ears", c) for c in EARS_GRID], 1), EARS_GRID, WARMUP)
    ears = rule_alarms(x, "ears")
    spans = [(WARMUP, t_n), (WARMUP, YEAR), (YEAR, 2 * YEAR), (2 * YEAR, t_n)]
    print(
        f"(a) stable with holidays, bursts and trends: {n} zones x 3 years; false-alarm episodes per zone-year"
    )
    lv_head = " ".join(f"{lv:>5.0f}" for lv in sim.LEVELS)
    print(f"    {'':<22} {'all':>5} {'yr1':>5} {'yr2':>5} {'yr3':>5} | by level {lv_head}")
    for name, st in (("detect", starts), ("EARS-C2 c=3", ears)):
        lv = " ".join(f"{fa_rate(st[r['levels'] == v], WARMUP, t_n):5.2f}" for v in sim.LEVELS)
        print(
            f"    {name:<22} " + " ".join(f"{fa_rate(st, a, b):5.2f}" for a, b in spans) + f" |          {lv}"
        )
    print(f"    {f'EARS-C2 @1FA c={c_cal:.2f}':<22} {fa_cal:5.2f}")
    print(
        "    the same zones and seed with parts left out: detect, its zone-days inside an open episode, EARS-C2 c=3"
    )
    for name, de, days, ea in r["ablations"]:
        print(f"      {name:<26} {de:5.2f}  {100 * days:4.1f}%  {ea:5.2f}")
    fa = fa_rate(starts, WARMUP, t_n)
    goal = "at most 1 false alarm per zone-year on stable series with holidays, bursts and trends"
    return c_cal, [(fa <= 1.0, goal, f"detect {fa:.2f} (EARS-C2 {fa_rate(ears, WARMUP, t_n):.2f})")]


def report_drops(drops: list[dict], n: int, c_cal: float) -> list[Goal]:
    print(
        "(b) step drops after the first year; plain: detect on the same zones without holidays, bursts, trend"
    )
    print(f"    {'drop':>4} {'level':>5} | {HEAD} | plain 7 d")
    by_drop: dict[float, list] = {d: [] for d in DROPS}
    for r in drops:
        s = three(r, np.ones(n, dtype=bool), c_cal)
        by_drop[r["drop"]].append((r, s))
        print(
            f"    {r['drop']:4.0%} {r['level']:5.0f} | {row(s, int(r['busy'].sum()))} | {r['plain'][1]:8.0f}%"
        )
    for d, cells in by_drop.items():
        miss = np.concatenate([~(first_after(r["starts"], r["onset"]) <= 7) & ~r["busy"] for r, _ in cells])
        keep = np.concatenate([~r["busy"] for r, _ in cells])
        flags = {k: np.concatenate([r["flags"][k] for r, _ in cells]) for k in cells[0][0]["flags"]}
        txt = ", ".join(
            f"{k} {100 * v[miss].mean():.0f}% (all {100 * v[keep].mean():.0f}%)" for k, v in flags.items()
        )
        print(f"    {d:.0%} drops missed by detect within 7 d: {int(miss.sum())}; of them with {txt}")
    worst = min(by_drop[0.8], key=lambda c: c[1]["detect"][1])
    d50 = np.concatenate([first_after(r["starts"], r["onset"])[~r["busy"]] for r, _ in by_drop[0.5]])
    return [
        (
            worst[1]["detect"][1] >= 90,
            "80% drops found within 7 days >= 90% at 3 to 15 stories a day",
            f"lowest {worst[1]['detect'][1]:.0f}% at {worst[0]['level']:.0f}/day",
        ),
        (
            np.mean(d50 <= 7) >= 0.5,
            "50% drops found within 7 days >= 50%",
            f"all levels {100 * np.mean(d50 <= 7):.0f}%",
        ),
    ]


def report_late(late: dict, n: int, c_cal: float) -> list[Goal]:
    g4 = np.arange(4 * n) // n  # late start, same without, probe late start, probe without
    since = late["onset"] - late["info"]["start"]
    keep = ~late["busy"]
    print(
        f"(c) late start (zero for 60-120 days), 80% drop 42-180 days after the start\n    {'':<24} | {HEAD}"
    )
    lt = [three(late, g4 == g, c_cal) for g in (0, 1)]
    for g, name in ((0, "late start"), (1, "same, no late start")):
        print(f"    {name:<24} | {row(lt[g], int((late['busy'] & (g4 == g)).sum()))}")
    for a, b in zip(ONSET_BINS[:-1], ONSET_BINS[1:], strict=True):
        sel = (since >= a) & (since < b) & keep
        v = [score(late["starts"], late["onset"], sel & (g4 == g))[1] for g in (0, 1)]
        print(
            f"      drop {a:3d}-{b - 1:3d} d after the start: detect {v[0]:4.0f}% vs {v[1]:4.0f}% without the late start"
        )
    found = first_after(late["starts"], late["onset"]) <= 7
    shares = []
    for a, b in zip(LATE_BINS[:-1], LATE_BINS[1:], strict=True):
        sel = (since >= a) & (since < b) & keep
        shares.append([100 * found[sel & (g4 == g)].mean() for g in (2, 3)])
    print(
        "    probe, a total blackout d days after the start, found within 7 d (late start / without): "
        + "; ".join(
            f"{a}-{b - 1}: {v[0]:.0f}/{v[1]:.0f}%"
            for a, b, v in zip(LATE_BINS[:-1], LATE_BINS[1:], shares, strict=True)
        )
    )
    first = []
    for g in (0, 1):
        ok = [all(v[g] >= 90 for v in shares[j:]) for j in range(len(shares))]
        first.append(LATE_BINS[ok.index(True)] if any(ok) else None)
    cfg = bench_config()
    own = cfg.guard_days + cfg.min_baseline_days
    print(
        f"    first day the zone can alarm (probe >= 90% from that bin on): late start day {first[0]}, "
        f"without day {first[1]} after the start; its own warm-up (guard + min baseline) ends on day {own}"
    )
    ok = first[0] is not None and first[0] <= own + 21 and lt[0]["detect"][1] >= lt[1]["detect"][1] - 5
    detail = (
        f"alarms from day {first[0]} (<= {own + 21} wanted); 80% drop within 7 d {lt[0]['detect'][1]:.0f}% "
        f"vs {lt[1]['detect'][1]:.0f}% without the late start (>= that - 5 wanted)"
    )
    return [(ok, "a zone whose coverage starts 60+ days late is tested from its own warm-up on", detail)]


def report_join(join: dict, n: int, c_cal: float) -> list[Goal]:
    print(f"(d) sources joining (+50..+150%), 80% drop 60-180 days later\n    {'':<24} | {HEAD}")
    print(f"    {'all':<24} | {row(three(join, np.ones(n, dtype=bool), c_cal), int(join['busy'].sum()))}")
    gap = join["onset"] - join["info"]["step"]
    for a, b in zip(JOIN_BINS[:-1], JOIN_BINS[1:], strict=True):
        sel = (gap >= a) & (gap < b)
        name = f"drop {a}-{b - 1} d after step"
        print(f"    {name:<24} | {row(three(join, sel, c_cal), int((join['busy'] & sel).sum()))}")
    return []


def report_holiday(hol: dict, c_cal: float) -> list[Goal]:
    end, strong, keep, onset = hol["info"]["end"], hol["info"]["strong"], ~hol["busy"], hol["onset"]
    print("(e) 80% blackout beginning on a holiday: found by the holiday period's last day + 3 (+ 7)")
    found = {}
    for name, st in (
        ("detect", hol["starts"]),
        ("EARS-C2", rule_alarms(hol["x"], "ears")),
        ("EARS-C2 @1FA", rule_alarms(hol["x"], "ears", c_cal)),
    ):
        fd = first_day(st, onset)
        parts = [
            f"{lab} {100 * np.mean(fd[sel] <= end[sel] + 3):3.0f}% ({100 * np.mean(fd[sel] <= end[sel] + 7):3.0f}%)"
            for lab, sel in (("all", keep), ("year-end/Eid", keep & strong), ("other", keep & ~strong))
        ]
        found[name] = 100 * np.mean(fd[keep] <= end[keep] + 3)
        print(f"    {name:<13} {'; '.join(parts)}")
    length = end - onset + 1
    print(
        f"    holiday periods: {int(strong.sum())} year-end/Eid; length median {np.median(length):.0f} d, "
        f"max {length.max()} d; excl {int(hol['busy'].sum())}"
    )
    goal = "a blackout beginning on a holiday is found within 3 days of the holiday's end"
    detail = f"{found['detect']:.0f}% (>= 90% wanted; EARS-C2 @1FA {found['EARS-C2 @1FA']:.0f}%)"
    return [(found["detect"] >= 90, goal, detail)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--series", type=int, default=200, help="simulated zones per cell")
    ap.add_argument("--seed", type=int, default=1, help="base seed; every cell derives its own from it")
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    add_config_args(ap)
    args = ap.parse_args()
    apply_config_args(args)
    n, s0, t0 = args.series, args.seed, time.time()
    jobs = [("stable", n, s0 + 1), ("late", n, s0 + 50), ("join", n, s0 + 60), ("holiday", n, s0 + 70)]
    jobs += [
        ("drop", n, s0 + 10 + j, lv, d)
        for j, (d, lv) in enumerate((d, lv) for d in DROPS for lv in sim.LEVELS)
    ]
    with ProcessPoolExecutor(args.workers) as pool:
        stable, late, join, hol, *drops = [f.result() for f in [pool.submit(task, *j) for j in jobs]]
    print(
        f"alerts_realistic: {n} zones per cell, seed {s0}; found within 3 d, within 7 d, median delay (d, of those within 7)"
    )
    c_cal, goals = report_stable(stable, n)
    goals += report_drops(drops, n, c_cal)
    goals += report_late(late, n, c_cal)
    goals += report_join(join, n, c_cal)
    goals += report_holiday(hol, c_cal)
    for ok, goal, detail in goals:
        print(f"{'MET' if ok else 'MISSED'}: {goal}: {detail}")
    print(f"goals: {sum(ok for ok, _, _ in goals)} of {len(goals)} met; {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
