"""SQLAlchemy models of the loader-owned tables (raw.*, ops.*); Alembic migrates them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TS = sa.DateTime(timezone=True)


class Base(DeclarativeBase):
    pass


class Landed:
    """Columns every landed row carries: which run landed it, for which night, and when it was loaded."""

    run_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    data_date = mapped_column(sa.Date, nullable=False)
    loaded_at = mapped_column(TS, nullable=False)


class Item(Landed, Base):
    # No PRIMARY KEY constraint: DuckDB's ART index costs more than the rest of a bulk load together
    # (bench/load.py); the loader keeps item_id unique (anti-join in the batch's transaction) and the
    # raw check suite verifies it.
    __tablename__ = "items"
    __table_args__ = {"schema": "raw"}
    __mapper_args__ = {"primary_key": ["item_id"]}
    item_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    source_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    url: Mapped[str] = mapped_column(sa.String, nullable=False)
    canonical_url: Mapped[str] = mapped_column(sa.String, nullable=False)
    title = mapped_column(sa.String)
    summary = mapped_column(sa.String)
    body_text = mapped_column(sa.String)
    lead_text = mapped_column(sa.String)
    language = mapped_column(sa.String)
    author = mapped_column(sa.String)
    published_at = mapped_column(TS)
    fetched_at = mapped_column(TS, nullable=False)


class FetchEvent(Landed, Base):
    __tablename__ = "fetch_events"
    __table_args__ = {"schema": "raw"}
    event_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    source_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    url: Mapped[str] = mapped_column(sa.String, nullable=False)
    started_at = mapped_column(TS, nullable=False)
    duration_ms = mapped_column(sa.Float)
    http_status = mapped_column(sa.Integer)
    bytes = mapped_column(sa.BigInteger)
    items = mapped_column(sa.Integer)
    error = mapped_column(sa.String)
    error_detail = mapped_column(sa.String)
    is_not_modified = mapped_column(sa.Boolean)
    etag = mapped_column(sa.String)
    last_modified = mapped_column(sa.String)


class AccessIncident(Landed, Base):
    __tablename__ = "access_incidents"
    __table_args__ = {"schema": "raw"}
    incident_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    source_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    dataset_format: Mapped[str] = mapped_column(sa.String, nullable=False)
    record_key = mapped_column(sa.String)
    kind: Mapped[str] = mapped_column(sa.String, nullable=False)
    country = mapped_column(sa.String)
    admin1 = mapped_column(sa.String)
    location = mapped_column(sa.String)
    started_on = mapped_column(sa.Date)
    ended_on = mapped_column(sa.Date)
    victims = mapped_column(sa.Integer)
    person_name = mapped_column(sa.String)
    organization = mapped_column(sa.String)
    description = mapped_column(sa.String)
    url = mapped_column(sa.String)


class ConflictEvent(Landed, Base):
    __tablename__ = "conflict_events"
    __table_args__ = {"schema": "raw"}
    event_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    source_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    dataset_format: Mapped[str] = mapped_column(sa.String, nullable=False)
    record_key = mapped_column(sa.String)
    event_type = mapped_column(sa.String)
    country = mapped_column(sa.String)
    admin1 = mapped_column(sa.String)
    location = mapped_column(sa.String)
    latitude = mapped_column(sa.Float)
    longitude = mapped_column(sa.Float)
    occurred_on = mapped_column(sa.Date)
    fatalities = mapped_column(sa.Integer)
    actor1 = mapped_column(sa.String)
    actor2 = mapped_column(sa.String)
    notes = mapped_column(sa.String)


class ExternalVolume(Landed, Base):
    __tablename__ = "external_volume"
    __table_args__ = {"schema": "raw"}
    volume_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    source_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    dataset_format: Mapped[str] = mapped_column(sa.String, nullable=False)
    series = mapped_column(sa.String, nullable=False)
    country = mapped_column(sa.String)
    day = mapped_column(sa.Date, nullable=False)
    value = mapped_column(sa.Float)
    total = mapped_column(sa.Float)


class RegistryZone(Base):
    __tablename__ = "registry_zones"
    __table_args__ = {"schema": "raw"}
    zone_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String, nullable=False)
    countries = mapped_column(sa.ARRAY(sa.String), nullable=False)
    admin1_json = mapped_column(sa.String)
    aliases_json = mapped_column(sa.String, nullable=False)
    exclusions_json = mapped_column(sa.String)
    synced_at = mapped_column(TS, nullable=False)


class RegistrySource(Base):
    __tablename__ = "registry_sources"
    __table_args__ = {"schema": "raw"}
    source_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String, nullable=False)
    url: Mapped[str] = mapped_column(sa.String, nullable=False)
    languages = mapped_column(sa.ARRAY(sa.String), nullable=False)
    country = mapped_column(sa.String)
    tier: Mapped[str] = mapped_column(sa.String, nullable=False)
    is_independent: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    independence_reason = mapped_column(sa.String)
    zones = mapped_column(sa.ARRAY(sa.String), nullable=False)
    dataset_format = mapped_column(sa.String)
    is_enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    synced_at = mapped_column(TS, nullable=False)


class Run(Base):
    """One row per stage batch: what ran, for which night, and how it ended."""

    __tablename__ = "runs"
    __table_args__ = {"schema": "ops"}
    run_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    stage: Mapped[str] = mapped_column(sa.String, nullable=False)
    data_date = mapped_column(sa.Date)
    started_at = mapped_column(TS, nullable=False)
    finished_at = mapped_column(TS)
    status: Mapped[str] = mapped_column(sa.String, nullable=False)
    files = mapped_column(sa.Integer)
    rows_in = mapped_column(sa.BigInteger)
    rows_inserted = mapped_column(sa.BigInteger)
    rows_rejected = mapped_column(sa.BigInteger)
    detail = mapped_column(sa.String)


class LoadedFile(Base):
    """Landing files already loaded, so a re-run of the loader skips them."""

    __tablename__ = "loaded_files"
    __table_args__ = {"schema": "ops"}
    path: Mapped[str] = mapped_column(sa.String, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String, nullable=False)
    source_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    data_date = mapped_column(sa.Date, nullable=False)
    file_run_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    rows = mapped_column(sa.BigInteger, nullable=False)
    load_run_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    loaded_at = mapped_column(TS, nullable=False)


class RejectedRow(Landed, Base):
    """A row that could not be loaded, with the rule it broke and why; nothing is dropped silently."""

    __tablename__ = "rejected_rows"
    __table_args__ = {"schema": "ops"}
    rejected_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    source_id = mapped_column(sa.String)
    target_table: Mapped[str] = mapped_column(sa.String, nullable=False)
    locator = mapped_column(sa.String)
    field = mapped_column(sa.String)
    rule: Mapped[str] = mapped_column(sa.String, nullable=False)
    reason: Mapped[str] = mapped_column(sa.String, nullable=False)
    record = mapped_column(sa.String)


class FetchState(Base):
    """Conditional-GET validators per source URL (ETag, Last-Modified)."""

    __tablename__ = "fetch_state"
    __table_args__ = {"schema": "ops"}
    source_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    url: Mapped[str] = mapped_column(sa.String, primary_key=True)
    etag = mapped_column(sa.String)
    last_modified = mapped_column(sa.String)
    updated_at = mapped_column(TS, nullable=False)


class CheckResult(Base):
    """One row per expectation of a check run; a re-run of a night's checks replaces that night's rows."""

    __tablename__ = "check_results"
    __table_args__ = {"schema": "ops"}
    result_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    run_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    data_date = mapped_column(sa.Date)
    suite: Mapped[str] = mapped_column(sa.String, nullable=False)
    expectation: Mapped[str] = mapped_column(sa.String, nullable=False)
    column_name = mapped_column(sa.String)
    is_blocking: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    success: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    observed_value = mapped_column(sa.String)
    failing_sample = mapped_column(sa.String)
    checked_at = mapped_column(TS, nullable=False)
    table_name = mapped_column(sa.String)  # 0003
    frame = mapped_column(sa.String)  # 0003
    rule = mapped_column(sa.String)  # 0003


class AlertDelivery(Base):
    """One row per alert state change (opened, resolved) and channel; delivery_id hashes the three."""

    __tablename__ = "alert_deliveries"
    __table_args__ = {"schema": "ops"}
    delivery_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    alert_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    state: Mapped[str] = mapped_column(sa.String, nullable=False)
    channel: Mapped[str] = mapped_column(sa.String, nullable=False)
    delivered_at = mapped_column(TS)  # null until delivered
    run_id = mapped_column(sa.String)
    detail = mapped_column(sa.String)
    status: Mapped[str] = mapped_column(sa.String, nullable=False, server_default="delivered")
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, server_default="1")
    last_attempt_at = mapped_column(TS)
    error = mapped_column(sa.String)


SCHEMAS = ("raw", "staging", "intermediate", "marts", "ops")
