"""Feed collection: a conditional GET of the undecoded bytes, feedparser, and normalised item rows."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from core.registry import Source
from crawlers.http import Fetcher, FetchResult
from crawlers.items import FetchRecord, as_utc, canonical_url, clean_text, item_id
from crawlers.lead import lead_paragraph
from landing.fetch_errors import FetchError
from landing.files import stable_id

# A document that declares its own entities is refused outright (feedparser would read their references).
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


def declares_entities(body: bytes) -> str | None:
    """Why the document is refused, when it declares XML entities or external references anywhere, in any
    encoding its XML declaration or byte order mark names: defusedxml's expat parser reads it whole (a
    DOCTYPE after a long comment, UTF-16). A document expat cannot parse (many feeds are not well-formed,
    and feedparser reads them loosely) is searched as text instead, in each encoding it could be in."""
    parser = DefusedXMLParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(body)
        parser.close()
    except DefusedXmlException as exc:
        return f"the document declares XML entities or external references ({type(exc).__name__})"
    except ElementTree.ParseError:
        # ASCII in UTF-8, in the single-byte encodings and, without its zero bytes, in UTF-16 and UTF-32
        if ENTITY_DECLARATION.search(body.replace(b"\x00", b"")):
            return "the document declares XML entities"
    return None


FIRST_PARAGRAPH = re.compile(r"\n")


@dataclass
class CollectResult:
    """What collecting one source produced: item rows, one fetch record per request, rejected rows."""

    source_id: str
    items: list[dict] = field(default_factory=list)
    fetches: list[FetchRecord] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.fetches if f.error)


def _struct_to_datetime(value) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC)


# Full text that feeds carry in extension elements (feedparser keeps them under these keys); content:encoded,
# Atom content and media:description come as the entry's `content` list.
FULL_TEXT_KEYS = ("yandex_full-text", "rambler_full-text", "turbo_content")


def _entry_text(entry: feedparser.FeedParserDict) -> tuple[str | None, str | None]:
    """(summary, body) as clean text; the body is the longest full text the feed carries (content:encoded,
    yandex:full-text and the like; a media:description caption is only ever chosen when it is all there is)."""
    summary = clean_text(entry.get("summary"))
    values = [c.get("value") for c in entry.get("content") or []]
    values += [entry.get(key) for key in FULL_TEXT_KEYS]
    texts = [text for text in (clean_text(v) for v in values if isinstance(v, str) and v) if text]
    return summary, max(texts, key=len) if texts else None


def parse_entries(
    source: Source,
    body: bytes,
    headers: dict[str, str],
    url: str,
    fetched_at: datetime,
    run_id: str,
    data_date: date,
) -> tuple[list[dict], list[dict], str | None, str | None]:
    """Parse feed bytes into (items, rejected rows, error class, detail). Bozo feeds with entries are usable."""
    if declared := declares_entities(body):
        return [], [], FetchError.XML_ENTITY_DECLARATION, f"{declared}; refused (entity expansion)"
    parsed = feedparser.parse(body, response_headers={**headers, "content-location": url})
    detail = None
    if parsed.bozo:
        detail = f"bozo: {type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
        if not parsed.entries:
            return [], [], FetchError.PARSE_ERROR, detail
    feed_language = (parsed.feed.get("language") or "").split("-")[0].lower() or None
    items, rejected, seen = [], [], set()
    for position, entry in enumerate(parsed.entries, start=1):
        link = (entry.get("link") or "").strip()
        if not link.startswith(("http://", "https://")):
            rejected.append(
                {
                    "rejected_id": stable_id(run_id, source.id, url, position),
                    "source_id": source.id,
                    "target_table": "raw.items",
                    "locator": f"{url} entry {position}",
                    "field": "link",
                    "rule": "http_url",
                    "reason": f"entry has no http(s) link: {link[:200]!r}",
                    "record": str({k: entry.get(k) for k in ("title", "id", "link")})[:2000],
                    "run_id": run_id,
                    "data_date": data_date,
                }
            )
            continue
        canonical = canonical_url(link)
        if canonical in seen:
            continue
        seen.add(canonical)
        summary, body_text = _entry_text(entry)
        title = clean_text(entry.get("title"))
        # the entry's first paragraph, as for a page: never its title, a caption, a byline or a widget line
        lead = lead_paragraph((body_text or summary or "").split("\n"), title)
        items.append(
            {
                "item_id": item_id(source.id, canonical),
                "source_id": source.id,
                "url": link,
                "canonical_url": canonical,
                "title": title,
                "summary": summary,
                "body_text": body_text,
                "lead_text": lead,
                "language": feed_language or source.languages[0],
                "author": clean_text(entry.get("author")),
                "published_at": as_utc(
                    _struct_to_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
                ),
                "fetched_at": fetched_at,
                "run_id": run_id,
                "data_date": data_date,
            }
        )
    return items, rejected, None, detail


def fetch_record(source: Source, result: FetchResult, run_id: str, data_date: date, seq: int) -> FetchRecord:
    return FetchRecord(
        source_id=source.id,
        url=result.url,
        started_at=result.started_at,
        run_id=run_id,
        data_date=data_date,
        seq=seq,
        duration_ms=round(result.duration_ms, 1),
        http_status=result.status,
        bytes=len(result.body),
        items=0,
        error=result.error,
        error_detail=result.error_detail,
        is_not_modified=result.not_modified,
        etag=result.headers.get("etag"),
        last_modified=result.headers.get("last-modified"),
    )


def fetch_recorded(
    fetcher: Fetcher,
    source: Source,
    url: str,
    state: tuple[str | None, str | None],
    fetches: list[FetchRecord],
    run_id: str,
    data_date: date,
) -> tuple[FetchResult, FetchRecord]:
    """One conditional GET (plus retries), given the URL's last (ETag, Last-Modified): a fetch record for each
    failed attempt and for the answer is appended to `fetches`; returns the answer and its record, whose
    items and error the caller sets once it has parsed the body."""
    result = fetcher.get(url, etag=state[0], last_modified=state[1])
    for attempt in result.attempts:
        fetches.append(fetch_record(source, attempt, run_id, data_date, len(fetches)))
    record = fetch_record(source, result, run_id, data_date, len(fetches))
    fetches.append(record)
    return result, record


def collect_feed(
    source: Source,
    fetcher: Fetcher,
    run_id: str,
    data_date: date,
    state: tuple[str | None, str | None] = (None, None),
    parse: Callable[..., tuple[list[dict], list[dict], str | None, str | None]] = parse_entries,
) -> CollectResult:
    """Fetch one feed (conditionally, given the last ETag and Last-Modified) and parse its entries.

    `parse` runs parse_entries; the collector passes one that runs it in a process pool.
    """
    out = CollectResult(source.id)
    result, record = fetch_recorded(fetcher, source, source.url, state, out.fetches, run_id, data_date)
    if result.error or result.not_modified:
        return out
    items, rejected, error, detail = parse(
        source, result.body, result.headers, result.final_url, datetime.now(UTC), run_id, data_date
    )
    record.items, record.error, record.error_detail = len(items), error, detail
    out.items, out.rejected = items, rejected
    return out
