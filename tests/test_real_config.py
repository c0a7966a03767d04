"""The shipped real-world registry (config/): valid, switched off, and faithful to the reference source table."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import get_args

import pytest
import yaml

from core.registry import NOT_INDEPENDENT_TIERS, Registry, Tier, load_registry

PROJECT = Path(__file__).parents[1]
CONFIG = PROJECT / "config"
TSV_CANDIDATES = (
    PROJECT.parent / "shared/reference/real-sources.tsv",
    Path("/work/shared/reference/real-sources.tsv"),
)
REQUIRED_ALIAS_LANGUAGES = ("en", "fr", "ar")
# A row is dead when any column says so; "DISCONTINUED" marks the old Reuters feeds the same way.
DEAD_MARK = re.compile(r"\bDEAD\b|\bDISCONTINUED\b")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(CONFIG)


@pytest.fixture(scope="module")
def tsv_rows() -> list[dict[str, str]]:
    path = next((p for p in TSV_CANDIDATES if p.is_file()), None)
    if path is None:
        pytest.skip("shared/reference/real-sources.tsv is not laid out next to the project here")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def is_dead(row: dict[str, str]) -> bool:
    return any(DEAD_MARK.search(value or "") for value in row.values())


def test_at_least_twelve_zones(registry: Registry) -> None:
    assert len(registry.zones) >= 12


@pytest.mark.parametrize("language", REQUIRED_ALIAS_LANGUAGES)
def test_every_zone_has_aliases_in(registry: Registry, language: str) -> None:
    missing = [z.id for z in registry.zones if not z.aliases.get(language)]
    assert missing == []


def test_every_source_is_switched_off(registry: Registry) -> None:
    assert registry.sources
    assert [s.id for s in registry.sources if s.enabled is not False] == []
    assert registry.enabled_sources() == []


def test_every_source_says_enabled_false_explicitly() -> None:
    raw = yaml.safe_load((CONFIG / "sources.yml").read_text(encoding="utf-8"))["sources"]
    assert [entry["id"] for entry in raw if entry.get("enabled", True) is not False] == []


def test_state_and_government_sources_are_not_independent(registry: Registry) -> None:
    affiliated = [s for s in registry.sources if s.tier in NOT_INDEPENDENT_TIERS]
    assert affiliated, "the real registry should carry state outlets, to measure narrative control"
    assert [s.id for s in affiliated if s.is_independent is not False] == []


def test_every_tier_used_is_valid(registry: Registry) -> None:
    assert {s.tier for s in registry.sources} <= set(get_args(Tier))


def test_source_zones_refer_to_zones(registry: Registry) -> None:
    zone_ids = {z.id for z in registry.zones}
    assert {(s.id, z) for s in registry.sources for z in s.zones if z not in zone_ids} == set()


def test_no_source_url_comes_from_a_dead_row(registry: Registry, tsv_rows: list[dict[str, str]]) -> None:
    dead_urls = {row["url"] for row in tsv_rows if is_dead(row)}
    assert dead_urls, "the reference table is expected to mark some rows DEAD"
    assert [s.id for s in registry.sources if s.url in dead_urls] == []


def test_every_source_url_is_from_the_reference_table(
    registry: Registry, tsv_rows: list[dict[str, str]]
) -> None:
    known = {row["url"] for row in tsv_rows}
    assert [s.id for s in registry.sources if s.url not in known] == []


def test_state_rows_of_the_reference_table_stay_not_independent(
    registry: Registry, tsv_rows: list[dict[str, str]]
) -> None:
    state_urls = {row["url"] for row in tsv_rows if row["tier"] in NOT_INDEPENDENT_TIERS}
    assert [s.id for s in registry.sources if s.url in state_urls and s.is_independent] == []


def test_reliefweb_api_sources_carry_the_appname_placeholder(registry: Registry) -> None:
    api = [s for s in registry.sources if s.format == "reliefweb"]
    assert api
    assert [s.id for s in api if "appname" not in s.params] == []
