"""Alert delivery: exactly once across re-runs (JSONL + ops rows), and a real local webhook that fails then heals."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from alerts import notify
from alerts.config import DeliveryConfig
from alerts.schema import COLUMNS, DDL
from core.settings import Settings
from warehouse.connect import connect, upgrade

RUN_DATE = date(2026, 3, 1)


class Hook(BaseHTTPRequestHandler):
    """A webhook receiver that answers with the server's current status and keeps every body."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        self.server.received.append((dict(self.headers), json.loads(self.rfile.read(length))))
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b"ok" if self.server.status < 300 else b"receiver unavailable")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.received, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def alert_row(alert_id: str, opened: str, resolved: str | None = None, source: str | None = None) -> tuple:
    status = "resolved" if resolved else "open"
    return (alert_id, "zz-north", "reporting_drop", "high", status, opened, resolved, 10.0, 40.0, 0.25, 1e-6,
            f"zz-north: independent stories 10 vs 40.0 expected ({alert_id})", source, "2025-11-01", "2026-02-01",
            opened)  # fmt: skip


@pytest.fixture
def home(settings: Settings) -> Settings:
    """A migrated warehouse with marts.alerts holding one open and one resolved alert."""
    upgrade(settings.warehouse_path)
    write_alerts(settings, [alert_row("a1", "2026-02-25"), alert_row("a2", "2026-02-10", "2026-02-20")])
    return settings


def write_alerts(settings: Settings, rows: list[tuple]) -> None:
    con = connect(settings.warehouse_path)
    try:
        con.execute("create schema if not exists marts")
        con.execute(DDL)
        con.execute("delete from marts.alerts")
        columns = ", ".join(COLUMNS[: len(rows[0])]) if rows else ""
        con.executemany(
            f"insert into marts.alerts ({columns}) values (" + ", ".join(["?"] * len(rows[0])) + ")", rows
        )
    finally:
        con.close()


def deliver(settings: Settings, config: DeliveryConfig | None = None) -> notify.DeliverySummary:
    con = connect(settings.warehouse_path)
    try:
        config = config or DeliveryConfig(webhook_max_age_days=60)  # the fixtures' changes are weeks old
        return notify.deliver(con, settings, RUN_DATE, config, "alert-test")
    finally:
        con.close()


def deliveries(settings: Settings) -> list[tuple]:
    con = connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute(
            "select alert_id, state, channel, status, attempts, error is not null, delivered_at is not null "
            "from ops.alert_deliveries order by alert_id, state, channel"
        ).fetchall()
    finally:
        con.close()


def jsonl(settings: Settings) -> list[dict]:
    return [json.loads(line) for line in settings.alerts_path.read_text(encoding="utf-8").splitlines()]


def test_each_state_change_is_written_once_across_reruns(home: Settings) -> None:
    first = deliver(home)
    assert first.changes == 3 and first.delivered == {"jsonl": 3}
    lines = jsonl(home)
    assert sorted((x["alert_id"], x["state"]) for x in lines) == [
        ("a1", "opened"),
        ("a2", "opened"),
        ("a2", "resolved"),
    ]
    assert {"message", "observed", "expected", "p_value", "changed_on"} <= set(lines[0])
    assert deliver(home).delivered == {}
    assert len(jsonl(home)) == 3
    assert [r[:5] for r in deliveries(home)] == [
        ("a1", "opened", "jsonl", "delivered", 1),
        ("a2", "opened", "jsonl", "delivered", 1),
        ("a2", "resolved", "jsonl", "delivered", 1),
    ]


def test_a_resolution_later_is_sent_alone(home: Settings) -> None:
    deliver(home)
    write_alerts(
        home, [alert_row("a1", "2026-02-25", "2026-02-28"), alert_row("a2", "2026-02-10", "2026-02-20")]
    )
    again = deliver(home)
    assert again.delivered == {"jsonl": 1}
    assert [(x["alert_id"], x["state"]) for x in jsonl(home)][-1] == ("a1", "resolved")


def test_changes_after_the_run_date_wait(home: Settings) -> None:
    write_alerts(home, [alert_row("a3", "2026-03-05")])
    assert deliver(home).changes == 0
    assert not home.alerts_path.exists() or jsonl(home) == []


