"""Which lexicon rules could fire on a text, from word presence alone, before the text is tokenised."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from operator import itemgetter

import ahocorasick

# A guess at how much rarer each extra letter makes a word; with how many phrases of the lexicon use a
# word, it ranks the words of a phrase. Any ranking gives the same labels; looking for rare words is
# merely faster, because fewer texts then need tokenising.
LETTER_ODDS = 5.0
WORDS_PER_PHRASE = 3  # the rarest words of a phrase that must all occur ...
MIN_EXTRA_LENGTH = 4  # ... the rarest one always, the others when this long: short words occur everywhere

_SECOND = itemgetter(1)
Part = Sequence[Sequence[str]]  # alternatives (phrases), each given as its words


class RulePrefilter:
    """A rule is a candidate for a text when every part it needs has an alternative whose rarest words
    (see WORDS_PER_PHRASE) all occur in the folded text, anywhere, even inside another word.

    This never misses a rule that fires: a phrase matches only where each of its words is a token, and
    tokens are substrings of the folded text. One Aho-Corasick scan finds the words; the parts they
    satisfy are bits of one integer, a fixed-width field per rule, and the full fields are the candidates.
    """

    def __init__(self, rules: Sequence[Sequence[Part]]):
        uses = Counter(w for parts in rules for part in parts for phrase in part for w in set(phrase))
        self.width = max((len(parts) for parts in rules), default=1)
        self.padding = self.lowest = 0
        slots: dict[tuple[str, ...], int] = defaultdict(int)  # phrase words -> the parts it satisfies
        for index, parts in enumerate(rules):
            base = index * self.width
            self.lowest |= 1 << base
            for k in range(len(parts), self.width):
                self.padding |= 1 << (base + k)  # unused bits of a field count as satisfied
            for k, part in enumerate(parts):
                for phrase in part:
                    ranked = sorted(set(phrase), key=lambda w: (uses[w] * LETTER_ODDS ** -len(w), w))
                    extra = [w for w in ranked[1:] if len(w) >= MIN_EXTRA_LENGTH]
                    slots[(ranked[0], *extra[: WORDS_PER_PHRASE - 1])] |= 1 << (base + k)
        self.slots = dict(slots)
        self.bind(WordScanner(w for words in slots for w in words))

    def bind(self, scanner: WordScanner) -> None:
        """Look words up through `scanner` (which may serve other prefilters too, see `share`)."""
        self.scanner = scanner
        # each phrase is looked up from its rarest word, then checked for the others
        self.by_rarest: dict[int, list[tuple[frozenset[int], int]]] = defaultdict(list)
        for words, mask in self.slots.items():
            others = frozenset(scanner.ids[w] for w in words[1:])
            self.by_rarest[scanner.ids[words[0]]].append((others, mask))
        self.by_rarest = dict(self.by_rarest)

    @staticmethod
    def share(prefilters: Sequence[RulePrefilter]) -> None:
        """One scanner over all their words: a text read by all of them is scanned once."""
        scanner = WordScanner(w for p in prefilters for words in p.slots for w in words)
        for prefilter in prefilters:
            prefilter.bind(scanner)

    def candidates(self, folded: str) -> list[int]:
        """Indices of the rules that may fire on the folded text, ascending."""
        return self.candidates_among(self.scanner.found(folded))

    def candidates_among(self, found: set[int]) -> list[int]:
        """`candidates` from the scanner's words found in the text (`WordScanner.found`)."""
        satisfied = self.padding
        by_rarest = self.by_rarest
        for word in found:
            for others, mask in by_rarest.get(word, ()):
                if others <= found:
                    satisfied |= mask
        full = satisfied
        for k in range(1, self.width):
            full &= satisfied >> k
        full &= self.lowest
        rules = []
        while full:
            bit = full & -full
            rules.append((bit.bit_length() - 1) // self.width)
            full ^= bit
        return rules


class WordScanner:
    """An Aho-Corasick automaton over words, reporting which of them occur in a text (as word ids)."""

    def __init__(self, words: Iterable[str]):
        self.ids = {word: i for i, word in enumerate(dict.fromkeys(words))}
        self.automaton = ahocorasick.Automaton()
        for word, word_id in self.ids.items():
            self.automaton.add_word(word, word_id)
        if self.ids:
            self.automaton.make_automaton()

    def found(self, folded: str) -> set[int]:
        if not self.ids:
            return set()
        return set(map(_SECOND, self.automaton.iter(folded)))  # (end, word id) pairs, without a Python loop
