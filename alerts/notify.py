"""Delivery of alert state changes (opened, resolved) exactly once: the JSONL file, and a webhook if configured."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import httpx
import pyarrow as pa

from alerts.config import DeliveryConfig
from alerts.evidence import summary_line
from alerts.lifecycle import read_alerts
from alerts.schema import NOTIFICATION_FIELDS
from core.settings import Settings
from warehouse.connect import rollback
from warehouse.ops import utcnow

log = logging.getLogger(__name__)


@dataclass
class DeliverySummary:
    run_date: date
    changes: int = 0  # state changes up to the run date
    delivered: dict[str, int] = field(default_factory=dict)  # channel -> delivered in this run
    failed: dict[str, int] = field(default_factory=dict)  # channel -> failed in this run (retried next run)
    skipped: int = 0  # too old for the webhook when first seen


@dataclass(frozen=True)
class Change:
    """One alert state change: the alert's row and which state it entered on which day."""

    alert: dict
    state: str  # opened | resolved
    on: date

    @property
    def key(self) -> tuple[str, str]:
        return self.alert["alert_id"], self.state

    def delivery_id(self, channel: str) -> str:
        return hashlib.sha256(f"{self.alert['alert_id']}|{self.state}|{channel}".encode()).hexdigest()[:16]

    def payload(self) -> dict:
        """The structured record: the alert's fields, the state it entered and when. An "opened" event carries
        the values as the alert was first found (`values_as_of` says which night), not today's; evidence is
        the latest."""
        record = {"state": self.state, "changed_on": self.on.isoformat()} | {
            k: _json_value(self.alert.get(k)) for k in NOTIFICATION_FIELDS
        }
        seen = self.alert.get("first_seen")
        if self.state == "opened" and isinstance(seen, str):
            values = json.loads(seen)
            record |= {k: v for k, v in values.items() if k != "as_of"} | {"values_as_of": values["as_of"]}
        return record


