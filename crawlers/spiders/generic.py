"""The one generic spider: from a source's listing pages to its article pages, driven by its selectors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse

from core.registry import Selectors, Source
from crawlers.items import canonical_url
from crawlers.middlewares import page_parsed
from landing.fetch_errors import FetchError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")


@dataclass(frozen=True)
class CrawlJob:
    """What one crawler collects: a source, the night it collects for, and the articles it already has."""

    source: Source
    data_date: date
    run_id: str
    known_urls: frozenset[str] = frozenset()

    @property
    def selectors(self) -> Selectors:
        assert self.source.selectors is not None  # an html source always has selectors
        return self.source.selectors


@dataclass
class ArticlePage:
    """A fetched article page; the pipeline extracts its fields (in this process or a worker pool)."""

    url: str
    canonical_url: str
    html: bytes
    encoding: str
    fetched_at: datetime


def selected_urls(response: TextResponse, css: str) -> list[str]:
    """Absolute http(s) URLs a selector names: its values when it ends in ::attr(), else each match's href."""
    if "::" in css:
        values = response.css(css).getall()
    else:
        values = [match.attrib.get("href") or match.css("a::attr(href)").get() for match in response.css(css)]
    urls = []
    for value in values:
        value = (value or "").strip()
        if value and not value.lower().startswith(SKIPPED_SCHEMES):
            url = response.urljoin(value)
            if urlsplit(url).scheme in ("http", "https"):
                urls.append(url)
    return urls


class GenericSpider(Spider):
    """Follows article links and pagination; stops at the first listing page with nothing new."""

    name = "generic"

    def __init__(self, job: CrawlJob, max_pages: int = 50, **kwargs: Any):
        super().__init__(**kwargs)
        self.job, self.max_pages = job, max_pages
        # No allowed_domains: Scrapy drops offsite requests without a trace, and articles or redirects
        # may live on a sister host. The address guard still refuses private and metadata hosts.
        self.seen_articles: set[str] = set()
        self.seen_listings: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GenericSpider:
        kwargs.setdefault("max_pages", crawler.settings.getint("BLINDSPOT_MAX_PAGES"))
        return super().from_crawler(crawler, *args, **kwargs)

    async def start(self) -> AsyncIterator[Request]:
        yield self._listing_request(self.job.source.url, page=1)

    def _listing_request(self, url: str, page: int) -> Request:
        self.seen_listings.add(canonical_url(url))
        return Request(url, callback=self.parse_listing, cb_kwargs={"page": page}, priority=1)

    def parse_listing(self, response: Response, page: int) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            self._report(response, 0, "not_html", _content_type(response))
            return
        css = self.job.selectors.article_links
        by_canonical: dict[str, str] = {}
        for url in selected_urls(response, css):
            by_canonical.setdefault(canonical_url(url), url)
        if not by_canonical:
            self._report(response, 0, FetchError.LAYOUT_CHANGED, f"selector {css!r} matched no article links")
            return
        self._report(response, len(by_canonical), None, None)  # a listing's items: the articles it links to
        fresh = {
            canonical: url
            for canonical, url in by_canonical.items()
            if canonical not in self.job.known_urls and canonical not in self.seen_articles
        }
        for canonical, url in fresh.items():
            self.seen_articles.add(canonical)
            yield Request(url, callback=self.parse_article, cb_kwargs={"url": url, "canonical": canonical})
        if not fresh:
            return  # a whole page of known articles: the older pages hold nothing new
        yield from self._next_listing(response, page)

    def _next_listing(self, response: TextResponse, page: int) -> Iterator[Request]:
        css = self.job.selectors.next_page
        if not css or page >= self.max_pages:
            return
        for url in selected_urls(response, css)[:1]:
            if canonical_url(url) not in self.seen_listings:
                yield self._listing_request(url, page + 1)

    def parse_article(self, response: Response, url: str, canonical: str) -> Iterator[ArticlePage]:
        """The item keeps the listing's link (not a redirect target), so tomorrow's known_urls match it."""
        if not isinstance(response, TextResponse):
            self._report(response, 0, "not_html", _content_type(response))
            return
        self._report(response, 1, None, None)
        yield ArticlePage(url, canonical, response.body, response.encoding, datetime.now(UTC))

    def _report(self, response: Response, items: int, error: str | None, detail: str | None) -> None:
        self.crawler.signals.send_catch_log(
            signal=page_parsed, response=response, items=items, error=error, detail=detail
        )


def _content_type(response: Response) -> str:
    return (response.headers.get("Content-Type") or b"").decode("latin-1")
