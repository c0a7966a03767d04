"""Run every check suite for a run date through GX and record each expectation's result in ops.check_results."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa

from checks.gx_validate import Outcome, Validator
from checks.spec import Frame, Params, Rule, Suite
from checks.suites import all_suites
from core.registry import Registry
from landing.files import new_run_id, stable_id
from warehouse.connect import rollback
from warehouse.ops import record_run, utcnow

log = logging.getLogger(__name__)
STAGE = "check"


@dataclass(frozen=True)
class CheckResult:
    """One expectation's result, named by table, frame, column and rule."""

    suite: str
    table: str
    frame: str
    rule: Rule
    success: bool
    observed: str | None
    failing_sample: str | None

    @property
    def blocking(self) -> bool:
        return self.rule.blocking

    def describe(self) -> str:
        """One line naming table, column and rule, what was seen, and a sample of failing rows."""
        where = f"{self.table}.{self.rule.column}" if self.rule.column else self.table
        kind = "blocking" if self.blocking else "warning"
        sample = f"; e.g. {self.failing_sample}" if self.failing_sample else ""
        return (
            f"{where}: {self.rule.meaning} ({self.rule.expectation}, {kind}) failed: {self.observed}{sample}"
        )


@dataclass
class CheckSummary:
    run_id: str
    run_date: date
    results: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed_blocking(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.blocking]

    @property
    def failed_warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and not r.blocking]

    @property
    def passed(self) -> bool:
        return not self.failed_blocking


def params_for(registry: Registry, run_date: date) -> Params:
    return Params(
        run_date=run_date,
        zone_ids=tuple(sorted(z.id for z in registry.zones)),
        source_ids=tuple(sorted(s.id for s in registry.sources)),
    )


def _fetch(con: duckdb.DuckDBPyConnection, frame: Frame, run_date: date) -> pd.DataFrame:
    """The frame's rows as pandas (through Arrow); only the parameters the SQL names are bound."""
    bound = {"run_date": run_date} if "$run_date" in frame.sql else {}
    return con.sql(frame.sql, params=bound).to_arrow_table().to_pandas()


def _run_frame(
    con: duckdb.DuckDBPyConnection, validator: Validator, suite: Suite, frame: Frame, params: Params
) -> list[CheckResult]:
    rules = frame.rules(params)
    try:
        data = _fetch(con, frame, params.run_date)
    except duckdb.Error as exc:
        # A missing table or column fails every rule of the frame, with the database's own words.
        outcomes = [Outcome(r, False, f"error: cannot read {suite.table}: {exc}", None) for r in rules]
    else:
        outcomes = validator.validate(f"{suite.name}.{frame.name}", data, rules, frame.key)
    return [
        CheckResult(suite.name, suite.table, frame.name, o.rule, o.success, o.observed, o.failing_sample)
        for o in outcomes
    ]


def run_checks(
    con: duckdb.DuckDBPyConnection,
    run_date: date,
    registry: Registry,
    suites: list[Suite] | None = None,
) -> CheckSummary:
    """Validate the run's partition with every suite and record the results (one transaction, replacing the
    night's earlier results); the ops.runs row (stage `check`) is `success` unless a blocking rule failed."""
    started_at, clock = utcnow(), time.perf_counter()
    summary = CheckSummary(new_run_id(STAGE, run_date), run_date)
    params = params_for(registry, run_date)
    validator = Validator()
    for suite in suites or all_suites():
        for frame in suite.frames:
            summary.results += _run_frame(con, validator, suite, frame, params)
    summary.seconds = time.perf_counter() - clock
    _record(con, summary, started_at)
    log.info(
        "checks for %s: %d expectations, %d blocking and %d warning failures in %.1f s",
        run_date,
        len(summary.results),
        len(summary.failed_blocking),
        len(summary.failed_warnings),
        summary.seconds,
    )
    return summary


def _record(con: duckdb.DuckDBPyConnection, summary: CheckSummary, started_at) -> None:
    checked_at = utcnow()
    rows = pa.Table.from_pylist(  # noqa: F841 (read by SQL)
        [
            {
                "result_id": stable_id(summary.run_id, r.suite, r.frame, i),
                "run_id": summary.run_id,
                "data_date": summary.run_date,
                "suite": r.suite,
                "expectation": r.rule.expectation,
                "column_name": r.rule.column,
                "is_blocking": r.blocking,
                "success": r.success,
                "observed_value": r.observed,
                "failing_sample": r.failing_sample,
                "checked_at": checked_at,
                "table_name": r.table,
                "frame": r.frame,
                "rule": r.rule.meaning,
            }
            for i, r in enumerate(summary.results)
        ]
    )
    detail = {
        "expectations": len(summary.results),
        "failed_blocking": len(summary.failed_blocking),
        "failed_warnings": len(summary.failed_warnings),
        "seconds": round(summary.seconds, 2),
    }
    con.execute("begin transaction")
    try:
        con.execute("delete from ops.check_results where data_date = ?", [summary.run_date])
        if rows.num_rows:
            con.execute("insert into ops.check_results by name select * from rows")
        status = "success" if summary.passed else "failed"
        record_run(con, summary.run_id, STAGE, summary.run_date, started_at, status, detail=detail)
        con.execute("commit")
    except BaseException as exc:
        rollback(con, exc)
        raise
