"""Airflow DAG blindspot_build: transform, check, deliver alerts, publish and report once the raw layer changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from blindspot.orchestration import RAW_ASSET, WAREHOUSE_POOL, night_of

DEFAULT_ARGS = {
    "owner": "blindspot",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "pool": WAREHOUSE_POOL,  # every task here writes the warehouse; DuckDB has a single writer
}

DOC = """
### blindspot_build

Runs when `blindspot_collect`'s `load` task updates the Asset `blindspot://warehouse/raw`. The night comes from
that asset event's extra (`data_date`); a manual run takes it from the run conf (`{"date": "YYYY-MM-DD"}`).

`transform` -> `check` -> `alert` -> `publish` -> `report`, each one call into `blindspot.pipeline`, the same
functions as `blindspot transform`, `check`, `alerts --deliver`, `publish` and `report`. A failed blocking check
fails `check` at once (no retries) with the failed expectations in its log and error, and nothing after it runs:
no alert is delivered and the published snapshot stays the previous night's. Alerts go to
`$BLINDSPOT_HOME/alerts/alerts.jsonl` and to the webhook of the Airflow connection `blindspot_webhook` (or
`BLINDSPOT_WEBHOOK_URL`).

**The publish gate.** A night that collected no items, or fewer than `min_share` of the median of its recent
nights (`publish.yml` in the registry folder), or a night older than the snapshot's, keeps the last good
snapshot (docs/operations.md, "Publishing a night"). Then `alert` is skipped (delivery held: alerts of such a
night describe our collection, not the zones), `publish` records the refusal in `ops.runs` (status
`refused`) and is skipped with the reason in its log, and `report` is skipped: the report stays the last good
night's. The run stays green. A manual run forces an empty or small night with the conf
`{"date": "YYYY-MM-DD", "force_publish": true}`; a night older than the snapshot's is never published.
"""


def force_publish(context: dict) -> bool:
    """The run conf's force_publish (JSON true or false; absent is false)."""
    conf = (context.get("dag_run") and context["dag_run"].conf) or {}
    value = conf.get("force_publish", False)
    if not isinstance(value, bool):  # a typo such as "yes" fails the task rather than being read as false
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f'the run conf\'s "force_publish" must be true or false, not {value!r}')
    return value


@dag(
    dag_id="blindspot_build",
    schedule=[RAW_ASSET],
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=DOC,
    tags=["blindspot", "build"],
)
def blindspot_build() -> None:
    @task
    def night(**context) -> str:
        return night_of(context, RAW_ASSET)

    @task
    def transform(run_date: str) -> dict:
        from datetime import date

        from blindspot.pipeline import Context, transform_stage

        summary = transform_stage(Context.create(), date.fromisoformat(run_date))
        return {"run_date": run_date, "models": len(summary.models)}

    @task
    def check(run_date: str) -> dict:
        from datetime import date

        from airflow.sdk.exceptions import AirflowFailException

        from blindspot.pipeline import Context, check_stage

        summary = check_stage(Context.create(), date.fromisoformat(run_date))
        if not summary.passed:
            failed = "; ".join(r.describe() for r in summary.failed_blocking[:5])
            # AirflowFailException: a failed check is a data problem, so retrying cannot fix it.
            raise AirflowFailException(
                f"check run {summary.run_id} for {run_date}: {len(summary.failed_blocking)} blocking "
                f"expectation(s) failed, alerts and publishing held back: {failed}"
            )
        return {"run_id": summary.run_id, "expectations": len(summary.results)}

    @task
    def alert(run_date: str, **context) -> dict:
        from datetime import date

        from airflow.sdk.exceptions import AirflowSkipException

        from blindspot.pipeline import Context, alert_stage, judge_publish

        ctx, night = Context.create(), date.fromisoformat(run_date)
        held = judge_publish(ctx, night, force_publish(context)).reason
        if held:  # delivered with the next night the gate lets through
            raise AirflowSkipException(f"alert delivery held: {held}")
        sent = alert_stage(ctx, night)
        return {"changes": sent.changes, "delivered": sent.delivered, "failed": sent.failed}

    # none_failed: a night whose alerts were held still reaches publish, which records the refusal
    @task(trigger_rule="none_failed")
    def publish(run_date: str, **context) -> dict:
        from datetime import date

        from airflow.sdk.exceptions import AirflowSkipException

        from blindspot.pipeline import Context, PublishRefused, publish_stage

        try:
            summary = publish_stage(Context.create(), date.fromisoformat(run_date), force_publish(context))
        except PublishRefused as exc:  # the last good snapshot stays; report is skipped after it
            raise AirflowSkipException(str(exc)) from exc
        return {"path": str(summary.path), "tables": len(summary.row_counts)}

    @task
    def report(run_date: str) -> str:
        from datetime import date

        from airflow.sdk.exceptions import AirflowSkipException

        from blindspot.pipeline import report_stage
        from core.settings import Settings
        from warehouse.publish import SnapshotIsNewer

        settings = Settings.from_env()
        try:
            report_stage(settings, date.fromisoformat(run_date))
        except SnapshotIsNewer as exc:  # a backfilled night: the report stays the newer night's
            raise AirflowSkipException(str(exc)) from exc
        return str(settings.report_dir / "index.html")

    run_date = night()
    built = transform(run_date)
    checked = check(run_date)
    sent = alert(run_date)
    published = publish(run_date)
    built >> checked >> sent >> published >> report(run_date)


blindspot_build()