def _json_value(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat"):
        return (
            value.date().isoformat() if hasattr(value, "date") and callable(value.date) else value.isoformat()
        )
    return value


def state_changes(con: duckdb.DuckDBPyConnection, run_date: date) -> list[Change]:
    """Every opened and resolved state in marts.alerts dated on or before the run date."""
    changes = []
    for alert in read_alerts(con).to_dict("records"):
        opened = _day(alert["opened_on"])
        resolved = _day(alert["resolved_on"])
        alert |= {"opened_on": opened, "resolved_on": resolved}
        if opened <= run_date:
            changes.append(Change(alert, "opened", opened))
        if resolved is not None and resolved <= run_date:
            changes.append(Change(alert, "resolved", resolved))
    return sorted(changes, key=lambda c: (c.on, c.state != "opened", c.alert["alert_id"]))


def _day(value: object) -> date | None:
    if value is None or value != value:  # NaT / NaN
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def append_jsonl(path: Path, changes: list[Change], recorded_at: str) -> int:
    """Append the changes not yet in the file (one JSON object per line); returns how many were written.

    The file itself is checked, so a run that died between writing and recording writes nothing twice.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    present: set[tuple[str, str]] = set()
    needs_newline = False
    if path.exists():
        text = path.read_text(encoding="utf-8")
        needs_newline = bool(text) and not text.endswith("\n")
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                log.warning("unreadable line in %s kept as is: %.80s", path, line)
                continue
            present.add((record.get("alert_id"), record.get("state")))
    lines = [
        json.dumps(c.payload() | {"recorded_at": recorded_at}, sort_keys=True, ensure_ascii=False)
        for c in changes
        if c.key not in present
    ]
    if lines:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(("\n" if needs_newline else "") + "\n".join(lines) + "\n")
    return len(lines)


def webhook_url(settings: Settings, conn_id: str) -> str | None:
    """BLINDSPOT_WEBHOOK_URL, else the Airflow connection `conn_id` when Airflow is installed and configured.

    Airflow is imported only when its environment names the connection or a task is running, because the
    import costs seconds and a CLI run without Airflow must not need it.
    """
    if settings.webhook_url:
        return settings.webhook_url
    configured = f"AIRFLOW_CONN_{conn_id.upper()}" in os.environ or "AIRFLOW_CTX_DAG_ID" in os.environ
    if not configured or importlib.util.find_spec("airflow") is None:
        return None
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    if conn.extra_dejson.get("url"):
        return str(conn.extra_dejson["url"])
    scheme = conn.conn_type if conn.conn_type in ("http", "https") else "https"
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{conn.host}{port}/{conn.schema or ''}"


def post_webhook(client: httpx.Client, url: str, change: Change, delivery_id: str) -> str | None:
    """POST one change as Slack-compatible JSON; returns None on a 2xx answer, else the error to record."""
    a = change.payload()
    where = (a.get("zone_name") or a["zone_id"]) + (f" / {a['source_id']}" if a["source_id"] else "")
    evidence = summary_line(a)
    text = f"[{a['severity']}] {a['kind']} {change.state} ({where}, {change.on}): {a['message']}"
    body = {
        "text": text
        + (f"\n{evidence}" if evidence else "")
        + (f"\n{a['report_url']}" if a.get("report_url") else ""),
        "delivery_id": delivery_id,
        "alert": a,
    }
    try:
        response = client.post(url, json=body, headers={"Idempotency-Key": delivery_id})
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.is_success:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"


def _record_batch(con: duckdb.DuckDBPyConnection, records: list[dict]) -> None:
    """Upsert the run's delivery rows in one statement pair (insert new keys, update the rest)."""
    if not records:
        return
    schema = pa.schema(
        [
            ("delivery_id", pa.string()),
            ("alert_id", pa.string()),
            ("state", pa.string()),
            ("channel", pa.string()),
            ("delivered_at", pa.timestamp("us", tz="UTC")),
            ("run_id", pa.string()),
            ("detail", pa.string()),
            ("status", pa.string()),
            ("last_attempt_at", pa.timestamp("us", tz="UTC")),
            ("error", pa.string()),
        ]
    )
    con.register("delivery_batch", pa.Table.from_pylist(records, schema=schema))
    try:
        con.execute(
            """
            update ops.alert_deliveries as d
            set status = b.status, delivered_at = coalesce(b.delivered_at, d.delivered_at), run_id = b.run_id,
                detail = b.detail, error = b.error, attempts = d.attempts + 1, last_attempt_at = b.last_attempt_at
            from delivery_batch as b
            where d.delivery_id = b.delivery_id
            """
        )
        con.execute(
            """
            insert into ops.alert_deliveries by name
            select *, 1 as attempts from delivery_batch as b
            where b.delivery_id not in (select delivery_id from ops.alert_deliveries)
            """
        )
    finally:
        con.unregister("delivery_batch")


def deliver(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date, config: DeliveryConfig, run_id: str
) -> DeliverySummary:
    """Send every state change not yet delivered on each channel, and record each outcome in one transaction."""
    summary = DeliverySummary(run_date)
    changes = state_changes(con, run_date)
    summary.changes = len(changes)
    done = {
        (a, s, ch)
        for a, s, ch in con.execute(
            "select alert_id, state, channel from ops.alert_deliveries where status in ('delivered', 'skipped')"
        ).fetchall()
    }
    now = utcnow()
    records: list[dict] = []

    def record(
        change: Change, channel: str, status: str, error: str | None = None, detail: str | None = None
    ):
        delivered = now if status == "delivered" else None
        records.append(
            {
                "delivery_id": change.delivery_id(channel),
                "alert_id": change.alert["alert_id"],
                "state": change.state,
                "channel": channel,
                "delivered_at": delivered,
                "run_id": run_id,
                "detail": detail,
                "status": status,
                "last_attempt_at": now,
                "error": error,
            }
        )
        bucket = (
            summary.delivered if status == "delivered" else summary.failed if status == "failed" else None
        )
        if bucket is not None:
            bucket[channel] = bucket.get(channel, 0) + 1

    todo = [c for c in changes if (*c.key, "jsonl") not in done]
    append_jsonl(settings.alerts_path, todo, now.isoformat())
    for change in todo:
        record(change, "jsonl", "delivered", detail=str(settings.alerts_path))
    url = webhook_url(settings, config.airflow_conn_id)
    if url:
        _deliver_webhook(
            url, [c for c in changes if (*c.key, "webhook") not in done], run_date, config, record
        )
        summary.skipped = sum(r["status"] == "skipped" for r in records)
    con.execute("begin transaction")
    try:
        _record_batch(con, records)
        con.execute("commit")
    except BaseException as exc:
        rollback(con, exc)
        raise
    return summary


def _deliver_webhook(url: str, todo: list[Change], run_date: date, config: DeliveryConfig, record) -> None:
    """Post each pending change; a change first seen long after it happened goes to the JSONL file only."""
    oldest = run_date - timedelta(days=config.webhook_max_age_days)
    with httpx.Client(timeout=config.webhook_timeout_seconds) as client:
        for change in todo:
            if change.on < oldest:
                note = (
                    f"older than {config.webhook_max_age_days} days when first seen; in the JSONL file only"
                )
                record(change, "webhook", "skipped", detail=note)
                continue
            error = post_webhook(client, url, change, change.delivery_id("webhook"))
            if error:
                log.warning(
                    "webhook delivery of %s %s failed: %s", change.alert["alert_id"], change.state, error
                )
            record(change, "webhook", "failed" if error else "delivered", error=error)
