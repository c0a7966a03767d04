"""Datelines: the place a story was filed from, read from its opening lines (transforms/udf/datelines_resolve.py
resolves it to a zone)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from crawlers.lead import is_furniture
from transforms.udf.text import normalize

SCAN_CHARS = 300  # a dateline sits at the top; a headline or caption may come first
SCAN_LINES = 3
# Bylines and share, audio, ad or "Read more" lines above a dateline are skipped, not counted in the
# window, as far down as this (a share bar between the place and the story, a player above the lead).
FURNITURE_CHARS = 1500
MAX_HEADER = 120  # longest "PLACE, Country, date (Agency)" part before the separator
# A place alone (no country, date or agency) is short: "LE POINT SUR LA SITUATION -" is a kicker.
MAX_BARE_WORDS = 3
LEAD_PARAGRAPH = 120  # a line this long ending a sentence is the story itself: stop looking below it

# The dash between the dateline and the story: " - ", " -- ", an em or en dash; EFE's ").-" and CNN's ")-",
# also glued to the story ("(EFE).-El", "(CNN)-حقق"); ".-" after a capitalised country in Central American
# papers ("TEGUCIGALPA, HONDURAS.- Tras") or after a date with a space before it ("Santo Domingo, 4 dic .- Un").
_SEPARATOR = re.compile(
    r"(?=[\s.)\-—–―])"  # a cheap first character: 3x faster on lines with a dash further on
    r"(?:\s+-{1,2}(?=\s)|(?<=\))\.?-{1,2}(?!-)|(?<=[^\W\d_]{2})\.-(?=\s|[^\W\d_])|\s+\.-(?=\s)|\s*[—–―]{1,2})"
)
# Without a dash, a header ends at a colon ("GAZA CITY: The", "NDJAMENA : UN") or at a period, a closing
# parenthesis or slash and a space ("Palma, 27 Oct. Los", "MADRID, 4 (EUROPA PRESS) La", ".../ТАСС/. ...").
_COLON = re.compile(r"(?=[\s:])\s?:\s+")
_STOP = re.compile(r"[.)/]\.?\s+")
_DASH = re.compile("[-—–―]")
# Cheap test for every line: a header opens with a place of at most five words, then a separator or a comma.
_HEADER_START = re.compile(r"\(?\s*(?:[^\s,،.:;!?()/\-—–―]+\s+){0,4}[^\s,،.:;!?()/\-—–―]*\s*[,،.:(/\-—–―]")
# "(Khartoum) La violence" (La Presse), "МОСКВА, 3 мая. /ТАСС/", "Москва, 8 декабря - DIXINEWS. Поклонники".
_PARENTHESISED_PLACE = re.compile(r"\(([^()]{2,60})\)\s*(?:[-—–]\s+)?")
_SLASH_CREDIT = re.compile(r"\s*/([^/]{2,40})/\.?$")
_AFTER_DASH_CREDIT = re.compile(r"\s*([^\W_][\w.\-]*[^\W_])\.\s")
_STORY_START = re.compile(r"[\s“\"«'‘¿¡]*([^\W\d_])")
# "PLACE. AGENCY" (Kazinform); a short first part is an abbreviation ("ST. LOUIS"), not a place.
_PLACE_CREDIT = re.compile(r"^([^\W\d_][^.]{3,})\.\s+([^\W\d_][^.]*)$")
_SEGMENT_SPLIT = re.compile(r"\s*[,،]\s*")
_PERIOD_SPLIT = re.compile(r"\.\s+")
_PLACE_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\s.'’\-\u0300-\u036f\u0640\u064b-\u065f\u0670])*$")
_PARTICLES = frozenset("de del la las los el al da do dos das du des d' l' y e au aux sur am an".split())
# Lowercase words inside a capitalised place name ("Ростовская область", "Kunar province").
_PLACE_NOUNS = frozenset("область обл край район округ республика province provincia region county".split())
# Words that open all-caps headlines, kickers or page labels, never a place.
_KICKERS = frozenset(
    "update updated breaking exclusive analysis factbox explainer opinion live watch urgent corrected "
    "correction refile photo photos video audio podcast listen read more see related note warning alert lead "
    "news top headlines fact interview editorial editor editor's editors in en direct lire voir lea exclu "
    "alerte urgente exclusif analyse edito chronique tribune reportage enquete ultima ultimas directo "
    "срочно молния видео фото عاجل".split()
)
# Agencies and outlets: "AFP - The army said" (AG News) credits an agency and names no place.
_AGENCIES = frozenset(
    "ap afp reuters efe upi dpa ansa xinhua tass тасс interfax интерфакс interfax.ru bloomberg cnn bbc kyodo "
    "yonhap anadolu pti ians ani bernama antara sputnik kazinform казинформ унн укрінформ ukrinform рбк irna "
    "wafa mena kuna wam spa qna aps lusa belga apa notimex رويترز".split()
    + "europa press|prensa latina|риа новости|ria novosti|associated press|agence france-presse".split("|")
)
_MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december janv fevr fev mars avr mai juin juil aout janvier fevrier avril "
    "juillet septembre octobre novembre decembre ene abr ago dic enero febrero marzo abril mayo junio julio "
    "agosto septiembre setiembre octubre noviembre diciembre янв фев мар апр мая июн июл авг сен окт ноя дек "
    "января февраля марта апреля июня июля августа сентября октября ноября декабря январь февраль март "
    "апрель май июнь июль август сентябрь октябрь ноябрь декабрь січня лютого березня квітня травня червня "
    "липня серпня вересня жовтня листопада грудня січень лютий березень квітень травень червень липень "
    "серпень вересень жовтень листопад грудень يناير فبراير مارس ابريل "
    "مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر monday tuesday wednesday thursday friday saturday "
    "sunday lundi mardi mercredi jeudi vendredi samedi dimanche lunes martes miercoles jueves viernes sabado "
    "domingo".split()
)
_DATE_FILLERS = frozenset("de del of the le el года г року р".split())  # "3 de mayo de 2024", "3 мая 2024 г."
_LOWER_IN_PLACE = _PARTICLES | _PLACE_NOUNS
_LOWER_IN_HEADER = _LOWER_IN_PLACE | _MONTHS | _DATE_FILLERS


@dataclass(frozen=True)
class Dateline:
    """A story's dateline: the place as written, the country and agency it names, and the zone it is in.

    `ambiguous_zone_id` is set (and `zone_id` left None) when the place is a zone's alias but the zone's
    exclusions name a namesake elsewhere ("Talen, Bervia") and the dateline gives no country to choose.
    `header` is the dateline as written, up to its dash ("GOMA, Congo (Reuters)"): the names in it say
    where the story was filed, not what it is about.
    """

    place: str | None
    country: str | None = None
    agency: str | None = None
    zone_id: str | None = None
    ambiguous_zone_id: str | None = None
    header: str | None = None


class DatelineMemo:
    """Line parses and resolutions shared by the texts of one item: its lead and its full text start alike."""

    __slots__ = ("lines", "resolved")

    def __init__(self) -> None:
        self.lines: dict[str, Dateline | None] = {}
        self.resolved: dict[Dateline, Dateline] = {}


def _is_cased(text: str) -> bool:
    return text.lower() != text.upper()


def _is_upper(text: str) -> bool:
    return _is_cased(text) and text == text.upper()


@lru_cache(maxsize=4096)  # the same dates, countries and agencies come back item after item
def _is_date(segment: str) -> bool:
    """ "Nov 3", "3 декабря 2022 г.", "lundi 12 mai", "4": numbers, month and day names and their fillers."""
    words = [w.strip(".,") for w in normalize(segment).split()]
    dated = [w for w in words if w and w not in _DATE_FILLERS]
    return 0 < len(words) <= 6 and bool(dated) and all(_is_date_word(w) for w in dated)


def _is_date_word(word: str) -> bool:
    return (word[:1].isdigit() and len(word) <= 4) or word in _MONTHS  # "23", "2004", "1er", "3rd"


def _is_credit(segment: str) -> bool:
    """An agency written after the date: "INTERFAX.RU", "DON24.RU", "УНН", "EFE"."""
    return normalize(segment) in _AGENCIES or (" " not in segment and _is_upper(segment))


def _name_and_date(part: str, first: bool) -> list[str]:
    """A header part as [name, date pieces...] when a date follows the name without a comma: "JERUSALEM Aug. 23"
    (an all-caps place, a month name), "Gaza Strip Sept. 7" (a country, a month name), "Москва. 9 декабря"."""
    words = part.split()
    for i in range(1, len(words)):
        if not (words[i][0].isdigit() or _is_date(words[i])):
            continue
        name, pieces = " ".join(words[:i]), _pieces(" ".join(words[i:]))
        named_month = any(normalize(w).strip(".,") in _MONTHS for w in pieces[0].split())
        if _is_date(pieces[0]) and (name.endswith(".") or (named_month and (_is_upper(name) or not first))):
            return [name.rstrip("."), *pieces]
        break
    return _pieces(part)


def _pieces(part: str) -> list[str]:
    """A part split at the periods next to a date: "3 декабря 2022. DON24.RU" -> the date, the agency."""
    pieces = _PERIOD_SPLIT.split(part)
    out = [pieces[0]]
    for piece in pieces[1:]:
        if _is_date(out[-1]) or _is_date(piece):
            out.append(piece)
        else:
            out[-1] += ". " + piece  # "ST. LOUIS"
    return out


def _valid_place(place: str, credited: bool, bare: bool) -> bool:
    """A place as datelines write it; `credited`: a date or an agency goes with it; `bare`: nothing does."""
    words = place.split()
    if not words or len(words) > (MAX_BARE_WORDS if bare else 5) or not _PLACE_CHARS.match(place):
        return False
    if normalize(words[0]).strip(".") in _KICKERS or normalize(place) in _AGENCIES or _is_date(place):
        return False
    if not _is_cased(place):
        return len(words) <= 3  # Arabic and other uncased scripts: a place is a short phrase
    if place == place.upper():
        return True
    # "Bogotá, 3 nov (EFE).-", "Palma, 27 Oct. Los": a capitalised place only with a date or an agency.
    return (
        credited
        and words[0][0].isupper()
        and all(w[0].isupper() or w.lower() in _LOWER_IN_PLACE for w in words)
    )


def _opens_with_name(first_part: str) -> bool:
    """Cheap test before looking for a header: the line's first part (up to a comma, period, colon, dash or
    parenthesis) has no lowercase common word ("Hundreds of families left Karsa, a nurse said")."""
    words = first_part.split()
    return len(words) <= 8 and all(
        not w[0].islower() or normalize(w).strip(".") in _LOWER_IN_HEADER for w in words
    )


def _read_header(
    written: str, is_country: Callable[[str], bool], form: str, paragraph: bool = True
) -> tuple[Dateline, bool] | None:
    """The header "PLACE[/PLACE2][, Country][, date][ (Country)][ (Agency)]" (commas or, next to a date,
    periods between the parts; the agency also after the date or between slashes), as a Dateline and
    whether it has a date. `form` is how it ended: "dash", "colon", "stop" (a period or parenthesis) or
    "parenthesised" ("(Khartoum) La violence"); colon forms need an all-caps place, stop forms a date, a
    known agency or an all-caps place alone. Without a date or an agency, these forms are only read on a
    `paragraph` (a long line), never on a headline ("IMF: ...", "RDC : Nouveaux combats ...")."""
    header = written
    parens: list[str] = []
    if slash := _SLASH_CREDIT.search(header):
        parens.append(slash.group(1).strip())
        header = header[: slash.start()].rstrip()
    while header.endswith(")"):
        opening = header.rfind("(")
        if opening <= 0:
            return None
        parens.insert(0, header[opening + 1 : -1].strip())
        header = header[:opening].rstrip()
    parts = _SEGMENT_SPLIT.split(header)
    if any(len(part.split()) > 8 for part in parts):
        return None  # a clause: a place, a date and an agency take fewer words
    segments = [piece for i, part in enumerate(parts) for piece in _name_and_date(part, first=i == 0)]
    place = segments[0].split("/")[0].strip()
    credit = _PLACE_CREDIT.match(place) if place == place.upper() else None
    if credit:  # "ПЕТРОПАВЛОВСК. КАЗИНФОРМ –": the place, then the agency
        place = credit.group(1)
        parens.append(credit.group(2))
    country = written_agency = None
    dated = False
    for segment in segments[1:]:
        if _is_date(segment):
            dated = True
        elif dated and written_agency is None and _is_credit(segment):
            written_agency = segment
        elif not segment or (_is_cased(segment) and not segment[0].isupper()) or len(segment.split()) > 4:
            return None  # "MARIA TALEN, a teacher from Karsa, said": a clause, not a dateline
        else:
            country = segment.split("/")[0].strip()
    bare = len(segments) == 1 and not parens
    credited = dated or bool(parens or written_agency) or form == "parenthesised"
    if not _valid_place(place, credited=credited, bare=bare):
        return None
    known_agency = any(normalize(p) in _AGENCIES for p in parens) or written_agency is not None
    letters = sum(c.isalpha() for c in place)
    if form == "colon" and not (paragraph and _is_upper(place) and letters >= 3):
        return None
    if form == "stop" and not (
        dated or known_agency or (paragraph and bare and _is_upper(place) and letters >= 4)
    ):
        return None
    if form == "parenthesised" and not paragraph:
        return None
    agency = written_agency
    if len(parens) >= 2:
        country, agency = country or parens[0], parens[-1]
    elif parens:
        if is_country(parens[0]) and country is None:
            country = parens[0]
        else:
            agency = parens[0]
    found = Dateline(place=place, country=country or None, agency=agency or None, header=written)
    return found, dated


def _starts_story(text: str) -> bool:
    """Whether `text` opens a sentence: a capital or an uncased letter, maybe after a quote."""
    start = _STORY_START.match(text)
    return start is not None and not start.group(1).islower()


def parse_dateline_line(line: str, is_country: Callable[[str], bool]) -> Dateline | None:
    """Parse one line as a dateline then the story, or None. The header is read by `_read_header`; it ends:

    - at a dash: "GOMA, Congo (Reuters) - ", "Jerusalén (EFE).-El", "JERUSALEM Aug. 23, 2004 - ",
      "Москва. 9 декабря. INTERFAX.RU - ", "Москва, 8 декабря - DIXINEWS. " (the agency after the dash);
    - at a colon, after an all-caps place: "GAZA CITY: ", "KANDAHAR, Afghanistan : ";
    - at a period or a closing parenthesis or slash, after a date or a known agency: "Palma, 27 Oct. Los",
      "КИЇВ. 15 листопада. УНН. ", "MADRID, 4 (EUROPA PRESS) La", "БИШКЕК, 5 августа /Новости-Грузия/. ";
      or after an all-caps place alone: "DAMASCO. “Queremos" (never "Lima. El Congreso");
    - or the place is in parentheses before the story (La Presse): "(Khartoum) La violence".
    An agency is not a place: "AFP - The army said" has no dateline.
    """
    start = _HEADER_START.match(line) if line and not line[0].islower() else None
    if start is None:
        return None
    if line[0] == "(":
        return _parenthesised_place(line, is_country)
    if not _opens_with_name(start.group()[:-1]):
        return None
    sep = _SEPARATOR.search(line, 0, MAX_HEADER + 6) if _DASH.search(line, 0, MAX_HEADER + 6) else None
    if sep is not None and sep.start() > 0:
        body = line[sep.end() :]
        if body.strip() and (body[:1].isspace() or not body[:1].islower()):
            read = _read_header(line[: sep.start()].strip(), is_country, "dash")
            if read is not None:
                found, dated = read
                credit = _AFTER_DASH_CREDIT.match(body)
                if credit and dated and found.agency is None and _is_credit(credit.group(1)):
                    header = line[: sep.end() + credit.end(1)].strip()
                    return replace(found, agency=credit.group(1), header=header)
                return found
    return _undashed(line, is_country)


def _undashed(line: str, is_country: Callable[[str], bool]) -> Dateline | None:
    """A header ended by a colon, or by a period, parenthesis or slash (the longest such header that reads)."""
    paragraph = len(line) >= LEAD_PARAGRAPH
    colon = _COLON.search(line, 0, MAX_HEADER) if 0 < line.find(":", 0, MAX_HEADER) else None
    if colon is not None and _starts_story(line[colon.end() :]):
        read = _read_header(line[: colon.start()].strip(), is_country, "colon", paragraph)
        if read is not None:
            return read[0]
    found = None
    for stop in _STOP.finditer(line, 0, MAX_HEADER + 2):
        if not _starts_story(line[stop.end() :]):
            continue  # "КИЇВ. 15 листопада": the date goes on
        end = stop.start() + (line[stop.start()] != ".")  # a closing parenthesis or slash is the header's
        read = _read_header(line[:end].strip(), is_country, "stop", paragraph)
        if read is None:
            break
        found = read[0]
    return found


def _parenthesised_place(line: str, is_country: Callable[[str], bool]) -> Dateline | None:
    opening = _PARENTHESISED_PLACE.match(line)
    if opening is None or not _starts_story(line[opening.end() :]):
        return None
    inner = opening.group(1).strip()
    if not inner or normalize(inner.split()[0]) in _AGENCIES or not _opens_with_name(inner):
        return None  # "(AP) The army said", "(Reuters Health)"
    read = _read_header(inner, is_country, "parenthesised", len(line) >= LEAD_PARAGRAPH)
    if read is None:
        return None
    return replace(read[0], header=f"({inner})")


def _opening_lines(text: str) -> list[str]:
    """The first SCAN_LINES non-empty lines within SCAN_CHARS characters; captions, bylines and widget
    lines (share, audio, ad, "Read more") are skipped, not counted, within the first FURNITURE_CHARS."""
    lines: list[str] = []
    budget = SCAN_CHARS
    for raw in text[:FURNITURE_CHARS].splitlines():
        line = raw.strip()
        if not line or is_furniture(line):
            continue
        lines.append(line[:budget])
        budget -= len(raw) + 1
        if len(lines) == SCAN_LINES or budget <= 0:
            break
    return lines


def find_dateline(
    text: str, is_country: Callable[[str], bool], memo: DatelineMemo | None = None
) -> Dateline | None:
    """The dateline in the first few lines, past captions, bylines, widget lines and a headline.

    `memo` keeps each line's reading for the next text of the same item (a lead, then the full text).
    """
    readings = memo.lines if memo is not None else {}

    def dateline_of(line: str) -> Dateline | None:
        if line not in readings:
            readings[line] = parse_dateline_line(line, is_country)
        return readings[line]

    lines = _opening_lines(text)
    if not any(_HEADER_START.match(line) for line in lines):
        return None  # no line opens with a short place then a separator
    for i, line in enumerate(lines):
        found = dateline_of(line)
        if found is None:
            if len(line) >= LEAD_PARAGRAPH and line.rstrip()[-1:] in '.!?؟…"»':
                return None
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if following and dateline_of(following):
            continue  # two dateline-like lines in a row: the first is a caption over the story
        return found
    return None
