"""Inflected surface forms of zone aliases, generated once at build time so the tagger's automaton stays exact."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import product
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer
    from pymorphy3.analyzer import Parse
    from pymorphy3.tagset import OpencorporaTag

MIN_FORM_LETTERS = 3
SLAVIC_LANGUAGES = frozenset({"ru", "uk"})

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_APOSTROPHES = "'’ʼ"
# Parts of speech of words too common to be a place: a form that can also be one of these is dropped.
_FUNCTION_POS = frozenset({"PREP", "CONJ", "PRCL", "NPRO", "INTJ", "PRED", "NUMR"})
_PROPER = frozenset({"Geox", "Name", "Surn", "Patr", "Orgn"})
_PERSON = frozenset({"Name", "Surn", "Patr"})
_SUPERLATIVE = frozenset({"Supr"})
# Russian second genitive/locative/accusative and vocative have no adjective forms of their own.
_ADJ_CASE = {"gen2": "gent", "loc2": "loct", "acc2": "accs", "voct": "nomn"}
# A Russian form whose best reading as another common word is this likely (and beats the alias's) is dropped.
_COMMON_WORD_SCORE = 0.5


def alias_forms(alias: str, language: str) -> frozenset[str]:
    """The surface forms of `alias` in `language`, the alias itself included.

    - ru, uk (Cyrillic aliases): every case form in the alias's own number, from pymorphy3 (Донецк ->
      Донецке; Луганская область -> Луганской области); an animate common noun (a demonym: сириец) gets
      both numbers. Forms that are also function words, or likelier another common word, are left out.
      See `_slavic_forms` for phrases, parse choice and those exclusions.
    - en, fr, es: plural and gendered forms of demonyms, recognised by their endings (`_latin_forms`);
      place names get none.
    - ar and every other language: the alias alone (the tagger already allows Arabic proclitics).

    Generated forms shorter than 3 letters are dropped. Forms keep the alias's capitals per word, its
    apostrophe and its е for ё; callers still `normalize` them. Cached per (alias, language).
    """
    return _alias_forms(alias.strip(), language)


@cache
def _alias_forms(alias: str, language: str) -> frozenset[str]:
    if language in SLAVIC_LANGUAGES and _CYRILLIC.search(alias):
        forms = _slavic_forms(alias, _analyzer(language), scored=language == "ru")
    elif language in _LATIN_RULES:
        forms = _latin_forms(alias, language)
    else:
        forms = set()
    return frozenset({alias} | {f for f in forms if _letters(f) >= MIN_FORM_LETTERS})


@cache
def _analyzer(language: str) -> MorphAnalyzer:
    """One pymorphy3 analyser per language, loaded on first use (about 0.1 s and 15 MB each)."""
    from pymorphy3 import MorphAnalyzer

    return MorphAnalyzer(lang=language)


def _letters(text: str) -> int:
    return sum(char.isalpha() for char in text)


# --- Russian and Ukrainian ------------------------------------------------------------------------


def _slavic_forms(alias: str, morph: MorphAnalyzer, scored: bool) -> set[str]:
    """Case forms of a noun phrase: [agreeing adjectives] head noun [words kept as written].

    - The head is the first word that reads as a nominative noun and not also as a nominative adjective
      (Нова Каховка: Нова is also a noun). Its reading is chosen by `_head_parse`: a place (Geox) first,
      then one whose normal form is the word itself, then a person's name, then a nominative, then a
      dictionary word over the predictor's guess. Place names the dictionary lacks (Луганськ, Бахмут in
      Ukrainian) get the predicted paradigm, which is what we want.
    - A one-word lowercase alias with an adjective reading (the demonyms суданский, мозамбіцький) gets
      every form of the adjective: genders, numbers and cases.
    - Words before the head must be adjectives or participles agreeing with it (case, number, gender);
      they take the head's case and number in every form. Otherwise ("Часов Яр" in Russian, where
      pymorphy3 reads Часов as the genitive plural of час) the alias is returned alone rather than
      half-inflected.
    - Words after the head (genitive complements, appositions, brackets: "Республика Крым", "Донецк
      Ростовской области", "Токмак (Киргизия)") are kept as written, and so is an indeclinable head (АЭС).
    - Forms keep the head's number (Донецк gives no plural "Донецки"; Алешки stays plural) unless the head
      is an animate common noun, a demonym (сириец, сирийцы), which gets both numbers.
    - With agreeing adjectives and a singular head written in lowercase, the coordinated plural is added
      as well: the first adjective singular, the rest and the head plural ("в Запорожской и Херсонской
      областях" -> "Херсонской областях"; "Донецкая и Луганская области" -> "Луганская области"). A
      capitalised head is part of a name (Новая Каховка), and names are not coordinated so.
    - A generated one-word form that the dictionary also knows as a function word of another lexeme
      (preposition, conjunction, particle, pronoun, predicative, numeral: Нея -> "Нею") is dropped. In
      Russian, so is a form whose best reading as another common word (not a place or name) scores 0.5 or
      more and beats its best reading as the alias (Сумы: "Сум" is as likely the genitive of сума, so it
      stays). Ukrainian pymorphy3 has no scores, so only the first rule applies there. Multi-word forms are
      specific enough to keep, and the alias itself is always kept (it is curated).
    """
    words = alias.split()
    adjective = _lowercase_adjective(words, morph)
    if adjective is not None:
        lemma = adjective
        forms = {
            _spelled_like(form.word, alias) for form in adjective.lexeme if _same_adjective(form, adjective)
        }
    else:
        phrase = _noun_phrase(words, morph)
        if phrase is None:
            return set()
        lemma = phrase[1]
        forms = _phrase_forms(words, *phrase)
    if len(words) == 1:
        forms = {f for f in forms if not _common_word(f, lemma, morph, scored)}
    return forms


def _lowercase_adjective(words: list[str], morph: MorphAnalyzer) -> Parse | None:
    """The adjective reading of a one-word lowercase alias (суданский), which a name reading cannot be."""
    if len(words) != 1 or not words[0].islower():
        return None
    spelled = _plain(words[0])
    return next(
        (
            p
            for p in morph.parse(words[0])
            if _is_modifier(p) and _nominative(p) and _plain(p.normal_form) == spelled
        ),
        None,
    )


def _phrase_forms(words: list[str], head: int, head_parse: Parse, modifiers: list[Parse]) -> set[str]:
    number, gender = _number(head_parse.tag), head_parse.tag.gender
    grammemes = head_parse.tag.grammemes
    both_numbers = "anim" in grammemes and not _PROPER & grammemes
    coordinated = bool(modifiers) and number == "sing" and words[head].islower()
    forms: set[str] = set()
    for head_form in head_parse.lexeme:
        form_number = _number(head_form.tag)
        if form_number == number or both_numbers:
            phrases = _phrase(head_form, modifiers, gender, first_singular=False)
        elif coordinated:
            phrases = _phrase(head_form, modifiers, gender, first_singular=True)
        else:
            continue
        forms.update(_join(words, head, inflected) for inflected in phrases)
    return forms


def _noun_phrase(words: list[str], morph: MorphAnalyzer) -> tuple[int, Parse, list[Parse]] | None:
    """(head index, head reading, readings of the agreeing words before it), or None when it does not parse."""
    readings = [morph.parse(word) for word in words]
    head = _head_index(readings)
    if head is None:
        return None
    head_parse = _head_parse(readings[head], words[head])
    if head_parse is None:
        return None
    modifiers = [_agreeing_parse(readings[i], head_parse) for i in range(head)]
    if any(m is None for m in modifiers):
        return None
    return head, head_parse, modifiers


def _head_index(readings: list[list[Parse]]) -> int | None:
    """The first word that reads as a nominative noun and not as a nominative adjective (Нова Каховка)."""
    if len(readings) == 1:
        return 0
    nominal = [i for i, parses in enumerate(readings) if any(_is_noun(p) and _nominative(p) for p in parses)]
    for i in nominal:
        if not any(_is_modifier(p) and _nominative(p) for p in readings[i]):
            return i
    return nominal[0] if nominal else None


def _head_parse(parses: Iterable[Parse], word: str) -> Parse | None:
    """The noun reading the forms come from: a place, the word's own lemma, a name, a nominative, known."""
    nouns = [p for p in parses if _is_noun(p)]
    if not nouns:
        return None
    spelled = _plain(word)

    def rank(p: Parse) -> tuple:
        grammemes = p.tag.grammemes
        return (
            "Geox" in grammemes,
            _plain(p.normal_form) == spelled,
            bool(_PERSON & grammemes),
            _nominative(p),
            _from_dictionary(p),
            p.score,
        )

    return max(nouns, key=rank)


def _agreeing_parse(parses: Iterable[Parse], head: Parse) -> Parse | None:
    """The adjective or participle reading of a word before the head that agrees with it, if any."""
    case, number = _case(head), _number(head.tag)
    for p in parses:
        if not _is_modifier(p) or _case(p) != case or _number(p.tag) != number:
            continue
        if number == "sing" and head.tag.gender and p.tag.gender != head.tag.gender:
            continue
        return p
    return None


def _phrase(
    head_form: Parse, modifiers: list[Parse], gender: str | None, first_singular: bool
) -> list[list[str]]:
    """The word lists up to and including the head for one head form; none when an adjective cannot follow.

    `gender` is the head's in the singular, which its plural forms no longer carry.
    """
    case = _ADJ_CASE.get(_case(head_form), _case(head_form))
    number = _number(head_form.tag)
    animate = "anim" in head_form.tag.grammemes
    choices = []
    for i, modifier in enumerate(modifiers):
        if first_singular and i == 0:
            choices.append(_modifier_forms(modifier, case, "sing", gender, animate))
        else:
            choices.append(_modifier_forms(modifier, case, number, gender, animate))
    return [[*words, head_form.word] for words in product(*choices)]


def _modifier_forms(modifier: Parse, case: str, number: str, gender: str | None, animate: bool) -> list[str]:
    """Every form of an adjective in this case, number and gender (Ukrainian locatives Південному, Південнім)."""
    gender = gender if number == "sing" else None
    if case == "accs" and (number == "plur" or gender == "masc"):
        # The accusative of a masculine or plural adjective is its genitive when animate, else its nominative.
        case = "gent" if animate else "nomn"
    return sorted(
        {
            form.word
            for form in modifier.lexeme
            if _same_adjective(form, modifier)
            and _case(form) == case
            and _number(form.tag) == number
            and (gender is None or form.tag.gender == gender)
        }
    )


def _join(words: list[str], head: int, inflected: list[str]) -> str:
    """The alias with its words up to the head replaced by their inflected forms, spelled like the alias."""
    out = [_spelled_like(form, model) for form, model in zip(inflected, words[: head + 1], strict=True)]
    return " ".join([*out, *words[head + 1 :]])


def _spelled_like(form: str, model: str) -> str:
    """A lowercase pymorphy3 form written as the alias word was: capitals, е for ё, its apostrophe."""
    if "ё" not in model.lower():
        form = form.replace("ё", "е")
    apostrophe = next((c for c in model if c in _APOSTROPHES), None)
    if apostrophe:
        form = "".join(apostrophe if c in _APOSTROPHES else c for c in form)
    if len(model) > 1 and model.isupper():
        return form.upper()
    model_parts, form_parts = model.split("-"), form.split("-")
    if len(model_parts) != len(form_parts):
        model_parts, form_parts = [model], [form]
    return "-".join(
        f[:1].upper() + f[1:] if m[:1].isupper() else f for f, m in zip(form_parts, model_parts, strict=True)
    )


def _common_word(form: str, head: Parse, morph: MorphAnalyzer, scored: bool) -> bool:
    """Whether a generated one-word form is also a function word, or (with scores) more likely another word."""
    lemma = _plain(head.normal_form)
    parses = morph.parse(form)
    ours = [p for p in parses if _plain(p.normal_form) == lemma]
    others = [p for p in parses if p not in ours and _from_dictionary(p)]
    if any(p.tag.POS in _FUNCTION_POS for p in others):
        return True
    if not scored:
        return False
    common = max((p.score for p in others if not _PROPER & p.tag.grammemes), default=0.0)
    return common >= _COMMON_WORD_SCORE and common > max((p.score for p in ours), default=0.0)


def _number(tag: OpencorporaTag) -> str:
    return "plur" if {"plur", "Pltm"} & tag.grammemes else "sing"


def _case(parse: Parse) -> str:
    """The parse's case; Ukrainian pymorphy3 leaves the nominative of some adjectives unmarked (Часів)."""
    return parse.tag.case or "nomn"


def _nominative(parse: Parse) -> bool:
    return _case(parse) == "nomn"


def _is_noun(parse: Parse) -> bool:
    return parse.tag.POS == "NOUN"


def _is_modifier(parse: Parse) -> bool:
    return parse.tag.POS in ("ADJF", "PRTF")


def _same_adjective(form: Parse, adjective: Parse) -> bool:
    """A full form of the adjective itself, not its short form, comparative or superlative (наиновейшей)."""
    return (
        form.tag.POS == adjective.tag.POS
        and _SUPERLATIVE & form.tag.grammemes == _SUPERLATIVE & adjective.tag.grammemes
    )


def _plain(word: str) -> str:
    return word.lower().replace("ё", "е").replace("’", "'")


def _from_dictionary(parse: Parse) -> bool:
    return type(parse.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"


# --- English, French, Spanish -----------------------------------------------------------------------

# (masculine singular ending, feminine singular ending, masculine plural ending, feminine plural ending);
# the first row whose masculine or feminine ending a word has decides its forms.
_FR_RULES = (
    ("ien", "ienne", "iens", "iennes"),
    ("éen", "éenne", "éens", "éennes"),
    ("ain", "aine", "ains", "aines"),
    ("ais", "aise", "ais", "aises"),
    ("ois", "oise", "ois", "oises"),
    ("an", "ane", "ans", "anes"),
    ("in", "ine", "ins", "ines"),
    ("ite", "ite", "ites", "ites"),
    ("i", "ie", "is", "ies"),
    ("e", "e", "es", "es"),
)
_ES_RULES = (
    ("ita", "ita", "itas", "itas"),
    ("ota", "ota", "otas", "otas"),
    ("ense", "ense", "enses", "enses"),
    ("í", "í", "íes", "íes"),
    ("és", "esa", "eses", "esas"),
    ("o", "a", "os", "as"),  # before -án: afgana is the feminine of afgano, not of an "afgán"
    ("án", "ana", "anes", "anas"),
    ("e", "e", "es", "es"),
)
_LATIN_RULES = {"en": (), "fr": _FR_RULES, "es": _ES_RULES}
_EN_DEMONYM = re.compile(r"[a-z]an$")
_EN_NOT_DEMONYM = re.compile(r"stan$")


def _latin_forms(alias: str, language: str) -> set[str]:
    """Plural and gendered forms of a one-word demonym or ethnonym; place names get nothing.

    - en: a word ending in -an (Syrian, Afghan, Gazan, Tigrayan; not -stan) gets a plural -s. -ese and
      -ya words (Sudanese, Rohingya) do not change; -i demonyms (Yemeni) are left alone, because as many
      place names end in -i (Beni, Ituri). A place name ending in -an (Kordofan) gets a harmless
      "Kordofans" that no text contains.
    - fr, es: only a lowercase word, because both languages write nationality adjectives in lowercase and
      place names with a capital (Mirebalais and Cap-Haïtien are places; syrien, soudanais are not); the
      tagger casefolds, so "les Syriens" still matches "syriens". The endings in `_FR_RULES` and
      `_ES_RULES` (syrien, tigréen, centrafricain, soudanais, afghan, darfouri, yéménite; sudanés, afgán,
      maliense, marroquí, vietnamita, sirio; any other -e: etíope, belge) give masculine and feminine,
      singular and plural; in a hyphenated word only the last part changes (sud-soudanais ->
      sud-soudanaise). Spanish -o/-a pairs can meet a country name (sirio -> siria, the country Siria,
      palestino -> Palestina): harmless, both name the same zone.
      Other endings (burkinabè) are invariable.
    """
    if " " in alias:
        return set()
    if language == "en":
        if _EN_DEMONYM.search(alias.lower()) and not _EN_NOT_DEMONYM.search(alias.lower()):
            return {alias + "s"}
        return set()
    if alias != alias.lower():
        return set()
    stem_and_last = alias.rsplit("-", 1)
    prefix = stem_and_last[0] + "-" if len(stem_and_last) == 2 else ""
    last = stem_and_last[-1]
    return {prefix + form for form in _gendered(last, _LATIN_RULES[language])}


def _gendered(word: str, rules: Iterable[tuple[str, ...]]) -> Iterator[str]:
    for row in rules:
        for ending in sorted(set(row), key=len, reverse=True):
            if word.endswith(ending) and len(word) > len(ending) + 1:
                stem = word[: -len(ending)]
                yield from (stem + e for e in row)
                return
