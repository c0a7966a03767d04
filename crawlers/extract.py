"""Article extraction: a pure function from HTML bytes, URL and selectors to item fields (process-pool safe)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from datetime import datetime
from itertools import islice

import lxml.html
import trafilatura
from lxml.etree import ParserError
from parsel import Selector
from trafilatura.metadata import extract_metadata

from core.registry import Selectors
from crawlers.items import as_utc
from crawlers.lead import LEAD_SCAN_LINES, lead_paragraph

SPACE = re.compile(r"\s+")
LANGUAGE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
# Text a reader sees: never script, style or template code.
VISIBLE_TEXT = ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::template)]"
PUBLISHED_META = (
    'meta[property="article:published_time"]::attr(content)',
    'meta[itemprop="datePublished"]::attr(content)',
    'meta[name="date"]::attr(content)',
)
AUTHOR_META = ('meta[name="author"]::attr(content)', 'meta[property="article:author"]::attr(content)')
FIELDS = ("title", "body_text", "lead_text", "published_at", "language", "author")


def fold(text: str | None) -> str | None:
    """Collapse white space; None for empty text."""
    text = SPACE.sub(" ", text or "").strip()
    return text or None


def visible_text(selection: Selector) -> str | None:
    return fold("".join(selection.xpath(VISIBLE_TEXT).getall()))


def parse_datetime(value: str | None) -> datetime | None:
    """ISO 8601 or RFC 2822 text to an aware UTC datetime; None when it is neither."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return as_utc(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def selected_text(page: Selector, css: str | None) -> str | None:
    """Text of the first match; a selector ending in ::attr()/::text gives its value directly."""
    if not css:
        return None
    if "::" in css:
        return fold(page.css(css).get())
    match = page.css(css)
    return visible_text(match[0]) if match else None


def body_paragraphs(page: Selector, body_css: str | None) -> Iterator[str]:
    """The body's non-empty <p> texts in order, photo captions left out (lazily: the lead needs a few)."""
    if not body_css:
        return
    for body in page.css(body_css):
        for paragraph in body.root.iter("p"):
            if any(True for _ in paragraph.iterancestors("figure", "figcaption")):
                continue
            if paragraph.find(".//script") is None and paragraph.find(".//style") is None:
                text = fold(paragraph.text_content())
            else:
                text = fold("".join(paragraph.xpath(VISIBLE_TEXT)))
            if text:
                yield text


def page_language(page: Selector, default: str | None) -> str | None:
    match = LANGUAGE.match((page.xpath("/html/@lang").get() or "").strip())
    return match.group(1).lower() if match else default


def first_of(page: Selector, selectors: tuple[str, ...]) -> str | None:
    return next((value for css in selectors if (value := fold(page.css(css).get()))), None)


def extract_article(
    html: bytes,
    url: str,
    selectors: Selectors | None,
    default_language: str | None = None,
    encoding: str = "utf-8",
) -> dict:
    """Title, body_text, lead_text, published_at (UTC), language, author.

    The lead is the story's first paragraph, its dateline kept: never the title, a caption, a byline or a
    share, audio, ad or "Read more" line (crawlers.lead); from the body selector's paragraphs when it has
    any, else from the extracted text.
    """
    try:
        text = html.decode(encoding, errors="replace")
    except LookupError:  # a charset Python has no codec for
        text = html.decode("utf-8", errors="replace")
    try:
        tree = lxml.html.document_fromstring(text)
    except (ParserError, ValueError):  # nothing parseable, e.g. an empty body
        return dict.fromkeys(FIELDS) | {"language": default_language}
    page = Selector(root=tree, type="html")
    selectors = selectors or Selectors(article_links="a")
    fields = {
        "title": selected_text(page, selectors.title),
        "published_at": parse_datetime(selected_text(page, selectors.published))
        or next(filter(None, (parse_datetime(page.css(css).get()) for css in PUBLISHED_META)), None),
        "language": page_language(page, default_language),
        "author": first_of(page, AUTHOR_META),
    }
    document = trafilatura.bare_extraction(
        tree, url=url, fast=True, include_comments=False, include_tables=False
    )
    text = document.text if document is not None else None
    fields["body_text"] = text or "\n".join(body_paragraphs(page, selectors.body)) or None
    if not (fields["title"] and fields["published_at"] and fields["author"]):
        _fill_from_metadata(fields, tree, url)
    paragraphs = [*islice(body_paragraphs(page, selectors.body), LEAD_SCAN_LINES)] or (text or "").split("\n")
    fields["lead_text"] = fold(lead_paragraph(paragraphs, fields["title"]))
    return fields


def _fill_from_metadata(fields: dict, tree: lxml.html.HtmlElement, url: str) -> None:
    """Trafilatura's metadata (JSON-LD, meta tags, htmldate); costly, so only for what selectors missed."""
    meta = extract_metadata(tree, url, None, False)
    fields["title"] = fields["title"] or fold(meta.title) or fold(tree.findtext(".//title"))
    fields["published_at"] = fields["published_at"] or parse_datetime(meta.date)
    fields["author"] = fields["author"] or fold(meta.author)
