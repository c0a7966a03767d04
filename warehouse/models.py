"""SQLAlchemy models of the loader-owned tables (raw.*, ops.*); the landed ones come from the landing contract."""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from landing.schemas import LANDING_SCHEMAS, NATURAL_KEYS, REQUIRED, TARGET_TABLES
from landing.schemas import TS as TS_ARROW

TS = sa.DateTime(timezone=True)


class Base(DeclarativeBase):
    pass


# Arrow type of a landing column -> its column type in the raw table.
_SQL_TYPES = {
    pa.string(): sa.String,
    TS_ARROW: lambda: TS,
    pa.date32(): sa.Date,
    pa.int32(): sa.Integer,
    pa.int64(): sa.BigInteger,
    pa.float64(): sa.Float,
    pa.bool_(): sa.Boolean,
}
# No PRIMARY KEY constraint on raw.items: DuckDB's ART index costs more than the rest of a bulk load
# together (bench/load.py); the loader keeps item_id unique (anti-join in the batch's transaction) and the
# raw check suite verifies it.
WITHOUT_PRIMARY_KEY = frozenset({"items"})


def _landed_table(kind: str) -> sa.Table:
    """The table a landing kind loads into, from the landing contract: its columns, NOT NULLs and key,
    plus loaded_at, which the loader stamps."""
    schema, name = TARGET_TABLES[kind].split(".")
    key, required = NATURAL_KEYS[kind], set(REQUIRED[kind])
    columns = [
        sa.Column(
            f.name,
            _SQL_TYPES[f.type](),
            nullable=f.name not in required,
            primary_key=f.name == key and kind not in WITHOUT_PRIMARY_KEY,
        )
        for f in LANDING_SCHEMAS[kind]
    ]
    return sa.Table(name, Base.metadata, *columns, sa.Column("loaded_at", TS, nullable=False), schema=schema)


LANDED_TABLES: dict[str, sa.Table] = {kind: _landed_table(kind) for kind in LANDING_SCHEMAS}


class RegistryZone(Base):
    __tablename__ = "registry_zones"
    __table_args__ = {"schema": "raw"}
    zone_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String, nullable=False)
    countries = mapped_column(sa.ARRAY(sa.String), nullable=False)
    level = mapped_column(sa.String)
    parent_zone_id = mapped_column(sa.String)
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
    checksum = mapped_column(sa.String)  # sha256 of the file; null for files loaded before revision 0006


class RejectedFile(Base):
    """Landing files that could not be loaded: moved to quarantine/, with the reason and what to do."""

    __tablename__ = "rejected_files"
    __table_args__ = {"schema": "ops"}
    path: Mapped[str] = mapped_column(sa.String, primary_key=True)  # under $BLINDSPOT_HOME, as landed
    checksum: Mapped[str] = mapped_column(sa.String, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String, nullable=False)
    source_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    data_date = mapped_column(sa.Date, nullable=False)
    reason: Mapped[str] = mapped_column(sa.String, nullable=False)
    action: Mapped[str] = mapped_column(sa.String, nullable=False)
    quarantined_to: Mapped[str] = mapped_column(sa.String, nullable=False)
    load_run_id: Mapped[str] = mapped_column(sa.String, nullable=False)
    rejected_at = mapped_column(TS, nullable=False)


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
