"""Lexicon tokens: folded words with their clause and sentence numbers, computed once per text and shared."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate, chain
from operator import add
from typing import TYPE_CHECKING

from transforms.udf.text import fold

if TYPE_CHECKING:
    from transforms.udf.prefilter import WordScanner

# A dot after these words (or after any single letter, as in "U.N.") does not end a sentence.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st gen col lt maj capt sgt gov sen rep prof jr sr no vs mme mgr".split()
)
# A word, a sentence end, or a clause break (comma, semicolon, colon, dash); newlines end sentences too.
_TOKEN = re.compile(r"\w+|[.!?؟…]+(?=\s|$)|[,;:؛](?=\s|$)|\s[-–—]+\s|[–—]|\n")
_SENTENCE_END = frozenset(".!?؟…\n")
_WORD_SPLIT = re.compile(r"(\w+)")
_GAP_MEMO_SIZE = 4096


@dataclass(frozen=True)
class Tokens:
    """Folded words; `text` joins them with a space, or a newline across a clause or sentence break."""

    text: str
    starts: list[int]
    clause: list[int]
    sentence: list[int]

    def token_at(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1


def tokenize(text: str) -> Tokens:
    """Fold case, diacritics and Arabic letter forms, then split into words, clauses and sentences."""
    return tokenize_folded(fold(text))


def tokenize_folded(folded: str) -> Tokens:
    """`tokenize` for a text already passed through `text.fold` (line breaks kept).

    Words are the `\\w+` runs; what lies between two words (the gap) decides whether a clause or a
    sentence ends there. Gaps are few distinct strings, so each is read once (`_gap_code`) and looked
    up after that: no Python step per word.
    """
    joined = "\n".join(folded.splitlines())  # every line break is a sentence break
    if "\t" in joined:
        joined = joined.replace("\t", " ")
    parts = _WORD_SPLIT.split(joined)  # gap, word, gap, word, ..., gap
    words = parts[1::2]
    if not words:
        return Tokens("", [], [], [])
    levels = list(map(_GAP_CODES.__getitem__, parts[2:-1:2]))  # the gaps between two words
    if levels and max(levels) > 2:
        _settle_abbreviations(levels, words)
    clause = list(accumulate(map(bool, levels), initial=0))
    sentence = list(accumulate(map((1).__lt__, levels), initial=0))
    starts = list(map(add, accumulate(map(len, words), initial=0), range(len(words))))
    separators = map(" \n\n".__getitem__, levels)
    text = "".join(chain.from_iterable(zip(words, separators, strict=False))) + words[-1]
    return Tokens(text, starts, clause, sentence)


def _gap_code(gap: str) -> int:
    """0 no break, 1 clause break, 2 sentence break; or, when a lone "." decides it (no sentence ends
    after a single letter or an abbreviation: "U.N.", "Mr."), 3 + 3 * level + level without that dot."""
    level = lone = 0
    # "a" stands for the next word, whose first character the lookaheads of _TOKEN see
    for match in _TOKEN.finditer(gap + "a"):
        token = match.group()
        if token == "a":
            break
        found = 2 if token.strip(" ")[0] in _SENTENCE_END else 1
        level = max(level, found)
        if token != ".":
            lone = max(lone, found)
    return level if level == lone else 3 + 3 * level + lone


class _GapCodes(dict):
    """Memo of `_gap_code` per gap string, bounded so that odd punctuation runs cannot grow it forever."""

    def __missing__(self, gap: str) -> int:
        code = _gap_code(gap)
        if len(self) < _GAP_MEMO_SIZE:
            self[gap] = code
        return code


_GAP_CODES = _GapCodes()


def _settle_abbreviations(levels: list[int], words: list[str]) -> None:
    """Resolve the codes above 2: the word before the gap says whether its lone "." ends a sentence."""
    for i, code in enumerate(levels):
        if code > 2:
            previous = words[i]
            abbreviated = len(previous) == 1 or previous in ABBREVIATIONS
            levels[i] = (code - 3) % 3 if abbreviated else (code - 3) // 3


class FoldedText:
    """One text folded once; its tokens are computed on first use and shared by every lexicon."""

    __slots__ = ("folded", "_tokens", "_scanner", "_words")

    def __init__(self, folded: str):
        self.folded = folded
        self._tokens: Tokens | None = None
        self._scanner: object = None
        self._words: set[int] = set()

    @classmethod
    def of(cls, text: str) -> FoldedText:
        return cls(fold(text))

    @property
    def tokens(self) -> Tokens:
        if self._tokens is None:
            self._tokens = tokenize_folded(self.folded)
        return self._tokens

    def words_of(self, scanner: WordScanner) -> set[int]:
        """`scanner.found(folded)`, kept for the next lexicon that shares the scanner (one text, one scan)."""
        if scanner is not self._scanner:
            self._scanner, self._words = scanner, scanner.found(self.folded)
        return self._words
