"""The lexicon file format: entry keys and limits, the error that names where a file is wrong, and the parsing
of phrases (`(a|b)` groups, `word*` prefixes) into atoms. transforms/udf/lexicon.py compiles and matches them."""

from __future__ import annotations

import itertools
import re

from transforms.udf.text import normalize

ENTRY_KEYS = frozenset({"phrase", "seq", "near", "within", "scope", "requires", "unless", "note"})
SCOPES = ("clause", "sentence")
SETS_KEY = "sets"
DEFAULT_WITHIN = 5
MAX_WITHIN = 30
MAX_VARIANTS = 512  # one entry's alternative groups multiply; past this the entry should be split

_GROUP = re.compile(r"\(([^()]*)\)")
_WORD = re.compile(r"\w+")


class LexiconError(ValueError):
    """A lexicon file or entry is malformed; the message names the file, language, label and entry."""


def within_gaps(within: object, count: int, kind: str, place: str) -> tuple[int, ...]:
    values = within if isinstance(within, list) else [within] * count
    if len(values) != count or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise LexiconError(f"{place}: 'within' is a whole number or, for seq, one per gap ({count})")
    if kind == "near" and isinstance(within, list):
        raise LexiconError(f"{place}: 'within' for near is a single number")
    if not all(0 <= v <= MAX_WITHIN for v in values):
        raise LexiconError(f"{place}: 'within' must be between 0 and {MAX_WITHIN} words")
    return tuple(values)


def phrase_variants(pattern: str, place: str) -> list[list[tuple[str, bool]]]:
    """Expand `(a|b)` groups, then cut each variant into atoms: word runs that end at a `*` or the end."""
    chunks = _GROUP.split(pattern)
    literals, groups = chunks[0::2], [g.split("|") for g in chunks[1::2]]
    if any("(" in c or ")" in c or "|" in c for c in literals):
        raise LexiconError(f"{place}: unbalanced or nested '(' ')' or a '|' outside a group in {pattern!r}")
    if any("$" in c for c in chunks):
        raise LexiconError(f"{place}: a $set must be a whole part, not inside a phrase: {pattern!r}")
    count = 1
    for g in groups:
        count *= len(g)
    if count > MAX_VARIANTS:
        raise LexiconError(f"{place}: {pattern!r} expands to {count} variants (max {MAX_VARIANTS}); split it")
    out: list[list[tuple[str, bool]]] = []
    for choice in itertools.product(*groups):
        text = "".join(lit + (choice[i] if i < len(choice) else "") for i, lit in enumerate(literals))
        atoms, run = [], []
        for word in text.split():
            prefix = word.endswith("*")
            core = word[:-1] if prefix else word
            if "*" in core:
                raise LexiconError(f"{place}: '*' may only end a word: {pattern!r}")
            run.extend(_WORD.findall(normalize(core)))
            if prefix and run:
                atoms.append((" ".join(run), True))
                run = []
        if run:
            atoms.append((" ".join(run), False))
        if not atoms:
            raise LexiconError(f"{place}: {pattern!r} has a variant with no words")
        out.append(atoms)
    return out


def phrase_list(patterns: object, place: str) -> list[list[tuple[str, bool]]]:
    if not isinstance(patterns, list) or not patterns:
        raise LexiconError(f"{place}: a set is a non-empty list of phrase strings")
    for item in patterns:
        require_text(item, place)
    return [v for p in patterns for v in phrase_variants(p, place)]


def require_text(item: object, place: str) -> None:
    if not isinstance(item, str):
        hint = (
            " (YAML reads bare yes/no/on/off/true/false/null as non-text: quote it)"
            if not item or item is True
            else ""
        )
        raise LexiconError(f"{place}: {item!r} is not a phrase string{hint}")


def short(entry: object) -> str:
    text = repr(entry)
    return text if len(text) <= 60 else text[:57] + "..."
