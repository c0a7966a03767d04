"""Zone tags and datelines on the labelled real-text corpus (tests/fixtures/geotag_real): recall and precision
per language, datelines found, false datelines, and the tagger's throughput on the same items.

Each item is tagged as enrichment tags it: the title, and the lead as the text (the dateline read from the
lead). A label names the most specific zones; their country zones are implied, so both sides are compared
with parents added. Counts are over (item, zone) pairs.

    .venv/bin/python bench/geotag_real.py [--errors] [--config DIR]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from core.registry import Registry, load_country_names, load_registry
from transforms.udf.dateline import DatelineMemo
from transforms.udf.geotag import ZoneTagger
from transforms.udf.text import fold, normalize

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "geotag_real"
LANGUAGES = ("en", "fr", "es", "ar", "ru", "uk")


def load_corpus(corpus: Path = CORPUS) -> list[dict]:
    items = []
    for path in sorted(corpus.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                item = json.loads(line)
                item["_where"] = f"{path.name}:{number}"
                items.append(item)
    return items


def with_parents(zones: list[str] | set[str], registry: Registry) -> set[str]:
    parents = {z.id: z.parent for z in registry.zones}
    out = set(zones)
    out |= {parents[z] for z in zones if parents.get(z)}
    return out


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    items: int = 0
    datelines: int = 0
    datelines_found: int = 0
    false_datelines: int = 0
    false_datelines_on_traps: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


def evaluate(items: list[dict], tagger: ZoneTagger, registry: Registry) -> dict[str, Tally]:
    """One Tally per language and one for "all"."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for item in items:
        language = item["language"]
        title, lead = item["title"] or "", item["lead"] or ""
        memo = DatelineMemo()
        found = tagger.dateline_resolver.extract(lead, language, memo) if lead else None
        rows = tagger.evaluate_folded(title, lead, fold(lead) if lead else "", language, memo)
        predicted = {tagger.zones[row[0]].id for row in rows}
        expected = with_parents(item["zones"], registry)
        for key in (language, "all"):
            t = tallies[key]
            t.items += 1
            t.tp += len(predicted & expected)
            t.fp += len(predicted - expected)
            t.fn += len(expected - predicted)
            if item["dateline"]:
                t.datelines += 1
                if found is not None and normalize(found.place or "") == normalize(item["dateline"]):
                    t.datelines_found += 1
            elif found is not None:
                t.false_datelines += 1
                t.false_datelines_on_traps += bool(item["trap"])
        wrong_dateline = (found.place if found else None) if item["dateline"] or found else None
        if (
            predicted != expected
            or (item["dateline"] and normalize(wrong_dateline or "") != normalize(item["dateline"]))
            or (not item["dateline"] and found is not None)
        ):
            text = (title + " | " + lead)[:160].replace("\n", " ")
            tallies[language].errors.append(
                f"{item['id']}: expected {sorted(expected)} got {sorted(predicted)}"
                f" dateline {item['dateline']!r} read {wrong_dateline!r}  [{text}]"
            )
    return tallies


def throughput(items: list[dict], tagger: ZoneTagger, repeat: int = 20) -> float:
    """Items per second, tagging every item `repeat` times (texts folded as enrichment folds them)."""
    rows = [(i["title"] or "", i["lead"] or "", i["language"]) for i in items] * repeat
    start = time.process_time()
    for title, lead, language in rows:
        memo = DatelineMemo()
        if lead:
            tagger.dateline_resolver.extract(lead, language, memo)
        tagger.evaluate_folded(title, lead, fold(lead) if lead else "", language, memo)
    return len(rows) / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, default=ROOT / "config")
    parser.add_argument("--errors", action="store_true", help="print every item tagged or dated wrongly")
    args = parser.parse_args()
    registry = load_registry(args.config)
    tagger = ZoneTagger(registry.zones, load_country_names(args.config))
    items = load_corpus()
    tallies = evaluate(items, tagger, registry)
    traps = Counter(i["trap"] for i in items if i["trap"])
    print(f"corpus: {len(items)} items, {sum(traps.values())} traps ({dict(sorted(traps.items()))})")
    print(f"{'lang':<5}{'items':>6}{'recall':>9}{'precision':>11}{'datelines':>11}{'found':>7}{'false':>7}")
    for key in (*LANGUAGES, "all"):
        t = tallies.get(key)
        if t is None:
            continue
        dated = f"{t.datelines_found / t.datelines:.1%}" if t.datelines else "-"
        print(
            f"{key:<5}{t.items:>6}{t.recall:>9.1%}{t.precision:>11.1%}{t.datelines:>11}{dated:>7}"
            f"{t.false_datelines:>7}"
        )
    overall = tallies["all"]
    print(f"false datelines on traps: {overall.false_datelines_on_traps}")
    rate = throughput(items, tagger)
    print(f"throughput: {rate:,.0f} items/s (title + lead, one CPU, {len(items) * 20:,} items)")
    if args.errors:
        for key in LANGUAGES:
            for line in tallies.get(key, Tally()).errors:
                print(line)


if __name__ == "__main__":
    main()
