"""The drop detector's day-by-day state over aligned zone series: baseline, holidays, bursts, CUSUMs, episodes."""

from __future__ import annotations

import numpy as np

from alerts.config import DropConfig

NO_HOLIDAY = -1


def nb_llr(x: np.ndarray, mu: np.ndarray, rho: float, phi: np.ndarray) -> np.ndarray:
    """log f(x; rho*mu) - log f(x; mu) under NB with 1/k = phi (Poisson where phi == 0)."""
    pois = x * np.log(rho) + mu * (1.0 - rho)
    k = 1.0 / np.maximum(phi, 1e-12)
    nb = x * (np.log(rho * mu / (rho * mu + k)) - np.log(mu / (mu + k))) + k * np.log(
        (mu + k) / (rho * mu + k)
    )
    return np.where(phi > 1e-9, nb, pois)


def baseline_params(
    n_d: np.ndarray, sx_d: np.ndarray, sx2_d: np.ndarray, cfg: DropConfig
) -> tuple[np.ndarray, ...]:
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


class Detector:
    """The day-by-day state of the detector over S aligned series; step(t) only reads days <= t (causal).

    Invariants (tests/test_detector_properties.py): days before a series' first story are not monitored;
    a burst day (above the cap over the robust level) never enters the baseline unless the bursts last long
    enough to be a new level; holiday days never enter it and are tested against the holiday's learned share
    of the usual level; an episode resolves when the recent stories reach the lower of its frozen baseline
    and the robust pre-episode level; an episode open for rebaseline_days while the zone reports at a steady
    level resolves, and that level becomes the baseline.
    """

    def __init__(
        self,
        x: np.ndarray,
        health: np.ndarray,
        dows: np.ndarray,
        cfg: DropConfig,
        holidays: np.ndarray | None = None,
    ) -> None:
        s_n, t_n = x.shape
        self.cfg, self.dows = cfg, dows
        self.x = np.nan_to_num(x, nan=0.0)
        self.xc = self.x.copy()  # values as they enter the baseline (outliers winsorized at the cap)
        self.present = ~np.isnan(x)
        # a series is monitored from its first story: leading zeros are coverage not yet started
        self.present &= np.cumsum(self.x > 0, axis=1) > 0
        self.healthy = ~(np.nan_to_num(health, nan=1.0) < cfg.health_threshold)
        self.hol = np.full((s_n, t_n), NO_HOLIDAY) if holidays is None else holidays
        self.valid = self.present & self.healthy & (self.hol == NO_HOLIDAY)  # may enter the baseline
        self.burst = np.zeros((s_n, t_n), dtype=bool)
        self.added = np.zeros((s_n, t_n), dtype=bool)
        self.sums = np.zeros((3, s_n, 7))  # per weekday: valid days, sum, sum of squares
        self.mu_hist = np.full((s_n, t_n), np.nan)
        self.phi_hist = np.full((s_n, t_n), np.nan)
        self.cus = np.zeros((s_n, len(cfg.rhos)))
        self.start = np.zeros((s_n, len(cfg.rhos)), dtype=int)
        self.h = np.asarray(cfg.thresholds, dtype=float)
        self.robust = np.full(s_n, np.nan)  # median of the baseline days, weekday-adjusted (a level per day)
        n_hol = int(self.hol.max()) + 1
        self.hol_obs = np.zeros((s_n, max(n_hol, 1)))  # per holiday: stories seen on past occurrences ...
        self.hol_exp = np.zeros((s_n, max(n_hol, 1)))  # ... and the usual level expected on those days
        self.ep_open = np.zeros(s_n, dtype=bool)
        self.ep_idx = np.full(s_n, -1)
        self.gap_idx = np.full(s_n, -1)
        self.healthy_run = np.zeros(s_n, dtype=int)  # consecutive healthy days, for gap resolution
        self.frozen_md = np.zeros((s_n, 7))
        self.frozen_phi = np.zeros(s_n)
        self.frozen_robust = np.zeros(s_n)
        self.robust_hist = np.full((s_n, t_n), np.nan)  # the robust level as it stood on each day
        self.episodes: list[list] = []

    def _window(self, day: int, sign: float, mask: np.ndarray) -> None:
        v = self.xc[mask, day]
        d = self.dows[day]
        self.sums[0, mask, d] += sign
        self.sums[1, mask, d] += sign * v
        self.sums[2, mask, d] += sign * v * v

    def _enter(self, i: int, days: np.ndarray, t: int) -> None:
        """Those `days` of series i that are valid and already past the window's entry on day t (inside it)
        enter the window now; later ones enter as it slides."""
        oldest = t - self.cfg.guard_days - self.cfg.baseline_days
        due = days[(days <= t - self.cfg.guard_days - 1) & (days > oldest)]
        for day in due[self.valid[i, due] & ~self.added[i, due]]:
            self._window(int(day), 1.0, np.arange(len(self.x)) == i)
            self.added[i, day] = True

    def _leave(self, i: int, days: np.ndarray) -> None:
        """Those `days` of series i that are in the window leave it."""
        for day in days[self.added[i, days]]:
            self._window(int(day), -1.0, np.arange(len(self.x)) == i)
            self.added[i, day] = False

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

    def _robust_level(self, t: int, rows: np.ndarray) -> None:
        """The median of the baseline's weekly means (weeks with at least 4 baseline days): a level that a
        burst or its decay cannot raise, and, over whole weeks, without the weekly rhythm."""
        hi = t - self.cfg.guard_days
        weeks = min(self.cfg.baseline_days, hi) // 7
        if weeks <= 0 or not rows.any():
            return
        lo = hi - 7 * weeks
        added = self.added[rows, lo:hi].reshape(-1, weeks, 7)
        sums = np.where(added, self.xc[rows, lo:hi].reshape(-1, weeks, 7), 0.0).sum(2)
        days = added.sum(2)
        means = np.where(days >= 4, sums / np.maximum(days, 1), np.nan)
        # the lower of the medians of the window's older and newer halves: a burst in one half, however
        # long, leaves the other half's level
        halves = [means[:, : max(weeks // 2, 1)], means[:, weeks // 2 :]]
        level = np.full(len(means), np.inf)
        for half in halves:
            known = np.isfinite(half).any(1)
            level[known] = np.minimum(level[known], np.nanmedian(half[known], axis=1))
        self.robust[rows] = np.where(np.isfinite(level), level, np.nan)

    def _holiday_factor(self, t: int, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each series' share of its usual level on day t's holiday (1 on other days), and its relative
        variance: past occurrences of that holiday, shrunk toward the series' pooled holiday share, itself
        shrunk toward 1."""
        code = self.hol[:, t]
        on = code != NO_HOLIDAY
        factor, var = np.ones(len(code)), np.zeros(len(code))
        if not on.any():
            return factor, var
        prior = self.cfg.holiday_prior_days * np.maximum(m, self.cfg.min_expected)
        pooled = (self.hol_obs.sum(1) + prior) / (self.hol_exp.sum(1) + prior)
        rows = np.flatnonzero(on)
        obs, exp = self.hol_obs[rows, code[rows]], self.hol_exp[rows, code[rows]]
        shape = obs + prior[rows] * pooled[rows]
        # a known quiet day: its share is at most the usual level (a busy holiday is an ordinary day)
        factor[rows] = np.minimum(shape / (exp + prior[rows]), 1.0)
        var[rows] = 1.0 / np.maximum(shape, 1e-9)
        return factor, var

    def _expect(self, t: int) -> tuple[np.ndarray, ...]:
        """Expected count, predictive 1/k, baseline-ready and mean level for day t (frozen in an episode)."""
        cfg, d, op = self.cfg, self.dows[t], self.ep_open
        md, phi, n, m, v_rel = baseline_params(*self.sums, cfg)
        self._robust_level(t, np.isnan(self.robust) | (t % 7 == 0))
        self.robust_hist[:, t] = self.robust
        md = np.where(op[:, None], self.frozen_md, md)
        ready = (n >= cfg.min_baseline_days) | op
        # the level of an ordinary day: the weekday mean, brought down to the robust level when the window's
        # mean is above it (a burst's decay, winsorized but still high, then raises only the mean)
        robust_share = np.where(np.isfinite(self.robust) & (m > 0), self.robust / np.maximum(m, 1e-9), 1.0)
        robust_share = np.where(robust_share < cfg.robust_share_below, robust_share, 1.0)
        usual = np.where(ready, md[:, d] * np.where(op, 1.0, robust_share), np.nan)
        factor, hol_var = self._holiday_factor(t, np.where(op, self.frozen_md.mean(1), m))
        mu = usual * factor
        # predictive dispersion: NB 1/k, the relative variance of the estimated weekday mean and of the
        # holiday share
        phi = np.where(op, self.frozen_phi, phi + cfg.estimation_weight * v_rel[:, d] * (1.0 + phi)) + hol_var
        self.mu_hist[:, t], self.phi_hist[:, t] = mu, phi
        self._bursts(t, ready & ~op & (m >= cfg.min_expected), md, m, phi)
        return mu, phi, ready, m, usual

    def _bursts(self, t: int, tested: np.ndarray, md: np.ndarray, m: np.ndarray, phi: np.ndarray) -> None:
        """Against the robust level: a day above the cap enters the baseline winsorized at the cap; a day
        above the burst bound is a burst and stays out of it, unless most of the last level_shift_days were
        bursts: then the zone has a new level and they are let in (winsorized)."""
        cfg, d = self.cfg, self.dows[t]
        level = np.maximum(np.where(np.isfinite(self.robust), self.robust, m), 0.0)
        ref = level * np.where(m > 0, md[:, d] / np.maximum(m, 1e-9), 1.0)
        sd = np.sqrt(ref + phi * ref**2)
        cap = ref + cfg.clip_sd * sd
        self.xc[:, t] = np.where(tested, np.minimum(self.x[:, t], cap), self.x[:, t])
        hit = tested & self.present[:, t] & (self.x[:, t] > ref + cfg.burst_sd * sd)
        self.burst[hit, t] = True
        self.valid[hit, t] = False
        lo = max(0, t - cfg.level_shift_days + 1)
        shifted = self.burst[:, lo : t + 1].sum(1) >= cfg.level_shift_share * cfg.level_shift_days
        for i in np.flatnonzero(shifted):
            days = lo + np.flatnonzero(self.burst[i, lo : t + 1])
            self.burst[i, days] = False
            self.valid[i, days] = self.present[i, days] & self.healthy[i, days] & (self.hol[i, days] < 0)
            self._enter(i, days, t)

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
        llr = np.stack([nb_llr(self.x[:, t], mu0, rho, phi) for rho in cfg.rhos], 1)
        self.start[testable[:, None] & (self.cus <= 0)] = t
        self.cus = np.where(testable[:, None], np.maximum(0.0, self.cus + llr), self.cus)
        self.start = np.where(testable[:, None] & (self.cus <= 0), t + 1, self.start)
        for i in np.flatnonzero(testable & (self.cus > self.h).any(1)):
            self._open(i, t, int(self.start[i][self.cus[i] > self.h].min()))

    def _open(self, i: int, t: int, cp: int) -> None:
        self._leave(i, np.arange(cp, t + 1))  # the run-up days leave (or never enter) the baseline
        self.valid[i, cp : t + 1] = False
        md_i, phi_i, *_ = baseline_params(*self.sums[:, i : i + 1], self.cfg)
        self.frozen_md[i], self.frozen_phi[i] = md_i[0], phi_i[0]
        m_i = md_i[0].mean()
        # the lowest robust level of the window's time: the level before a burst or a long high phase
        recent = self.robust_hist[i, max(0, t - self.cfg.baseline_days - self.cfg.guard_days) : t + 1]
        level = float(np.nanmin(recent)) if np.isfinite(recent).any() else m_i
        self.frozen_robust[i] = min(level, m_i) / max(m_i, 1e-9)  # the robust level as a share of the mean
        self.mu_hist[i, cp : t + 1] = self.frozen_md[i][self.dows[cp : t + 1]]
        self.ep_open[i] = True
        self.episodes.append([i, "reporting_drop", cp, t, -1])
        self.ep_idx[i] = len(self.episodes) - 1
        self.cus[i] = 0.0

    def _recover(self, t: int) -> None:
        """Open episodes keep their days out of the baseline and resolve after the recovery window: when the
        recent stories reach recovery_ratio of the lower of the frozen and the robust level, or when the
        zone has reported at a steady level for the last half of rebaseline_days of a long episode."""
        if not self.ep_open.any():
            return
        cfg, op = self.cfg, self.ep_open
        self.valid[op, t] = False
        lo = max(0, t - cfg.recovery_days + 1)
        obs = self.x[:, lo : t + 1].sum(1)
        frozen = np.nan_to_num(self.mu_hist[:, lo : t + 1]).sum(1)
        exp = frozen * np.minimum(self.frozen_robust, 1.0)
        opened = np.array([self.episodes[j][3] if j >= 0 else t for j in self.ep_idx])
        rec = op & (t - opened >= cfg.recovery_days) & (obs >= cfg.recovery_ratio * exp)
        for i in np.flatnonzero(rec & self.healthy[:, lo : t + 1].all(1)):
            first = self.episodes[self.ep_idx[i]][2]
            if obs[i] < cfg.recovery_ratio * frozen[i] and self._usual_throughout(i, first, t):
                self._readmit(i, first, t)  # the end of a burst, never a drop: its days rejoin the baseline
            self._close(i, t)
        self._rebaseline(t, opened)

    def _usual_throughout(self, i: int, first: int, t: int) -> bool:
        """The episode's stories, over all its days, reached recovery_ratio of the robust level's expectation."""
        span = np.nan_to_num(self.mu_hist[i, first : t + 1]).sum() * min(self.frozen_robust[i], 1.0)
        return bool(self.x[i, first : t + 1].sum() >= self.cfg.recovery_ratio * span)

    def _readmit(self, i: int, first: int, t: int) -> None:
        """Days [first, t] were reporting back at its usual level, not a drop: they rejoin the baseline."""
        days = np.arange(first, t + 1)
        self.valid[i, days] = self.present[i, days] & self.healthy[i, days] & (self.hol[i, days] < 0)
        self.valid[i, days] &= ~self.burst[i, days]
        self._enter(i, days, t)

    def _rebaseline(self, t: int, opened: np.ndarray) -> None:
        """A long episode whose zone reports steadily at a new level resolves; that level is the baseline."""
        cfg, half = self.cfg, self.cfg.rebaseline_days // 2
        if t < 2 * half:
            return
        recent = self.x[:, t - half + 1 : t + 1]
        earlier = self.x[:, t - 2 * half + 1 : t - half + 1]
        steady = (
            self.ep_open
            & (t - opened >= cfg.rebaseline_days)
            & (recent.mean(1) >= cfg.min_expected)
            & (np.abs(recent.mean(1) - earlier.mean(1)) <= 0.25 * np.maximum(earlier.mean(1), 1e-9))
            & self.present[:, t - half + 1 : t + 1].all(1)
            & self.healthy[:, t - half + 1 : t + 1].all(1)
        )
        for i in np.flatnonzero(steady):
            self._leave(i, np.flatnonzero(self.added[i]))  # the old level leaves the window
            days = np.arange(t - half + 1, t + 1)
            self.valid[i, days] = self.hol[i, days] < 0
            self._enter(i, days, t)
            self.robust[i] = np.nan
            self._close(i, t)

    def _close(self, i: int, t: int) -> None:
        self.episodes[self.ep_idx[i]][4] = t
        self.ep_open[i] = False
        self.ep_idx[i] = -1
        self.cus[i] = 0.0

    def _learn(self, t: int, usual: np.ndarray) -> None:
        """A holiday adds its stories and the usual level to that holiday's record, for next time; also while
        an episode is open that began on a holiday (its own lull), never during a drop that began before."""
        code = self.hol[:, t]
        began = np.array([self.episodes[j][2] if j >= 0 else 0 for j in self.ep_idx])
        own_lull = self.ep_open & (self.hol[np.arange(len(code)), began] != NO_HOLIDAY)
        rows = np.flatnonzero(
            (code != NO_HOLIDAY)
            & np.isfinite(usual)
            & self.present[:, t]
            & self.healthy[:, t]
            & ~self.burst[:, t]
            & (~self.ep_open | own_lull)
        )
        # winsorized like a baseline day: news on one holiday must not set the next year's expectation
        self.hol_obs[rows, code[rows]] += self.xc[rows, t]
        self.hol_exp[rows, code[rows]] += usual[rows]

    def step(self, t: int) -> None:
        self._slide(t)
        mu, phi, ready, m, usual = self._expect(t)
        self._gaps(t)
        self._test(t, mu, phi, ready, m)
        self._learn(t, usual)
        self._recover(t)


def detect_matrix(
    x: np.ndarray, health: np.ndarray, dows: np.ndarray, cfg: DropConfig, holidays: np.ndarray | None = None
) -> tuple[list[tuple], np.ndarray, np.ndarray]:
    """Runs the detector on S aligned series (S, T); returns raw episodes, expected (S, T) and 1/k at each day.

    An episode is (series, kind, cp, open_t, resolved_t or -1). NaN counts are missing days (not tested).
    `holidays` (S, T) holds a holiday's index on its days and NO_HOLIDAY elsewhere.
    """
    state = Detector(x, health, dows, cfg, holidays)
    for t in range(x.shape[1]):
        state.step(t)
    return [tuple(e) for e in state.episodes], state.mu_hist, state.phi_hist
