"""What the names of a zone are and when they count: the kinds of names (place, demonym, ethnonym, ambiguous,
homonym), their inflected forms, every country's names, and the rules that decide whether a name of each
kind counts for its zone in an item (see core.registry.Zone and transforms/udf/geotag.py)."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry
from babel import Locale

from core.registry import COUNTRY_ZONE_LANGUAGES
from transforms.udf.morph import alias_forms
from transforms.udf.text import normalize, strip_marks

# What an alias names: a place; the zone's people (a demonym); a people that also lives elsewhere (an
# ethnonym); a name that is also a common word (ambiguous); a name that is also another place's (homonym).
PLACE, DEMONYM, ETHNONYM, AMBIGUOUS, HOMONYM = 0, 1, 2, 3, 4
KIND_FIELDS = (
    ("aliases", PLACE),
    ("demonyms", DEMONYM),
    ("ethnonyms", ETHNONYM),
    ("ambiguous", AMBIGUOUS),
    ("homonyms", HOMONYM),
)

# Country names that are also common words: naming them does not place an item abroad.
NOT_COUNTRY_WORDS = frozenset({normalize(w) for w in ("مالي", "того", "малі", "чад")})
_SENTENCE_ENDS = frozenset('.!?:;\n"“”«»—–-|')


def name_forms(key: str, name: str, language: str) -> tuple[str, ...]:
    """The normalised surface forms an alias is matched in: itself and its inflected forms in its language."""
    forms = {key}
    for form in alias_forms(name, language):
        normal = normalize(form).strip()
        if len(normal) >= 3:
            forms.add(normal)
    return tuple(sorted(forms))


@lru_cache(maxsize=1)
def country_name_forms() -> dict[str, frozenset[str]]:
    """Normalised name -> ISO alpha-3 codes, for every country: CLDR names in the registry's languages, and
    their case forms in Russian and Ukrainian ("в Германии", "з Польщі"). Built once per process."""
    out: dict[str, set[str]] = {}
    for language in COUNTRY_ZONE_LANGUAGES:
        territories = Locale(language).territories
        for country in pycountry.countries:
            name = territories.get(country.alpha_2)
            if not name:
                continue
            for form in alias_forms(name, language):
                out.setdefault(normalize(form).strip(), set()).add(country.alpha_3)
    return {name: frozenset(codes) for name, codes in out.items()}


def name_counts(zone: int, kind: int, countries: frozenset[str], placed: set[str], named: set[str]) -> bool:
    """Whether a name of `kind` counts for its zone, given the countries with a place (or dateline) in the
    item and the countries the item names."""
    if kind == PLACE or countries & placed:
        return True
    if kind == DEMONYM:
        # "Syrians in Germany", "PLO delegation in Damascus": the people are placed in another country
        return not (named - countries) and not (placed - countries)
    return False  # an ethnonym, an unconfirmed ambiguous name or a homonym alone


@lru_cache(maxsize=4096)
def _word_pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(key)}(?!\w)", re.IGNORECASE)


def capitalised(key: str, *texts: str) -> bool:
    """Whether the name is written with a capital inside a sentence in one of the texts (Tigré, not tigre;
    a sentence's first word proves nothing). Texts are compared without diacritics, case kept."""
    pattern = _word_pattern(key)
    for text in texts:
        if not text:
            continue
        plain = strip_marks(text)
        for match in pattern.finditer(plain):
            if not match.group(0)[0].isupper():
                continue
            before = plain[: match.start()].rstrip(" '\u2018\u2019(")
            if before and before[-1] not in _SENTENCE_ENDS:
                return True
    return False
