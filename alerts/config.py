"""Every alert threshold and the delivery settings, from config/alerts.yml (validated, with defaults)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.registry import ConfigIssue, RegistryError, validation_issues

ACCESS_COLUMNS = (
    "journalists_killed",
    "journalists_detained",
    "journalists_expelled",
    "journalists_attacked",
    "shutdown_days",
    "outage_days",
)
# How a count of each reads in a sentence: (one, several).
ACCESS_PHRASES = {
    "journalists_killed": ("journalist killed", "journalists killed"),
    "journalists_detained": ("journalist detained or imprisoned", "journalists detained or imprisoned"),
    "journalists_expelled": ("journalist expelled or denied entry", "journalists expelled or denied entry"),
    "journalists_attacked": ("journalist attacked", "journalists attacked"),
    "shutdown_days": ("shutdown day", "shutdown days"),
    "outage_days": ("outage day", "outage days"),
}


def access_counts(counts: dict[str, float]) -> str:
    """'3 journalists detained or imprisoned, 28 shutdown days': the non-zero counts, in ACCESS_COLUMNS order."""
    parts = []
    for column in ACCESS_COLUMNS:
        n = round(counts.get(column, 0))
        if n > 0:
            one, several = ACCESS_PHRASES[column]
            parts.append(f"{n} {one if n == 1 else several}")
    return ", ".join(parts)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DropConfig(Strict):
    """reporting_drop and collection_gap: every threshold of the drop detector (alerts.drops.detect).

    The defaults were calibrated by bench/alerts_eval.py to at most one false alarm per zone-year.
    """

    baseline_days: int = Field(
        default=112, ge=14, le=730
    )  # trailing days: level, weekday factors, dispersion
    guard_days: int = Field(default=7, ge=0, le=60)  # gap between the baseline window and the day tested
    min_baseline_days: int = Field(default=28, ge=7)  # valid days needed in the window before testing starts
    dow_prior_scale: float = Field(default=1.0, ge=0)  # scales the between-weekday variance in the shrinkage
    dispersion_floor: float = Field(default=0.0, ge=0)  # minimum NB 1/k used
    estimation_weight: float = Field(
        default=3.0, ge=0
    )  # share of the weekday-mean estimation variance in 1/k
    dispersion_se: float = Field(default=0.5, ge=0)  # standard errors of the moment estimate of 1/k added
    clip_sd: float = Field(default=3.0, gt=0)  # days above the robust level + clip_sd * sd enter winsorized
    burst_sd: float = Field(
        default=6.0, gt=0
    )  # days above the robust level + burst_sd * sd are bursts: kept out
    min_expected: float = Field(default=1.0, ge=0)  # baseline mean/day below which nothing is tested
    rhos: tuple[float, ...] = Field(default=(0.2, 0.5, 0.75), min_length=1)  # drops tested: mu -> rho * mu
    thresholds: tuple[float, ...] = Field(default=(5.1, 5.1, 5.1), min_length=1)  # CUSUM h, one per rho
    recovery_days: int = Field(default=7, ge=1, le=60)  # trailing days whose sum must reach recovery_ratio
    recovery_ratio: float = Field(default=0.8, gt=0, le=1)
    health_threshold: float = Field(default=0.9, ge=0, le=1)  # below it: collection_gap, never reporting_drop
    gap_recovery_days: int = Field(default=3, ge=1, le=30)  # healthy days in a row before a gap resolves
    robust_share_below: float = Field(default=0.9, gt=0, le=1)  # a robust level under this share of the
    # mean sets the expected level (the mean is raised by a burst's winsorized days)
    # Read each zone's known quiet days (the series' holiday column). Off: on the real replay
    # (bench/alerts_replay.py) the holiday model added episodes, 1.16 -> 1.36 per series-year (methodology.md).
    use_holidays: bool = False
    holiday_prior_days: float = Field(default=2.0, gt=0)  # weight of the prior on a holiday's share, in days
    level_shift_days: int = Field(default=42, ge=7, le=365)  # bursts over most of these days: a new level ...
    level_shift_share: float = Field(default=0.67, gt=0.5, le=1)  # ... when at least this share were bursts
    rebaseline_days: int = Field(default=56, ge=14, le=730)  # an episode this long at a steady level resolves
    critical_ratio: float = Field(default=0.3, gt=0, le=1)  # severity critical: ratio <= this, p < critical_p
    critical_p: float = Field(default=1e-4, gt=0, le=1)
    high_ratio: float = Field(default=0.6, gt=0, le=1)  # high: ratio <= this and p < high_p; else medium
    high_p: float = Field(default=1e-3, gt=0, le=1)

    @property
    def warm_up_days(self) -> int:
        """Days from a zone's first monitored day to its first possible test (all days counting)."""
        return self.guard_days + self.min_baseline_days

    @model_validator(mode="after")
    def _consistent(self) -> DropConfig:
        if not all(0 < r < 1 for r in self.rhos):
            raise ValueError("rhos must each be between 0 and 1 (the post-drop share of the baseline)")
        if len(self.thresholds) != len(self.rhos) or not all(h > 0 for h in self.thresholds):
            raise ValueError("thresholds must be positive, one per entry of rhos")
        if self.min_baseline_days > self.baseline_days:
            raise ValueError("min_baseline_days cannot exceed baseline_days")
        return self