def test_a_crash_between_writing_and_recording_writes_nothing_twice(home: Settings) -> None:
    deliver(home)
    con = connect(home.warehouse_path)
    con.execute("delete from ops.alert_deliveries")  # as if the run died before its transaction committed
    con.close()
    with home.alerts_path.open("a", encoding="utf-8") as fh:
        fh.write('{"alert_id": "torn')  # and the file ends in a torn line
    deliver(home)
    keys = [
        (x.get("alert_id"), x.get("state")) for x in map(_loads, home.alerts_path.read_text().splitlines())
    ]
    assert sorted(k for k in keys if k[0] in ("a1", "a2")) == [
        ("a1", "opened"),
        ("a2", "opened"),
        ("a2", "resolved"),
    ]
    assert len(deliveries(home)) == 3


def _loads(line: str) -> dict:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return {}


def test_webhook_posts_slack_json_once(home: Settings, hook) -> None:
    settings = home.model_copy(update={"webhook_url": f"http://127.0.0.1:{hook.server_port}/hook"})
    summary = deliver(settings)
    assert summary.delivered == {"jsonl": 3, "webhook": 3}
    assert len(hook.received) == 3
    headers, body = hook.received[0]
    assert body["text"].startswith("[high] reporting_drop opened (zz-north")
    assert body["alert"]["alert_id"] == "a2" and body["alert"]["state"] == "opened"
    assert headers["Idempotency-Key"] == body["delivery_id"]
    deliver(settings)
    assert len(hook.received) == 3


def test_a_failed_webhook_is_recorded_and_retried_next_run(home: Settings, hook) -> None:
    settings = home.model_copy(update={"webhook_url": f"http://127.0.0.1:{hook.server_port}/hook"})
    hook.status = 503
    failed = deliver(settings)
    assert failed.failed == {"webhook": 3} and failed.delivered == {"jsonl": 3}
    rows = [r for r in deliveries(settings) if r[2] == "webhook"]
    assert {r[3:] for r in rows} == {("failed", 1, True, False)}
    con = connect(settings.warehouse_path, read_only=True)
    error = con.execute(
        "select error from ops.alert_deliveries where channel = 'webhook' limit 1"
    ).fetchone()[0]
    con.close()
    assert error.startswith("HTTP 503")

    hook.status = 200
    healed = deliver(settings)
    assert healed.delivered == {"webhook": 3} and healed.failed == {}
    assert {r[3:] for r in deliveries(settings) if r[2] == "webhook"} == {("delivered", 2, False, True)}
    assert len(hook.received) == 6  # three refused, three accepted
    assert deliver(settings).delivered == {}
    assert len(jsonl(settings)) == 3


def test_an_unreachable_webhook_does_not_stop_the_run(home: Settings, hook) -> None:
    port = hook.server_port
    hook.shutdown()
    hook.server_close()
    settings = home.model_copy(update={"webhook_url": f"http://127.0.0.1:{port}/hook"})
    summary = deliver(settings, DeliveryConfig(webhook_timeout_seconds=2, webhook_max_age_days=60))
    assert summary.failed == {"webhook": 3} and summary.delivered == {"jsonl": 3}


def test_old_changes_go_to_the_file_but_not_the_webhook(home: Settings, hook) -> None:
    settings = home.model_copy(update={"webhook_url": f"http://127.0.0.1:{hook.server_port}/hook"})
    summary = deliver(settings, DeliveryConfig(webhook_max_age_days=10))
    assert summary.skipped == 1 and summary.delivered == {
        "jsonl": 3,
        "webhook": 2,
    }  # a2 opened on February 10
    assert [(b["alert"]["alert_id"], b["alert"]["state"]) for _, b in hook.received] == [
        ("a2", "resolved"),
        ("a1", "opened"),
    ]
    assert deliver(settings).delivered == {}


def test_the_airflow_connection_names_the_webhook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.setenv("AIRFLOW_CONN_BLINDSPOT_WEBHOOK", "http://127.0.0.1:8125/services/hook")
    settings = Settings.from_env(environ={}, home=tmp_path)
    assert notify.webhook_url(settings, "blindspot_webhook") == "http://127.0.0.1:8125/services/hook"
    monkeypatch.delenv("AIRFLOW_CONN_BLINDSPOT_WEBHOOK")
    assert notify.webhook_url(settings, "blindspot_webhook") is None
    direct = Settings.from_env(environ={"BLINDSPOT_WEBHOOK_URL": "https://example.org/hook"}, home=tmp_path)
    assert notify.webhook_url(direct, "blindspot_webhook") == "https://example.org/hook"
