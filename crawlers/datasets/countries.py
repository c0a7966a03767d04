"""Country names and codes found in dataset rows, resolved to ISO 3166-1 alpha-3 codes.

Order of resolution: the source's `params.country_map` first ("Valdoria=XVA; XV=XVA": names or codes on
the left, alpha-3 on the right, separated by ";" or ","), then pycountry (codes, names, official and
common names, compared without case and accents), then the spellings the datasets use that pycountry
lacks (ALIASES), then the states a historic name covers (HISTORIC: Yugoslavia, the USSR), then
country_converter's regular expressions (short, long, old and local forms: "USA", "UK", "Bosnia",
"Burma"), then the name without a parenthesised part ("Russia (Soviet Union)", as in UCDP).
User-assigned alpha-3 codes (XAA-XZZ and the other private ranges) pass through as they are.

A name can cover several countries: a combined one ("Israel and the Occupied Palestinian Territory", which
country_converter reads as both) or a historic one. The row's own place fields then decide
(`core.places.place_countries`: GeoNames cities and ISO 3166-2 subdivisions, and country_converter for
territories such as "Gaza Strip"). When they do not, a historic name is read as its successor state (the
first listed in HISTORIC: Serbia for Yugoslavia, Russia for the USSR); a combined name of two present
countries is not guessed: the row keeps its name in country_name, and its country is left empty.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import country_converter
import pandas as pd
import pycountry

from core.places import PLACE_PARTS, place_countries
from core.registry import Source, is_user_assigned_alpha3

# Spellings used by ACLED, CPJ, KeepItOn and UCDP that pycountry does not know (folded, see _fold).
ALIASES: dict[str, str] = {
    "russia": "RUS",
    "turkey": "TUR",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "dr congo": "COD",
    "drc": "COD",
    "republic of congo": "COG",
    "republic of the congo": "COG",
    "palestine": "PSE",
    "occupied palestinian territory": "PSE",
    "palestinian territories": "PSE",
    "ivory coast": "CIV",
    "cote d'ivoire": "CIV",
    "kosovo": "XKX",  # user-assigned code in common use (EU, IMF, World Bank)
    "cape verde": "CPV",
    "brunei": "BRN",
    "macedonia": "MKD",
    "bosnia-herzegovina": "BIH",
    "micronesia": "FSM",
    "east timor": "TLS",
    "swaziland": "SWZ",
    "kingdom of eswatini": "SWZ",
    "burma": "MMR",
    "the gambia": "GMB",
    "the bahamas": "BHS",
    "united states of america": "USA",
    "vatican": "VAT",
    "vatican city": "VAT",
    "sao tome and principe": "STP",
    "north korea": "PRK",
    "south korea": "KOR",
}
# Names of states that no longer exist, with the states on their former territory (the successor first):
# the row's place decides which one. CPJ dates Yugoslavia's rows 1992-2003, the Federal Republic.
_YUGOSLAVIA = ("SRB", "MNE", "XKX")  # the Federal Republic, 1992-2003; Serbia its successor
_USSR = (
    "RUS",
    "UKR",
    "BLR",
    "MDA",
    "GEO",
    "ARM",
    "AZE",
    "KAZ",
    "UZB",
    "TKM",
    "KGZ",
    "TJK",
    "EST",
    "LVA",
    "LTU",
)
HISTORIC: dict[str, tuple[str, ...]] = {
    "yugoslavia": _YUGOSLAVIA,
    "federal republic of yugoslavia": _YUGOSLAVIA,
    "serbia and montenegro": _YUGOSLAVIA,
    "serbia-montenegro": _YUGOSLAVIA,
    "ussr": _USSR,
    "soviet union": _USSR,
    "czechoslovakia": ("CZE", "SVK"),
}
# Kosovo has no ISO code; datasets write it XKX (EU, IMF, World Bank), XKO (RSF until 2022) or KOS (UNDP)
KOSOVO_CODES = {"XKO": "XKX", "KOS": "XKX"}
MAP_ENTRY = re.compile(r"\s*([^=;]+?)\s*=\s*([A-Za-z]{3})\s*(?:[;,]|$)")
USER_ASSIGNED_ALPHA2 = re.compile(r"AA|Q[M-Z]|X[A-Z]|ZZ")


def _fold(text: str) -> str:
    """Lower case, accents removed, spaces folded: 'Côte  d’Ivoire' -> "cote d'ivoire"."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


@cache
def _pycountry_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if value := getattr(country, attr, None):
                names[_fold(value)] = country.alpha_3
    return names


@cache
def _known_alpha3() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


