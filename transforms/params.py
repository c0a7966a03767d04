"""Metric and alert parameters from config/metrics.yml (validated); metrics are bound into SQL as $names."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.registry import RegistryError, validation_issues
from transforms.drops import DropConfig

_DROP = DropConfig()  # one source of the detector defaults: the dataclass in transforms/drops.py


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    density: float = Field(default=1.0, ge=0)
    presence: float = Field(default=1.0, ge=0)
    diversity: float = Field(default=1.0, ge=0)
    access: float = Field(default=1.0, ge=0)
    narrative: float = Field(default=1.0, ge=0)


class AlertsConfig(BaseModel):
    """The `alerts:` section: every DropConfig field of the reporting-drop detector (docs/methodology.md)."""

    model_config = ConfigDict(extra="forbid")
    baseline_days: int = Field(default=_DROP.baseline_days, ge=14, le=730)
    guard_days: int = Field(default=_DROP.guard_days, ge=0, le=60)
    min_baseline_days: int = Field(default=_DROP.min_baseline_days, ge=7)
    dow_prior_scale: float = Field(default=_DROP.dow_prior_scale, ge=0)
    dispersion_floor: float = Field(default=_DROP.dispersion_floor, ge=0)
    estimation_weight: float = Field(default=_DROP.estimation_weight, ge=0)
    dispersion_se: float = Field(default=_DROP.dispersion_se, ge=0)
    clip_sd: float = Field(default=_DROP.clip_sd, gt=0)
    min_expected: float = Field(default=_DROP.min_expected, ge=0)
    rhos: tuple[float, ...] = Field(default=_DROP.rhos, min_length=1)
    thresholds: tuple[float, ...] = Field(default=_DROP.thresholds, min_length=1)
    recovery_days: int = Field(default=_DROP.recovery_days, ge=1, le=60)
    recovery_ratio: float = Field(default=_DROP.recovery_ratio, gt=0, le=1)
    health_threshold: float = Field(default=_DROP.health_threshold, ge=0, le=1)
    gap_recovery_days: int = Field(default=_DROP.gap_recovery_days, ge=1, le=30)
    critical_ratio: float = Field(default=_DROP.critical_ratio, gt=0, le=1)
    critical_p: float = Field(default=_DROP.critical_p, gt=0, le=1)
    high_ratio: float = Field(default=_DROP.high_ratio, gt=0, le=1)
    high_p: float = Field(default=_DROP.high_p, gt=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> AlertsConfig:
        if not all(0 < r < 1 for r in self.rhos):
            raise ValueError("rhos must each be between 0 and 1 (the post-drop share of the baseline)")
        if len(self.thresholds) != len(self.rhos) or not all(h > 0 for h in self.thresholds):
            raise ValueError("thresholds must be positive, one per entry of rhos")
        if self.min_baseline_days > self.baseline_days:
            raise ValueError("min_baseline_days cannot exceed baseline_days")
        return self

    def drop_config(self) -> DropConfig:
        """The detector configuration that transforms.drops.detect takes."""
        return DropConfig(**self.model_dump())


class MetricsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weights: Weights = Field(default_factory=Weights)
    access_scale_a0: float = Field(default=5.0, gt=0)
    frame_rate_f0: float = Field(default=0.10, gt=0, le=1)
    min_baseline_weeks: int = Field(default=4, ge=1, le=26)
    min_weekly_stories: float = Field(default=5.0, ge=0)
    min_zone_tag_score: float = Field(default=2.0, ge=0)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)

    def sql_params(self) -> dict[str, float | int]:
        return {
            "w_density": self.weights.density,
            "w_presence": self.weights.presence,
            "w_diversity": self.weights.diversity,
            "w_access": self.weights.access,
            "w_narrative": self.weights.narrative,
            "a0": self.access_scale_a0,
            "f0": self.frame_rate_f0,
            "min_baseline_weeks": self.min_baseline_weeks,
            "min_weekly_stories": self.min_weekly_stories,
            "min_zone_tag_score": self.min_zone_tag_score,
        }


def load_metrics(config_dir: Path) -> MetricsConfig:
    """metrics.yml in the registry folder; the defaults above when the folder has none."""
    path = Path(config_dir) / "metrics.yml"
    if not path.exists():
        return MetricsConfig()
    try:
        return MetricsConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except ValidationError as exc:
        raise RegistryError(validation_issues(path, "", exc)) from None


def load_drop_config(config_dir: Path) -> DropConfig:
    """The reporting-drop detector configuration from metrics.yml's `alerts:` section (defaults without one)."""
    return load_metrics(config_dir).alerts.drop_config()
