"""Datelines on real article pages: the pipeline's path (extract_article, then the stored lead) against
extract_dateline on the page's clean text, scored on the hand labels of tests/fixtures/article_pages."""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from core.registry import Selectors
from crawlers.extract import extract_article
from transforms.udf.dateline import DatelineMemo
from transforms.udf.datelines_resolve import DatelineResolver, extract_dateline

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "fixtures" / "article_pages"


def page_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def read_pages(pages: Path, resolver: DatelineResolver) -> list[dict]:
    """Per page: its label, the place read from the stored lead (as enrichment does) and from the clean text."""
    labels = json.loads((pages / "labels.json").read_text(encoding="utf-8"))
    rows = []
    for name, label in sorted(labels.items()):
        # Real sources are configured with article_links only: no body or title selector.
        fields = extract_article(
            page_bytes(pages / name), f"https://example.org/{name}", Selectors(article_links="a")
        )
        language = fields["language"] or label["language"]
        lead = fields["lead_text"]
        from_lead = resolver.extract(lead, language, DatelineMemo()) if lead else None
        from_text = extract_dateline(fields["body_text"] or "", language)
        rows.append(
            {
                "file": name,
                "label": label["dateline"],
                "pipeline": from_lead.place if from_lead else None,
                "clean_text": from_text.place if from_text else None,
                "lead": lead,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=Path, default=PAGES)
    parser.add_argument("--config", type=Path, default=ROOT / "config", help="registry for the resolver")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per page")
    args = parser.parse_args()
    rows = read_pages(args.pages, DatelineResolver.from_config(args.config))
    labelled = [r for r in rows if r["label"]]
    if args.verbose:
        for r in rows:
            print(
                f"{r['file']:40} label={r['label']!s:15} pipeline={r['pipeline']!s:15} clean={r['clean_text']!s:15}"
            )
    print(f"pages: {len(rows)} ({len(labelled)} with a labelled dateline)")
    print(
        f"labelled datelines found by the pipeline path (stored lead): "
        f"{sum(r['pipeline'] == r['label'] for r in labelled)}/{len(labelled)}"
    )
    print(
        f"labelled datelines found by extract_dateline on clean text:  "
        f"{sum(r['clean_text'] == r['label'] for r in labelled)}/{len(labelled)}"
    )
    clean_found = [r for r in rows if r["clean_text"]]
    print(
        f"pipeline finds of the clean-text finds: "
        f"{sum(r['pipeline'] == r['clean_text'] for r in clean_found)}/{len(clean_found)}"
    )
    false = [r for r in rows if r["pipeline"] and r["pipeline"] != r["label"]]
    print(f"false datelines from the pipeline path: {len(false)} {[r['file'] for r in false]}")


if __name__ == "__main__":
    main()
