"""The drop detector's invariants, tested with Hypothesis over series with zero runs, bursts and level shifts."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.config import DropConfig
from alerts.detector import NO_HOLIDAY, Detector

CFG = DropConfig()
WARM_UP = CFG.warm_up_days + 1  # days from a series' first story to its first test
# derandomize: the same examples on every run, so CI is reproducible; the seeds still vary per example
PROPERTIES = settings(
    max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def run(x: np.ndarray, holidays: np.ndarray | None = None, check_every_day: bool = False) -> Detector:
    """The detector over one series (1, T); with check_every_day, asserts after every step that no burst
    or holiday day is in the baseline window."""
    x = x.reshape(1, -1).astype(float)
    state = Detector(x, np.full_like(x, np.nan), np.arange(x.shape[1]) % 7, CFG, holidays)
    for t in range(x.shape[1]):
        state.step(t)
        if check_every_day:
            assert not (state.burst & state.added).any(), f"a burst day is in the baseline on day {t}"
            assert not ((state.hol != NO_HOLIDAY) & state.added).any(), (
                f"a holiday is in the baseline on day {t}"
            )
    return state


def counts(rng: np.random.Generator, level: float, days: int, k: float = 8.0) -> np.ndarray:
    return rng.poisson(level * rng.gamma(k, 1.0 / k, size=days)).astype(float)


def drops(state: Detector) -> list[tuple[int, int]]:
    """(opened, resolved or -1) of each reporting_drop episode."""
    return [(e[3], e[4]) for e in state.episodes if e[1] == "reporting_drop"]


def in_alarm(state: Detector, day: int) -> bool:
    """A reporting_drop episode is open on `day` (opened on or before it, not yet resolved)."""
    return any(opened <= day and (resolved < 0 or resolved > day) for opened, resolved in drops(state))


@PROPERTIES
@given(
    seed=st.integers(0, 2**32 - 1),
    zeros=st.integers(35, 240),
    level=st.floats(5.0, 30.0),
)
def test_a_zone_that_starts_late_is_tested_from_its_own_warm_up(seed: int, zeros: int, level: float) -> None:
    rng = np.random.default_rng(seed)
    normal = counts(rng, level, 150)
    x = np.concatenate([np.zeros(zeros), normal, np.zeros(14)])  # then a blackout
    state = run(x)
    first = zeros + int(np.argmax(normal > 0))
    tested = np.isfinite(state.mu_hist[0, first + WARM_UP :])
    assert tested.all(), "not tested after its warm-up"
    assert state.mu_hist[0, zeros + 140] > 0.4 * level, "the expected level stayed near the leading zeros"
    assert in_alarm(state, zeros + 150 + 3), drops(state)  # the blackout, within 3 days


@PROPERTIES
@given(
    seed=st.integers(0, 2**32 - 1),
    level=st.floats(5.0, 30.0),
    dark=st.integers(35, 150),
)
def test_once_reporting_resumes_the_zone_is_tested_again(seed: int, level: float, dark: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.concatenate([counts(rng, level, 200), np.zeros(dark), counts(rng, level, 120), np.zeros(10)])
    state = run(x)
    episodes = drops(state)
    dark_at = 200
    opened_dark = [e for e in episodes if dark_at <= e[0] <= dark_at + 3]
    assert opened_dark, f"no episode for the dark run: {episodes}"
    resumed = dark_at + dark
    assert 0 <= opened_dark[0][1] <= resumed + 2 * CFG.recovery_days + 7, "the dark run's episode stayed open"
    assert in_alarm(state, resumed + 120 + 3), f"not tested again: {episodes}"  # the final blackout


@PROPERTIES
@given(
    seed=st.integers(0, 2**32 - 1),
    level=st.floats(5.0, 30.0),
    height=st.floats(4.0, 20.0),
    decay=st.integers(2, 10),
)
def test_no_expected_level_is_computed_from_burst_days(
    seed: int, level: float, height: float, decay: int
) -> None:
    rng = np.random.default_rng(seed)
    days = 320
    rate = np.full(days, level)
    rate[150 : 150 + 3 * decay] *= 1 + (height - 1) * np.exp(-np.arange(3 * decay) / decay)
    x = rng.poisson(rate).astype(float)
    state = run(x, check_every_day=True)
    before = np.nanmean(state.mu_hist[0, 120:150])
    after = state.mu_hist[0, 150 + 3 * decay + CFG.guard_days : days]
    assert np.nanmax(after) < 1.6 * before, (np.nanmax(after), before)
    stuck = [(o, r) for o, r in drops(state) if o >= 150 and not 0 <= r <= o + CFG.recovery_days + 14]
    assert not stuck, drops(state)  # an alarm after the burst does not stay open


@PROPERTIES
@given(
    seed=st.integers(0, 2**32 - 1),
    level=st.floats(5.0, 20.0),
    height=st.floats(3.0, 8.0),
    length=st.integers(45, 80),
)
def test_an_episode_against_a_burst_inflated_baseline_resolves_back_at_the_earlier_level(
    seed: int, level: float, height: float, length: int
) -> None:
    """A burst long enough to count as a new level inflates the baseline; the drop back must not stay open."""
    rng = np.random.default_rng(seed)
    x = np.concatenate(
        [counts(rng, level, 200), counts(rng, level * height, length), counts(rng, level, 120)]
    )
    state = run(x)
    back = 200 + length
    for opened, resolved in drops(state):
        if opened >= back - 3:
            assert 0 <= resolved <= opened + CFG.recovery_days + 14, (opened, resolved)


@PROPERTIES
@given(seed=st.integers(0, 2**32 - 1), level=st.floats(5.0, 30.0), lull=st.floats(0.2, 0.7))
def test_a_yearly_holiday_lull_is_learned_and_a_blackout_on_a_holiday_is_found(
    seed: int, level: float, lull: float
) -> None:
    rng = np.random.default_rng(seed)
    days = 3 * 365
    holiday_days = [d for year in range(3) for d in range(year * 365 + 300, year * 365 + 305)]
    rate = np.full(days, level)
    rate[holiday_days] *= lull
    x = rng.poisson(rate).astype(float)
    blackout = 2 * 365 + 302  # begins inside the third year's holiday
    x[blackout : blackout + 20] = rng.poisson(0.1 * level, 20)
    holidays = np.full((1, days), NO_HOLIDAY)
    holidays[0, holiday_days] = 0
    state = run(x, holidays, check_every_day=True)
    episodes = drops(state)
    second = [e for e in episodes if 365 + 300 <= e[0] <= 365 + 304 + 3]  # the second year's holiday
    assert not second, f"a learned holiday alarmed: {episodes}"
    end_of_holiday = 2 * 365 + 304
    assert any(blackout - 2 <= o <= end_of_holiday + 3 for o, _ in episodes), episodes


@PROPERTIES
@given(seed=st.integers(0, 2**32 - 1), level=st.floats(5.0, 30.0), news=st.floats(10.0, 50.0))
def test_news_on_a_holiday_is_not_learned_as_its_usual_level(seed: int, level: float, news: float) -> None:
    """A holiday is a known quiet day: a burst on one occurrence does not raise what the next one expects,
    and no holiday is ever expected above the usual level."""
    rng = np.random.default_rng(seed)
    days = 2 * 365
    x = counts(rng, level, days)
    x[300] = news * level  # a burst of coverage on the first year's holiday
    holidays = np.full((1, days), NO_HOLIDAY)
    holidays[0, [300, 665]] = 0
    state = run(x, holidays, check_every_day=True)
    plain = run(x)
    learned = state.hol_obs[0, 0]  # both occurrences: the burst day at most winsorized, never as counted
    assert learned < x[300] + x[665], "the burst day was learned as the holiday's level"
    assert state.mu_hist[0, 665] <= plain.mu_hist[0, 665] * 1.05, (
        state.mu_hist[0, 665],
        plain.mu_hist[0, 665],
    )