@cache
def _converter() -> country_converter.CountryConverter:
    """country_converter over its own table, read as text: with pandas 3 its loader reads Namibia's "NA" and
    the empty codes as missing values and fails, so the table is read here and handed to it."""
    logging.getLogger("country_converter").setLevel(logging.ERROR)  # "not found" is our answer, not a warning
    table = Path(country_converter.__file__).with_name("country_data.tsv")
    data = pd.read_csv(table, sep="\t", encoding="utf-8", dtype=str, keep_default_na=False).replace("", None)
    data["ISO2"] = data["ISO2"].fillna("(?!)")  # a territory without a code: a pattern that never matches
    return country_converter.CountryConverter(country_data=data)


@cache
def _converted(name: str) -> tuple[str, ...]:
    """The alpha-3 codes whose country_converter expression matches the name (several for a combined one)."""
    found = _converter().convert(name, src="regex", to="ISO3", not_found="")
    codes = found if isinstance(found, list) else [found]
    return tuple(c for c in codes if c and c in _known_alpha3() | {"XKX"})


@dataclass(frozen=True)
class Resolution:
    """A country name resolved: its code, and how when it was not the only one it could be."""

    code: str | None  # None: a combined name that the row's places do not decide
    candidates: tuple[str, ...] = ()  # every country the name covers, when more than one
    decided_by: str | None = None  # the place that decided among them, if one did


def parse_country_map(value: object) -> dict[str, str]:
    """'Valdoria=XVA; XV=XVA' -> {'valdoria': 'XVA', 'xv': 'XVA'} (keys folded)."""
    if not isinstance(value, str):
        return {}
    return {_fold(key): code.upper() for key, code in MAP_ENTRY.findall(value)}


class CountryResolver:
    """Resolves the country values of one source's rows; None when a value names no known country."""

    def __init__(self, source: Source):
        self.mapping = parse_country_map(source.params.get("country_map"))

    def mapped(self, value: str) -> str | None:
        """The params.country_map entry for a name or code, if any."""
        return self.mapping.get(_fold(value))

    def alpha3(self, code: str) -> str | None:
        """An alpha-3 code as written (any case), if ISO knows it or it is user-assigned."""
        code = code.strip().upper()
        if mapped := self.mapping.get(_fold(code)) or KOSOVO_CODES.get(code):
            return mapped
        if code in _known_alpha3() or is_user_assigned_alpha3(code):
            return code
        return None

    def alpha2(self, code: str) -> tuple[str | None, bool]:
        """(alpha-3, kept): a user-assigned alpha-2 without a mapping is kept as is, with kept=True."""
        code = code.strip().upper()
        if mapped := self.mapping.get(_fold(code)):
            return mapped, False
        if len(code) == 2 and (country := pycountry.countries.get(alpha_2=code)):
            return country.alpha_3, False
        if USER_ASSIGNED_ALPHA2.fullmatch(code):
            return code, True
        return None, False

    def numeric(self, code: str) -> str | None:
        """ISO 3166-1 numeric ('4', '004') -> alpha-3; user-assigned numbers (900-999) give None."""
        code = code.strip()
        if not code.isdigit():
            return None
        country = pycountry.countries.get(numeric=code.zfill(3))
        return country.alpha_3 if country else None

    def name(self, name: str, places: Iterable[str | None] = ()) -> str | None:
        found = self.resolve(name, places)
        return found.code if found else None

    def resolve(self, name: str, places: Iterable[str | None] = ()) -> Resolution | None:
        """The country a name (as a dataset writes it) stands for; `places` are the row's place fields,
        which decide when the name covers several countries."""
        candidates = self.candidates(name)
        if not candidates:
            return None
        if len(candidates) == 1:
            return Resolution(candidates[0])
        places = [p for p in places if p]
        named = place_countries(places, candidates) | _territories(places, candidates)
        if len(named) == 1:
            return Resolution(next(iter(named)), candidates, "; ".join(places))
        successor = candidates[0] if HISTORIC.get(_fold(name)) == candidates else None
        return Resolution(successor, candidates)

    def candidates(self, name: str) -> tuple[str, ...]:
        folded = _fold(name)
        if not folded:
            return ()
        for candidate in (folded, re.sub(r"\s*\([^)]*\)\s*", " ", folded).strip()):
            code = self.mapping.get(candidate) or _pycountry_names().get(candidate) or ALIASES.get(candidate)
            if code:
                return (code,)
            if historic := HISTORIC.get(candidate):
                return historic
            if converted := _converted(candidate):
                return converted
        return ()


def _territories(places: Iterable[str], among: tuple[str, ...]) -> frozenset[str]:
    """Which of `among` a place part names as a territory ("Gaza Strip", "West Bank"), by country_converter."""
    parts = {part for place in places for part in PLACE_PARTS.split(place) if len(part) >= 4}
    return frozenset(code for part in parts for code in _converted(_fold(part)) if code in among)
