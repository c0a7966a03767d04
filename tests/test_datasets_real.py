"""Real dataset exports (tests/fixtures/datasets_real, provenance in SOURCES.md): every row read, loaded or
rejected with a reason, in its country and zone; no two rows that differ merged."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from blindspot.pipeline import Context, load_stage, transform_stage
from core.registry import load_registry
from core.settings import Settings
from crawlers.datasets import PARSERS
from crawlers.datasets.base import Parsed
from landing.files import land_rows
from tests.datasets_support import source as fixture_source

ROOT = Path(__file__).parents[1]
REAL = Path(__file__).parent / "fixtures" / "datasets_real"
NIGHT = date(2026, 12, 6)
CPJ_SOURCE = "cpj-data-api"  # the registry's CPJ source (shipped disabled)
ISRAEL_OPT = "Israel and the Occupied Palestinian Territory"


def parse_real(
    form: str, name: str, config_dir: Path = ROOT / "config", source_id: str | None = None
) -> Parsed:
    """Parse a real file as the registry's source of its format (one of the test's own when it ships none)."""
    registry = load_registry(config_dir)
    wanted = [s for s in registry.sources if (s.id == source_id if source_id else s.format == form)]
    source = wanted[0] if wanted else fixture_source(form, country_map="")
    return PARSERS[form]((REAL / name).read_bytes(), source, f"file:///{name}", "run-real", NIGHT, None)


def test_every_row_of_the_real_cpj_export_loads_in_its_country() -> None:
    parsed = parse_real("cpj", "cpj_killed.csv", source_id=CPJ_SOURCE)
    rows = parsed.rows["access_incidents"]
    assert (len(rows), len(parsed.rejected)) == (400, 0)  # 400 data rows in the file (SOURCES.md)
    by_name = Counter((r["country_name"], r["country"]) for r in rows)
    # combined and historic names are decided by each row's place (Jabalia, Beit Lahiya, Ramallah, ...)
    assert by_name[(ISRAEL_OPT, "PSE")] == 23 and by_name[(ISRAEL_OPT, "ISR")] == 0
    assert sum(n for (name, _), n in by_name.items() if name == "Yugoslavia") == 10
    assert {code for (name, code) in by_name if name == "Yugoslavia"} <= {"SRB", "MNE", "XKX"}
    assert (by_name[("Bosnia", "BIH")], by_name[("USA", "USA")], by_name[("UK", "GBR")]) == (25, 15, 4)
    assert f"country '{ISRAEL_OPT}' covers ISR, PSE: the row's place decided" in parsed.detail()


def test_people_who_share_a_key_are_never_merged() -> None:
    rows = parse_real("cpj", "cpj_killed.csv", source_id=CPJ_SOURCE).rows["access_incidents"]
    keys = Counter(r["record_key"] for r in rows)
    assert max(keys.values()) == 1 and len({r["incident_id"] for r in rows}) == 400
    # two people named Maher killed in Baghdad in 2006 have identical rows in this export; two unidentified
    # journalists killed there that year differ only in their outlet: each is an incident of its own
    assert keys["Killed|Maher|Iraq|2006|"] == keys["Killed|Maher|Iraq|2006| #2"] == 1
    assert keys["Killed|Unidentified|Iraq|2006|"] == keys["Killed|Unidentified|Iraq|2006| #2"] == 1
    again = parse_real("cpj", "cpj_killed.csv", source_id=CPJ_SOURCE).rows["access_incidents"]
    assert [r["incident_id"] for r in again] == [r["incident_id"] for r in rows]  # a re-read lands the same


def test_the_people_list_cpj_downloads_today_loads_with_profile_ids() -> None:
    parsed = parse_real("cpj", "cpj_people_list.csv", source_id=CPJ_SOURCE)
    rows = parsed.rows["access_incidents"]
    assert (len(rows), len(parsed.rejected)) == (400, 0) and "layout: people list" in parsed.detail()
    assert all(r["record_key"].startswith("https://cpj.org/data/people/") for r in rows)  # its own id
    assert len({r["record_key"] for r in rows}) == 400 and all(r["url"] == r["record_key"] for r in rows)
    # no place field: the combined name is not guessed; the row keeps the name and its country stays empty
    combined = [r for r in rows if r["country_name"] == ISRAEL_OPT]
    assert len(combined) == 210 and {r["country"] for r in combined} == {None}
    assert f"country '{ISRAEL_OPT}' covers ISR, PSE: no place decided, country left empty" in parsed.detail()
    # a historic name is read as its successor state
    assert {r["country"] for r in rows if r["country_name"] == "Yugoslavia"} == {"SRB"}
    assert {r["started_on"].year for r in rows} <= set(range(1992, 2027))


@pytest.mark.parametrize(
    ("name", "loaded", "rejected"),
    [
        ("rsf_index.csv", 178, {"CSS": "OECS", "CTU": "Northern Cyprus"}),
        ("rsf_index_2022.csv", 179, {"CTU": "Cyprus North"}),
    ],
)
def test_real_rsf_index_loads_every_country(name: str, loaded: int, rejected: dict[str, str]) -> None:
    parsed = parse_real("rsf", name)
    assert len(parsed.rows["external_volume"]) == loaded  # 180 rows in each file
    reasons = {r["reason"].split("'")[1]: r["reason"] for r in parsed.rejected}
    assert set(reasons) == set(rejected)
    for code, named in rejected.items():  # territories and groups RSF scores, not countries
        assert f"({named}) is not an ISO 3166-1 alpha-3 code: not a country's score" in reasons[code]
    assert {"RUS", "SYR", "PSE", "SDN", "MMR", "UKR", "XKX"} <= {
        r["country"] for r in parsed.rows["external_volume"]
    }


@pytest.mark.parametrize(
    ("name", "rows", "one_day"),
    [("keepiton_2022.csv", 187, {"unknown": 6}), ("keepiton_2021.csv", 182, {"ended": 2, "unknown": 6})],
)
def test_real_keepiton_sheets_load_every_shutdown(name: str, rows: int, one_day: dict[str, int]) -> None:
    parsed = parse_real("keepiton", name)
    landed = parsed.rows["access_incidents"]
    assert (len(landed), len(parsed.rejected)) == (rows, 0)
    assert len({r["record_key"] for r in landed}) == rows  # no two shutdowns share a key in these sheets
    # Ended or Unknown without an end date: the start day only, never a shutdown running to the run date
    for status, n in one_day.items():
        assert (
            f"{n} row(s): shutdown_status {status!r} without an end_date: counted as its start day only"
            in (parsed.detail())
        )
    ongoing = [r for r in landed if r["ended_on"] is None]
    assert len(ongoing) == {"keepiton_2022.csv": 16, "keepiton_2021.csv": 8}[name]  # the Ongoing rows
    names = {r["country_name"]: r["country"] for r in landed}
    assert names["Iran (Islamic Republic of)"] == "IRN" and names["Myanmar"] == "MMR"
    if name == "keepiton_2021.csv":
        assert names["Palestine, State of"] == "PSE"


def test_gaza_and_west_bank_rows_count_in_their_zones(tmp_path: Path) -> None:
    """The real CPJ rows land, load and are placed by their own place fields; zone_access_daily counts them."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    sources = yaml.safe_load((config / "sources.yml").read_text(encoding="utf-8"))
    # a news source watches the two zones from 2017: their calendars start with its first fetch
    news = next(s for s in sources["sources"] if s["kind"] != "dataset")
    news.update(enabled=True, zones=["ps-gaza", "ps-west-bank"])
    (config / "sources.yml").write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    settings = Settings.from_env(environ={}, home=tmp_path / "home", config_dir=config)
    ctx = Context.create(settings)
    parsed = parse_real("cpj", "cpj_killed.csv", config, CPJ_SOURCE)
    fetched = {
        "event_id": "real-news-fetch", "source_id": news["id"], "url": news["url"],
        "started_at": datetime(2017, 1, 1, tzinfo=UTC), "items": 0, "run_id": "run-real", "data_date": NIGHT,
    }  # fmt: skip
    land_rows(settings.landing_dir, CPJ_SOURCE, NIGHT, "run-real", parsed.rows)
    shutdowns = parse_real("keepiton", "keepiton_2021.csv", config)  # one shutdown in the Gaza Strip
    land_rows(settings.landing_dir, shutdowns.source_id, NIGHT, "run-real", shutdowns.rows)
    land_rows(settings.landing_dir, news["id"], NIGHT, "run-real", {"fetch_events": [fetched]})
    load_stage(ctx, NIGHT)
    transform_stage(ctx, date(2018, 12, 31), select=None)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    zoned = con.execute(
        """select zone_id, placed_by, count(*) from intermediate.int_access_incidents_zoned
        where country = 'PSE' and incident_kind = 'killed' group by all order by all"""
    ).fetchall()
    placed = {(zone, by): n for zone, by, n in zoned}
    assert placed[("ps-gaza", "location")] >= 10 and placed[("ps-west-bank", "location")] >= 5
    assert sum(n for (zone, _), n in placed.items() if zone == "ps-palestine") == 23  # each within Palestine
    assert not [k for k in placed if k[1] == "country"]  # every one placed by its own location
    gaza_shutdown = con.execute(
        """select zone_id, placed_by from intermediate.int_access_incidents_zoned
        where incident_kind = 'shutdown' and country = 'PSE' order by all"""
    ).fetchall()
    assert gaza_shutdown == [("ps-gaza", "location"), ("ps-palestine", "location")]  # area_name "Gaza strip"
    # 2018's rows are dated 1 January (the export gives the year only) and counted on that day
    counted = con.execute(
        """select zone_id, sum(journalists_killed) from marts.zone_access_daily
        where day = '2018-01-01' and zone_id in ('ps-gaza', 'ps-west-bank') group by all
        having sum(journalists_killed) > 0 order by all"""
    ).fetchall()
    expected = con.execute(
        """select zone_id, count(*) from intermediate.int_access_incidents_zoned
        where started_on = '2018-01-01' and zone_id in ('ps-gaza', 'ps-west-bank') group by all order by all"""
    ).fetchall()
    assert counted == expected and sum(n for _, n in counted) >= 1