class PresenceDropConfig(Strict):
    """presence_drop: the drop detector on inside-dateline stories, kept when coverage did not fall as far."""

    max_relative_ratio: float = Field(default=0.6, gt=0, le=1)
    coverage_baseline_days: int = Field(default=56, ge=7)
    guard_days: int = Field(default=7, ge=0)


class SourceSilentConfig(Strict):
    """source_silent: a source with regular items about a zone stops for improbably long, fetches succeeding."""

    min_silence_days: int = Field(default=3, ge=1)
    baseline_days: int = Field(default=56, ge=7)
    min_baseline_items: int = Field(default=20, ge=1)
    min_active_days: int = Field(default=14, ge=1)
    max_p_value: float = Field(default=1e-5, gt=0, lt=1)
    min_fetches: int = Field(default=2, ge=1)
    min_success_share: float = Field(default=0.8, ge=0, le=1)
    recovery_days: int = Field(default=1, ge=1)


class AccessIncidentConfig(Strict):
    """access_incident: any incident of a trigger kind, or weighted incidents spiking over the zone's baseline."""

    trigger_columns: tuple[str, ...] = ("journalists_killed", "journalists_detained", "shutdown_days")
    spike_window_days: int = Field(default=7, ge=1)
    baseline_days: int = Field(default=90, ge=14)
    spike_factor: float = Field(default=3.0, ge=1)
    min_spike_weighted: float = Field(default=3.0, ge=0)
    recovery_days: int = Field(default=14, ge=1)

    @field_validator("trigger_columns")
    @classmethod
    def known_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(ACCESS_COLUMNS))
        if unknown:
            raise ValueError(f"unknown column(s) {unknown}; known: {list(ACCESS_COLUMNS)}")
        return value


class DeliveryConfig(Strict):
    """How state changes are delivered (the JSONL file always; the webhook when one is configured)."""

    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_max_age_days: int = Field(default=14, ge=0)
    airflow_conn_id: str = "blindspot_webhook"
    # where the report is served (e.g. https://reports.example.org/blindspot); an alert's report_url is its
    # zone's page under it. Unset: the page's file name, relative to $BLINDSPOT_HOME/report.
    report_base_url: str | None = None


class AlertsConfig(Strict):
    """config/alerts.yml: one section per alert kind, and delivery."""

    reporting_drop: DropConfig = Field(default_factory=DropConfig)
    presence_drop: PresenceDropConfig = Field(default_factory=PresenceDropConfig)
    source_silent: SourceSilentConfig = Field(default_factory=SourceSilentConfig)
    access_incident: AccessIncidentConfig = Field(default_factory=AccessIncidentConfig)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)


def load_alerts_config(config_dir: Path) -> AlertsConfig:
    """alerts.yml in the registry folder; the defaults above when the folder has none."""
    path = Path(config_dir) / "alerts.yml"
    if not path.exists():
        return AlertsConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RegistryError([ConfigIssue(str(path), "", "", f"not valid YAML: {exc}")]) from None
    try:
        return AlertsConfig.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(validation_issues(path, "", exc)) from None
