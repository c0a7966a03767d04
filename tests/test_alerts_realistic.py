"""Smoke tests of the realistic drop-detector harness's simulator (bench/alerts_realism.py), not the detector."""

from __future__ import annotations

import numpy as np

from bench import alerts_realism as sim


def test_the_simulator_is_reproducible_for_a_seed() -> None:
    a = sim.drop_cell(6, np.random.default_rng(7), 10.0, 0.8)
    b = sim.drop_cell(6, np.random.default_rng(7), 10.0, 0.8)
    c = sim.drop_cell(6, np.random.default_rng(8), 10.0, 0.8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.onset, b.onset)
    assert (a.names == b.names).all() and a.z.country == b.z.country
    assert not np.array_equal(a.x, c.x)
    frame = sim.detect_frame(a.x, a.names)
    assert list(frame.columns) == ["zone_id", "day", "independent_stories", "holiday"]
    assert len(frame) == a.x.size and frame["holiday"].notna().any() and frame["holiday"].isna().any()
    hol = sim.holiday_cell(6, np.random.default_rng(7))  # the blackout begins on a holiday period's first day
    for i, (onset, end) in enumerate(zip(hol.onset, hol.info["end"], strict=True)):
        assert hol.names[i, onset] is not None and hol.names[i, onset - 1] is None and end >= onset


def test_holidays_are_quiet_and_bursts_loud() -> None:
    cell = sim.stable_cell(40, np.random.default_rng(3))
    x, z = cell.x, cell.z
    burst = z.burst()
    normal = (z.holiday == 1.0) & (burst < 1.01)
    weekday = np.arange(x.shape[1]) % 7
    ratios = []
    for d in range(7):  # a holiday against normal days of the same weekday, pooled over zones
        hol = (z.holiday < 1.0) & (weekday == d)
        ratios.append(x[hol & (burst < 1.01)].mean() / x[normal & (weekday == d)].mean())
    assert np.mean(ratios) < 0.85, ratios
    assert all(r < 1.0 for r in ratios), ratios
    # on the day a burst starts the zone reports several times its usual level
    peaks = [x[i, s] / x[i, normal[i]].mean() for i, b in enumerate(z.bursts) for s, _, _ in b]
    assert np.mean(peaks) > 3.0 and np.median(peaks) > 2.0
    # every holiday name keeps one effect per zone, year after year
    for i in range(5):
        keys = [sim.holiday_key(n) for n in cell.names[i] if n is not None]
        for key in set(keys):
            days = [t for t, n in enumerate(cell.names[i]) if n is not None and sim.holiday_key(n) == key]
            assert len(set(z.holiday[i, days])) == 1


def test_late_start_zones_are_zero_before_their_start() -> None:
    n = 8
    cell = sim.late_cell(n, np.random.default_rng(5))
    start = cell.info["start"]
    assert ((60 <= start) & (start <= 120)).all()
    for i in range(n):
        late, twin = cell.x[i], cell.x[n + i]
        assert late[: start[i]].sum() == 0 and twin[: start[i]].sum() > 0
        assert np.array_equal(late[start[i] :], twin[start[i] :])
        assert late[start[i] : cell.onset[i]].mean() > 1.0  # normal reporting before the drop
        probe = cell.x[2 * n + i]
        assert probe[: start[i]].sum() == 0 and probe[cell.onset[2 * n + i] :].sum() == 0
