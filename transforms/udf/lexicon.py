"""Phrase lexicons per language: YAML loading with validation, and an Aho-Corasick matcher of labelled rules."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import ahocorasick
import yaml

from transforms.udf.lexicon_format import (
    DEFAULT_WITHIN,
    ENTRY_KEYS,
    SCOPES,
    SETS_KEY,
    LexiconError,
    phrase_list,
    phrase_variants,
    require_text,
    short,
    within_gaps,
)
from transforms.udf.prefilter import RulePrefilter
from transforms.udf.text import arabic_prefixes
from transforms.udf.tokens import FoldedText, Tokens

# Languages whose words take attached proclitics (conjunction, preposition, article) before a term.
PROCLITICS: Mapping[str, frozenset[str]] = {"ar": arabic_prefixes(False)}

_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
_SET_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Rule:
    """One entry: its parts in order (each a tuple of phrase ids), gaps between them, and sentence filters."""

    label: str
    parts: tuple[tuple[int, ...], ...]
    gaps: tuple[int, ...]
    ordered: bool
    scope: str
    requires: tuple[int, ...] | None
    unless: tuple[int, ...]


Span = tuple[int, int]  # first and last token index, inclusive


class Occurrence(NamedTuple):
    """Where a label's rule fires: the sentence's number and the span of the rule's first part in it."""

    label: str
    sentence: int
    span: Span


