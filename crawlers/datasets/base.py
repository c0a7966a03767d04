"""What every dataset parser shares: the Parsed result, row ids, rejected rows, decoding and file reading."""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from core.registry import Source
from landing.fetch_errors import FetchError
from landing.files import stable_id
from landing.schemas import NATURAL_KEYS, TARGET_TABLES

log = logging.getLogger(__name__)

LANDING_KINDS = ("access_incidents", "conflict_events", "external_volume")
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
Context = Mapping[str, str]  # the URL template values of the file: year, country, zone_id


class ParseError(ValueError):
    """The whole file cannot be read (not CSV or JSON, required columns missing); its rows are not landed."""


class RowProblem(ValueError):
    """One row cannot be read: the field, the rule it breaks and why. The row becomes a rejected row."""

    def __init__(self, field: str, rule: str, reason: str):
        super().__init__(reason)
        self.field, self.rule, self.reason = field, rule, reason


NOT_AN_OBJECT = "_not_an_object"  # the key of a row made from a JSON event that is not an object


@dataclass
class Parsed:
    """Rows of one dataset file per landing kind, its rejected rows, and a parse error or notes."""

    source_id: str
    dataset_format: str
    url: str
    run_id: str
    data_date: date
    rows: dict[str, list[dict]] = field(default_factory=lambda: {kind: [] for kind in LANDING_KINDS})
    rejected: list[dict] = field(default_factory=list)
    error: str | None = None
    error_detail: str | None = None
    notes: list[str] = field(default_factory=list)
    next_url: str | None = None  # the next page of a paged API, when the file names one
    tallies: Counter[str] = field(default_factory=Counter)
    seen: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, record_key) -> locator
    # the revision order every landed row carries: when the file was collected, then its position in it
    collected_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    position: int = 0

    @classmethod
    def begin(cls, source: Source, dataset_format: str, url: str, run_id: str, data_date: date) -> Parsed:
        return cls(source.id, dataset_format, url, run_id, data_date)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def locator(self, position: int | str) -> str:
        return f"{self.url} row {position}" if isinstance(position, int) else f"{self.url} {position}"

    def add(
        self, kind: str, record_key: str, row: dict, locator: str, revision: Iterable[object] = ()
    ) -> None:
        """Land one row. Its id is the record key plus its content, so an unchanged record is added once
        and a revised one (a shutdown that ended, a corrected count) lands as a new row with the same key."""
        previous = self.seen.get((kind, record_key))
        if previous is not None:
            raise RowProblem("", "unique_key", f"record key {record_key!r} already read at {previous}")
        self.seen[(kind, record_key)] = locator
        content = tuple(revision) or tuple(row[k] for k in sorted(row))
        key = NATURAL_KEYS[kind]
        common = {"source_id": self.source_id, "dataset_format": self.dataset_format}
        row_id = stable_id(self.source_id, self.dataset_format, record_key, stable_id(*content))
        extra = {"record_key": record_key} if kind != "external_volume" else {}
        self.position += 1
        order = {"collected_at": self.collected_at, "row_position": self.position}
        landed = (
            {key: row_id}
            | common
            | extra
            | row
            | order
            | {"run_id": self.run_id, "data_date": self.data_date}
        )
        self.rows[kind].append(landed)

    def reject(self, kind: str, locator: str, problem: RowProblem, record: object) -> None:
        text = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False, default=str)
        self.rejected.append(
            {
                "rejected_id": stable_id(self.source_id, kind, locator, problem.field, problem.rule, text),
                "source_id": self.source_id,
                "target_table": TARGET_TABLES[kind],
                "locator": locator,
                "field": problem.field,
                "rule": problem.rule,
                "reason": problem.reason,
                "record": text[:2000],
                "run_id": self.run_id,
                "data_date": self.data_date,
            }
        )

    def map_rows(
        self,
        kind: str,
        rows: Iterable[tuple[str, dict]],
        mapper: Callable[[dict], tuple[str, dict]],
        without_id: bool = False,
        identical_rows: str = "duplicate",
    ) -> None:
        """Map each (locator, row) to (record_key, landing row); a row that cannot be read is rejected.

        A file whose rows have their own id (ACLED, UCDP) rejects a second row with the same id. For a file
        without one (`without_id`: CPJ, KeepItOn) the key is made of the row's fields, and two different
        rows can share it (two unidentified journalists killed in one city and year): the second is told
        apart by its position among the rows sharing the key ("key #2", in the export's order). A row is
        a duplicate only when every field equals an earlier row's: it is rejected ("duplicate"), or, in a
        list where each row is a person (CPJ: two journalists with one first name, killed in one city and
        year, can have identical rows), `identical_rows="distinct"` keeps it as the next one."""
        shared: dict[str, dict[tuple, str]] = {}  # record key -> every distinct row read under it
        for locator, row in rows:
            try:
                if NOT_AN_OBJECT in row:
                    raise RowProblem("", "not_an_object", "the event is not a JSON object")
                if "_extra" in row:
                    extra = len(row["_extra"])
                    raise RowProblem("", "field_count", f"row has {extra} more field(s) than the header")
                record_key, landed = mapper(row)
                if without_id:
                    fields = tuple(sorted(row.items()))
                    earlier = shared.setdefault(record_key, {})
                    if fields in earlier and identical_rows == "distinct":
                        fields = (*fields, ("_position", locator))
                    elif fields in earlier:
                        raise RowProblem(
                            "", "duplicate_row", f"every field equals the row at {earlier[fields]}"
                        )
                    earlier[fields] = locator
                    if len(earlier) > 1:
                        record_key = f"{record_key} #{len(earlier)}"
                self.add(kind, record_key, landed, locator)
            except RowProblem as problem:
                self.reject(kind, locator, problem, row)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def tally(self, text: str) -> None:
        """Count a per-row remark; `detail` reports it once with its count."""
        self.tallies[text] += 1

    def failed(self, detail: str) -> Parsed:
        """The file cannot be parsed: no rows, and the error the fetch event carries."""
        self.rows = {kind: [] for kind in LANDING_KINDS}
        self.rejected, self.error, self.error_detail = [], FetchError.PARSE_ERROR, detail
        return self

    def detail(self) -> str | None:
        """The fetch event's error_detail: the parse error, else notes, counted remarks and rejections."""
        if self.error:
            return self.error_detail
        parts = self.notes + [f"{n} row(s): {text}" for text, n in sorted(self.tallies.items())]
        if self.rejected:
            parts.append(f"{len(self.rejected)} row(s) rejected (ops.rejected_rows)")
        return "; ".join(parts)[:2000] or None


