"""Zone tagging: one Aho-Corasick automaton over every zone's aliases, scored from title, dateline and body."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import pyarrow as pa

from core.registry import Zone, load_registry
from transforms.udf.dateline import DatelineMemo
from transforms.udf.datelines_resolve import DatelineResolver
from transforms.udf.text import (
    ARABIC_ARTICLE,
    HEBREW_PROCLITIC_LETTERS,
    arabic_prefixes,
    fold,
    normalize,
    script_of,
    spaced,
)
from transforms.udf.zone_names import (
    AMBIGUOUS,
    KIND_FIELDS,
    NOT_COUNTRY_WORDS,
    PLACE,
    capitalised,
    country_name_forms,
    name_counts,
    name_forms,
)

TITLE_WEIGHT = 3.0
DATELINE_WEIGHT = 1.0  # where the story was filed: with one mention of the zone it tags, alone it does not
LEAD_WEIGHT = 1.0  # a name in the first paragraph, where a story says where it happens: with its hit, 2
LEAD_MAX = 600  # characters of the text that can be its first paragraph
BODY_HIT_WEIGHT = 1.0
BODY_HITS_CAP = 4
MIN_SCORE = 2.0

_SEP = "\x00"  # joins title and body into one scanned text; never part of a word
_STRICT: frozenset[str] = frozenset()  # left edge must be a non-word character
_NO_EDGES = None  # unspaced scripts
_HEBREW_PREFIXES = frozenset(
    a + b + c
    for a in ("", *HEBREW_PROCLITIC_LETTERS)
    for b in ("", *HEBREW_PROCLITIC_LETTERS)
    for c in HEBREW_PROCLITIC_LETTERS
)


_SENTENCE_END = re.compile(r"[.!?؟。](?=\s)|\n")
HEADLINE_MIN, HEADLINE_MAX = 40, 300


def _paragraph_end(folded: str) -> int:
    """Where a text's first paragraph ends (its first line break), at most LEAD_MAX characters in."""
    end = folded.find("\n", 0, LEAD_MAX)
    return end if end >= 0 else min(len(folded), LEAD_MAX)


def headline_end(text: str) -> int:
    """Where the first sentence of a text ends (at least HEADLINE_MIN and at most HEADLINE_MAX characters
    in, so that "Moscow. 9 December." or "Oct. 28" does not end it)."""
    found = _SENTENCE_END.search(text, HEADLINE_MIN, HEADLINE_MAX)
    return found.end() if found else min(len(text), HEADLINE_MAX)


def _outside_header(hits: list[tuple], text: str, header: str, body_start: int) -> list[tuple]:
    """The hits that are not inside the dateline's header: the names there say where the story was filed
    (scored as in_dateline), not what it is about. The header is the body's first occurrence of it (an
    untitled item's headline is its first sentence: `body_start` is 0 then)."""
    start = text.find(header, body_start)
    if start < 0:
        return hits
    end = start + len(header)
    return [hit for hit in hits if not (start <= hit[0] and hit[1] <= end)]


@dataclass(frozen=True)
class ZoneMatch:
    """One zone an item is about, with the evidence behind its score."""

    zone_id: str
    score: float
    admin1_id: str | None = None
    in_title: bool = False
    in_dateline: bool = False
    in_lead: bool = False
    body_hits: int = 0
    aliases: tuple[str, ...] = ()  # distinct normalised aliases that matched


@dataclass
class _Pattern:
    key: str
    alias: str  # the normalised alias a variant key stands for
    left: frozenset[str] | None  # proclitics allowed before the name; None: no edge checks
    entries: list[tuple[int, int, int]]  # (zone index, admin1 index or -1, kind)
    excludes: list[int]  # zones for which this key is an exclusion term
    countries: set[str]  # ISO alpha-3 codes of the countries this key names (any country, watched or not)

    def freeze(self) -> tuple:
        zones = {z for z, _, _ in self.entries}
        return (
            len(self.key),
            self.left,
            tuple(self.entries),
            tuple(self.excludes),
            len(zones) > 1,
            self.alias,
            frozenset(self.countries),
        )


