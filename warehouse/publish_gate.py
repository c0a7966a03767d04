"""The publish gate: a night replaces the published snapshot only if it collected enough and is not older."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from statistics import median

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.registry import ConfigIssue, RegistryError, validation_issues
from warehouse.publish import read_meta

CONFIG_FILE = "publish.yml"
FORCE_HINT = (
    '`blindspot publish --force`, `blindspot run --force-publish` or the build conf {"force_publish": true}'
)


class PublishConfig(BaseModel):
    """config/publish.yml: when a night is worth publishing over the last good snapshot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # the yardstick: the median of the night's previous nights that collected items, at most this many
    recent_nights: int = Field(default=7, ge=1, le=90)
    # a night under this share of that median is refused; 0 refuses only a night that collected nothing
    min_share: float = Field(default=0.25, ge=0, le=1)
    # with fewer previous nights with items, only a night that collected nothing is refused
    min_recent_nights: int = Field(default=3, ge=1, le=90)

    @model_validator(mode="after")
    def _enough_room(self) -> PublishConfig:
        if self.min_recent_nights > self.recent_nights:
            raise ValueError(
                f"min_recent_nights ({self.min_recent_nights}) is more than recent_nights ({self.recent_nights})"
            )
        return self


def load_publish_config(config_dir: Path) -> PublishConfig:
    """publish.yml in the registry folder; the defaults above when the folder has none."""
    path = Path(config_dir) / CONFIG_FILE
    if not path.exists():
        return PublishConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RegistryError([ConfigIssue(str(path), "", "", f"not valid YAML: {exc}")]) from None
    try:
        return PublishConfig.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(validation_issues(path, "", exc)) from None


def published_night(path: Path) -> date | None:
    """The night of the published snapshot at `path` (meta.data_date); None when nothing is published."""
    meta = read_meta(path)
    return meta["data_date"] if meta else None


class PublishRefused(RuntimeError):
    """The gate kept the last good snapshot; the message is the one-line reason (the CLI exits 3 with it)."""


@dataclass(frozen=True)
class Verdict:
    """What the gate found for a night, and why it refuses it (reason None: the night may be published)."""

    night: date
    snapshot_night: date | None  # the published snapshot's meta.data_date; None without a snapshot
    items: int  # collected that night: raw.items with that data_date, as meta.items_collected counts them
    recent_median: float | None  # the median items of the previous nights with items
    recent_nights: int  # how many previous nights that median is over
    reason: str | None = None
    forcible: bool = True  # force publishes a refused night, except one older than the snapshot's

    @property
    def refused(self) -> bool:
        return self.reason is not None

    def detail(self, forced: bool = False) -> dict:
        """The verdict as the publish run's ops.runs detail."""
        return {
            "night_items": self.items,
            "recent_median": self.recent_median,
            "recent_nights": self.recent_nights,
            "snapshot_night": self.snapshot_night,
            "reason": self.reason,
            "forced": forced and self.refused,
        }


def judge_night(
    con: duckdb.DuckDBPyConnection, night: date, snapshot_night: date | None, config: PublishConfig
) -> Verdict:
    """Whether `night` may replace the snapshot of `snapshot_night`. Never over a later night; the same night
    again always (re-runs are idempotent); a later night only if it collected items and, once there are
    config.min_recent_nights previous nights with items, at least config.min_share of their median. Without
    a snapshot there is nothing to keep, and any night is published."""
    rows = con.execute(
        "select data_date, count(*) from raw.items where data_date <= $night group by data_date "
        "order by data_date desc limit $n",
        {"night": night, "n": config.recent_nights + 1},
    ).fetchall()
    items = sum(n for day, n in rows if day == night)
    recent = [n for day, n in rows if day < night][: config.recent_nights]
    middle = float(median(recent)) if recent else None
    found = Verdict(night, snapshot_night, items, middle, len(recent))
    if snapshot_night is None or night == snapshot_night:
        return found
    keeps = f"the snapshot of {snapshot_night} stays"
    if night < snapshot_night:
        reason = (
            f"refusing to publish {night}: the published snapshot is for {snapshot_night}, a later night, and a "
            f"snapshot never goes back to an earlier night ({keeps}; forcing does not change this)"
        )
        return replace(found, reason=reason, forcible=False)
    if items == 0:
        reason = (
            f"refusing to publish {night}: it collected 0 items; {keeps}; to publish it anyway: {FORCE_HINT}"
        )
    elif middle is not None and len(recent) >= config.min_recent_nights and items < config.min_share * middle:
        reason = (
            f"refusing to publish {night}: it collected {items} items, {items / middle:.0%} of the median "
            f"{middle:g} of its {len(recent)} previous nights with items (min_share {config.min_share:g} in "
            f"{CONFIG_FILE}); {keeps}; to publish it anyway: {FORCE_HINT}"
        )
    else:
        return found
    return replace(found, reason=reason)
