"""Registry validation: every broken config gets its exact message (file, entry, field, reason)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from blindspot.cli import app
from core.registry import RegistryError, load_registry

GOOD_SOURCE = {
    "id": "wire-one",
    "name": "Wire One",
    "kind": "feed",
    "url": "http://127.0.0.1:1/feed.xml",
    "languages": ["en"],
    "tier": "wire",
}
GOOD_ZONE = {"id": "xa-north", "name": "North", "countries": ["XAA"], "aliases": {"en": ["Karsa"]}}


def write(config: Path, zones: list, sources: list) -> None:
    (config / "zones.yml").write_text(yaml.safe_dump({"zones": zones}, allow_unicode=True))
    (config / "sources.yml").write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True))


BROKEN = [
    (
        "unknown source key",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"tierr": "wire"}],
        "sources.yml: source 'wire-one' (entry 1), field 'tierr': unknown key",
    ),
    (
        "bad tier",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"tier": "tabloid"}],
        "sources.yml: source 'wire-one' (entry 1), field 'tier': Input should be 'international', 'regional', "
        "'national', 'local', 'exile', 'wire', 'state', 'government', 'ngo', 'un' or 'press_freedom'",
    ),
    (
        "missing url",
        [GOOD_ZONE],
        [{k: v for k, v in GOOD_SOURCE.items() if k != "url"}],
        "sources.yml: source 'wire-one' (entry 1), field 'url': required",
    ),
    (
        "ftp url",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"url": "ftp://example.org/feed"}],
        "sources.yml: source 'wire-one' (entry 1), field 'url': 'ftp://example.org/feed' is not an http(s):// "
        "or file:// URL",
    ),
    (
        "bad language",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"languages": ["english"]}],
        "sources.yml: source 'wire-one' (entry 1), field 'languages': 'english' is not an ISO 639-1 language code",
    ),
    (
        "dataset without format",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"kind": "dataset"}],
        "sources.yml: source 'wire-one' (entry 1): a dataset source needs 'format'",
    ),
    (
        "html without selectors",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"kind": "html"}],
        "sources.yml: source 'wire-one' (entry 1): an html source needs 'selectors' (at least article_links)",
    ),
    (
        "independence override without reason",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"tier": "state", "is_independent": True}],
        "sources.yml: source 'wire-one' (entry 1): is_independent=True overrides the tier 'state'; give the "
        "reason in 'independence_reason'",
    ),
    (
        "unknown zone in source",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"zones": ["xa-south"]}],
        "sources.yml: source 'wire-one', field 'zones.0': unknown zone 'xa-south'",
    ),
    (
        "duplicate source id",
        [GOOD_ZONE],
        [GOOD_SOURCE, GOOD_SOURCE],
        "sources.yml: source 'wire-one' (entry 2), field 'id': duplicate id; first used by entry 1",
    ),
    (
        "bad slug, no id label",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"id": "Wire One"}],
        "sources.yml: source 'Wire One' (entry 1), field 'id': String should match pattern "
        "'^[a-z0-9]+(?:-[a-z0-9]+)*$'",
    ),
    (
        "bad country code",
        [GOOD_ZONE | {"countries": ["SUD"]}],
        [GOOD_SOURCE],
        "zones.yml: zone 'xa-north' (entry 1), field 'countries': 'SUD' is not an ISO 3166-1 alpha-3 country code",
    ),
    (
        "zone without aliases",
        [{k: v for k, v in GOOD_ZONE.items() if k != "aliases"}],
        [GOOD_SOURCE],
        "zones.yml: zone 'xa-north' (entry 1), field 'aliases': required",
    ),
    (
        "alias language unknown",
        [GOOD_ZONE | {"aliases": {"xx": ["Karsa"]}}],
        [GOOD_SOURCE],
        "zones.yml: zone 'xa-north' (entry 1), field 'aliases': 'xx' is not an ISO 639-1 language code",
    ),
    (
        "entry not a mapping",
        [GOOD_ZONE, "just a string"],
        [GOOD_SOURCE],
        "zones.yml: zone entry 2: must be a mapping",
    ),
    (
        "politeness out of range",
        [GOOD_ZONE],
        [GOOD_SOURCE | {"politeness": {"concurrent_requests": 50}}],
        "sources.yml: source 'wire-one' (entry 1), field 'politeness.concurrent_requests': Input should be less "
        "than or equal to 8",
    ),
]


@pytest.mark.parametrize(("case", "zones", "sources", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_config_message(config_dir: Path, case: str, zones: list, sources: list, message: str) -> None:
    write(config_dir, zones, sources)
    with pytest.raises(RegistryError) as info:
        load_registry(config_dir)
    rendered = [str(i) for i in info.value.issues]
    assert len(rendered) == 1, rendered
    assert rendered[0] == f"{config_dir}/{message}"


def test_yaml_syntax_error_names_line(config_dir: Path) -> None:
    (config_dir / "zones.yml").write_text("zones:\n  - id: a\n    name: [unclosed\n")
    with pytest.raises(RegistryError) as info:
        load_registry(config_dir)
    assert str(info.value.issues[0]).startswith(f"{config_dir}/zones.yml: line ")
    assert "not valid YAML" in str(info.value.issues[0])


def test_unknown_top_level_key(config_dir: Path) -> None:
    (config_dir / "sources.yml").write_text("sources: []\nsourcs: []\n")
    with pytest.raises(RegistryError) as info:
        load_registry(config_dir)
    assert [str(i) for i in info.value.issues] == [f"{config_dir}/sources.yml, field 'sourcs': unknown key"]


def test_independence_is_derived_from_tier(config_dir: Path) -> None:
    registry = load_registry(config_dir)
    assert registry.source("wire-one").is_independent is True
    assert registry.source("state-tv").is_independent is False


def test_config_check_cli_exit_2_without_traceback(config_dir: Path) -> None:
    write(config_dir, [GOOD_ZONE], [GOOD_SOURCE | {"tier": "tabloid"}])
    result = CliRunner().invoke(app, ["config", "check", "--config", str(config_dir)])
    assert result.exit_code == 2
    assert "field 'tier'" in result.output
    assert "Traceback" not in result.output


def test_config_check_reads_every_config_file(config_dir: Path) -> None:
    (config_dir / "publish.yml").write_text("min_share: 2\n", encoding="utf-8")
    (config_dir / "metrics.yml").write_text("weights:\n  conflict: -1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "check", "--config", str(config_dir)])
    assert result.exit_code == 2, result.output
    assert "publish.yml" in result.output and "min_share" in result.output
    assert "metrics.yml" in result.output and "weights.conflict" in result.output
    assert "2 problem(s)" in result.output


def test_config_check_cli_ok(config_dir: Path) -> None:
    result = CliRunner().invoke(app, ["config", "check", "--config", str(config_dir)])
    assert result.exit_code == 0, result.output
    assert "2 zones, 2 sources" in result.output  # the zone and the country zone above it