@dataclass
class LabelMatcher:
    """Every rule of one language, compiled to one automaton over atoms (word runs ending at a `*`)."""

    language: str
    atoms: dict[tuple[str, bool], int] = field(default_factory=dict)
    phrases: list[tuple[int, ...]] = field(default_factory=list)
    phrase_index: dict[tuple[int, ...], int] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    rules_by_atom: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    automaton: ahocorasick.Automaton | None = None
    # which rules may fire, from word presence (every part a rule needs); a part's phrases by first atom
    prefilter: RulePrefilter | None = None
    part_phrases: dict[tuple[int, ...], dict[int, tuple[int, ...]]] = field(default_factory=dict)

    @classmethod
    def compile(
        cls,
        language: str,
        entries: Mapping[str, Sequence[object]],
        sets: Mapping[str, Sequence[str]] | None = None,
        where: str = "",
    ) -> LabelMatcher:
        """Build a matcher from {label: [entry, ...]}; `where` prefixes error messages."""
        matcher = cls(language)
        resolved = {
            name: phrase_list(patterns, f"{where}{SETS_KEY}.{name}")
            for name, patterns in (sets or {}).items()
        }
        for label, items in entries.items():
            for i, entry in enumerate(items):
                place = f"{where}{label}: entry {i + 1} ({short(entry)})"
                matcher._add(label, entry, resolved, place)
        matcher._build()
        return matcher

    def labels(self, text: str | FoldedText | None) -> set[str]:
        """The labels whose rules fire anywhere in the text (pass a FoldedText to share its tokens)."""
        found: set[str] = set()
        for rule, tokens, part_spans in self._candidates(text):
            if rule.label not in found and rule_fires(rule, tokens, part_spans):
                found.add(rule.label)
        return found

    def occurrences(self, text: str | FoldedText | None, every: bool = False) -> list[Occurrence]:
        """Every (label, sentence) where a rule fires, with the span of the rule's first part there, in text
        order: where `labels` found them, for evidence and for finding who speaks. With `every`, each span
        of the first part in such a sentence is an occurrence (for lexicons of names, where every mention
        counts)."""
        found: dict[tuple[str, int], set[Span]] = {}
        for rule, tokens, part_spans in self._candidates(text):
            for sentence in rule_sentences(rule, tokens, part_spans):
                spans = {s for s in part_spans(rule.parts[0]) if tokens.sentence[s[0]] == sentence}
                kept = found.setdefault((rule.label, sentence), set())
                kept |= spans if every else {min(spans | kept)}
                if not every and len(kept) > 1:
                    kept.intersection_update({min(kept)})
        return sorted(
            (
                Occurrence(label, sentence, span)
                for (label, sentence), spans in found.items()
                for span in spans
            ),
            key=lambda o: (o.span, o.label),
        )

    def _candidates(
        self, text: str | FoldedText | None
    ) -> Iterator[tuple[Rule, Tokens, Callable[[tuple[int, ...]], list[Span]]]]:
        """The rules that may fire in the text, with its tokens and a memoised spans-of-a-part function."""
        if not text or self.automaton is None:
            return
        item = text if isinstance(text, FoldedText) else FoldedText.of(text)
        possible = self.prefilter.candidates_among(item.words_of(self.prefilter.scanner))
        if not possible:
            return  # no rule has the words it needs in the text: none can fire, no need to tokenise
        tokens = item.tokens
        hits = self._atom_hits(tokens)
        cache: dict[int, list[Span]] = {}

        def part_spans(part: tuple[int, ...]) -> list[Span]:
            return self._part_spans(part, tokens, hits, cache)

        for index in sorted(
            {r for atom in hits for r in self.rules_by_atom.get(atom, ())}.intersection(possible)
        ):
            yield self.rules[index], tokens, part_spans

    # -- compiling ---------------------------------------------------------------------------------

    def _add(
        self, label: str, entry: object, sets: Mapping[str, list[list[tuple[str, bool]]]], place: str
    ) -> None:
        if isinstance(entry, str):
            entry = {"phrase": entry}
        if isinstance(entry, list):
            raise LexiconError(f"{place}: an entry is a phrase string or a mapping, not a list")
        if not isinstance(entry, dict):
            require_text(entry, place)
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise LexiconError(f"{place}: unknown key(s) {sorted(unknown)}; allowed: {sorted(ENTRY_KEYS)}")
        kinds = [k for k in ("phrase", "seq", "near") if k in entry]
        if len(kinds) != 1:
            raise LexiconError(f"{place}: needs exactly one of phrase, seq, near (found {kinds or 'none'})")
        kind = kinds[0]
        if kind == "phrase":
            if "within" in entry:
                raise LexiconError(f"{place}: 'within' applies only to seq and near")
            parts = [self._part(entry["phrase"], sets, place)]
            gaps: tuple[int, ...] = ()
        else:
            raw = entry[kind]
            if not isinstance(raw, list) or len(raw) < 2 or (kind == "near" and len(raw) != 2):
                need = "exactly 2" if kind == "near" else "at least 2"
                raise LexiconError(f"{place}: '{kind}' needs a list of {need} parts")
            parts = [self._part(p, sets, place) for p in raw]
            gaps = within_gaps(entry.get("within", DEFAULT_WITHIN), len(parts) - 1, kind, place)
        scope = entry.get("scope", SCOPES[0])
        if scope not in SCOPES:
            raise LexiconError(f"{place}: scope is one of {list(SCOPES)}, not {scope!r}")
        requires = self._part(entry["requires"], sets, place) if "requires" in entry else None
        unless = self._part(entry["unless"], sets, place) if "unless" in entry else ()
        rule = Rule(label, tuple(parts), gaps, kind != "near", scope, requires, unless)
        self.rules.append(rule)
        for phrase in parts[0]:
            self.rules_by_atom[self.phrases[phrase][0]].append(len(self.rules) - 1)

    def _part(
        self, spec: object, sets: Mapping[str, list[list[tuple[str, bool]]]], place: str
    ) -> tuple[int, ...]:
        specs = spec if isinstance(spec, list) else [spec]
        if not specs:
            raise LexiconError(f"{place}: a part is a phrase, a $set, or a non-empty list of them")
        for item in specs:
            require_text(item, place)
        phrases: list[list[tuple[str, bool]]] = []
        for s in specs:
            if s.startswith("$"):
                if s[1:] not in sets:
                    raise LexiconError(f"{place}: unknown set {s}; defined: {sorted(sets) or 'none'}")
                phrases.extend(sets[s[1:]])
            else:
                phrases.extend(phrase_variants(s, place))
        return tuple(dict.fromkeys(self._phrase(p) for p in phrases))

    def _phrase(self, atoms: list[tuple[str, bool]]) -> int:
        ids = tuple(self.atoms.setdefault(a, len(self.atoms)) for a in atoms)
        if ids not in self.phrase_index:
            self.phrase_index[ids] = len(self.phrases)
            self.phrases.append(ids)
        return self.phrase_index[ids]

    def _build(self) -> None:
        by_key: dict[str, list[tuple[int, bool]]] = defaultdict(list)
        for (key, prefix), atom in self.atoms.items():
            by_key[key].append((atom, prefix))
        if not by_key:
            return
        automaton = ahocorasick.Automaton()
        for key, variants in by_key.items():
            automaton.add_word(key, (len(key), tuple(variants)))
        automaton.make_automaton()
        self.automaton = automaton
        self.rules_by_atom = dict(self.rules_by_atom)
        keys = {atom: key for (key, _), atom in self.atoms.items()}
        self.prefilter = RulePrefilter(
            [
                [
                    [[w for atom in self.phrases[phrase] for w in keys[atom].split(" ")] for phrase in part]
                    for part in (*rule.parts, *([rule.requires] if rule.requires is not None else []))
                ]
                for rule in self.rules
            ]
        )
        for rule in self.rules:
            for part in (*rule.parts, rule.requires or (), rule.unless):
                if part not in self.part_phrases:
                    by_first: dict[int, list[int]] = defaultdict(list)
                    for phrase in part:
                        by_first[self.phrases[phrase][0]].append(phrase)
                    self.part_phrases[part] = {atom: tuple(ps) for atom, ps in by_first.items()}

    # -- matching ----------------------------------------------------------------------------------

    def _atom_hits(self, tokens: Tokens) -> dict[int, list[Span]]:
        text, proclitics = tokens.text, PROCLITICS.get(self.language, frozenset())
        hits: dict[int, list[Span]] = defaultdict(list)
        for end, (length, variants) in self.automaton.iter(text):
            start = end - length + 1
            first = tokens.token_at(start)
            if start != tokens.starts[first] and text[tokens.starts[first] : start] not in proclitics:
                continue
            whole = end + 1 == len(text) or text[end + 1] in " \n"
            last = tokens.token_at(end)
            for atom, prefix in variants:
                if prefix or whole:
                    hits[atom].append((first, last))
        return hits

    def _spans(self, phrase: int, tokens: Tokens, hits: Mapping[int, list[Span]], cache: dict) -> list[Span]:
        if phrase not in cache:
            atoms = self.phrases[phrase]
            spans = list(hits.get(atoms[0], ()))
            for atom in atoms[1:]:
                nexts = {s: e for s, e in hits.get(atom, ())}
                spans = [
                    (s, nexts[e + 1])
                    for s, e in spans
                    if e + 1 in nexts and _follows(tokens.clause, e, e + 1, 0)
                ]
            cache[phrase] = spans
        return cache[phrase]

    def _part_spans(self, part: tuple[int, ...], tokens: Tokens, hits, cache) -> list[Span]:
        # only the part's phrases whose first atom occurs (parts made of $sets hold hundreds)
        by_first = self.part_phrases[part]
        phrases = [p for atom in hits.keys() & by_first.keys() for p in by_first[atom]]
        return [span for phrase in phrases for span in self._spans(phrase, tokens, hits, cache)]


