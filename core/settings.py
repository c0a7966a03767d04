"""The one entrance to configuration: paths and BLINDSPOT_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_PREFIX = "BLINDSPOT_"

# Every environment variable blindspot reads; any other BLINDSPOT_* name is a typo and an error.
KNOWN_ENV = {
    "BLINDSPOT_HOME": "home",
    "BLINDSPOT_CONFIG": "config_dir",
    "BLINDSPOT_LANDING_URL": "landing_url",
    "BLINDSPOT_ALLOW_LOOPBACK": "allow_loopback",
    "BLINDSPOT_WEBHOOK_URL": "webhook_url",
    "BLINDSPOT_CONTACT_URL": "contact_url",
    "BLINDSPOT_LOG_LEVEL": "log_level",
    "BLINDSPOT_COLLECT_SCHEDULE": "collect_schedule",
    "BLINDSPOT_MEMORY_LIMIT": "memory_limit",
    "BLINDSPOT_LOCK_WAIT_SECONDS": "lock_wait_seconds",
    "BLINDSPOT_REQUEST_DEADLINE_SECONDS": "request_deadline_seconds",
    "BLINDSPOT_SOURCE_BUDGET_SECONDS": "source_budget_seconds",
    "BLINDSPOT_NIGHT_BUDGET_SECONDS": "night_budget_seconds",
    "BLINDSPOT_MIN_FREE_MB": "min_free_mb",
}


class SettingsError(ValueError):
    """A BLINDSPOT_* variable is unknown or holds a bad value."""


class Settings(BaseModel):
    """Paths and switches for one process. Build it with `Settings.from_env()`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Path("data")
    config_dir: Path = Path("config")
    landing_url: str | None = None
    allow_loopback: bool = False
    webhook_url: str | None = None
    contact_url: str = "https://github.com/blindspot-project/blindspot"
    # the `blindspot` command's log level on stderr (-v makes it at least INFO); any case is accepted
    log_level: str = Field(default="WARNING", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # The blindspot_collect DAG's schedule: cron or an Airflow preset, or "none" for triggered runs only.
    collect_schedule: str = "0 2 * * *"
    # DuckDB's memory_limit for the stages that write the warehouse ("1.3GB"; None: DuckDB's default, 80% of
    # RAM). The process holds about 0.4-0.5 GB beyond it (bench/transform.py).
    memory_limit: str | None = Field(default=None, pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
    # how long a writer waits for another process to release the warehouse before saying who holds it
    lock_wait_seconds: float = Field(default=30.0, ge=0)
    # Collection deadlines: one request (connect, redirects and every read), one source's requests in a night
    # (a paged dataset stops there), and the whole night's collection. A source past one is a `timeout` event.
    request_deadline_seconds: float = Field(default=60.0, gt=0)
    source_budget_seconds: float = Field(default=300.0, gt=0)
    night_budget_seconds: float = Field(default=1800.0, gt=0)
    # working room a load or transform leaves on the warehouse's disk besides what it writes (WAL, temp files);
    # 0 turns the free-space check off (a filesystem that reports its free space wrongly)
    min_free_mb: int = Field(default=256, ge=0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read BLINDSPOT_* variables; unknown names raise SettingsError instead of being ignored."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, value in environ.items():
            if not name.startswith(ENV_PREFIX):
                continue
            if name not in KNOWN_ENV:
                known = ", ".join(sorted(KNOWN_ENV))
                raise SettingsError(f"unknown environment variable {name}; known: {known}")
            values[KNOWN_ENV[name]] = value
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            from_env = {field: name for name, field in KNOWN_ENV.items() if name in environ}
            problems = []
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else ""
                named = from_env.get(field, field)
                problems.append(f"{named}={error.get('input')!r}: {error['msg']}")
            raise SettingsError("; ".join(problems)) from exc

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def published_path(self) -> Path:
        return self.home / "published" / "blindspot.duckdb"

    @property
    def alerts_path(self) -> Path:
        return self.home / "alerts" / "alerts.jsonl"

    @property
    def report_dir(self) -> Path:
        return self.home / "report"

    @property
    def demo_dir(self) -> Path:
        return self.home / "demo"
