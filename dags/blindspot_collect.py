"""Airflow DAG blindspot_collect: collect every enabled source into landing files, then load the warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from blindspot.orchestration import RAW_ASSET, WAREHOUSE_POOL, collect_schedule, night_of

DEFAULT_ARGS = {
    "owner": "blindspot",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,  # 2, 4, 8 minutes: a flaky site gets time to recover
    "max_retry_delay": timedelta(minutes=30),
}

DOC = """
### blindspot_collect

One night of collection. `sources` lists the enabled sources of the registry (`BLINDSPOT_CONFIG`) when the run
starts; `collect` is mapped over them, one task instance per source, so a source fails and retries alone and
the instances spread over the workers. Each writes only its landing files under `$BLINDSPOT_HOME/landing/`
(plus one fetch event per request). `load` then bulk-loads the night's landing files into `raw.*` in the pool
`blindspot_warehouse` (size 1: DuckDB has a single writer) and emits the Asset `blindspot://warehouse/raw`
with the night in its extra, which schedules `blindspot_build`.

The night is the date of the run's logical date, the start of its data interval (a `date` key in the run conf
overrides it), never the clock. Schedule: `BLINDSPOT_COLLECT_SCHEDULE` (default `0 2 * * *`; `none` for
triggered runs only). Same functions as `blindspot collect` and `blindspot load`; re-running a night adds no
duplicates.
"""


@dag(
    dag_id="blindspot_collect",
    schedule=collect_schedule(),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=DOC,
    tags=["blindspot", "collect"],
)
def blindspot_collect() -> None:
    @task
    def night(**context) -> str:
        return night_of(context)

    @task
    def sources() -> list[str]:
        """The enabled source ids of the registry, read at run time (never while the file is parsed)."""
        from blindspot.pipeline import Context

        return [s.id for s in Context.create().registry.enabled_sources()]

    @task(max_active_tis_per_dagrun=8)
    def collect(source_id: str, data_date: str) -> dict:
        from datetime import date

        from blindspot.pipeline import Context, collect_stage

        summary = collect_stage(Context.create(), date.fromisoformat(data_date), [source_id])
        return {
            "source_id": source_id,
            "run_id": summary.run_id,
            "items": summary.items,
            "requests": summary.requests,
            "failed_requests": summary.failed_requests,
        }

    # all_done: a source that failed every retry must not hold back the others' landing files; its
    # failure stays visible in its task and in raw.fetch_events (and raises collection_gap alerts).
    @task(pool=WAREHOUSE_POOL, outlets=[RAW_ASSET], trigger_rule="all_done")
    def load(data_date: str, outlet_events=None) -> dict:
        from datetime import date

        from blindspot.pipeline import Context, load_stage

        summary = load_stage(Context.create(), date.fromisoformat(data_date))
        counts = {
            "data_date": data_date,
            "files": sum(b.files for b in summary.batches),
            "rows_inserted": summary.rows_inserted,
            "rows_rejected": sum(b.rows_rejected for b in summary.batches),
            "rejected_files": len(summary.rejected_files),
        }
        outlet_events[RAW_ASSET].extra = counts  # blindspot_build reads the night from here
        return counts

    data_date = night()
    collected = collect.partial(data_date=data_date).expand(source_id=sources())
    collected >> load(data_date)


blindspot_collect()
