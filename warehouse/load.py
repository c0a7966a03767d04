"""Bulk-load landing files into raw.*: one transaction per batch, idempotent on natural keys."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from landing.files import new_run_id
from landing.schemas import LANDING_SCHEMAS, NATURAL_KEYS, TARGET_TABLES
from warehouse.connect import rollback
from warehouse.models import Base
from warehouse.ops import record_run, utcnow
from warehouse.quarantine import (
    RejectedFile,
    checksum,
    home_relative,
    inspect,
    quarantine,
    rejection,
    target_for,
)

log = logging.getLogger(__name__)

# Fetch events are a per-night partition: a re-run of a night replaces that night's events of the source,
# so source health never counts the same night twice.
PARTITION_REPLACED_KINDS = frozenset({"fetch_events"})


@dataclass
class BatchResult:
    kind: str
    run_id: str
    files: int = 0
    rows_in: int = 0
    rows_inserted: int = 0
    rows_rejected: int = 0


@dataclass
class LoadSummary:
    batches: list[BatchResult] = field(default_factory=list)
    rejected_files: list[RejectedFile] = field(default_factory=list)  # quarantined this run

    @property
    def rows_inserted(self) -> int:
        return sum(b.rows_inserted for b in self.batches)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    kind: str
    source_id: str
    data_date: date
    run_id: str
    relative: str = ""  # its path under the home, as ops.loaded_files and ops.rejected_files record it
    checksum: str = ""


def discover(landing_dir: Path, kind: str, data_date: date | None = None) -> list[LandingFile]:
    """Landing files of one kind, for one night or for every night, in a stable order."""
    day = data_date.isoformat() if data_date else "*"
    found = []
    for path in sorted((landing_dir / kind).glob(f"*/{day}/*.parquet")):
        try:
            file_date = date.fromisoformat(path.parent.name)
        except ValueError:
            log.warning("skipping %s: folder %r is not a date", path, path.parent.name)
            continue
        found.append(LandingFile(path, kind, path.parent.parent.name, file_date, path.stem))
    return found


def _required_columns(kind: str) -> list[str]:
    """Landing columns that the raw table declares NOT NULL; a row missing one is rejected, not loaded."""
    table = Base.metadata.tables[TARGET_TABLES[kind]]
    landing = set(LANDING_SCHEMAS[kind].names)
    return [c.name for c in table.columns if not c.nullable and c.name in landing]


@dataclass(frozen=True)
class RowRule:
    """A row-level rule as SQL over the landing view: `broken` is true when a row breaks it."""

    rule: str
    field: str  # SQL expression naming the field(s)
    broken: str
    reason: str  # SQL expression: why, with the offending value


# Shared with the raw check suites, which test the same rules again after the load (defence in depth).
URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"  # ISO 639-1/-3 as collectors write it: lower case, region dropped
EARLIEST_PUBLISHED = "1990-01-01"
FUTURE_SLACK_DAYS = 1  # publishers' time zones and clocks: published_at may run one day past its night

ROW_RULES: dict[str, tuple[RowRule, ...]] = {
    "items": (
        RowRule(
            "url_well_formed",
            "'url'",
            f"not regexp_matches(url, '{URL_PATTERN}')",
            "'url is not an absolute http(s) URL: ' || left(url, 200)",
        ),
        RowRule(
            "published_at_not_future",
            "'published_at'",
            f"published_at >= cast(data_date + {FUTURE_SLACK_DAYS + 1} as timestamptz)",
            f"'published_at ' || published_at::varchar || ' is after night ' || data_date::varchar "
            f"|| ' + {FUTURE_SLACK_DAYS} day'",
        ),
        RowRule(
            "published_at_after_1990",
            "'published_at'",
            f"published_at < timestamptz '{EARLIEST_PUBLISHED} 00:00:00+00'",
            f"'published_at ' || published_at::varchar || ' is before {EARLIEST_PUBLISHED}'",
        ),
        RowRule(
            "language_code",
            "'language'",
            f"not regexp_matches(language, '{LANGUAGE_PATTERN}')",
            "'language ' || to_json(language)::varchar || ' is not a lower-case ISO 639 code'",
        ),
    )
}


def _row_rules(kind: str) -> list[RowRule]:
    """The not-null rule from the raw table's NOT NULL columns, then the kind's own row rules, in order."""
    rules = []
    required = _required_columns(kind)
    if required:
        missing = " or ".join(f'"{c}" is null' for c in required)
        which = " || ".join(f"""case when "{c}" is null then '{c} ' else '' end""" for c in required)
        rules.append(RowRule("not_null", f"trim({which})", missing, "'required value is missing'"))
    return rules + list(ROW_RULES.get(kind, ()))


def _quarantine(
    con: duckdb.DuckDBPyConnection, kind: str, target: str, loaded_at: datetime
) -> tuple[int, str]:
    """Move rows that break a row rule to ops.rejected_rows (the first rule broken names it); returns
    (rows rejected, SQL condition of the rows to keep)."""
    rules = _row_rules(kind)
    if not rules:
        return 0, "true"
    # coalesce: a rule over a null value (no language given) is not broken, and must not drop the row.
    conditions = [f"coalesce(({r.broken}), false)" for r in rules]
    broken = " or ".join(conditions)

    def first(sql_of: Callable[[RowRule], str]) -> str:
        whens = (f"when {c} then {sql_of(r)}" for c, r in zip(conditions, rules, strict=True))
        return f"case {' '.join(whens)} end"

    con.execute(
        "insert into ops.rejected_rows by name "
        "select md5(_file || '#' || _row::varchar)[:20] as rejected_id, "
        f"source_id, '{target}' as target_table, _file as locator, {first(lambda r: r.field)} as field, "
        f"{first(lambda r: repr(r.rule))} as rule, {first(lambda r: r.reason)} as reason, "
        "to_json(struct_pack(*columns(* exclude (_file, _row))))::varchar as record, "
        "run_id, data_date, ?::timestamptz as loaded_at "
        f"from _landing where ({broken}) "
        "and md5(_file || '#' || _row::varchar)[:20] not in (select rejected_id from ops.rejected_rows)",
        [loaded_at],
    )
    rejected = con.execute(f"select count(*) from _landing where {broken}").fetchone()[0]
    return rejected, f"not ({broken})"


def _pending(
    con: duckdb.DuckDBPyConnection, files: list[LandingFile], landing_dir: Path
) -> list[LandingFile]:
    """The files not loaded yet, by their path under the home (so moving the home changes nothing)."""
    if not files:
        return []
    loaded = {row[0] for row in con.execute("select path from ops.loaded_files").fetchall()}
    return [
        LandingFile(f.path, f.kind, f.source_id, f.data_date, f.run_id, relative)
        for f in files
        if (relative := home_relative(f.path, landing_dir)) not in loaded
    ]


def _inspected(
    files: list[LandingFile], landing_dir: Path, decode: bool = False
) -> tuple[list[LandingFile], list[tuple[LandingFile, RejectedFile, Path]]]:
    """Split off the files that cannot be loaded (see warehouse.quarantine.inspect), with their record and
    where they will be kept; the others carry their checksum."""
    good, bad = [], []
    for f in files:
        digest = f.checksum or checksum(f.path)
        reason = inspect(f.path, f.kind, decode)
        if reason is None:
            good.append(LandingFile(f.path, f.kind, f.source_id, f.data_date, f.run_id, f.relative, digest))
            continue
        target = target_for(f.path, landing_dir, digest)
        bad.append((f, rejection(f.relative, digest, reason, target, landing_dir.parent), target))
    return good, bad


def _record_rejected_files(
    con: duckdb.DuckDBPyConnection,
    bad: list[tuple[LandingFile, RejectedFile, Path]],
    run_id: str,
    at: datetime,
) -> None:
    rows = pa.Table.from_pylist(  # noqa: F841 (read by SQL)
        [
            {
                "path": r.path,
                "checksum": r.checksum,
                "kind": f.kind,
                "source_id": f.source_id,
                "data_date": f.data_date,
                "reason": r.reason,
                "action": r.action,
                "quarantined_to": r.quarantined_to,
                "load_run_id": run_id,
            }
            for f, r, _ in bad
        ]
    )
    con.execute(
        "insert into ops.rejected_files by name select *, ?::timestamptz as rejected_at from rows "
        "where (path, checksum) not in (select (path, checksum) from ops.rejected_files)",
        [at],
    )


def _sql_list(values: list[str]) -> str:
    """A SQL list literal of strings; views cannot take bound parameters, so quotes are escaped here."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _load_batch(
    con: duckdb.DuckDBPyConnection, kind: str, files: list[LandingFile], run_id: str
) -> BatchResult:
    """Load one kind's pending files in a single transaction."""
    result = BatchResult(kind, run_id, files=len(files))
    target, key = TARGET_TABLES[kind], NATURAL_KEYS[kind]
    columns = LANDING_SCHEMAS[kind].names
    loaded_at = utcnow()
    paths = [str(f.path) for f in files]
    select_cols = ", ".join(f'"{c}"' for c in columns)
    # A view keeps the read lazy: Parquet projection and filters push down into each statement below.
    # Fetch events are small and need deleting from, so they are materialised instead.
    relation = "table" if kind in PARTITION_REPLACED_KINDS else "view"
    con.execute(
        f"create or replace temp {relation} _landing as select {select_cols}, filename as _file, "
        f"file_row_number as _row from read_parquet({_sql_list(paths)}, union_by_name = true, "
        "filename = true, file_row_number = true)"
    )
    con.execute(
        "create or replace temp table _file_rows as select _file, count(*) as n from _landing group by _file"
    )
    result.rows_in = con.execute("select coalesce(sum(n), 0) from _file_rows").fetchone()[0]
    result.rows_rejected, keep = _quarantine(con, kind, target, loaded_at)
    if kind in PARTITION_REPLACED_KINDS:
        # Keep only the newest run per (source, night) in the batch, then replace that partition in raw.
        con.execute(
            "delete from _landing l where run_id <> (select arg_max(m.run_id, m.started_at) from _landing m "
            "where m.source_id = l.source_id and m.data_date = l.data_date)"
        )
        con.execute(
            f"delete from {target} t where exists (select 1 from _landing l "
            "where l.source_id = t.source_id and l.data_date = t.data_date)"
        )
    before = con.execute(f"select count(*) from {target}").fetchone()[0]
    con.execute(
        f"insert into {target} by name "
        f"select {select_cols}, ?::timestamptz as loaded_at from _landing where {keep} "
        f'qualify row_number() over (partition by "{key}" order by _file, _row) = 1 '
        f'and "{key}" not in (select "{key}" from {target})',
        [loaded_at],
    )
    result.rows_inserted = con.execute(f"select count(*) from {target}").fetchone()[0] - before
    _mark_loaded(con, files, run_id, loaded_at)
    con.execute(f"drop {relation} _landing")
    con.execute("drop table _file_rows")
    return result