def _left_rule(key: str) -> tuple[frozenset[str] | None, list[tuple[str, frozenset[str]]]]:
    """Allowed proclitics for a key, and extra (key, proclitics) variants (Arabic li + al)."""
    script = script_of(key)
    if script == "unspaced":
        return _NO_EDGES, []
    if script == "hebrew":
        return _HEBREW_PREFIXES, []
    if script == "arabic":
        has_article = key.startswith(ARABIC_ARTICLE)
        variants = [("لل" + key[2:], frozenset({"و", "ف"}))] if has_article and len(key) > 3 else []
        return arabic_prefixes(has_article), variants
    return _STRICT, []


class ZoneTagger:
    """Tags items with the zones they are about; build once, then call `tag`, `tag_many` or `tag_table`.

    Rules, in order:
    - Text and aliases are normalised alike (`transforms.udf.text.normalize`): casefold, no diacritics or
      tashkeel, one alef, ى->ي, ة->ه. Aliases of every language go into one automaton, so an item in any
      language matches names written in any script.
    - A match needs a word edge on both sides. Arabic names may carry proclitics: a conjunction (و ف), then a
      preposition (ب ل ك), then the article ال when the alias does not start with it; "لل" + name covers
      li + al. Hebrew names may carry up to three of ו ה ב ל מ ש כ. Scripts written without spaces (Myanmar,
      Thai, CJK) are matched without edges.
    - An alias occurrence inside an occurrence of one of its zone's exclusion terms does not count.
    - Overlapping matches keep the leftmost-longest ("Khartoum North" over "Khartoum").
    - A name shared by several zones goes to the candidate zones with the most distinct unshared evidence
      (distinct aliases, plus a resolved dateline); when none of them has other evidence it goes to all.
    - What a name counts for depends on its kind (see core.registry.Zone). A place name counts. A
      demonym (Syrians) counts unless the zone's country has no place named and the item names another
      country (Syrians in Germany). An ethnonym (Rohingya) and an ambiguous name (French "Tigré", which
      folds to "tigre", tiger) count only with a second signal: a place of the same country named, or the
      dateline there; an ambiguous name also counts when written with a capital inside a sentence.
    - A zone's evidence also counts for its parent, the country zone: an item naming Rakhine is about
      Rakhine and about Myanmar; the dateline's zone and its parent both have in_dateline.
    - score = 3 * in_title + 1 * in_dateline + 1 * in_lead + min(body_hits, 4); zones scoring at least 2
      are returned, zones before their country zone, best first. in_dateline means the body's opening
      dateline resolves to the zone or a zone inside it (see dateline.py); the names in the dateline's header
      are not counted as mentions. in_lead means a name in the first paragraph of the body (which is the
      item's lead; an item without a title takes its first sentence as its headline). So one mention in the
      title, or one in the lead, tags an item; one mention further down does not.
    """

    def __init__(self, zones: Iterable[Zone], country_names: Mapping[str, Iterable[str]] | None = None):
        self.zones: tuple[Zone, ...] = tuple(zones)
        self.dateline_resolver = DatelineResolver(self.zones, country_names)
        self._zone_index = {zone.id: i for i, zone in enumerate(self.zones)}
        self._parent = tuple(
            self._zone_index.get(zone.parent, -1) if zone.parent else -1 for zone in self.zones
        )
        self._countries = tuple(frozenset(zone.countries) for zone in self.zones)
        patterns: dict[str, _Pattern] = {}

        def pattern(key: str, alias: str, left: frozenset[str] | None) -> _Pattern:
            return patterns.setdefault(key, _Pattern(key, alias, left, [], [], set()))

        def add(text: str, entry: tuple[int, int, int] | None, zone: int, language: str = "") -> None:
            root = normalize(text).strip()
            if len(root) < 2:
                return
            for key in name_forms(root, text, language):  # exclusions too: "в Южном Судане" holds "Судане"
                left, variants = _left_rule(key)
                for k, rule in [(key, left), *variants]:
                    p = pattern(k, root, rule)
                    if entry is None and zone not in p.excludes:
                        p.excludes.append(zone)
                    elif entry is not None and entry not in p.entries:
                        p.entries.append(entry)

        for zi, zone in enumerate(self.zones):
            for field, kind in KIND_FIELDS:
                for language, names in getattr(zone, field).items():
                    for name in names:
                        add(name, (zi, -1, kind), zi, language)
            for ai, area in enumerate(zone.admin1):
                for language, names in area.aliases.items():
                    for name in names:
                        add(name, (zi, ai, PLACE), zi, language)
            for language, terms in zone.exclusions.items():
                for term in terms:
                    add(term, None, zi, language)
        country_words = dict(self.dateline_resolver.countries)
        for name, codes in country_name_forms().items():
            country_words[name] = country_words.get(name, frozenset()) | codes
        for name, codes in country_words.items():
            if len(name) >= 3 and name not in NOT_COUNTRY_WORDS:
                left, variants = _left_rule(name)
                for k, rule in [(name, left), *variants]:
                    pattern(k, name, rule).countries.update(codes)
        self._automaton = ahocorasick.Automaton()
        for key, p in patterns.items():
            self._automaton.add_word(key, p.freeze())
        self._automaton.make_automaton()
        self.pattern_count = len(patterns)

    @classmethod
    def from_config(
        cls, config_dir: Path | str, country_names: Mapping[str, Iterable[str]] | None = None
    ) -> ZoneTagger:
        """A tagger over a registry folder's zones; `country_names` as in `DatelineResolver`."""
        return cls(load_registry(config_dir).zones, country_names)

    def _scan(self, text: str) -> list[tuple[int, int, tuple]]:
        """Alias matches (start, end, payload) with edges checked, exclusions applied, overlaps resolved."""
        size = len(text)
        hits: list[tuple[int, int, tuple]] = []
        excluded: list[tuple[int, int, tuple[int, ...]]] = []
        for last, payload in self._automaton.iter(text):
            end = last + 1
            start = end - payload[0]
            left = payload[1]
            if left is not None:
                if end < size and text[end].isalnum():
                    continue
                if start > 0 and text[start - 1].isalnum():
                    if not left:
                        continue
                    word = start - 1
                    while word > 0 and text[word - 1].isalnum() and start - word < 4:
                        word -= 1
                    if (word > 0 and text[word - 1].isalnum()) or text[word:start] not in left:
                        continue
            if payload[3]:
                excluded.append((start, end, payload[3]))
            if payload[2] or payload[6]:
                hits.append((start, end, payload))
        if excluded:
            hits = [h for h in (self._drop_excluded(h, excluded) for h in hits) if h is not None]
        if len(hits) > 1:
            hits.sort(key=lambda h: (h[0], h[0] - h[1]))
            kept, reach = [], -1
            for hit in hits:
                if hit[0] >= reach:
                    kept.append(hit)
                    reach = hit[1]
            hits = kept
        return hits

    @staticmethod
    def _drop_excluded(hit: tuple, excluded: list[tuple[int, int, tuple[int, ...]]]) -> tuple | None:
        start, end, payload = hit
        blocked = {z for s, e, zones in excluded if s <= start and end <= e for z in zones}
        if not blocked:
            return hit
        entries = tuple(entry for entry in payload[2] if entry[0] not in blocked)
        if not entries:
            return None  # "Pemba Island" names no watched place, and no country either
        zones = {z for z, _, _ in entries}
        return (start, end, (payload[0], payload[1], entries, (), len(zones) > 1, payload[5], payload[6]))

    def tag(self, title: str, body: str = "", language: str = "en") -> list[ZoneMatch]:
        """The zones an item is about, best first; empty when no zone reaches MIN_SCORE."""
        return [self._match(row) for row in self._evaluate(title, body, language)]

    def _match(self, row: tuple) -> ZoneMatch:
        zone, score, area, in_title, in_dateline, in_lead, body_hits, aliases = row
        spec = self.zones[zone]
        return ZoneMatch(
            zone_id=spec.id,
            score=score,
            admin1_id=spec.admin1[area].id if area >= 0 else None,
            in_title=in_title,
            in_dateline=in_dateline,
            in_lead=in_lead,
            body_hits=body_hits,
            aliases=aliases,
        )

    def _evaluate(self, title: str, body: str, language: str) -> list[tuple]:
        """(zone index, score, admin1 index or -1, in_title, in_dateline, in_lead, body_hits, aliases) rows,
        best first."""
        return self.evaluate_folded(title, body, fold(body) if body else "", language)

    def evaluate_folded(
        self, title: str, body: str, folded_body: str, language: str, memo: DatelineMemo | None = None
    ) -> list[tuple]:
        """`_evaluate` with the body already passed through `text.fold` (shared with the lexicons), and
        the item's `DatelineMemo` when its lead's dateline is read too."""
        if body and title.strip():
            # normalize(title + SEP + body), built from its parts: folding never crosses SEP
            title_text = normalize(title.replace(_SEP, " "))
            text = f"{title_text}{_SEP}{spaced(folded_body)}"
            title_end = len(title_text)
            body_start = title_end + 1  # past SEP
            lead_end = body_start + _paragraph_end(folded_body)
        elif body:
            # an item without a title (a post, a wire flash): its first sentence is its headline
            cut = headline_end(folded_body)
            text = f"{spaced(folded_body[:cut])}{_SEP}{spaced(folded_body[cut:])}"
            title_end, body_start = cut, 0
            lead_end = max(cut, _paragraph_end(folded_body)) + 1
        else:
            text = normalize(title)
            title_end = lead_end = len(text)
        hits = self._scan(text) if text else []
        dateline_zone = -1
        if body:
            dateline = self.dateline_resolver.extract(body, language, memo)
            if dateline is not None:
                if dateline.zone_id is not None:
                    dateline_zone = self._zone_index[dateline.zone_id]
                if dateline.header and hits:
                    hits = _outside_header(hits, text, normalize(dateline.header).strip(), body_start)
        if not hits and dateline_zone < 0:
            return []
        return self._score(hits, title_end, lead_end, dateline_zone, title, body)

    def _score(
        self,
        hits: list[tuple[int, int, tuple]],
        title_end: int,
        lead_end: int,
        dateline_zone: int,
        title: str,
        body: str,
    ) -> list[tuple]:
        zone_countries, parents = self._countries, self._parent
        evidence: dict[int, set[str]] = {}
        named: set[str] = set()  # countries the text names by name
        for _, _, payload in hits:
            named |= payload[6]
            if payload[2] and not payload[4]:
                evidence.setdefault(payload[2][0][0], set()).add(payload[5])
        strength = {zone: len(keys) for zone, keys in evidence.items()}
        if dateline_zone >= 0:
            strength[dateline_zone] = strength.get(dateline_zone, 0) + 1
        resolved: list[tuple[int, int, int, int, str]] = []  # (start, zone, area, kind, alias)
        for start, _, payload in hits:
            entries = payload[2]
            if payload[4]:
                best = max(strength.get(z, 0) for z, _, _ in entries)
                entries = tuple(e for e in entries if strength.get(e[0], 0) == best)
            resolved += [(start, zone, area, kind, payload[5]) for zone, area, kind in entries]
        if not resolved and dateline_zone < 0:
            return []
        if any(hit[3] != PLACE for hit in resolved):
            placed: set[str] = set(zone_countries[dateline_zone]) if dateline_zone >= 0 else set()
            for _, zone, _, kind, _ in resolved:
                if kind == PLACE:
                    placed |= zone_countries[zone]
            for _, zone, _, kind, alias in resolved:
                if (
                    kind == AMBIGUOUS
                    and not zone_countries[zone] & placed
                    and capitalised(alias, title, body)
                ):
                    placed |= zone_countries[zone]
            resolved = [
                hit for hit in resolved if name_counts(hit[1], hit[3], zone_countries[hit[1]], placed, named)
            ]
        in_title: set[int] = set()
        in_lead: set[int] = set()
        body_hits: dict[int, int] = {}
        aliases: dict[int, dict[str, None]] = {}
        areas: dict[int, dict[int, int]] = {}
        by_hit: dict[int, set[int]] = {}
        for start, zone, area, _, alias in resolved:
            zones = by_hit.setdefault(start, set())
            for counted in (zone, parents[zone]) if parents[zone] >= 0 else (zone,):
                zones.add(counted)
                aliases.setdefault(counted, {})[alias] = None
            if area >= 0:
                counts = areas.setdefault(zone, {})
                counts[area] = counts.get(area, 0) + 1
        for start, zones in by_hit.items():
            for zone in zones:
                if start < title_end:
                    in_title.add(zone)
                else:
                    body_hits[zone] = body_hits.get(zone, 0) + 1
                    if start < lead_end:
                        in_lead.add(zone)
        in_dateline: set[int] = set()
        if dateline_zone >= 0:
            in_dateline = {dateline_zone, parents[dateline_zone]} - {-1}
        rows = []
        for zone in in_title | body_hits.keys() | in_dateline:
            hits_in_body = body_hits.get(zone, 0)
            score = (
                TITLE_WEIGHT * (zone in in_title)
                + DATELINE_WEIGHT * (zone in in_dateline)
                + LEAD_WEIGHT * (zone in in_lead)
                + BODY_HIT_WEIGHT * min(hits_in_body, BODY_HITS_CAP)
            )
            if score < MIN_SCORE:
                continue
            counts = areas.get(zone)
            area = max(counts, key=lambda a: (counts[a], -a)) if counts else -1
            found = tuple(aliases.get(zone, ()))
            rows.append(
                (
                    zone,
                    score,
                    area,
                    zone in in_title,
                    zone in in_dateline,
                    zone in in_lead,
                    hits_in_body,
                    found,
                )
            )
        # most specific first: a country zone ranks after the zones of it the item is about
        above = {parents[row[0]] for row in rows}
        rows.sort(key=lambda row: (row[0] in above, -row[1], row[0]))
        return rows

    def tag_many(self, rows: Iterable[tuple[str, str, str]]) -> list[list[ZoneMatch]]:
        """Tag (title, body, language) rows; one list of matches per row, in order."""
        tag = self.tag
        return [tag(title or "", body or "", language or "en") for title, body, language in rows]

    def tag_table(
        self,
        table: pa.Table,
        title_col: str = "title",
        body_col: str = "body",
        language_col: str | None = "language",
    ) -> pa.Table:
        """Tag an Arrow table; one output row per (item, zone) match, `rank` 1 being the best zone."""
        titles = table.column(title_col).to_pylist()
        bodies = table.column(body_col).to_pylist() if body_col else [""] * table.num_rows
        languages = (
            table.column(language_col).to_pylist()
            if language_col and language_col in table.column_names
            else ["en"] * table.num_rows
        )
        columns = TagColumns(self.zones)
        evaluate = self._evaluate
        for index, (title, body, language) in enumerate(zip(titles, bodies, languages, strict=True)):
            columns.add(index, evaluate(title or "", body or "", language or "en"))
        return columns.table()


