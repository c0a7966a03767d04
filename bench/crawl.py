"""Benchmark of the html crawl (crawlers.html.crawl_html, extraction included) against `scrapy bench`.

All traffic goes to 127.0.0.1. What it does:

1. serves a site built from the tests/fixtures/spider_generic templates, from memory, on 127.0.0.1:
   listing pages of 19 teasers each, linked by ``a.next``, and article pages of realistic size;
2. crawls it with ``crawl_html`` (robots.txt obeyed, the address guard, the fetch recorder, the landing
   pipeline with trafilatura extraction) with politeness delays off and the concurrency ``scrapy bench``
   uses (Scrapy's defaults: 16, 8 per domain): once extracting in the crawl process, then with a process
   pool of 1 and of 2 workers; pages/s are counted from the spider's opening to its closing (the last
   item extracted, the landing files written) and end to end (the child process's start-up included);
   each configuration runs ``--repeat`` times (default 2) and the best run counts, as for ``scrapy bench``;
3. times the child-process overhead of ``crawl_html`` and of ``crawl_html_many`` (10 sources);
4. times ``extract_article`` alone on a bench article page and on a real-size (~150 KB) page;
5. runs ``scrapy bench -s CLOSESPIDER_TIMEOUT=10`` and takes the median of its per-second pages/min.

Numbers move by 10-20% from run to run on a small shared machine; compare runs of the same day.

Usage: ``python bench/crawl.py [--articles N] [--skip-scrapy-bench]``. Exit code 1 when a crawl misses pages.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.registry import Source  # noqa: E402
from core.settings import Settings  # noqa: E402
from crawlers.extract import extract_article  # noqa: E402
from crawlers.html import crawl_html, crawl_html_many  # noqa: E402
from crawlers.settings import EXTRACT_WORKERS  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "spider_generic"
TEASERS_PER_PAGE = 19
DATA_DATE = date(2026, 11, 25)
GOAL_RATIO = 2.0
SELECTORS = {
    "article_links": "article.teaser h2 a",
    "next_page": "a.next",
    "title": "h1.headline",
    "body": "div.article-body",
    "published": "time::attr(datetime)",
}
# Same concurrency as `scrapy bench` (Scrapy's defaults); no politeness delay against our own server.
BENCH_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}
MENU = "\n".join(f'<li><a href="/topic/{i}">Topic {i}</a></li>' for i in range(120))
EXTRA = "\n".join(
    f"<p>Paragraph {i}: more reporting from the ground, with names, places and the numbers that matter.</p>"
    for i in range(12)
)


def build_site(articles: int) -> dict[str, bytes]:
    """Listing pages and article pages in memory, keyed by path."""
    templates = [p.read_text(encoding="utf-8") for p in sorted((FIXTURE / "articles").glob("*.html"))]
    pages = {"/robots.txt": b"User-agent: *\nDisallow: /private/\n"}
    for n in range(articles):
        html = templates[n % len(templates)].replace("<nav><ul>", "<nav><ul>" + MENU)
        html = html.replace("</h1>", f" ({n})</h1>", 1).replace(
            "      </div>\n    </article>", EXTRA + "</div></article>"
        )
        pages[f"/articles/{n}.html"] = html.encode("utf-8")
    listings = (articles + TEASERS_PER_PAGE - 1) // TEASERS_PER_PAGE
    for page in range(listings):
        first = page * TEASERS_PER_PAGE
        teasers = "".join(
            f'<article class="teaser"><h2><a href="/articles/{n}.html">Story {n}</a></h2><p>Standfirst.</p></article>\n'
            for n in range(first, min(first + TEASERS_PER_PAGE, articles))
        )
        more = f'<a class="next" href="/news/{page + 1}.html">Older</a>' if page + 1 < listings else ""
        pages[f"/news/{page}.html"] = (
            f"<!DOCTYPE html><html lang='en'><head><title>News</title></head><body><main>{teasers}</main>"
            f"<div class='pager'>{more}</div></body></html>"
        ).encode()
    return pages


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            body = pages.get(self.path.split("?", 1)[0])
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b"not found"
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bench_source(base: str, listings: int) -> Source:
    return Source.model_validate(
        {
            "id": "bench-site",
            "name": "Bench site",
            "kind": "html",
            "url": f"{base}/news/0.html",
            "languages": ["en"],
            "tier": "wire",
            "politeness": {"max_pages": listings + 1},
            "selectors": SELECTORS,
        }
    )


def our_crawl(source: Source, home: Path, workers: int, expected: int, repeat: int) -> float:
    """Crawl `repeat` times; print each run; return the best pages/s from the spider's opening to its closing."""
    settings = Settings.from_env(environ={}, home=home, allow_loopback=True)
    overrides = BENCH_SETTINGS | {"BLINDSPOT_EXTRACT_WORKERS": workers}
    where = "in the crawl process" if workers == 0 else f"in a {workers}-worker process pool"
    rates = []
    for attempt in range(repeat):
        cpu_before, started = _children_cpu(), time.perf_counter()
        summary = crawl_html(
            source, settings, DATA_DATE, f"bench-{workers}-{attempt}", scrapy_settings=overrides
        )
        wall, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
        # The pool's workers are the forkserver's children, so their CPU is not in the crawl process's.
        cpu_note = f"; crawl process CPU {cpu:.2f} s" if workers == 0 else ""
        print(
            f"ours, extraction {where}: {summary.requests} requests, {summary.items} items, {summary.errors} errors; "
            f"spider open to close {summary.seconds:.2f} s = {summary.requests / summary.seconds:.0f} pages/s; "
            f"end to end with the child's start-up {wall:.2f} s = {summary.requests / wall:.0f} pages/s{cpu_note}"
        )
        if summary.items != expected or summary.errors:
            print(f"FAIL: expected {expected} items and no errors")
            sys.exit(1)
        rates.append(summary.requests / summary.seconds)
    return max(rates)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scrapy_bench(repeat: int) -> float:
    """Run `scrapy bench` for 10 s, `repeat` times; the best median of its per-second pages/min, as pages/s."""
    scrapy = Path(sys.executable).with_name("scrapy")
    medians = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:  # outside any Scrapy project
            done = subprocess.run(
                [str(scrapy), "bench", "-s", "CLOSESPIDER_TIMEOUT=10"],
                cwd=tmp,
                capture_output=True,
                text=True,
                check=False,
            )
        rates = [int(m) for m in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", done.stderr)]
        rates = [r for r in rates if r > 0]
        if not rates:
            print(f"scrapy bench printed no rate (exit {done.returncode}):\n{done.stderr[-2000:]}")
            sys.exit(1)
        medians.append(statistics.median(rates))
        print(
            f"scrapy bench: median {medians[-1]:.0f} pages/min = {medians[-1] / 60:.0f} pages/s "
            f"(min {min(rates)}, max {max(rates)} pages/min over {len(rates)} one-second intervals)"
        )
    return max(medians) / 60


def extraction_rate(html: bytes, label: str, rounds: int) -> float:
    selectors = bench_source("http://127.0.0.1", 1).selectors
    extract_article(html, "http://127.0.0.1/a", selectors, "en")
    started = time.perf_counter()
    for _ in range(rounds):
        extract_article(html, "http://127.0.0.1/a", selectors, "en")
    per_page = (time.perf_counter() - started) / rounds
    print(
        f"extract_article on {label} ({len(html) / 1024:.0f} KB): {1 / per_page:.0f} pages/s ({per_page * 1000:.2f} ms/page)"
    )
    return 1 / per_page


def real_size_page() -> bytes:
    """A fixture article padded like a real news page (~150 KB): state JSON, scripts, menus, teasers."""
    html = (FIXTURE / "articles" / "karsa-shelling.html").read_text(encoding="utf-8")
    state = ",".join(
        f'{{"id": {i}, "headline": "Story {i} about the region", "url": "/x/{i}"}}' for i in range(1100)
    )
    cards = "".join(
        f'<article class="card"><a href="/a/{i}"><img src="/i/{i}.jpg"><h3>Related story {i}</h3></a>'
        f"<p>A short standfirst for story {i}.</p></article>"
        for i in range(80)
    )
    html = html.replace("</head>", f"<script>window.__STATE__=[{state}];{'var a=1;' * 4000}</script></head>")
    html = html.replace("<nav><ul>", "<nav><ul>" + MENU * 3)
    html = html.replace(
        '<aside class="related">', f'<section class="more">{cards}</section><aside class="related">'
    )
    return html.replace("      </div>\n    </article>", EXTRA * 3 + "</div></article>").encode("utf-8")


def overhead(base: str, home: Path) -> None:
    """A crawl whose only request is refused (loopback not allowed): what remains is the child process."""
    settings = Settings.from_env(environ={}, home=home, allow_loopback=False)
    source = bench_source(base, 1)
    timings = []
    for n in range(3):
        started = time.perf_counter()
        crawl_html(source, settings, DATA_DATE, f"overhead-{n}")
        timings.append(time.perf_counter() - started)
    many = [source.model_copy(update={"id": f"bench-site-{n}"}) for n in range(10)]
    started = time.perf_counter()
    crawl_html_many(many, settings, DATA_DATE, "overhead-many")
    together = time.perf_counter() - started
    print(
        f"child-process overhead: crawl_html {statistics.median(timings):.2f} s per call (median of 3); "
        f"crawl_html_many with 10 sources {together:.2f} s in one call"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1900)
    parser.add_argument("--repeat", type=int, default=2, help="runs per configuration; the best one counts")
    parser.add_argument("--skip-scrapy-bench", action="store_true")
    args = parser.parse_args()
    pages = build_site(args.articles)
    listings = sum(1 for p in pages if p.startswith("/news/"))
    article_size = statistics.mean(len(v) for k, v in pages.items() if k.startswith("/articles/")) / 1024
    server = serve(pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(
        f"site: {len(pages)} pages on {base} ({listings} listing pages, {args.articles} articles of ~{article_size:.0f} KB)"
    )
    source = bench_source(base, listings)
    with tempfile.TemporaryDirectory(prefix="blindspot-bench-") as tmp:
        in_process = our_crawl(source, Path(tmp) / "a", 0, args.articles, args.repeat)
        pooled = {
            n: our_crawl(source, Path(tmp) / f"pool-{n}", n, args.articles, args.repeat) for n in (1, 2)
        }
        overhead(base, Path(tmp) / "c")
    server.shutdown()
    small = extraction_rate(pages["/articles/0.html"], "a bench article page", 300)
    extraction_rate(real_size_page(), "a real-size article page", 100)
    print(
        f"extraction alone costs {1000 / small:.2f} ms of each {1000 / in_process:.2f} ms per page "
        f"of the in-process crawl ({100 * in_process / small:.0f}%): it limits the crawl"
        if in_process / small > 0.4
        else f"extraction alone costs {1000 / small:.2f} ms of each {1000 / in_process:.2f} ms per page: not the limit"
    )
    if args.skip_scrapy_bench:
        return 0
    reference = scrapy_bench(args.repeat)
    default = pooled.get(EXTRACT_WORKERS) or in_process
    verdict = "PASS" if default >= GOAL_RATIO * reference else "FAIL"
    pools = ", ".join(f"{n}-worker pool {rate / reference:.2f}x" for n, rate in pooled.items())
    print(
        f"ratio ours/scrapy-bench (best runs): in-process {in_process / reference:.2f}x, {pools}; "
        f"default ({EXTRACT_WORKERS} workers on {os.cpu_count()} CPUs) {default / reference:.2f}x "
        f"(goal >= {GOAL_RATIO:.0f}x: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
