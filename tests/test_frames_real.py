"""Denial claims on the labelled real corpus (tests/fixtures/frames_real): the corpus is what the issue asks
for, and the detector keeps at least the precision and recall measured on its held-out part.

The floors are the figures of bench/frames_real.py on the measured part when they were set, less a margin:
they catch a regression, they are not the goals (docs/methodology.md states both).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from transforms.udf.claims import SPEAKER_TYPES, TARGET_TYPES, ClaimDetector
from transforms.udf.frames import LABELS

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "frames_real"
TRAPS = {
    "fake_news_other",
    "court_false_info",
    "domestic_veto",
    "accident",
    "debunking",
    "plain_report",
    "denial_other",
    "accusation_not_denial",
    "other",
}
# frame -> (precision, recall) floors on the measured part; "all" is every frame together
FLOORS = {"reports_false": (0.85, 0.40), "great_power_shield": (0.90, 0.65), "all": (0.82, 0.38)}


def corpus() -> list[dict]:
    items = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        items += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items


def test_the_corpus_is_real_labelled_and_split() -> None:
    items = corpus()
    languages = {i["language"] for i in items}
    assert len(languages) >= 5 and {"en", "fr", "es", "ar", "ru"} <= languages
    assert sum(1 for i in items if i["frames"]) >= 300
    assert sum(1 for i in items if not i["frames"] and i["trap"] in TRAPS) >= 300
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item["frames"]) <= set(LABELS), item["id"]
        assert item["split"] in ("tune", "measure") and item["kind"] in ("headline", "sentence"), item["id"]
        assert item["source"] and item["ref"] and item["text"].strip(), item["id"]
    for language in languages:
        sources = (CORPUS / f"SOURCES.{language}.md").read_text(encoding="utf-8")
        keys = {i["source"] for i in items if i["language"] == language}
        missing = [k for k in keys if k not in sources and not k.startswith("web")]
        assert not missing, (language, missing)
    splits = Counter(i["split"] for i in items)
    assert min(splits.values()) >= 0.4 * len(items)


@pytest.fixture(scope="module")
def claims() -> ClaimDetector:
    return ClaimDetector.from_config(ROOT / "config")


def test_claims_on_the_measured_part_keep_their_floors(claims: ClaimDetector) -> None:
    counts: dict[str, Counter] = {frame: Counter() for frame in (*LABELS, "all")}
    for item in corpus():
        if item["split"] != "measure":
            continue
        title, text = (item["text"], "") if item["kind"] == "headline" else ("", item["text"])
        found = claims.detect(title, text, item["language"])
        for claim in found:
            assert claim.speaker_type is None or claim.speaker_type in SPEAKER_TYPES
            assert claim.target_type is None or claim.target_type in TARGET_TYPES
            assert claim.sentence
        predicted = {c.frame for c in found if c.speaker_type is not None}
        for frame in LABELS:
            truth = frame in item["frames"]
            for key in (frame, "all"):
                counts[key]["tp"] += truth and frame in predicted
                counts[key]["fp"] += not truth and frame in predicted
                counts[key]["fn"] += truth and frame not in predicted
    for frame, (precision, recall) in FLOORS.items():
        c = counts[frame]
        assert c["tp"] / (c["tp"] + c["fp"]) >= precision, (frame, c)
        assert c["tp"] / (c["tp"] + c["fn"]) >= recall, (frame, c)
