"""Dataset collection: expand a source's URLs, fetch each conditionally, parse, and land rows per kind."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urljoin

from core.registry import Source
from core.settings import Settings
from crawlers.datasets import acled, cpj, gdelt_timeline, ioda, keepiton, reliefweb, rsf, ucdp
from crawlers.datasets.base import LANDING_KINDS, Context, Parsed
from crawlers.datasets.urls import expand
from crawlers.feeds import fetch_recorded
from crawlers.http import Fetcher
from crawlers.items import FetchRecord
from landing.fetch_errors import FetchError
from landing.files import land_rows
from landing.schemas import NATURAL_KEYS

log = logging.getLogger(__name__)

Parser = Callable[[bytes, Source, str, str, date, Context | None], Parsed]
PARSERS: dict[str, Parser] = {
    "cpj": cpj.parse,
    "rsf": rsf.parse,
    "keepiton": keepiton.parse,
    "ioda": ioda.parse,
    "acled": acled.parse,
    "ucdp": ucdp.parse,
    "reliefweb": reliefweb.parse,
    "gdelt_timeline": gdelt_timeline.parse,
}
DEFAULT_MAX_PAGES = 20  # pages followed per URL of a paged API (ReliefWeb, UCDP) unless politeness says
FetchState = Mapping[str, tuple[str | None, str | None]]  # url -> (etag, last_modified)


@dataclass
class DatasetResult:
    """What collecting one dataset source produced: rows per landing kind, fetch records, rejected rows."""

    source_id: str
    dataset_format: str
    rows: dict[str, list[dict]] = field(default_factory=lambda: {kind: [] for kind in LANDING_KINDS})
    fetches: list[FetchRecord] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.fetches if f.error)

    @property
    def items(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def merge(self, parsed: Parsed) -> None:
        """Add a file's rows; a row already taken from an earlier page or file (same id) is the same row."""
        for kind, rows in parsed.rows.items():
            key = NATURAL_KEYS[kind]
            known = {r[key] for r in self.rows[kind]}
            self.rows[kind] += [r for r in rows if r[key] not in known]
        known_rejected = {r["rejected_id"] for r in self.rejected}
        self.rejected += [r for r in parsed.rejected if r["rejected_id"] not in known_rejected]


def state_for(source_id: str, fetch_state: Mapping[tuple[str, str], tuple[str | None, str | None]]) -> dict:
    """The url-keyed state collect_dataset takes, out of landing.state.read_fetch_state()'s table."""
    return {url: value for (sid, url), value in fetch_state.items() if sid == source_id}


def _unsent(
    source: Source, url: str, error: str, detail: str, run_id: str, data_date: date, seq: int
) -> FetchRecord:
    """The fetch record of a request that was not sent, and why."""
    return FetchRecord(
        source_id=source.id,
        url=url,
        started_at=datetime.now(UTC),
        run_id=run_id,
        data_date=data_date,
        seq=seq,
        items=0,
        error=error,
        error_detail=detail,
    )


def _fetch_page(
    source: Source,
    fetcher: Fetcher,
    url: str,
    context: Context,
    state: FetchState,
    out: DatasetResult,
    run_id: str,
    data_date: date,
) -> Parsed | None:
    """One request (plus retries), one fetch record each; the parsed file, or None when there is none."""
    result, record = fetch_recorded(
        fetcher, source, url, state.get(url, (None, None)), out.fetches, run_id, data_date
    )
    if result.error or result.not_modified:
        return None
    parsed = PARSERS[out.dataset_format](result.body, source, result.final_url, run_id, data_date, context)
    record.items, record.error, record.error_detail = parsed.row_count, parsed.error, parsed.detail()
    if parsed.error:
        log.warning("%s: %s: %s", source.id, parsed.error, parsed.error_detail)
    out.merge(parsed)
    return parsed


def collect_dataset(
    source: Source, fetcher: Fetcher, run_id: str, data_date: date, state: FetchState | None = None
) -> DatasetResult:
    """Fetch every URL of a dataset source (conditionally, with `state` keyed by URL) and parse each file.

    The source has a budget for the night (the fetcher's `source_budget_seconds`): once spent, no further
    page is requested, a `timeout` fetch event says so, and what was fetched until then is kept."""
    if source.format is None:
        raise ValueError(f"source {source.id!r} is not a dataset (no format)")
    out, state = DatasetResult(source.id, source.format), state or {}
    max_pages = source.politeness.max_pages or DEFAULT_MAX_PAGES
    delay = source.politeness.download_delay or 0.0
    budget = fetcher.policy.source_budget_seconds
    started = time.monotonic()
    for target in expand(source, data_date):
        if target.error:
            record = _unsent(
                source, target.url, FetchError.URL_TEMPLATE, target.error, run_id, data_date, len(out.fetches)
            )
            out.fetches.append(record)
            continue
        url: str | None = target.url
        for _ in range(max_pages):
            if time.monotonic() - started > budget:
                seq = len(out.fetches)
                detail = (
                    f"the source's budget of {budget:g} s for the night was spent after {seq} request(s); this "
                    "and the remaining pages were not fetched (what came before is kept)"
                )
                out.fetches.append(_unsent(source, url, FetchError.TIMEOUT, detail, run_id, data_date, seq))
                return out
            if delay and out.fetches:
                time.sleep(delay)
            parsed = _fetch_page(source, fetcher, url, target.context, state, out, run_id, data_date)
            url = urljoin(parsed.url, parsed.next_url) if parsed and parsed.next_url else None
            if url is None:
                break
    return out


def land_dataset(settings: Settings, result: DatasetResult, run_id: str, data_date: date) -> list[Path]:
    """Write the source's landing files for the run: each kind with rows, rejected rows, and fetch events
    (always, so a night with no new rows still shows that the source was asked)."""
    rows = result.rows | {"rejected_rows": result.rejected, "fetch_events": [f.row() for f in result.fetches]}
    return land_rows(settings.landing_dir, result.source_id, data_date, run_id, rows)
