"""docs/methodology.md as a plain HTML page beside the report, so it is linked offline from every page."""

from __future__ import annotations

from html import escape
from pathlib import Path

from markdown_it import MarkdownIt

METHODOLOGY_MD = Path(__file__).resolve().parents[2] / "docs" / "methodology.md"


def write_methodology(target: Path, source: Path = METHODOLOGY_MD) -> Path:
    """Render the methodology (raw HTML in the Markdown is escaped, not passed through)."""
    if not source.exists():
        raise FileNotFoundError(
            f"the methodology is missing at {source}; the report links to it from every page"
        )
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(source.read_text("utf-8"))
    target.write_text(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<title>{escape("blindspot: methodology")}</title><link rel="stylesheet" href="style.css"></head>'
        '<body><header><a class="brand" href="index.html">blindspot</a> '
        '<nav><a href="index.html">zones</a> · <a href="methodology.html">methodology</a></nav></header>'
        f'<main class="doc">{body}</main></body></html>\n',
        "utf-8",
    )
    return target