def _mark_loaded(
    con: duckdb.DuckDBPyConnection, files: list[LandingFile], run_id: str, loaded_at: datetime
) -> None:
    """Record the batch's files as loaded, with their rows (_file_rows), so a re-run of the loader skips
    them; by their path under the home and their checksum."""
    handled = pa.Table.from_pylist(  # noqa: F841 (read by SQL)
        [
            {
                "path": f.relative,
                "file": str(f.path),
                "checksum": f.checksum or None,
                "kind": f.kind,
                "source_id": f.source_id,
                "data_date": f.data_date,
                "file_run_id": f.run_id,
                "load_run_id": run_id,
            }
            for f in files
        ]
    )
    con.execute(
        "insert into ops.loaded_files by name select h.* exclude (file), coalesce(c.n, 0) as rows, "
        "?::timestamptz as loaded_at from handled h left join _file_rows c on c._file = h.file",
        [loaded_at],
    )


def load(con: duckdb.DuckDBPyConnection, landing_dir: Path, data_date: date | None = None) -> LoadSummary:
    """Load every pending landing file (of one night, or all nights) into raw.*, a transaction per kind.

    A file that cannot be loaded is quarantined on its own (warehouse.quarantine) and the rest of its
    kind's files load; it is moved aside only once its record is committed."""
    summary = LoadSummary()
    for kind in LANDING_SCHEMAS:
        started_at = utcnow()
        run_id = new_run_id(f"load-{kind}", data_date or started_at.date())
        con.execute("begin transaction")
        try:
            files = _pending(con, discover(landing_dir, kind, data_date), landing_dir)
            files, bad = _inspected(files, landing_dir)
            if not files and not bad:
                con.execute("rollback")
                continue
            try:
                batch = _load_batch(con, kind, files, run_id) if files else BatchResult(kind, run_id)
            except duckdb.Error as failed:
                # a page that does not decode: find the files at fault, then load the others
                rollback(con, failed)
                con.execute("begin transaction")  # what follows, or the error, needs one open
                files, undecodable = _inspected(files, landing_dir, decode=True)
                if not undecodable:
                    raise
                bad += undecodable
                batch = _load_batch(con, kind, files, run_id) if files else BatchResult(kind, run_id)
            if bad:
                _record_rejected_files(con, bad, run_id, started_at)
            record_run(
                con,
                run_id,
                "load",
                data_date,
                started_at,
                "success",
                files=batch.files,
                rows_in=batch.rows_in,
                rows_inserted=batch.rows_inserted,
                rows_rejected=batch.rows_rejected,
                detail=json.dumps({"kind": kind, "rejected_files": len(bad)}),
            )
            con.execute("commit")
        except BaseException as exc:
            rollback(con, exc)
            raise
        for f, record, target in bad:
            quarantine(f.path, target)
            summary.rejected_files.append(record)
            log.warning("quarantined %s: %s", record.path, record.reason)
        summary.batches.append(batch)
        log.info("loaded %s: %d files, %d rows new", kind, batch.files, batch.rows_inserted)
    return summary
