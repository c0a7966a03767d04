"""Precision and recall of denial claims per frame and language on the labelled real corpus
(tests/fixtures/frames_real), against the previous detector (frame wording alone, body text only)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from transforms.udf.claims import ClaimDetector
from transforms.udf.frames import LABELS, FrameDetector

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "frames_real"
CONFIG = ROOT / "config"
GRADED = 30  # a frame is held to the goals with at least this many examples in the part measured


def load_corpus(split: str | None = "measure") -> list[dict]:
    """Every item of the corpus (of one split, "tune" or "measure", or all when None)."""
    items = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                item = json.loads(line)
                item["_where"] = f"{path.name}:{number}"
                if split is None or item["split"] == split:
                    items.append(item)
    return items


def predicted_frames(detector: ClaimDetector, item: dict) -> set[str]:
    """The frames of the claims with a speaker: a corpus item is one headline or sentence from any outlet,
    so an unattributed claim (counted only in a state outlet's items) is not a claim here."""
    title, text = (item["text"], "") if item["kind"] == "headline" else ("", item["text"])
    return {c.frame for c in detector.detect(title, text, item["language"]) if c.speaker_type is not None}


def scores(items: Iterable[dict], predict) -> dict[tuple[str, str], Counter]:  # noqa: ANN001 (a callable)
    """(frame, language) -> Counter of tp, fp, fn, support; language "all" sums the languages."""
    out: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for item in items:
        truth, found = set(item["frames"]), predict(item)
        for frame in LABELS:
            for language in (item["language"], "all"):
                counter = out[(frame, language)]
                counter["support"] += frame in truth
                counter["tp"] += frame in truth and frame in found
                counter["fp"] += frame not in truth and frame in found
                counter["fn"] += frame in truth and frame not in found
    return out


def ratio(a: int, b: int) -> str:
    return f"{a / b:6.1%}" if b else "     -"


def report(title: str, table: dict[tuple[str, str], Counter], languages: list[str]) -> None:
    print(f"\n{title}")
    print(f"{'frame':22} {'lang':4} {'n':>4} {'prec':>7} {'recall':>7}   tp  fp  fn")
    for frame in LABELS:
        for language in [*languages, "all"]:
            c = table[(frame, language)]
            if not c["support"] and not c["fp"]:
                continue
            flag = " graded" if language == "all" and c["support"] >= GRADED else ""
            print(
                f"{frame:22} {language:4} {c['support']:4} {ratio(c['tp'], c['tp'] + c['fp']):>7} "
                f"{ratio(c['tp'], c['tp'] + c['fn']):>7} {c['tp']:4} {c['fp']:3} {c['fn']:3}{flag}"
            )
    tp = sum(table[(f, "all")]["tp"] for f in LABELS)
    fp = sum(table[(f, "all")]["fp"] for f in LABELS)
    fn = sum(table[(f, "all")]["fn"] for f in LABELS)
    print(
        f"{'all frames':22} {'all':4} {tp + fn:4} {ratio(tp, tp + fp):>7} {ratio(tp, tp + fn):>7} {tp:4} {fp:3} {fn:3}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=["tune", "measure", "all"], default="measure")
    parser.add_argument("--errors", action="store_true", help="print every wrong item")
    args = parser.parse_args(argv)
    items = load_corpus(None if args.split == "all" else args.split)
    languages = sorted({i["language"] for i in items})
    positives = sum(1 for i in items if i["frames"])
    print(f"corpus {args.split}: {len(items)} items ({positives} with a claim) in {', '.join(languages)}")

    detector = ClaimDetector.from_config(CONFIG)
    started = time.perf_counter()
    claims = scores(items, lambda item: predicted_frames(detector, item))
    elapsed = time.perf_counter() - started
    report("claims (frame wording + speaker + target; title and text)", claims, languages)

    baseline = FrameDetector.from_config(CONFIG)
    words = scores(items, lambda item: set(baseline.detect(item["text"], item["language"])))
    report("baseline: frame wording alone (the detector before claims)", words, languages)

    graded = [f for f in LABELS if claims[(f, "all")]["support"] >= GRADED]
    print(f"\ngraded frames (>= {GRADED} examples in this part): {', '.join(graded) or 'none'}")
    print(f"throughput: {len(items) / elapsed:,.0f} items/s (one CPU)")
    if args.errors:
        print("\nwrong items:")
        for item in items:
            truth, found = set(item["frames"]), predicted_frames(detector, item)
            if truth != found:
                print(
                    f"  {item['_where']} truth={sorted(truth)} found={sorted(found)} :: {item['text'][:160]}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
