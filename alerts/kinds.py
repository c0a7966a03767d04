"""The alert rules beyond the drop detector: presence_drop filter, source_silent and access_incident episodes."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from alerts.config import (
    ACCESS_COLUMNS,
    AccessIncidentConfig,
    DropConfig,
    PresenceDropConfig,
    SourceSilentConfig,
    access_counts,
)
from alerts.drops import severity
from alerts.schema import EPISODE_COLUMNS


def episodes(cond: np.ndarray, clear: np.ndarray, recovery_days: int) -> list[tuple[int, int, int]]:
    """(row, open_t, resolved_t or -1): opens on a `cond` day, resolves after `recovery_days` `clear` days in a row."""
    rows, days = cond.shape
    is_open = np.zeros(rows, dtype=bool)
    run = np.zeros(rows, dtype=int)
    opened = np.full(rows, -1)
    found: list[tuple[int, int, int]] = []
    for t in range(days):
        run = np.where(is_open & clear[:, t] & ~cond[:, t], run + 1, 0)
        for i in np.flatnonzero(is_open & (run >= recovery_days)):
            found.append((int(i), int(opened[i]), t))
        is_open &= run < recovery_days
        new = ~is_open & cond[:, t]
        opened[new] = t
        is_open |= new
    found += [(int(i), int(opened[i]), -1) for i in np.flatnonzero(is_open)]
    return sorted(found, key=lambda e: (e[1], e[0]))


def window_sum(values: np.ndarray, length: int, lag: int = 0) -> np.ndarray:
    """Sum over days [t - lag - length + 1, t - lag] for every t (zero-padded before the first day)."""
    padded = np.concatenate([np.zeros((values.shape[0], length + lag + 1)), values], axis=1)
    c = np.cumsum(padded, axis=1)
    start = length + lag + 1
    return c[:, start - lag : c.shape[1] - lag] - c[:, start - lag - length : c.shape[1] - lag - length]


def dense(
    frame: pd.DataFrame, keys: list[str], value: str, days: pd.DatetimeIndex
) -> tuple[pd.Index, np.ndarray]:
    """A (keys x days) matrix of `value`, zero where a key has no row on a day."""
    table = frame.pivot_table(index=keys, columns="day", values=value, aggfunc="sum", fill_value=0)
    table = table.reindex(columns=days, fill_value=0)
    return table.index, table.to_numpy(dtype=float)


def keep_presence_drops(
    presence: pd.DataFrame, series: pd.DataFrame, run_date: date, cfg: PresenceDropConfig
) -> pd.DataFrame:
    """Presence episodes whose inside-dateline ratio fell well below the coverage ratio over the same span."""
    if presence.empty:
        return presence
    s = series.set_index(["zone_id", "day"])["independent_stories"]
    kept = []
    for row in presence.itertuples(index=False):
        opened = row.opened_on
        end = row.resolved_on if pd.notna(row.resolved_on) else run_date
        recent = s.loc[row.zone_id].loc[
            pd.Timestamp(opened) : pd.Timestamp(end)
        ]  # from the alarm day: earlier days may predate the drop
        b_end = opened - timedelta(days=cfg.guard_days + 1)
        base = s.loc[row.zone_id].loc[b_end - timedelta(days=cfg.coverage_baseline_days - 1) : b_end]
        if base.empty or base.mean() <= 0 or recent.empty:
            continue
        coverage = float(recent.mean() / base.mean())
        if row.ratio < cfg.max_relative_ratio * coverage:  # strict: a total blackout is not a presence drop
            kept.append(
                row._asdict()
                | {
                    "message": f"{row.zone_id}: stories datelined inside the zone {row.observed:.0f} vs "
                    f"{row.expected:.1f} expected since {opened} (ratio {row.ratio:.2f}, p={row.p_value:.2g}) "
                    f"while independent coverage ran at {coverage:.2f} of its baseline"
                }
            )
    return pd.DataFrame(kept, columns=presence.columns)


def _silence_lengths(n: np.ndarray) -> np.ndarray:
    """Days in a row without an item, ending at each day."""
    run = np.zeros_like(n)
    for t in range(n.shape[1]):
        run[:, t] = np.where(n[:, t] == 0, (run[:, t - 1] if t else 0) + 1, 0)
    return run


def _sum_ending(values: np.ndarray, length: np.ndarray | int, end: np.ndarray) -> np.ndarray:
    """Per cell (i, t): the sum of values[i, end - length + 1 .. end] (ends and lengths given per cell)."""
    pad = int(np.max(length)) + 1
    c = np.cumsum(np.concatenate([np.zeros((values.shape[0], pad)), values], axis=1), axis=1)
    hi = np.take_along_axis(c, end + pad, axis=1)
    lo = np.take_along_axis(c, np.maximum(end - length + pad, 0), axis=1)
    return hi - lo


def source_silent(
    items: pd.DataFrame, fetches: pd.DataFrame, run_date: date, cfg: SourceSilentConfig, levels: DropConfig
) -> pd.DataFrame:
    """Sources with regular items about a zone that publish none for improbably long while fetched successfully.

    The silence may be as long as it takes: a source with five items a day is flagged after a few days, one
    with an item a day after about two weeks (the Poisson chance of that silence falls below max_p_value).
    """
    if items.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    days = pd.date_range(items["day"].min(), pd.Timestamp(run_date), freq="D")
    pairs, n = dense(items, ["source_id", "zone_id"], "items", days)
    f_index, f = dense(fetches, ["source_id"], "fetches", days)
    _, e = dense(fetches, ["source_id"], "failures", days)
    rows = f_index.get_indexer(pairs.get_level_values("source_id"))
    pair_f = np.where(rows[:, None] >= 0, f[np.maximum(rows, 0)], 0.0)
    pair_e = np.where(rows[:, None] >= 0, e[np.maximum(rows, 0)], 0.0)
    silence = _silence_lengths(n).astype(int)
    today = np.broadcast_to(np.arange(len(days)), n.shape)
    before = today - silence  # the last day with an item (or before the series)
    base_len = cfg.baseline_days
    base_items = _sum_ending(n, base_len, np.maximum(before, -1))
    base_active = _sum_ending((n > 0).astype(float), base_len, np.maximum(before, -1))
    rate = base_items / base_len
    fetched = _sum_ending(pair_f, silence, today)
    failed = _sum_ending(pair_e, silence, today)
    success = np.where(fetched > 0, 1.0 - failed / np.maximum(fetched, 1), 0.0)
    cond = (
        (silence >= cfg.min_silence_days)
        & (before - base_len + 1 >= 0)
        & (base_items >= cfg.min_baseline_items)
        & (base_active >= cfg.min_active_days)
        & (np.exp(-rate * silence) <= cfg.max_p_value)
        & (fetched >= cfg.min_fetches)
        & (success >= cfg.min_success_share)
    )
    found = []
    for i, t_open, t_res in episodes(cond, n > 0, cfg.recovery_days):
        source_id, zone_id = pairs[i]
        first = t_open - silence[i, t_open] + 1
        end = t_res if t_res >= 0 else len(days) - 1
        obs = float(n[i, first : end + 1].sum())
        exp_v = float(rate[i, t_open] * (end - first + 1))
        p = float(stats.poisson.cdf(obs, exp_v))
        ratio = obs / exp_v
        ok = int(fetched[i, t_open] - failed[i, t_open])
        found.append(
            {
                "zone_id": zone_id,
                "kind": "source_silent",
                "source_id": source_id,
                "opened_on": days[t_open].date(),
                "resolved_on": days[t_res].date() if t_res >= 0 else None,
                "observed": obs,
                "expected": exp_v,
                "ratio": ratio,
                "p_value": p,
                "severity": severity(ratio, p, levels),
                "baseline_start": days[max(0, first - base_len)].date(),
                "baseline_end": days[max(0, first - 1)].date(),
                "message": f"{source_id}: no items about {zone_id} since {days[first].date()} "
                f"({exp_v:.1f} expected at its rate over the {base_len} days before) while "
                f"{ok} of {int(fetched[i, t_open])} fetches succeeded",
            }
        )
    return pd.DataFrame(found, columns=EPISODE_COLUMNS)


def access_incident(access: pd.DataFrame, run_date: date, cfg: AccessIncidentConfig) -> pd.DataFrame:
    """A trigger-kind incident (killing, detention, shutdown by default), or weighted incidents over baseline."""
    if access.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    days = pd.date_range(access["day"].min(), pd.Timestamp(run_date), freq="D")
    zones, weighted = dense(access, ["zone_id"], "weighted_incidents", days)
    trigger = np.zeros_like(weighted, dtype=bool)
    for column in cfg.trigger_columns:
        trigger |= dense(access, ["zone_id"], column, days)[1] > 0
    counts = {c: dense(access, ["zone_id"], c, days)[1] for c in ACCESS_COLUMNS}
    win, base_len = cfg.spike_window_days, cfg.baseline_days
    recent = window_sum(weighted, win)
    base_rate = window_sum(weighted, base_len, lag=win) / base_len
    spike = (recent >= cfg.min_spike_weighted) & (recent >= cfg.spike_factor * base_rate * win)
    cond = trigger | spike
    found = []
    for i, t_open, t_res in episodes(cond, ~cond, cfg.recovery_days):
        end = t_res if t_res >= 0 else len(days) - 1
        obs = float(weighted[i, t_open : end + 1].sum())
        exp_v = float(base_rate[i, t_open] * (end - t_open + 1))
        # the upper tail: how unusual this much weighted incidence is under the zone's own baseline rate
        p = float(stats.poisson.sf(np.ceil(obs) - 1, max(exp_v, 1e-3)))
        seen = {c: float(n[i, t_open : end + 1].sum()) for c, n in counts.items()}
        level = (
            "critical"
            if seen["journalists_killed"] > 0
            else "high"
            if seen["shutdown_days"] > 0
            else "medium"
        )
        found.append(
            {
                "zone_id": zones[i],
                "kind": "access_incident",
                "source_id": None,
                "opened_on": days[t_open].date(),
                "resolved_on": days[t_res].date() if t_res >= 0 else None,
                "observed": obs,
                "expected": exp_v,
                "ratio": obs / exp_v if exp_v > 0 else float("nan"),
                "p_value": p,
                "severity": level,
                "baseline_start": days[max(0, t_open - win - base_len + 1)].date(),
                "baseline_end": days[max(0, t_open - win)].date(),
                "message": f"{zones[i]}: weighted journalist-safety and connectivity incidents {obs:.1f} since "
                f"{days[t_open].date()} vs {exp_v:.1f} at the baseline rate "
                f"({access_counts(seen) or f'its incidents fell in the {win} days before'})",
            }
        )
    return pd.DataFrame(found, columns=EPISODE_COLUMNS)
