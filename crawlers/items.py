"""Item and fetch-event normalisation shared by every collector: canonical URLs, clean text, stable ids."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from landing.files import stable_id

# Query parameters that only track the reader; they never change which article a URL names.
TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|mc_cid|mc_eid|igshid|ocid|cmpid|ns_[a-z_]+|at_[a-z_]+|ref|ref_src|"
    r"smid|sr_share|taid|ito|xtor|CMP|s_cid|_ga)$",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"[ \t\r\f\v]+")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop fragments, default ports and tracking parameters; sort the query."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and not (
        parts.scheme == "http" and parts.port == 80 or parts.scheme == "https" and parts.port == 443
    ):
        host = f"{host}:{parts.port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(sorted(query)), ""))


def clean_text(value: str | None) -> str | None:
    """Strip tags and entities from a feed field, keep paragraph breaks, fold other white space."""
    if value is None:
        return None
    value = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h[1-6])\s*/?>", "\n", value)
    value = html.unescape(TAG.sub("", value))
    lines = [SPACE.sub(" ", line).strip() for line in value.split("\n")]
    text = "\n".join(line for line in lines if line)
    return text or None


def item_id(source_id: str, canonical: str) -> str:
    """The natural key of an item: the same article from the same source is one item."""
    return stable_id(source_id, canonical)


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class FetchRecord:
    """One HTTP request (or file read) and what came of it; every request leaves exactly one."""

    source_id: str
    url: str
    started_at: datetime
    run_id: str
    data_date: date
    seq: int
    duration_ms: float | None = None
    http_status: int | None = None
    bytes: int | None = None
    items: int | None = None
    error: str | None = None  # a landing.fetch_errors class (FetchError or http_NNN); None when ok
    error_detail: str | None = None
    is_not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        return {
            "event_id": stable_id(self.run_id, self.source_id, self.seq),
            "source_id": self.source_id,
            "url": self.url,
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "http_status": self.http_status,
            "bytes": self.bytes,
            "items": self.items,
            "error": self.error,
            "error_detail": self.error_detail,
            "is_not_modified": self.is_not_modified,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "run_id": self.run_id,
            "data_date": self.data_date,
        }