class TagColumns:
    """Collects `ZoneTagger` rows of many items into the columns of TAG_SCHEMA."""

    def __init__(self, zones: tuple[Zone, ...]):
        self.zones = zones
        self.columns: dict[str, list] = {name: [] for name in TAG_SCHEMA.names}

    def add(self, index: int, rows: list[tuple]) -> None:
        """The rows of item `index`, best first (rank 1 is the best zone)."""
        columns, zones = self.columns, self.zones
        for rank, (zone, score, area, in_title, in_dateline, in_lead, body_hits, _) in enumerate(
            rows, start=1
        ):
            columns["item_index"].append(index)
            columns["zone_id"].append(zones[zone].id)
            columns["score"].append(score)
            columns["admin1_id"].append(zones[zone].admin1[area].id if area >= 0 else None)
            columns["in_title"].append(in_title)
            columns["in_dateline"].append(in_dateline)
            columns["in_lead"].append(in_lead)
            columns["body_hits"].append(body_hits)
            columns["rank"].append(rank)

    def table(self) -> pa.Table:
        return pa.table(self.columns, schema=TAG_SCHEMA)


TAG_SCHEMA = pa.schema(
    [
        ("item_index", pa.int64()),
        ("zone_id", pa.string()),
        ("score", pa.float64()),
        ("admin1_id", pa.string()),
        ("in_title", pa.bool_()),
        ("in_dateline", pa.bool_()),
        ("in_lead", pa.bool_()),
        ("body_hits", pa.int32()),
        ("rank", pa.int16()),
    ]
)
