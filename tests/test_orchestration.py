"""blindspot.orchestration.night_of: the night a DAG run works on, from its asset events, conf or dates."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException

from blindspot.orchestration import RAW_ASSET, night_of

MORNING = datetime(2026, 10, 3, 2, 0, tzinfo=UTC)


def run(conf: dict | None = None, run_after: datetime = MORNING) -> SimpleNamespace:
    return SimpleNamespace(conf=conf or {}, run_after=run_after)


def event(data_date: str | None) -> SimpleNamespace:
    return SimpleNamespace(extra={"data_date": data_date} if data_date else {})


def test_collect_runs_take_conf_then_logical_date_then_interval_then_queue_time() -> None:
    assert night_of({"dag_run": run({"date": "2026-09-30"}), "logical_date": MORNING}) == "2026-09-30"
    assert night_of({"dag_run": run(), "logical_date": MORNING}) == "2026-10-03"
    assert night_of({"dag_run": run(), "logical_date": None, "data_interval_start": MORNING}) == "2026-10-03"
    late = datetime(2026, 10, 4, 23, 30, tzinfo=UTC)
    assert night_of({"dag_run": run(run_after=late), "logical_date": None}) == "2026-10-04"


def test_build_runs_take_the_newest_asset_event_night() -> None:
    events = {RAW_ASSET: [event("2026-10-01"), event(None), event("2026-10-02")]}
    context = {
        "triggering_asset_events": events,
        "dag_run": run({"date": "2026-09-01"}),
        "logical_date": None,
    }
    assert night_of(context, RAW_ASSET) == "2026-10-02"
    assert night_of({"dag_run": run({"date": "2026-09-01"})}, RAW_ASSET) == "2026-09-01"


def test_a_build_run_without_a_night_fails_instead_of_guessing() -> None:
    with pytest.raises(AirflowFailException, match="no night to build"):
        night_of({"dag_run": run(), "logical_date": None, "data_interval_start": MORNING}, RAW_ASSET)
    with pytest.raises(ValueError):
        night_of({"dag_run": run({"date": "03/10/2026"})})
