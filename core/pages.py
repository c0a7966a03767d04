"""Names shared by the report and the alerts that link to it."""

from __future__ import annotations

import re


def zone_page_name(zone_id: str) -> str:
    """The report's page of a zone: a file name from its slug; anything outside [a-z0-9-] is replaced, so it
    stays one file."""
    return "zone-" + re.sub(r"[^a-z0-9-]", "_", zone_id.lower()) + ".html"