def rule_fires(rule: Rule, tokens: Tokens, part_spans: Callable[[tuple[int, ...]], list[Span]]) -> bool:
    """The rule's parts occur within its gaps (in order for seq, either way round for near) in one clause or
    sentence (its scope), in a sentence with a `requires` phrase and none of its `unless` phrases.
    `part_spans` gives the spans in `tokens` of any phrase of a part."""
    return bool(rule_sentences(rule, tokens, part_spans))


def rule_sentences(
    rule: Rule, tokens: Tokens, part_spans: Callable[[tuple[int, ...]], list[Span]]
) -> set[int]:
    """The sentences (their numbers in `tokens`) where the rule fires; see `rule_fires`."""
    first = part_spans(rule.parts[0])
    if not first:
        return set()
    unit = tokens.clause if rule.scope == "clause" else tokens.sentence
    if rule.ordered:
        ends = {e for _, e in first}
        for part, gap in zip(rule.parts[1:], rule.gaps, strict=True):
            spans = part_spans(part)
            ends = {e2 for s2, e2 in spans if any(_follows(unit, e, s2, gap) for e in ends)}
            if not ends:
                return set()
        sentences = {tokens.sentence[e] for e in ends}
    else:
        other, gap = part_spans(rule.parts[1]), rule.gaps[0]
        sentences = {
            tokens.sentence[a[0]]
            for a in first
            for b in other
            if _follows(unit, a[1], b[0], gap) or _follows(unit, b[1], a[0], gap)
        }
    if rule.requires is not None:
        sentences &= {tokens.sentence[s] for s, _ in part_spans(rule.requires)}
    if rule.unless:
        sentences -= {tokens.sentence[s] for s, _ in part_spans(rule.unless)}
    return sentences


def _follows(unit: list[int], end: int, start: int, gap: int) -> bool:
    """`start` comes after `end`, at most `gap` words later, in the same clause or sentence (`unit`)."""
    return end < start < len(unit) and start - end - 1 <= gap and unit[end] == unit[start]


def load_lexicon(path: Path | str, labels: Iterable[str]) -> dict[str, LabelMatcher]:
    """Read a lexicon file ({language: {sets?, label: [entries]}}) and compile one matcher per language."""
    path, allowed = Path(path), tuple(labels)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise LexiconError(f"{path}: cannot read lexicon: {error}") from error
    if not isinstance(document, dict):
        raise LexiconError(f"{path}: the top level is a mapping of language codes")
    matchers: dict[str, LabelMatcher] = {}
    for language, block in document.items():
        where = f"{path}: {language}: "
        if not isinstance(language, str) or not _LANGUAGE_CODE.match(language):
            raise LexiconError(
                f"{path}: {language!r} is not a language code (two or three lowercase letters)"
            )
        if not isinstance(block, dict):
            raise LexiconError(f"{where}a language maps labels (and optional '{SETS_KEY}') to entries")
        unknown = [k for k in block if k != SETS_KEY and k not in allowed]
        if unknown:
            raise LexiconError(f"{where}unknown label(s) {unknown}; allowed: {list(allowed)}")
        sets = block.get(SETS_KEY) or {}
        if not isinstance(sets, dict) or not all(isinstance(k, str) and _SET_NAME.match(k) for k in sets):
            raise LexiconError(f"{where}'{SETS_KEY}' maps lowercase names to lists of phrases")
        entries = {k: v for k, v in block.items() if k != SETS_KEY}
        for label, items in entries.items():
            if not isinstance(items, list):
                raise LexiconError(f"{where}{label}: a label holds a list of entries")
        matchers[language] = LabelMatcher.compile(language, entries, sets, where)
    return matchers
