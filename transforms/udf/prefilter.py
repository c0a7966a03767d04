"""Which lexicon rules could fire on a text, from word presence alone, before the text is tokenised."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import ahocorasick

# A guess at how much rarer each extra letter makes a word; with how many phrases of the lexicon use a
# word, it ranks the words of a phrase. Any ranking gives the same labels; looking for rare words is
# merely faster, because fewer texts then need tokenising.
LETTER_ODDS = 5.0
WORDS_PER_PHRASE = 3  # the rarest words of a phrase that must all occur ...
MIN_EXTRA_LENGTH = 4  # ... the rarest one always, the others when this long: short words occur everywhere

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
        ids: dict[str, int] = {}
        for words in slots:
            for word in words:
                ids.setdefault(word, len(ids))
        # each phrase is looked up from its rarest word, then checked for the others
        self.by_rarest: list[list[tuple[frozenset[int], int]]] = [[] for _ in ids]
        for words, mask in slots.items():
            self.by_rarest[ids[words[0]]].append((frozenset(ids[w] for w in words[1:]), mask))
        self.automaton = ahocorasick.Automaton()
        for word, word_id in ids.items():
            self.automaton.add_word(word, word_id)
        self.automaton.make_automaton()
        self.words = len(ids)

    def candidates(self, folded: str) -> list[int]:
        """Indices of the rules that may fire on the folded text, ascending."""
        if not self.words:
            return []
        found = {word for _, word in self.automaton.iter(folded)}
        satisfied = self.padding
        for word in found:
            for others, mask in self.by_rarest[word]:
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
