"""Text normalisation shared by zone tagging and datelines: case, diacritics, Arabic letter forms, word edges."""

from __future__ import annotations

import re
import unicodedata

# Combining marks removed after NFKD: Latin/Greek/Cyrillic diacritics, Hebrew points, Arabic tashkeel
# (NFKD turns أ إ آ into ا plus a combining hamza or madda, so removing marks also unifies alef forms).
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
_MARKS_RE = re.compile(f"[{_MARKS}]+")
_LINE_SPACES = ("\n", "\r", "\t")  # NFKD already turns no-break and other compatibility spaces into " "
# Letter variants written interchangeably in Arabic, plus punctuation variants seen in place names.
_REPLACEMENTS = (
    ("\u0649", "\u064a"),  # alef maksura -> yeh
    ("\u0629", "\u0647"),  # teh marbuta -> heh
    ("\u0671", "\u0627"),  # alef wasla -> alef
    ("\u060c", ","),  # Arabic comma
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u02bc", "'"),
    ("_", " "),  # hashtags join words: #جنوب_السودان, #South_Sudan
    ("\u2010", "-"),
    ("\u2011", "-"),
)

HEBREW_PROCLITIC_LETTERS = frozenset("והבלמשכ")
ARABIC_ARTICLE = "ال"


def fold(text: str) -> str:
    """Casefold, strip diacritics and tashkeel, unify Arabic letter forms; line breaks are kept.

    Character by character (line breaks are never changed or produced), so folding a text once and then
    splitting it gives the same pieces as folding each piece: zone tagging and the lexicons share it.
    """
    if text.isascii():
        return text.lower().replace("_", " ") if "_" in text else text.lower()
    folded = _MARKS_RE.sub("", unicodedata.normalize("NFKD", text.casefold()))
    for old, new in _REPLACEMENTS:
        if old in folded:
            folded = folded.replace(old, new)
    return folded


def strip_marks(text: str) -> str:
    """Diacritics and tashkeel removed, case kept (to see how a name was written)."""
    return text if text.isascii() else _MARKS_RE.sub("", unicodedata.normalize("NFKD", text))


def normalize(text: str) -> str:
    """`fold`, then line breaks and tabs become spaces."""
    return spaced(fold(text))


def spaced(folded: str) -> str:
    """A folded text with line breaks and tabs turned into spaces, as `normalize` returns it."""
    for space in _LINE_SPACES:
        if space in folded:
            folded = folded.replace(space, " ")
    return folded


def script_of(text: str) -> str:
    """The script of the first letter: 'arabic', 'hebrew', 'unspaced' (no spaces between words) or 'spaced'."""
    for char in text:
        if not char.isalpha():
            continue
        code = ord(char)
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
            return "arabic"
        if 0x0590 <= code <= 0x05FF:
            return "hebrew"
        if (
            0x0E00 <= code <= 0x0FFF  # Thai, Lao, Tibetan
            or 0x1000 <= code <= 0x109F  # Myanmar
            or 0x1780 <= code <= 0x17FF  # Khmer
            or 0x3040 <= code <= 0x9FFF  # kana, CJK
            or 0xAC00 <= code <= 0xD7AF  # Hangul syllables are spaced, but compounds are written together
        ):
            return "unspaced"
        return "spaced"
    return "spaced"


def arabic_prefixes(alias_has_article: bool) -> frozenset[str]:
    """Proclitics allowed before an Arabic name: conjunction (و ف), then preposition (ب ل ك), then ال.

    The article is allowed only when the alias does not already start with it; ل followed by ال is
    written لل, which callers cover with a separate pattern for aliases that start with ال.
    """
    conjunctions, prepositions = ("", "و", "ف"), ("", "ب", "ل", "ك")
    articles = ("",) if alias_has_article else ("", ARABIC_ARTICLE)
    out = set()
    for conj in conjunctions:
        for prep in prepositions:
            for art in articles:
                # li + al contracts to لل
                out.add(conj + ("لل" if prep == "ل" and art else prep + art))
    out.discard("")
    return frozenset(out)