def decode_text(body: bytes, parsed: Parsed) -> str:
    """Strict UTF-8 (BOM removed), else windows-1252, else latin-1; the choice is logged and noted."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            parsed.note(f"decoded as {codec} (byte order mark)")
            return body[len(bom) :].decode(codec, errors="replace")
    has_bom = body.startswith(codecs.BOM_UTF8)
    raw = body[3:] if has_bom else body
    try:
        text, used = raw.decode("utf-8"), "UTF-8 with BOM" if has_bom else "UTF-8"
    except UnicodeDecodeError as exc:
        reason = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        try:
            text, used = raw.decode("cp1252"), f"windows-1252, {reason}"
        except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
            text, used = raw.decode("latin-1"), f"latin-1, {reason} nor windows-1252"
    log.info("%s: decoded as %s", parsed.url, used)
    if used != "UTF-8":
        parsed.note(f"decoded as {used}")
    return text


def read_csv(
    text: str, required: Iterable[str], url: str, delimiter: str = ","
) -> tuple[list[str], list[tuple[str, dict]]]:
    """(header, [(locator, row)]); row N counts the header as row 1, as a spreadsheet shows it.

    Short rows are padded with empty values; a row with extra non-empty fields is kept as-is under an
    '_extra' key so its mapper can reject it. Raises ParseError when a required column is missing."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
        if not any(header):
            raise ParseError("empty file: no header row")
        missing = [c for c in required if c not in header]
        if missing:
            names = ", ".join(repr(c) for c in missing)
            raise ParseError(f"missing column{'s' if len(missing) > 1 else ''} {names}")
        rows = []
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            row = dict(zip(header, values + [""] * (len(header) - len(values)), strict=False))
            if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
                row["_extra"] = values[len(header) :]
            rows.append((f"{url} row {number}", row))
    except csv.Error as exc:
        raise ParseError(f"not CSV: {exc} (line {reader.line_num})") from exc
    return header, rows


def read_events(
    body: bytes, parsed: Parsed, required: Iterable[str], key: str, bare_list: bool = False
) -> tuple[list[tuple[str, dict]], Any]:
    """[(locator, row)] of an events file (ACLED, UCDP), and its JSON document (None for CSV, else where a
    paged API names its next page). The file is a CSV export, or the API's JSON with the event objects as a
    list under `key` (with bare_list, a JSON list of them is accepted too), their values read as text (null
    as empty) like read_csv's. Raises ParseError when there is no such list or the first event lacks a
    required field."""
    required = tuple(required)
    content = decode_text(body, parsed)
    if not is_json(body):
        return read_csv(content, required, parsed.url)[1], None
    document = load_json(content)
    events = document.get(key) if isinstance(document, dict) else (document if bare_list else None)
    if not isinstance(events, list):
        raise ParseError(f"missing key {key!r} (a list of events)")
    objects = [e for e in events if isinstance(e, dict)]
    if objects and (missing := [c for c in required if c not in objects[0]]):
        raise ParseError(f"missing field {missing[0]!r}")
    located = [(f"{parsed.url} {key}[{i}]", e) for i, e in enumerate(events)]
    return [(loc, _event_values(e)) for loc, e in located], document


def _event_values(event: object) -> dict:
    """An event object's values as text; anything else becomes a row that map_rows rejects."""
    if not isinstance(event, dict):
        return {NOT_AN_OBJECT: json.dumps(event, ensure_ascii=False, default=str)}
    return {k: "" if v is None else str(v) for k, v in event.items()}


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"not JSON: {exc.msg} at line {exc.lineno}; starts {text[:60]!r}") from exc


def unzip_csv(body: bytes) -> bytes:
    """The bytes of the one CSV member of a zip archive (UCDP ships its GED CSV zipped)."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
            if len(members) != 1:
                raise ParseError(f"zip archive holds {len(members)} CSV files, expected 1")
            if members[0].file_size > MAX_UNZIPPED_BYTES:
                raise ParseError(f"{members[0].filename} unzips to {members[0].file_size} bytes; too large")
            return archive.read(members[0])
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(f"not a readable zip archive: {exc}") from exc


def is_json(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
