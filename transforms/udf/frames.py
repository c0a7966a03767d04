"""Denial-frame and journalist-safety incident detection in article text, from config/lexicons, per language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Self

import pyarrow as pa

from transforms.udf.lexicon import LabelMatcher, load_lexicon
from transforms.udf.prefilter import RulePrefilter

# The denial frames (docs/methodology.md): the tactics of the seed's three clusters, and diplomatic shielding.
LABELS: tuple[str, ...] = (
    "reports_false",
    "victims_combatants",
    "deaths_unintended",
    "victims_aggressors",
    "militia_blamed",
    "great_power_shield",
    "political_preference",
    "genocide_credits",
)
INCIDENT_KINDS: tuple[str, ...] = (
    "killed",
    "detained",
    "imprisoned",
    "expelled",
    "denied_entry",
    "attacked",
    "shutdown",
)


@lru_cache(maxsize=1024)  # a handful of distinct codes, asked twice per item
def base_language(language: str | None) -> str:
    """'EN-us' -> 'en'; lexicons are keyed by the base language code."""
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


class LexiconDetector:
    """Labels text with the rules of one lexicon file, using the rules of the text's language only.

    A language without a lexicon gets no labels rather than the English rules: English phrases rarely
    occur in other languages, so a fallback would read as "no frames" anyway while hiding the gap.
    Language coverage is a known bias of the frame rate; `languages` says which ones are covered.
    """

    labels: ClassVar[tuple[str, ...]] = ()
    filename: ClassVar[str] = ""
    column: ClassVar[str] = "label"

    def __init__(self, matchers: Mapping[str, LabelMatcher]):
        self.matchers = dict(matchers)

    @classmethod
    def from_config(cls, config_dir: Path | str) -> Self:
        """Build from `<config_dir>/lexicons/<filename>`; a malformed file raises LexiconError."""
        return cls(load_lexicon(Path(config_dir) / "lexicons" / cls.filename, cls.labels))

    @property
    def languages(self) -> list[str]:
        return sorted(self.matchers)

    def detect(self, text: str | None, language: str | None) -> list[str]:
        """Sorted labels found in the text; [] for empty text or a language without a lexicon."""
        matcher = self.matchers.get(base_language(language))
        if matcher is None or not text:
            return []
        return sorted(matcher.labels(text))

    def detect_table(
        self, table: pa.Table, text_col: str | Sequence[str] = "text", language_col: str = "language"
    ) -> pa.Table:
        """One row per (row index, label) found; several text columns are joined as paragraphs."""
        columns = [text_col] if isinstance(text_col, str) else list(text_col)
        texts = [table.column(c).to_pylist() for c in columns]
        languages = table.column(language_col).to_pylist()
        rows: list[int] = []
        labels: list[str] = []
        for index, language in enumerate(languages):
            text = "\n\n".join(t[index] for t in texts if t[index])
            for label in self.detect(text, language):
                rows.append(index)
                labels.append(label)
        return pa.table({"row": pa.array(rows, pa.int64()), self.column: pa.array(labels, pa.string())})


class FrameDetector(LexiconDetector):
    """Denial frames (LABELS) from config/lexicons/frames.yml."""

    labels = LABELS
    filename = "frames.yml"
    column = "label"


class IncidentDetector(LexiconDetector):
    """Journalist-safety incidents and shutdowns (INCIDENT_KINDS) from config/lexicons/access_incidents.yml."""

    labels = INCIDENT_KINDS
    filename = "access_incidents.yml"
    column = "kind"


def share_word_scans(*detectors: LexiconDetector) -> None:
    """Detectors that read the same texts scan each text once per language for their prefilters' words."""
    for language in {lang for d in detectors for lang in d.matchers}:
        prefilters = [
            d.matchers[language].prefilter
            for d in detectors
            if language in d.matchers and d.matchers[language].prefilter is not None
        ]
        if len(prefilters) > 1:
            RulePrefilter.share(prefilters)
