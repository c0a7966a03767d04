"""Wire formats of the demo world: RSS/Atom/RDF feeds and HTML pages, bytes out.

Pure and deterministic (same input, same bytes); every dataset renderer drops rows dated after `as_of`;
everything from the world is untrusted text and is escaped.
Dataset files are rendered by blindspot.demo.dataset_formats.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from html import escape as html_escape
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyarrow as pa

from blindspot.demo.world import DemoSource

TRACKING = "utm_source=rss&utm_medium=feed"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"  # RSS 2.0 and RSS 1.0 full text: content:encoded
MONTHS = "January February March April May June July August September October November December".split()
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str | None) -> str:
    return xml_escape(_INVALID_XML.sub("", text or ""))


def _h(text: str | None) -> str:
    return html_escape(_INVALID_XML.sub("", text or ""), quote=True)


def _utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)


def rfc822(ts: datetime) -> str:
    return format_datetime(_utc(ts), usegmt=True)


def rfc3339(ts: datetime) -> str:
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def long_date(day: date) -> str:
    """ "June 12, 2026", whatever the process locale."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def article_path(source_id: str, article_id: str) -> str:
    return f"/sites/{source_id}/articles/{article_id}.html"


def _rows(table: pa.Table | Sequence[dict]) -> list[dict]:
    return table.to_pylist() if isinstance(table, pa.Table) else list(table)


# ---- feeds -------------------------------------------------------------------------------------------


def _links(source: DemoSource, rows: list[dict], base_url: str) -> list[tuple[dict, str, str]]:
    """(row, canonical URL, URL with the tracking parameters collectors must strip) per item."""
    urls = [f"{base_url}{article_path(source.id, r['article_id'])}" for r in rows]
    return [(r, url, f"{url}?{TRACKING}") for r, url in zip(rows, urls, strict=True)]


def _paragraphs(row: dict) -> list[str]:
    """The article's text as its HTML page shows it: the lead, then the body's paragraphs."""
    return [row.get("lead") or ""] + [p for p in (row.get("body") or "").split("\n\n") if p.strip()]


def _body_html(row: dict) -> str:
    return "".join(f"<p>{_h(p)}</p>\n" for p in _paragraphs(row))


def _content(source: DemoSource, row: dict, tag: str) -> str:
    """The full-text element of a full_text feed (HTML escaped once more as XML text), else nothing."""
    if not source.full_text:
        return ""
    attrs = ' type="html"' if tag == "content" else ""
    return f"<{tag}{attrs}>{_x(_body_html(row))}</{tag}>\n"


def _rss(source: DemoSource, rows: list[dict], base_url: str, newest: datetime) -> tuple[str, list[str], str]:
    name, feed = _x(source.name), quoteattr(f"{base_url}/feeds/{source.id}.xml")
    head = (
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"'
        f" xmlns:content={quoteattr(CONTENT_NS)}>\n"
        f"<channel>\n<title>{name}</title>\n<link>{_x(base_url)}/sites/{source.id}/</link>\n"
        f"<description>{name}</description>\n<language>{_x(source.language)}</language>\n"
        f"<lastBuildDate>{rfc822(newest)}</lastBuildDate>\n"
        f'<atom:link href={feed} rel="self" type="application/rss+xml"/>\n'
    )
    items = [
        f"<item>\n<title>{_x(r['title'])}</title>\n<link>{_x(tracked)}</link>\n"
        f'<guid isPermaLink="true">{_x(url)}</guid>\n<pubDate>{rfc822(r["published_at"])}</pubDate>\n'
        f"<description>{_x(r['lead'])}</description>\n{_content(source, r, 'content:encoded')}"
        f"<dc:creator>{name}</dc:creator>\n<category>News</category>\n</item>\n"
        for r, url, tracked in _links(source, rows, base_url)
    ]
    return head, items, "</channel>\n</rss>\n"


