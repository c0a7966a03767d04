"""Denial claims: a frame's wording (frames.yml), who says it (speakers.yml) and what it is about (targets.yml).

A frame rule fires in a sentence; the claim's speaker is the nearest voice in that sentence (a ministry, the
army, state media, a country named as its government...), else in the sentence before it (reported speech);
its target is the nearest thing of violence or evidence in the sentence, else in the title, else in the
sentence before, else in the nearest sentence that names one. The title and the text are read as one document, the title being its first sentence(s).
Each claim keeps its sentence as written, for analysts to read.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Self

import pycountry

from core.gazetteer import capital_names, country_names
from transforms.udf.frames import FrameDetector, LexiconDetector, base_language
from transforms.udf.lexicon import LabelMatcher, Occurrence
from transforms.udf.text import fold
from transforms.udf.tokens import FoldedText, Tokens

SPEAKER_TYPES: tuple[str, ...] = (
    "government",
    "ministry",
    "military",
    "junta",
    "spokesperson",
    "embassy",
    "state_media",
    "police",
    "official_other",
    "un_member_state",
    "armed_group",
    "person",
)
# The voices of a state: their claims are what the narrative component counts (docs/methodology.md).
OFFICIAL_SPEAKERS = frozenset(SPEAKER_TYPES) - {"armed_group", "person"}
TARGET_TYPES: tuple[str, ...] = (
    "massacre",
    "mass_grave",
    "weapons",
    "strike",
    "killings",
    "abuse",
    "detention",
    "displacement",
    "video_or_image",
    "report",
    "un_action",
    "protest",
)
# Targets that are violence or abuse themselves, rather than evidence of it or a response to it.
VIOLENCE_TARGETS = frozenset(TARGET_TYPES) - {"video_or_image", "report", "un_action", "protest"}
# Images are evidence, but when a voice calls a video or photos fake in conflict reporting they are nearly
# always images of violence; reports and claims are not ("denies claims he will resign").
VIOLENCE_OR_IMAGES = VIOLENCE_TARGETS | {"video_or_image"}
# The frames that only say something about violence when the sentence names violence (calling rumours of a
# resignation "fake news" is not a denial); the others carry their target in their wording.
NEEDS_VIOLENCE = frozenset({"reports_false"})
# Frames whose speakers are official voices only: an armed group named in them is whom the claim is about.
OFFICIAL_FRAMES = frozenset({"victims_combatants", "victims_aggressors", "militia_blamed"})
# A veto is an act of a state, whether or not the sentence names the state.
STATE_ACTS = frozenset({"great_power_shield"})
SENTENCE_CHARS = 500  # the evidence kept per claim
LATIN_SCRIPT = ("fr", "es")  # languages that write most capitals as English does


SPEECH = "speech"  # speakers.yml also lists verbs of saying: a voice after the claim's words needs one by it
PERSON_GAP = 3  # words between a named person and the claim's words ("Assad has always denied")
CASED = frozenset({"en", "fr", "es", "ru", "uk"})  # languages that write names with a capital
# Words that open a sentence with a capital and name nobody.
NOT_NAMES = frozenset(
    "the a an this these that those it they he she we i his her their its our le la les l un une ce ces cet cette "
    "il elle ils elles on nous el los las lo una unos unas este esta estos estas ese esa él ella ellos ellas "
    "он она оно они это эти этот эта мы я він вона воно вони це ці цей ця ми".split()
)
SPEECH_GAP = 3  # words between a voice after the claim and its verb of saying ("..., the army said")
COUNTRY_GAP = 3  # words between a country read as its government and the claim's words ("Syria denies")
VERB_FIRST_GAP = 1  # words between the claim's first words and a voice after them that is its subject


class SpeakerDetector(LexiconDetector):
    """Who speaks (SPEAKER_TYPES), and verbs of saying (SPEECH), from config/lexicons/speakers.yml."""

    labels = (*SPEAKER_TYPES, SPEECH)
    filename = "speakers.yml"
    column = "speaker_type"


class TargetDetector(LexiconDetector):
    """What a claim is about (TARGET_TYPES) from config/lexicons/targets.yml."""

    labels = TARGET_TYPES
    filename = "targets.yml"
    column = "target_type"


@dataclass(frozen=True)
class Claim:
    """One denial claim found in an item."""

    frame: str
    speaker_type: str | None  # None: no voice named in the sentence or the one before
    speaker: str | None  # the words naming the speaker, folded ("defence minister", "syria")
    target_type: str | None
    sentence: str  # the sentence as written (cut at SENTENCE_CHARS)
    in_title: bool

    @property
    def is_official(self) -> bool:
        return self.speaker_type in OFFICIAL_SPEAKERS


@dataclass(frozen=True)
class Document:
    """What claims and incidents read: the title on its own line (whitespace collapsed), then the text."""

    headline: str
    written: str
    item: FoldedText  # `written` folded

    @classmethod
    def of(cls, title: str | None, text: str | None, folded_text: str | None = None) -> Document:
        """`folded_text` is `text.fold(text)` when the caller has it already (folding works character by
        character, so the document's folding is the title's and the text's joined)."""
        headline, text = " ".join((title or "").split()), text or ""
        if folded_text is None:
            folded_text = fold(text)
        if headline and text:
            return cls(headline, f"{headline}\n{text}", FoldedText(f"{fold(headline)}\n{folded_text}"))
        return cls(headline, headline or text, FoldedText(fold(headline) if headline else folded_text))


_NAME_SYNTAX = re.compile(r"[()|*$]")
_AR_STATE_FORM = re.compile(r"^(المملكة العربية|الجمهورية العربية) ")  # kingdom, republic


@cache
def country_matchers(languages: tuple[str, ...]) -> dict[str, LabelMatcher]:
    """Per language, a matcher of every country's names (CLDR, and pycountry's English names) and its
    capital's (GeoNames)."""
    names: dict[str, set[str]] = {language: set() for language in languages}
    for country in pycountry.countries:
        # "Moscow denies ...": a capital speaks for its government too
        capital = capital_names(country.alpha_2)
        for language in LATIN_SCRIPT:  # GeoNames tags the usual Latin spelling as English: "Kigali nie ..."
            capital[language] = [*capital.get(language, []), *capital.get("en", [])]
        written_names = [country_names(country.alpha_3), capital]
        for language, written in ((lang, w) for found in written_names for lang, w in found.items()):
            if language in names:
                for name in written:
                    cleaned = _NAME_SYNTAX.sub(" ", re.sub(r"\(.*?\)", " ", name)).strip()
                    if len(cleaned) >= 3:
                        names[language].add(cleaned)
                    if language == "ar":  # the state form is dropped in use: "السعودية تنفي"
                        names[language].add(_AR_STATE_FORM.sub("", cleaned))
    return {
        language: LabelMatcher.compile(language, {"country": sorted(found)}, where=f"countries {language}: ")
        for language, found in names.items()
        if found
    }


class ClaimDetector:
    """Finds denial claims (frame, speaker, target, sentence) in an item's title and text."""

    def __init__(self, frames: FrameDetector, speakers: SpeakerDetector, targets: TargetDetector):
        self.frames, self.speakers, self.targets = frames, speakers, targets
        self.countries = country_matchers(tuple(frames.languages))

    @classmethod
    def from_config(cls, config_dir: Path | str) -> Self:
        return cls(
            FrameDetector.from_config(config_dir),
            SpeakerDetector.from_config(config_dir),
            TargetDetector.from_config(config_dir),
        )

    def covers(self, language: str | None) -> bool:
        """Whether items in the language are read: an item in another language has no claims and is not
        counted in the denominator of the frame share."""
        return base_language(language) in self.frames.matchers

    def detect(self, title: str | None, text: str | None, language: str | None) -> list[Claim]:
        """The claims in the item's title and text, in text order; one per frame and sentence."""
        return self.detect_document(Document.of(title, text), language)

    def detect_document(self, document: Document, language: str | None) -> list[Claim]:
        """`detect` for a `Document` the caller has built (and shares with the incidents lexicon)."""
        lang = base_language(language)
        frames = self.frames.matchers.get(lang)
        if frames is None or not document.written.strip():
            return []
        item, title = document.item, document.headline
        found = frames.occurrences(item)
        if not found:
            return []
        tokens = item.tokens
        title_sentences = _title_sentences(tokens, fold(title)) if title else set()
        voices = _by_sentence(self.speakers.matchers.get(lang), item)
        speech = {s: [o for o in named if o.label == SPEECH] for s, named in voices.items()}
        speakers = {s: [o for o in named if o.label != SPEECH] for s, named in voices.items()}
        targets = _by_sentence(self.targets.matchers.get(lang), item)
        countries = _by_sentence(self.countries.get(lang), item)
        sentences = _SentenceText(document.written, item.folded, tokens)
        claims: list[Claim] = []
        for occurrence in found:
            speaker = self._speaker(occurrence, speakers, speech, countries, tokens)
            if speaker is None and occurrence.label not in OFFICIAL_FRAMES:
                speaker = sentences.person_before(occurrence, lang)
            target = self._target(occurrence, targets, title_sentences)
            if occurrence.label in NEEDS_VIOLENCE and target not in VIOLENCE_OR_IMAGES:
                continue
            claims.append(
                Claim(
                    frame=occurrence.label,
                    speaker_type=speaker[0] if speaker else None,
                    speaker=speaker[1] if speaker else None,
                    target_type=target,
                    sentence=sentences.text(occurrence.sentence),
                    in_title=occurrence.sentence in title_sentences,
                )
            )
        return claims

    @staticmethod
    def _speaker(
        occurrence: Occurrence,
        speakers: Mapping[int, list[Occurrence]],
        speech: Mapping[int, list[Occurrence]],
        countries: Mapping[int, list[Occurrence]],
        tokens: Tokens,
    ) -> tuple[str, str] | None:
        sentence, at = occurrence.sentence, occurrence.span[0]
        named = countries.get(sentence, [])
        if occurrence.label in STATE_ACTS and named:
            return "un_member_state", _words(tokens, _nearest(named, at).span)
        voices = speakers.get(sentence, [])
        if occurrence.label in OFFICIAL_FRAMES:  # "Hamas militants killed": the fighters named, not a voice
            voices = [o for o in voices if o.label in OFFICIAL_SPEAKERS]
        # the subject first: the nearest voice before the claim's words, or a country just before them
        before = [(o, o.label) for o in voices if o.span[1] < at]
        before += [
            (o, "government")
            for o in named
            if at - COUNTRY_GAP - 1 <= o.span[1] < at and tokens.clause[o.span[1]] == tokens.clause[at]
        ]
        if before:
            best, kind = max(before, key=lambda pair: (pair[0].span[1], pair[1] != "government"))
            return kind, _words(tokens, best.span)
        # the verb first (Arabic, and inverted clauses): "نفت وزارة الدفاع ..." (denied the ministry of defence)
        end = occurrence.span[1]
        following = [(o, o.label) for o in voices if 0 < o.span[0] - end <= VERB_FIRST_GAP + 1]
        following += [(o, "government") for o in named if 0 < o.span[0] - end <= VERB_FIRST_GAP + 1]
        if following:
            best, kind = min(following, key=lambda pair: (pair[0].span[0], pair[1] == "government"))
            return kind, _words(tokens, best.span)
        # "... were fabricated, the ministry said": a voice after the claim, by a verb of saying
        verbs = speech.get(sentence, [])
        quoted = [
            o
            for o in voices
            if any(
                v.span[0] - SPEECH_GAP - 1 <= o.span[1] and o.span[0] <= v.span[1] + SPEECH_GAP + 1
                for v in verbs
            )
        ]
        if quoted:
            best = _nearest(quoted, at)
            return best.label, _words(tokens, best.span)
        if sentence > 0 and speakers.get(sentence - 1):
            best = speakers[sentence - 1][-1]  # the voice nearest the end: the one the next sentence quotes
            return best.label, _words(tokens, best.span)
        if occurrence.label in STATE_ACTS:
            return "un_member_state", ""
        return None

    @staticmethod
    def _target(
        occurrence: Occurrence, targets: Mapping[int, list[Occurrence]], title_sentences: set[int]
    ) -> str | None:
        sentence, at = occurrence.sentence, occurrence.span[0]
        fallback = None  # the nearest evidence or response (a video, a resolution) when no violence is named
        for place in (
            [sentence],
            sorted(title_sentences - {sentence}),
            [sentence - 1] if sentence > 0 else [],
            # "dismissed the reports as fabricated": the reports are named elsewhere in the item
            sorted(targets, key=lambda s: abs(s - sentence)),
        ):
            found = [o for s in place for o in targets.get(s, [])]
            violent = [o for o in found if o.label in VIOLENCE_TARGETS]
            if violent:
                return _nearest(violent, at).label
            if found and fallback is None:
                fallback = _nearest(found, at).label
        return fallback


def _by_sentence(matcher: LabelMatcher | None, item: FoldedText) -> dict[int, list[Occurrence]]:
    out: dict[int, list[Occurrence]] = {}
    if matcher is not None:
        for occurrence in matcher.occurrences(item, every=True):
            out.setdefault(occurrence.sentence, []).append(occurrence)
    return out


def _nearest(occurrences: Iterable[Occurrence], at: int) -> Occurrence:
    """The occurrence nearest to token `at`; before it wins a tie (the subject precedes its verb)."""
    return min(occurrences, key=lambda o: (min(abs(o.span[0] - at), abs(o.span[1] - at)), o.span[0] > at))


def _words(tokens: Tokens, span: tuple[int, int]) -> str:
    first, last = span
    end = tokens.starts[last + 1] - 1 if last + 1 < len(tokens.starts) else len(tokens.text)
    return " ".join(tokens.text[tokens.starts[first] : end].split())


def _title_sentences(tokens: Tokens, folded_title: str) -> set[int]:
    words = len(re.findall(r"\w+", folded_title))
    return {tokens.sentence[i] for i in range(min(words, len(tokens.sentence)))}


class _SentenceText:
    """A sentence of the folded tokens, cut from the text as written.

    `fold` works character by character, so folding each character of the text gives a map from offsets
    in the folded text back to the written one; the k-th word of the tokens is the k-th `\\w+` run there.
    """

    def __init__(self, written: str, folded: str, tokens: Tokens):
        self.written, self.tokens = written, tokens
        self.words = [m.span() for m in re.finditer(r"\w+", folded)]
        if len(folded) == len(written) and written.isascii():
            self.origin = range(len(written) + 1)  # ASCII folds one character to one
        else:
            widths = {c: len(fold(c)) for c in set(written)}
            self.origin = list(accumulate(map(widths.__getitem__, written), initial=0))

    def _written_offset(self, folded_offset: int) -> int:
        return bisect_right(self.origin, folded_offset) - 1

    def person_before(self, occurrence: Occurrence, language: str) -> tuple[str, str] | None:
        """A named person as the subject ("Assad has always denied ...", "Путин опроверг ..."): a capitalised
        word at most PERSON_GAP words before the claim's words, in its clause, in a language with capitals.
        Who the person is is not known, so the claim is not an official one."""
        if language not in CASED or len(self.words) != len(self.tokens.sentence):
            return None
        at, clause, sentence = occurrence.span[0], self.tokens.clause, self.tokens.sentence
        if self._title_case(occurrence.sentence):
            return None  # "Spanish Leader Denies Gain From Bombings": capitals say nothing there
        for index in range(at - 1, max(at - PERSON_GAP - 1, -1), -1):
            if clause[index] != clause[at]:
                break
            word = self._word(index)
            first = index == 0 or sentence[index - 1] != sentence[index]
            named = word[:1].isupper() and not word.isupper() and word.lower() not in NOT_NAMES
            # a sentence's first word is capitalised anyway: a name only when the words from it to the
            # claim's are written small ("Assad has always denied"; not "Yesterday Officials Denied")
            if named and (not first or all(self._word(i)[:1].islower() for i in range(index + 1, at))):
                return "person", _words(self.tokens, (index, index))
        return None

    def _word(self, index: int) -> str:
        start, end = self.words[index]
        return self.written[self._written_offset(start) : self._written_offset(end)]

    def _title_case(self, sentence: int) -> bool:
        words = [self._word(i) for i, s in enumerate(self.tokens.sentence) if s == sentence]
        return sum(w[:1].isupper() for w in words) >= 0.6 * len(words)

    def text(self, sentence: int) -> str:
        numbers = self.tokens.sentence
        first = numbers.index(sentence)
        last = len(numbers) - 1 - numbers[::-1].index(sentence)
        if len(self.words) != len(numbers):  # not expected; the folded words are readable too
            return _words(self.tokens, (first, last))
        start = self._written_offset(self.words[first][0])
        if last + 1 < len(self.words):
            end = self._written_offset(self.words[last + 1][0])
        else:
            end = len(self.written)
        sentence_text = " ".join(self.written[start:end].split())
        return (
            sentence_text
            if len(sentence_text) <= SENTENCE_CHARS
            else sentence_text[: SENTENCE_CHARS - 1] + "…"
        )
