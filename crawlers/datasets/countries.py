"""Country names and codes found in dataset rows, resolved to ISO 3166-1 alpha-3 codes.

Order of resolution: the source's `params.country_map` first ("Valdoria=XVA; XV=XVA": names or codes on
the left, alpha-3 on the right, separated by ";" or ","), then pycountry (codes, names, official and
common names, compared without case and accents), then the spellings the datasets use that pycountry
lacks (ALIASES), then the name without a parenthesised part ("Russia (Soviet Union)", as in UCDP).
User-assigned alpha-3 codes (XAA-XZZ and the other private ranges) pass through as they are.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry

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
        if mapped := self.mapping.get(_fold(code)):
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

    def name(self, name: str) -> str | None:
        folded = _fold(name)
        if not folded:
            return None
        for candidate in (folded, re.sub(r"\s*\([^)]*\)\s*", " ", folded).strip()):
            code = self.mapping.get(candidate) or _pycountry_names().get(candidate) or ALIASES.get(candidate)
            if code:
                return code
        return None