def _atom(
    source: DemoSource, rows: list[dict], base_url: str, newest: datetime
) -> tuple[str, list[str], str]:
    site, author = f"{base_url}/sites/{source.id}/", f"<author><name>{_x(source.name)}</name></author>"
    head = (
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(source.language)}>\n'
        f'<title type="text">{_x(source.name)}</title>\n<id>{_x(site)}</id>\n<updated>{rfc3339(newest)}</updated>\n'
        f'<link rel="self" type="application/atom+xml" href={quoteattr(f"{base_url}/feeds/{source.id}.xml")}/>\n'
        f'<link rel="alternate" type="text/html" href={quoteattr(site)}/>\n{author}\n'
    )
    items = [
        f'<entry>\n<title type="text">{_x(r["title"])}</title>\n'
        f'<link rel="alternate" type="text/html" href={quoteattr(tracked)}/>\n<id>{_x(url)}</id>\n'
        f"<published>{rfc3339(r['published_at'])}</published>\n<updated>{rfc3339(r['published_at'])}</updated>\n"
        f'<summary type="text">{_x(r["lead"])}</summary>\n{_content(source, r, "content")}{author}\n<category term="News"/>\n</entry>\n'
        for r, url, tracked in _links(source, rows, base_url)
    ]
    return head, items, "</feed>\n"


def _rdf(source: DemoSource, rows: list[dict], base_url: str, newest: datetime) -> tuple[str, list[str], str]:
    name, links = _x(source.name), _links(source, rows, base_url)
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(tracked)}/>\n" for _, _, tracked in links)
    head = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'
        f' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content={quoteattr(CONTENT_NS)}>\n'
        f"<channel rdf:about={quoteattr(f'{base_url}/feeds/{source.id}.xml')}>\n<title>{name}</title>\n"
        f"<link>{_x(base_url)}/sites/{source.id}/</link>\n<description>{name}</description>\n"
        f"<dc:language>{_x(source.language)}</dc:language>\n<dc:date>{rfc3339(newest)}</dc:date>\n"
        f"<items>\n<rdf:Seq>\n{seq}</rdf:Seq>\n</items>\n</channel>\n"
    )
    items = [
        f"<item rdf:about={quoteattr(tracked)}>\n<title>{_x(r['title'])}</title>\n<link>{_x(tracked)}</link>\n"
        f"<description>{_x(r['lead'])}</description>\n{_content(source, r, 'content:encoded')}<dc:date>{rfc3339(r['published_at'])}</dc:date>\n"
        f"<dc:creator>{name}</dc:creator>\n<dc:subject>News</dc:subject>\n</item>\n"
        for r, _, tracked in links
    ]
    return head, items, "</rdf:RDF>\n"


FEED_BUILDERS = {"rss": _rss, "atom": _atom, "rdf": _rdf}


def _broken_item(source: DemoSource, row: dict) -> str:
    """An item with a raw `&` that never closes: the document ends inside it."""
    tag = {"atom": "entry", "rdf": "item"}.get(source.feed_format or "", "item")
    text = "summary" if tag == "entry" else "description"
    return f"<{tag}>\n<title>{_x(row['title'])} & more</title>\n<{text}>{_x(row['lead'])[:80]}"


