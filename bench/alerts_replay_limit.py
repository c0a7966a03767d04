"""How far any simple rule gets on the real series: window rules calibrated in hindsight, against detect."""

# The real replay's done-means asks for at most 1 episode per series-year on each real series AND 80% drops
# found within 7 days at least 90% of the time. There is no oracle for a real series (its true rate is not
# known), so this bench measures an optimistic bound for a family of rules instead:
#   rule (d, P): alarm on day t when the stories of the last d days are below c x P(t), P a predictor of them
#   built only from days before the window: "detect" (the sum of detect's own expected counts over the
#   window, read from its run on the un-thinned series: within 7 days of an onset the guard keeps thinned
#   days out of detect's baseline, so it is the same) or "recent" (the window's expected counts rescaled by
#   the stories of the 28 days just before the window against their expected counts: the newest level).
#   c is calibrated IN HINDSIGHT, on the same un-thinned series the drops are injected into, to the largest
#   value that keeps every series at or below 1 alarm episode per series-year (an episode: alarm days less
#   than 7 days apart). A causal rule cannot choose c that way, so its recall is an upper bound for that rule.
# Injected drops as in bench/alerts_replay.py (binomial thinning for 28 days from a random onset after 180
# days, the same onsets for every rule); found within 7 days: an alarm on day onset .. onset + 6.
# Usage: .venv/bin/python bench/alerts_replay_limit.py [--onsets 200] [--seed 1] [--set KEY=VALUE ...]

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from alerts_replay import LENGTH, SERIES, WARM, load, onsets_for  # noqa: E402
from alerts_sim import YEAR, add_config_args, apply_config_args  # noqa: E402

from alerts.detector import Detector  # noqa: E402

WINDOWS = (3, 5, 7)
C_GRID = np.round(np.arange(0.05, 0.61, 0.01), 2)
RECENT_DAYS = 28
MIN_EXPECTED = 1.0  # per day, as detect's min_expected: quieter windows are not tested


def window_sum(a: np.ndarray, d: int) -> np.ndarray:
    """Sum of the d days ending on each day along the last axis (NaN before day d - 1)."""
    c = np.concatenate([np.zeros(a.shape[:-1] + (1,)), np.cumsum(a, -1)], -1)
    out = np.full(a.shape, np.nan)
    out[..., d - 1 :] = c[..., d:] - c[..., :-d]
    return out


def predictors(x: np.ndarray, mu: np.ndarray, d: int) -> dict[str, np.ndarray]:
    """P(t) for the d days ending on t, from days before the window only; x (S, T), mu (T,)."""
    exp_d = window_sum(mu[None, :], d)
    prior_x = np.roll(window_sum(x, RECENT_DAYS), d, axis=-1)  # the RECENT_DAYS before the window
    prior_mu = np.roll(window_sum(mu[None, :], RECENT_DAYS), d, axis=-1)
    prior_x[..., : d + RECENT_DAYS - 1] = np.nan
    recent = exp_d * prior_x / np.where(prior_mu > 0, prior_mu, np.nan)
    return {"detect": np.broadcast_to(exp_d, x.shape), "recent": recent}


def episodes(alarm: np.ndarray, gap: int = 7) -> int:
    days = np.flatnonzero(alarm)
    return int(len(days) and 1 + (np.diff(days) >= gap).sum())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--onsets", type=int, default=200, help="injected onsets per series")
    ap.add_argument("--seed", type=int, default=1)
    add_config_args(ap)
    args = ap.parse_args()
    cfg = apply_config_args(args)
    t0 = time.time()
    runs = []
    for idx, stem in enumerate(SERIES):
        s = load(stem)
        x0 = s.to_numpy(float)
        state = Detector(x0[None, :], np.full((1, len(x0)), np.nan), s.index.day_of_week.to_numpy(), cfg)
        for t in range(len(x0)):
            state.step(t)
        mu = np.nan_to_num(state.mu_hist[0])
        onset = onsets_for(len(x0), args.onsets, args.seed, idx)
        rng = np.random.default_rng([args.seed, idx, 80])
        x = np.tile(x0, (len(onset), 1))
        for i, o in enumerate(onset):
            x[i, o : o + LENGTH] = rng.binomial(x0[o : o + LENGTH].astype(int), 0.2)
        runs.append((stem, x0, mu, onset, x))
    print(
        f"alerts_replay_limit: {len(runs)} real series, {args.onsets} onsets each, 80% drops, seed {args.seed}; "
        "c chosen in hindsight so that every series has <= 1 alarm episode per series-year"
    )
    print("  rule                 c     episodes/series-year (worst series)   80% drops within 7 d")
    best = 0.0
    for name in ("detect", "recent"):
        for d in WINDOWS:
            # the window sums and predictors do not depend on c: once per series, then only compared
            prepared = []
            for _stem, x0, mu, onset, x in runs:
                p0 = predictors(x0[None, :], mu, d)[name][0]
                s0 = window_sum(x0[None, :], d)[0]
                testable0 = p0 >= d * MIN_EXPECTED
                testable0[:WARM] = False
                rows = np.arange(len(onset))[:, None]
                win = onset[:, None] + np.arange(7)[None, :]  # onset .. onset + 6 of each thinned copy
                p = predictors(x, mu, d)[name][rows, win]
                prepared.append(
                    (len(x0), s0, p0, testable0, window_sum(x, d)[rows, win], p, p >= d * MIN_EXPECTED)
                )
            stats = []
            for c in C_GRID:
                rates, hits, total = [], 0, 0
                for t_n, s0, p0, testable0, s_win, p_win, testable in prepared:
                    rates.append(episodes(np.nan_to_num(s0 < c * p0) & testable0) / (t_n / YEAR))
                    hits += int((np.nan_to_num(s_win < c * p_win) & testable).any(1).sum())
                    total += len(s_win)
                stats.append((c, max(rates), float(np.mean(rates)), 100.0 * hits / total))
            ok = [s for s in stats if s[1] <= 1.0]
            c, worst, mean, rec = max(ok, key=lambda s: s[0]) if ok else (float("nan"), np.nan, np.nan, 0.0)
            best = max(best, rec)
            print(
                f"  R_{d} < c x P_{name:<7} {c:5.2f}   {mean:4.2f} ({worst:4.2f})                         {rec:5.1f}%"
            )
    print(f"best window rule at <= 1 episode per series-year on every series: {best:.1f}% (goal 90%)")
    print(f"{time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
