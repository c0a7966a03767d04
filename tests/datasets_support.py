"""Helpers shared by the dataset parser tests (tests/test_datasets*.py): fixtures, a source, parse, reasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.registry import Source
from crawlers.datasets import PARSERS
from crawlers.datasets.base import Parsed

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
NIGHT = date(2026, 6, 13)
DEMO_MAP = "Valdoria=XVA; Bervia=XBE; XV=XVA; XB=XBE"
FILES = {
    "cpj": "cpj.csv",
    "keepiton": "keepiton.csv",
    "acled": "acled.csv",
    "ucdp": "ucdp.csv",
    "rsf": "rsf_2021.csv",
    "ioda": "ioda_SD.json",
    "gdelt_timeline": "gdelt_timeline.json",
    "reliefweb": "reliefweb_reports.json",
}


def source(form: str, url: str = "file:///fixtures/x", **params: str) -> Source:
    params.setdefault("country_map", DEMO_MAP)
    sid = f"test-{form.replace('_', '-')}"
    return Source(
        id=sid, name=sid, kind="dataset", url=url, languages=["en"], tier="ngo", format=form, params=params
    )


def parse(form: str, body: bytes | None = None, name: str | None = None, **context: str) -> Parsed:
    name = name or FILES[form]
    body = (FIXTURES / name).read_bytes() if body is None else body
    return PARSERS[form](body, source(form), f"file:///{name}", "run-1", NIGHT, context or None)


def reasons(parsed: Parsed) -> dict[str, tuple[str, str, str]]:
    """locator suffix -> (field, rule, reason)."""
    return {r["locator"].split(" ", 1)[1]: (r["field"], r["rule"], r["reason"]) for r in parsed.rejected}