def render_feed(
    source: DemoSource, articles: pa.Table, base_url: str, as_of: date, malformed: bool = False
) -> bytes:
    """The source's feed of `articles` (already filtered and newest first), in its format and encoding."""
    rows = _rows(articles)
    newest = _utc(rows[0]["published_at"]) if rows else midnight(as_of)
    head, items, tail = FEED_BUILDERS[source.feed_format or "rss"](source, rows, base_url, newest)
    if malformed and rows:
        keep = max(1, len(items) // 2)
        body = head + "".join(items[:keep]) + _broken_item(source, rows[min(keep, len(rows) - 1)])
    else:
        body = head + "".join(items) + tail
    declared = source.declared_encoding or source.encoding
    document = f'<?xml version="1.0" encoding="{declared}"?>\n{body}'
    return document.encode(source.encoding, errors="xmlcharrefreplace")


# ---- HTML --------------------------------------------------------------------------------------------


def _page(source: DemoSource, lang: str, title: str, head_extra: str, main: str, related: str = "") -> bytes:
    rtl = ' dir="rtl"' if lang == "ar" else ""
    home = f"/sites/{source.id}/"
    doc = (
        f'<!DOCTYPE html>\n<html lang="{_h(lang)}"{rtl}>\n<head>\n<meta charset="{_h(source.encoding)}">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
        f'{head_extra}</head>\n<body>\n<header class="site-header">\n<a class="logo" href="{home}">'
        f'{_h(source.name)}</a>\n<nav class="main-nav"><a href="{home}">Home</a> <a href="{home}#latest">'
        'Latest</a> <a href="/private/index.html">Subscribers</a></nav>\n</header>\n'
        f'<main>\n{main}</main>\n<footer class="site-footer">\n{related}'
        f'<p class="copyright">&#169; {_h(source.name)}. All rights reserved.</p>\n</footer>\n</body>\n</html>\n'
    )
    return doc.encode(source.encoding, errors="xmlcharrefreplace")


def render_listing(
    source: DemoSource,
    articles_page: pa.Table,
    page: int,
    has_next: bool,
    base_url: str,
    layout: str = "standard",
) -> bytes:
    """One page of the source's article listing, newest first; "changed" is a redesign with other markup."""
    rows, home = _rows(articles_page), f"/sites/{source.id}/"
    canonical = f"{base_url}{home}" + (f"page/{page}/" if page > 1 else "")
    if layout == "changed":
        cards = "".join(
            f'<div class="story-card">\n<span class="hl" data-href="{article_path(source.id, r["article_id"])}">'
            f'{_h(r["title"])}</span>\n<span class="ts" data-ts="{rfc3339(r["published_at"])}"></span>\n'
            f'<div class="dek">{_h(r["lead"])}</div>\n</div>\n'
            for r in rows
        )
        more = f'<button class="load-more" data-page="{page + 1}">More stories</button>\n' if has_next else ""
        main = f'<div class="story-grid">\n{cards}</div>\n{more}'
    else:
        teasers = "".join(
            f'<article class="teaser">\n<h2><a href="{article_path(source.id, r["article_id"])}">'
            f'{_h(r["title"])}</a></h2>\n<time datetime="{rfc3339(r["published_at"])}">'
            f"{long_date(_utc(r['published_at']).date())}, {_utc(r['published_at']):%H:%M}</time>\n"
            f'<p class="standfirst">{_h(r["lead"])}</p>\n</article>\n'
            for r in rows
        )
        newer = "" if page == 1 else (home if page == 2 else f"{home}page/{page - 1}/")
        links = (f'<a class="prev" rel="prev" href="{newer}">Newer</a>\n' if newer else "") + (
            f'<a class="next" rel="next" href="{home}page/{page + 1}/">Older</a>\n' if has_next else ""
        )
        main = f'<section class="latest">\n{teasers}</section>\n<nav class="pagination">\n{links}</nav>\n'
    head = f'<link rel="canonical" href="{_h(canonical)}">\n'
    return _page(source, source.language, f"{_h(source.name)} - page {page}", head, main)


def render_article(
    source: DemoSource, article_row: dict, base_url: str, related: Sequence[dict] = ()
) -> bytes:
    """A full article page; `related` rows (article_id, title) become the footer's related-stories links."""
    r, published = article_row, rfc3339(article_row["published_at"])
    head = (
        f'<meta property="og:title" content="{_h(r["title"])}">\n<meta property="og:type" content="article">\n'
        f'<meta property="article:published_time" content="{published}">\n'
        f'<link rel="canonical" href="{_h(base_url + article_path(source.id, r["article_id"]))}">\n'
    )
    figure = (
        f'<figure>\n<img src="/static/photo.jpg" alt="">\n<figcaption>{_h(r["caption"])}</figcaption>\n</figure>\n'
        if r.get("caption") is not None
        else ""
    )
    body = _body_html(r)
    main = (
        f'<article>\n<h1>{_h(r["title"])}</h1>\n<time datetime="{published}">'
        f"{long_date(_utc(r['published_at']).date())}</time>\n{figure}"
        f'<div class="article-body">\n{body}</div>\n</article>\n'
    )
    items = "".join(
        f'<li><a href="{article_path(source.id, x["article_id"])}">{_h(x["title"])}</a></li>\n'
        for x in related
    )
    footer = (
        f'<section class="related">\n<h3>Related stories</h3>\n<ul>\n{items}</ul>\n</section>\n'
        if items
        else ""
    )
    return _page(source, r.get("language") or source.language, _h(r["title"]), head, main, footer)


# ---- datasets ----------------------------------------------------------------------------------------
