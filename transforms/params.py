"""Metric parameters from config/metrics.yml (validated), bound into the SQL models as $names."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.registry import RegistryError, validation_issues


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    density: float = Field(default=1.0, ge=0)
    presence: float = Field(default=1.0, ge=0)
    diversity: float = Field(default=1.0, ge=0)
    access: float = Field(default=1.0, ge=0)
    narrative: float = Field(default=1.0, ge=0)
    conflict: float = Field(default=1.0, ge=0)


class MetricsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _alerts_moved(cls, data: object) -> object:
        if isinstance(data, dict) and "alerts" in data:
            raise ValueError(
                "the alerts: section moved to alerts.yml, under reporting_drop: (with every other alert threshold)"
            )
        return data

    weights: Weights = Field(default_factory=Weights)
    access_scale_a0: float = Field(default=5.0, gt=0)
    conflict_scale_c0: float = Field(default=20.0, gt=0)
    frame_rate_f0: float = Field(default=0.10, gt=0, le=1)
    min_baseline_weeks: int = Field(default=4, ge=1, le=26)
    min_weekly_stories: float = Field(default=5.0, ge=0)
    min_zone_tag_score: float = Field(default=2.0, ge=0)
    violence_rise_log2: float = Field(default=1.0, gt=0)
    violence_rise_min_fatalities: float = Field(default=5.0, ge=0)
    attention_offset: float = Field(default=5.0, gt=0)

    def sql_params(self) -> dict[str, float | int]:
        return {
            "w_density": self.weights.density,
            "w_presence": self.weights.presence,
            "w_diversity": self.weights.diversity,
            "w_access": self.weights.access,
            "w_narrative": self.weights.narrative,
            "w_conflict": self.weights.conflict,
            "a0": self.access_scale_a0,
            "f0": self.frame_rate_f0,
            "c0": self.conflict_scale_c0,
            "min_baseline_weeks": self.min_baseline_weeks,
            "min_weekly_stories": self.min_weekly_stories,
            "min_zone_tag_score": self.min_zone_tag_score,
            "violence_rise_log2": self.violence_rise_log2,
            "violence_rise_min_fatalities": self.violence_rise_min_fatalities,
            "attention_offset": self.attention_offset,
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
