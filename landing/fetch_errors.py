"""The fetch error classes: one enum for what a failed fetch event's `error` says, written and checked alike."""

from __future__ import annotations

from enum import StrEnum


class FetchError(StrEnum):
    """Why a fetch gave nothing usable; an HTTP error status is `http_NNN` (see `http_status_error`)."""

    BLOCKED_ADDRESS = "blocked_address"  # the URL resolves to an address we refuse (private, loopback)
    CONNECT_ERROR = "connect_error"
    CONNECTION_LOST = "connection_lost"  # the body was cut off
    DNS_ERROR = "dns_error"
    DOWNLOAD_FAILED = "download_failed"
    EXTRACT_ERROR = "extract_error"  # a page was fetched but its article could not be extracted
    FILE_ERROR = "file_error"  # a file:// source could not be read
    HTTP_ERROR = "http_error"  # an HTTP protocol failure without a status
    LAYOUT_CHANGED = "layout_changed"  # a listing's selector matched nothing: the site was redesigned
    PARSE_ERROR = "parse_error"  # a feed or dataset file that cannot be read
    REDIRECT_LOOP = "redirect_loop"
    ROBOTS_REFUSED = "robots_refused"
    SIZE_CAP = "size_cap"
    TIMEOUT = "timeout"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    URL_TEMPLATE = "url_template"  # a dataset URL whose placeholders cannot be filled
    XML_ENTITY_DECLARATION = "xml_entity_declaration"  # a feed declaring XML entities (refused, not parsed)


def http_status_error(status: int) -> str:
    """The error class of an HTTP error response: `http_404`, `http_503`."""
    return f"http_{status}"


# Every value `error` may hold: an enum member or an HTTP status class.
ERROR_PATTERN = r"^(?:http_\d{3}|" + "|".join(e.value for e in FetchError) + r")$"
RETRYABLE = frozenset({FetchError.TIMEOUT, FetchError.CONNECT_ERROR})
