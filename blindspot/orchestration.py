"""What the Airflow DAGs share: the raw layer's Asset, the warehouse pool, and how a run finds its night."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Asset

from core.settings import Settings

# The raw layer as an Airflow Asset: blindspot_collect's `load` emits it, and blindspot_build is scheduled on it.
RAW_ASSET = Asset(name="blindspot_raw", uri="blindspot://warehouse/raw")
WAREHOUSE_POOL = "blindspot_warehouse"  # size 1: DuckDB allows a single writer


def night_of(context: dict, asset: Asset | None = None) -> str:
    """The run's night as YYYY-MM-DD, never the clock.

    In order: the newest triggering event of `asset` with a `data_date` in its extra; the run conf's
    `date`; the logical date. Without an asset (a scheduled or manual collect run) also the data
    interval's start, then when a manual run without a logical date was queued. A run triggered by an
    asset that gives none of these fails: it has no night to build.
    """
    if asset is not None:
        events = context.get("triggering_asset_events") or {}
        dated = [e for e in (events[asset] if asset in events else []) if (e.extra or {}).get("data_date")]
        if dated:
            return max(e.extra["data_date"] for e in dated)
    conf = (context.get("dag_run") and context["dag_run"].conf) or {}
    if conf.get("date"):
        return datetime.strptime(str(conf["date"]), "%Y-%m-%d").date().isoformat()
    keys = ("logical_date",) if asset is not None else ("logical_date", "data_interval_start")
    for key in keys:
        moment = context.get(key)
        if moment is not None:
            return moment.astimezone(UTC).date().isoformat()
    if asset is None:
        return context["dag_run"].run_after.astimezone(UTC).date().isoformat()
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(
        f"no night to build: the run has no {asset.name} asset event with a data_date, no conf "
        '{"date": "YYYY-MM-DD"} and no logical date'
    )


def collect_schedule() -> str | None:
    """BLINDSPOT_COLLECT_SCHEDULE (an env read, no I/O); "none" leaves only triggered runs."""
    schedule = Settings.from_env().collect_schedule.strip()
    return None if schedule.lower() == "none" else schedule
