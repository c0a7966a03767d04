"""RSF World Press Freedom Index, one CSV per year -> external_volume series "rsf_score".

Semicolon-separated (a comma-separated copy is detected from the header), decimal comma ("73,58"),
UTF-8 with or without BOM, older years in windows-1252 (decoded strictly as UTF-8 first; the fallback is
logged and noted in the fetch event). Two layouts: up to 2021 the score column is "Score N"; from 2022 it
is "Score" (2025 on: "Score 2025"). One row per country: country the ISO column (alpha-3), day 1 January
of "Year (N)" (else the URL's {year}), value the score, total empty.
Record key: rsf_score|ISO|year. An empty score (a country not ranked that year) is a rejected row.
"""

from __future__ import annotations

import re
from datetime import date

from core.registry import Source
from crawlers.datasets.base import Context, Parsed, ParseError, RowProblem, decode_text, read_csv
from crawlers.datasets.countries import CountryResolver
from crawlers.datasets.values import number, required, text, year

SERIES = "rsf_score"
SCORE_COLUMN = re.compile(r"Score( N| \d{4})?")


def _score_column(header: list[str]) -> str:
    """'Score N' (to 2021), 'Score' (2022-2024) or 'Score YYYY' (2025 on); never 'Score N-1' or indicators."""
    found = [c for c in header if SCORE_COLUMN.fullmatch(c)]
    if not found:
        raise ParseError("missing column 'Score' ('Score N' before 2022, 'Score YYYY' from 2025)")
    return found[0]


def _file_year(context: Context | None, url: str) -> str | None:
    if context and context.get("year"):
        return context["year"]
    match = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", url.rsplit("/", 1)[-1])
    return match[0] if match else None


def parse(
    body: bytes, source: Source, url: str, run_id: str, data_date: date, context: Context | None = None
) -> Parsed:
    parsed = Parsed.begin(source, "rsf", url, run_id, data_date)
    try:
        content = decode_text(body, parsed)
        first_line = content.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
        header, rows = read_csv(content, ("ISO",), url, delimiter)
        score_column = _score_column(header)
    except ParseError as exc:
        return parsed.failed(str(exc))
    parsed.note(f"layout {'2021 and before' if score_column == 'Score N' else '2022 on'} ({score_column!r})")
    countries, fallback_year = CountryResolver(source), _file_year(context, url)

    def score(row: dict) -> tuple[str, dict]:
        iso = required(row, "ISO")
        country = countries.alpha3(iso)
        if country is None:
            named = text(row, "Country_EN") or text(row, "EN_country")
            raise RowProblem(
                "ISO",
                "known_country",
                f"ISO {iso!r}{f' ({named})' if named else ''} is not an ISO 3166-1 alpha-3 code: "
                "not a country's score (add it to params.country_map if it should be one)",
            )
        year_text = text(row, "Year (N)") or fallback_year
        if year_text is None:
            raise RowProblem("Year (N)", "required", "Year (N) is empty and the URL names no year")
        found_year = year(year_text, "Year (N)", data_date)
        value = number(text(row, score_column), score_column, decimal_comma=True)
        if value is None:
            raise RowProblem(score_column, "required", f"{score_column} is empty (not ranked that year?)")
        if not 0 <= value <= 100:
            raise RowProblem(score_column, "range", f"{score_column} {value} is outside 0-100")
        return f"{SERIES}|{country}|{found_year}", {
            "series": SERIES,
            "country": country,
            "day": date(found_year, 1, 1),
            "value": value,
            "total": None,
        }

    parsed.map_rows("external_volume", rows, score)
    return parsed
