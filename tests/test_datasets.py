"""Dataset parsers and collection: real column layouts, rejected rows with reasons, stable ids, round trips."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from blindspot.demo import dataset_formats as fmt
from blindspot.demo.world import CONFLICT, INCIDENTS, PRESS_SCORES, REPORTS, SHUTDOWNS, SIGNALS, VOLUMES
from core.registry import Source
from core.settings import Settings
from crawlers.datasets import PARSERS, collect_dataset, land_dataset, state_for
from crawlers.datasets.base import Parsed
from crawlers.datasets.ioda import outage_days
from crawlers.datasets.urls import expand
from crawlers.http import Fetcher, FetchPolicy

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


def test_cpj_killed_and_imprisoned() -> None:
    parsed = parse("cpj")
    killed, imprisoned, fictional = parsed.rows["access_incidents"]
    assert (killed["kind"], killed["country"], killed["started_on"], killed["ended_on"]) == (
        "killed", "SDN", date(2026, 6, 12), date(2026, 6, 12),
    )  # fmt: skip
    assert (killed["person_name"], killed["organization"], killed["admin1"]) == (
        "Amira Dalen", "Sudan Tribune", "North Darfur",
    )  # fmt: skip
    assert (imprisoned["kind"], imprisoned["started_on"], imprisoned["ended_on"]) == (
        "imprisoned", date(2025, 1, 1), None,
    )  # fmt: skip
    assert "1 January" in imprisoned["description"] and "1 January" in parsed.detail()
    assert fictional["country"] == "XVA"  # through params.country_map
    assert reasons(parsed) == {
        "row 4": ("startDisplay", "date", "startDisplay 'Juneteenth 2026' is not a date"),
        "row 5": (
            "country", "known_country", "country 'Atlantis' is not a known country (add it to params.country_map)",
        ),
        "row 6": ("status", "known_value", "status 'Missing' is neither Killed nor Imprisoned"),
    }  # fmt: skip
    assert parsed.rejected[0]["target_table"] == "raw.access_incidents"
    assert '"fullName": "Lina Osric"' in parsed.rejected[0]["record"]


def test_keepiton_shutdowns() -> None:
    parsed = parse("keepiton")
    ended, ongoing = parsed.rows["access_incidents"]
    assert (ended["kind"], ended["country"], ended["location"]) == ("shutdown", "IND", "Manipur")
    assert (ended["started_on"], ended["ended_on"], ended["url"]) == (
        date(2026, 3, 3), date(2026, 3, 5), "https://example.org/manipur",
    )  # fmt: skip
    assert (ongoing["country"], ongoing["started_on"], ongoing["ended_on"]) == ("SDN", date(2026, 6, 1), None)
    assert {k: v[:2] for k, v in reasons(parsed).items()} == {
        "row 4": ("start_date", "date"),
        "row 5": ("country", "known_country"),
        "row 6": ("start_date", "required"),
    }
    assert "month must be in 1..12" in reasons(parsed)["row 4"][2]


def test_acled_and_its_json_api() -> None:
    parsed = parse("acled")
    sudan, valdoria = parsed.rows["conflict_events"]
    assert (sudan["record_key"], sudan["country"], sudan["occurred_on"], sudan["fatalities"]) == (
        "SDN12345", "SDN", date(2026, 6, 10), 7,
    )  # fmt: skip
    assert (sudan["latitude"], sudan["actor2"], sudan["event_type"]) == (
        13.6279,
        "Rapid Support Forces",
        "Battles",
    )
    assert valdoria["country"] == "XVA"  # iso 900 is no ISO number: the name resolves it
    assert {k: v[:2] for k, v in reasons(parsed).items()} == {
        "row 4": ("event_date", "date"),
        "row 5": ("country", "known_country"),
        "row 6": ("fatalities", "number"),
    }
    api = b'{"status": 200, "success": true, "count": 1, "data": [{"event_id_cnty": "SDN9", "event_date": '
    api += b'"2026-06-01", "event_type": "Riots", "iso": 729, "country": "Sudan", "fatalities": "0"}]}'
    [event] = parse("acled", api).rows["conflict_events"]
    assert (event["record_key"], event["country"], event["fatalities"]) == ("SDN9", "SDN", 0)


def test_ucdp_ged_csv_plain_and_zipped() -> None:
    parsed = parse("ucdp")
    syria, congo = parsed.rows["conflict_events"]
    assert (syria["event_type"], syria["country"], syria["occurred_on"], syria["fatalities"]) == (
        "State-based conflict", "SYR", date(2024, 3, 1), 5,
    )  # fmt: skip
    assert (syria["actor1"], syria["admin1"], syria["location"]) == (
        "Government of Syria", "Idlib governorate", "Idlib town",
    )  # fmt: skip
    assert "until 2024-03-02" in syria["notes"] and "deaths 4-8" in syria["notes"]
    assert (congo["country"], congo["event_type"]) == ("COD", "One-sided violence")  # "DR Congo (Zaire)"
    assert {k: v[:2] for k, v in reasons(parsed).items()} == {
        "row 4": ("type_of_violence", "known_value"),
        "row 5": ("date_start", "date"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("GEDEvent_v25_1.csv", (FIXTURES / "ucdp.csv").read_bytes())
    zipped = parse("ucdp", buffer.getvalue())
    assert [r["event_id"] for r in zipped.rows["conflict_events"]] == [
        r["event_id"] for r in parsed.rows["conflict_events"]
    ]


def test_rsf_2021_layout_in_windows_1252() -> None:
    parsed = parse("rsf")
    rows = parsed.rows["external_volume"]
    assert [(r["series"], r["country"], r["day"], r["value"]) for r in rows] == [
        ("rsf_score", "NOR", date(2021, 1, 1), 6.72),
        ("rsf_score", "CIV", date(2021, 1, 1), 28.94),
    ]
    assert "decoded as windows-1252" in parsed.detail() and "2021 and before" in parsed.detail()
    assert reasons(parsed) == {
        "row 4": ("ISO", "known_country", "ISO 'CTU' is not an ISO 3166-1 alpha-3 code"),
        "row 5": ("Score N", "required", "Score N is empty (not ranked that year?)"),
    }


def test_rsf_2022_layout_with_bom() -> None:
    parsed = parse("rsf", name="rsf_2022.csv")
    assert [(r["country"], r["day"], r["value"]) for r in parsed.rows["external_volume"]] == [
        ("NOR", date(2022, 1, 1), 92.65),
        ("SDN", date(2022, 1, 1), 38.11),
        ("XKO", date(2022, 1, 1), 61.82),  # RSF's own Kosovo code, in the user-assigned range
    ]
    assert "UTF-8 with BOM" in parsed.detail() and not parsed.rejected


def test_ioda_daily_volumes_and_outages() -> None:
    parsed = parse("ioda")
    volumes = parsed.rows["external_volume"]
    assert {r["series"] for r in volumes} == {"bgp", "ping-slash24", "merit-nt"}
    assert len(volumes) == 36 and {r["country"] for r in volumes} == {"SDN"}
    gap = next(r for r in volumes if r["series"] == "ping-slash24" and r["day"] == date(2026, 6, 10))
    assert gap["value"] is None  # no measurement is landed as missing, not as zero
    first, second = parsed.rows["access_incidents"]
    assert (first["kind"], first["country"], first["started_on"], first["ended_on"]) == (
        "outage", "SDN", date(2026, 6, 9), date(2026, 6, 9),
    )  # fmt: skip
    assert "bgp 400.0 = 33%" in first["description"] and "ping-slash24" in first["description"]
    assert second["started_on"] == date(2026, 6, 10) and "ping-slash24" not in second["description"]
    assert {k: v[:2] for k, v in reasons(parsed).items()} == {
        "data[0][2].values[9]": ("values", "number"),
        "data[0][3]": ("entityType", "known_value"),
    }


def test_ioda_outage_rule_keeps_a_long_blackout_flagged() -> None:
    days = [date(2026, 6, 1) + timedelta(days=i) for i in range(20)]
    values = [100.0] * 5 + [30.0] * 15
    flagged = outage_days(dict(zip(days, values, strict=True)))
    assert sorted(flagged) == days[5:]  # the blackout never becomes its own baseline
    assert outage_days(dict(zip(days[:3], [100.0, 10.0, 10.0], strict=True))) == {}  # too little history


def test_ioda_user_assigned_alpha2() -> None:
    body = (FIXTURES / "ioda_XV.json").read_bytes()
    mapped = parse("ioda", body)
    assert {r["country"] for r in mapped.rows["external_volume"]} == {"XVA"}
    plain = PARSERS["ioda"](body, source("ioda", country_map=""), "file:///ioda_XV.json", "r", NIGHT, None)
    assert {r["country"] for r in plain.rows["external_volume"]} == {"XV"}
    assert "alpha-2 'XV' has no alpha-3 in params.country_map; kept as 'XV'" in plain.detail()


def test_gdelt_timeline() -> None:
    parsed = parse("gdelt_timeline", zone_id="xva-north")
    rows = parsed.rows["external_volume"]
    assert [(r["series"], r["day"], r["value"], r["total"]) for r in rows] == [
        ("gdelt_volume:xva-north", date(2026, 6, 10), 42.0, 91234.0),
        ("gdelt_volume:xva-north", date(2026, 6, 11), 17.0, 88001.0),
    ]
    assert {k: v[:2] for k, v in reasons(parsed).items()} == {
        "timeline[0].data[2]": ("date", "date"),
        "timeline[0].data[3]": ("value", "required"),
    }
    empty = parse("gdelt_timeline", b"{}")
    assert (empty.error, empty.row_count, empty.detail()) == (
        None,
        0,
        "empty answer: nothing matched the query",
    )


def test_reliefweb_reports_per_country_and_day() -> None:
    parsed = parse("reliefweb")
    rows = [(r["country"], r["day"], r["value"]) for r in parsed.rows["external_volume"]]
    assert rows == [
        ("SDN", date(2026, 6, 12), 1.0),
        ("TCD", date(2026, 6, 12), 1.0),
        ("SDN", date(2026, 6, 13), 1.0),  # 23:30 at UTC-2 is the next day in UTC
    ]
    assert {k: v[:2] for k, v in reasons(parsed).items()} == {
        "data[2].fields.country[0]": ("country", "known_country"),
        "data[3]": ("date.created", "date"),
    }
    assert parsed.next_url.endswith("offset=4&limit=4")


@pytest.mark.parametrize("form", sorted(FILES))
def test_garbage_is_a_parse_error(form: str) -> None:
    for body in ((FIXTURES / "garbage.bin").read_bytes(), b"<html><body>Service unavailable</body></html>"):
        parsed = parse(form, body)
        assert parsed.error == "parse_error" and parsed.error_detail, form
        assert parsed.row_count == 0 and not parsed.rejected


@pytest.mark.parametrize(
    ("form", "column"),
    [("acled", "event_date"), ("cpj", "status"), ("keepiton", "start_date"), ("ucdp", "best")],
)
def test_missing_column_is_named(form: str, column: str) -> None:
    lines = (FIXTURES / FILES[form]).read_text(encoding="utf-8").splitlines()
    header = ",".join("renamed" if c == column else c for c in lines[0].split(","))
    parsed = parse(form, "\r\n".join([header, *lines[1:]]).encode())
    assert f"{parsed.error}: {parsed.error_detail}" == f"parse_error: missing column {column!r}"


@pytest.mark.parametrize("form", sorted(FILES))
def test_ids_are_stable(form: str) -> None:
    first, second = parse(form), parse(form)
    assert first.rows == second.rows and first.rejected == second.rejected
    ids = {next(iter(r.values())) for rows in first.rows.values() for r in rows}  # the id comes first
    assert len(ids) == first.row_count


def test_a_revised_record_keeps_its_key_and_gets_a_new_id() -> None:
    text = (FIXTURES / "keepiton.csv").read_text(encoding="utf-8")
    ongoing = parse("keepiton").rows["access_incidents"][1]
    ended_text = text.replace(",Ongoing,,", ",Ended,6/12/2026,", 1)
    ended = parse("keepiton", ended_text.encode()).rows["access_incidents"][1]
    assert ended["record_key"] == ongoing["record_key"] and ended["incident_id"] != ongoing["incident_id"]
    assert ended["ended_on"] == date(2026, 6, 12)


def test_url_templates() -> None:
    rsf = source("rsf", "https://rsf.example/{year}.csv", years="2020-2021,2023")
    assert [t.url for t in expand(rsf, NIGHT)] == [f"https://rsf.example/{y}.csv" for y in (2020, 2021, 2023)]
    assert [t.context for t in expand(source("rsf", "https://rsf.example/{year}.csv"), NIGHT)] == [
        {"year": "2026"}
    ]
    ioda = source("ioda", "https://ioda.example/v2/", countries="SD,XV", days="7")
    first = expand(ioda, NIGHT)[0]
    assert first.url == "https://ioda.example/v2/signals/raw/country/SD?from=1780790400&until=1781395200"
    relief = source("reliefweb", "https://api.example/v2/reports?limit=10", appname="blindspot-test")
    assert expand(relief, NIGHT)[0].url == "https://api.example/v2/reports?limit=10&appname=blindspot-test"
    gdelt = Source.model_validate(
        source("gdelt_timeline", "http://d.example/{zone_id}.json").model_dump() | {"zones": ["a-b", "c-d"]}
    )
    assert [t.context["zone_id"] for t in expand(gdelt, NIGHT)] == ["a-b", "c-d"]
    [bad] = expand(source("reliefweb", "https://api.example/v2/reports?appname={APPROVED_APPNAME}"), NIGHT)
    assert bad.error == "placeholder {APPROVED_APPNAME} cannot be filled; edit the URL"
    [nothing] = expand(source("ioda", "file:///x/{country}.json"), NIGHT)
    assert nothing.error == "placeholder {country} needs values in params.countries"


def fetcher() -> Fetcher:
    return Fetcher(FetchPolicy(user_agent="blindspot-test", retries=0))


def test_collect_and_land_with_conditional_get(tmp_path: Path, settings: Settings) -> None:
    for name in ("rsf_2021.csv", "rsf_2022.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    rsf = source("rsf", f"file://{tmp_path}/rsf_{{year}}.csv", years="2021-2023")
    with fetcher() as f:
        first = collect_dataset(rsf, f, "run-1", NIGHT)
        warehouse_state = {(rsf.id, e.url): (e.etag, e.last_modified) for e in first.fetches if not e.error}
        state = state_for(rsf.id, warehouse_state | {("other-source", "file:///x"): ("e", None)})
        again = collect_dataset(rsf, f, "run-2", NIGHT, state)
    assert [(e.http_status, e.items, e.error) for e in first.fetches] == [
        (200, 2, None), (200, 3, None), (404, 0, "http_404"),
    ]  # fmt: skip
    assert len(first.rows["external_volume"]) == 5 and len(first.rejected) == 2
    assert [e.is_not_modified for e in again.fetches[:2]] == [True, True] and again.items == 0
    paths = land_dataset(settings, first, "run-1", NIGHT)
    kinds = sorted(p.parent.parent.parent.name for p in paths)
    assert kinds == ["external_volume", "fetch_events", "rejected_rows"]
    events = pq.read_table(next(p for p in paths if "fetch_events" in str(p))).to_pylist()
    assert [e["error"] for e in events] == [None, None, "http_404"]
    assert "windows-1252" in events[0]["error_detail"]
    empty = land_dataset(settings, again, "run-2", NIGHT)
    assert [p.parent.parent.parent.name for p in empty] == ["fetch_events"]


def test_collect_follows_pages_and_records_template_errors(tmp_path: Path) -> None:
    page = '{"links": {"next": {"href": "page2.json"}}, "data": [{"id": "1", "fields": {"date": {"created": '
    page += '"2026-06-01T00:00:00+00:00"}, "country": [{"name": "Sudan", "iso3": "sdn"}]}}]}'
    (tmp_path / "page1.json").write_text(page)
    (tmp_path / "page2.json").write_text(
        page.replace('"1"', '"2"').replace('"next": {"href": "page2.json"}', "")
    )
    with fetcher() as f:
        paged = collect_dataset(source("reliefweb", f"file://{tmp_path}/page1.json"), f, "r", NIGHT)
        broken = collect_dataset(source("cpj", "file:///x/{query}.csv"), f, "r", NIGHT)
    assert [e.url.rsplit("/", 1)[1] for e in paged.fetches] == ["page1.json", "page2.json"]
    assert paged.items == 2
    [event] = broken.fetches
    assert (event.error, event.http_status) == ("url_template", None)


def _table(schema: pa.Schema, rows: list[dict], **common: object) -> pa.Table:
    return pa.Table.from_pylist([common | r for r in rows], schema=schema)


def _world(d: list[date]) -> dict[str, pa.Table]:
    """A tiny demo world (schemas of blindspot.demo.world): Valdoria (XVA, alpha-2 XV) and Bervia (XBE)."""
    place = {"country": "XVA", "country_name": "Valdoria", "zone_id": "xva-north", "location": "Karsa"}
    kinds = [("i1", "killed", d[1]), ("i2", "detained", d[2]), ("i3", "expelled", d[3])]
    incidents = [
        {"incident_id": i, "kind": k, "occurred_on": x, "person_name": f"P {i}"} for i, k, x in kinds
    ]
    shutdowns = [
        {"shutdown_id": "s1", "start_date": d[2], "end_date": d[4]},
        {"shutdown_id": "s2", "start_date": d[6]},
    ]
    event = {"event_id": "XV1", "admin1": "Karsa Province", "latitude": 15.0, "longitude": 30.0}
    event |= {"event_date": d[3], "event_type": "Battles", "actor1": "Valdorian army", "fatalities": 2}
    pairs = (("XVA", "Valdoria", 41.25, 101), ("XBE", "Bervia", 63.5, 100))
    scores = [
        {"country": c, "country_name": n, "year": y, "score": s, "rank": r}
        for y in (2021, 2022, 2025)
        for c, n, s, r in pairs
    ]
    return {
        "incidents": _table(INCIDENTS, incidents, organization="Valdoria Daily", **place),
        "shutdowns": _table(SHUTDOWNS, shutdowns, area_name="Northern Valdoria", shutdown_type="full network", **place),
        "signals": _table(
            SIGNALS, [{"day": x, "value": 300.0 if i in (6, 7) else 1000.0 + i} for i, x in enumerate(d)],
            datasource="bgp", **place,
        ),
        "conflict": _table(CONFLICT, [event], **place),
        "press_scores": _table(PRESS_SCORES, scores),
        "volumes": _table(VOLUMES, [{"day": x} for x in d], query="Q", zone_id="xva-north", value=5, norm=90000),
        "reports": _table(REPORTS, [{"report_id": 4000001 + n, "published_on": d[i]} for n, i in enumerate((1, 1, 2))], **place),
    }  # fmt: skip


def test_round_trip_through_the_demo_renderers() -> None:
    d = [date(2026, 6, 1) + timedelta(days=i) for i in range(10)]
    world, as_of = _world(d), d[-1]

    def back(form: str, body: bytes, **context: str) -> dict[str, list[dict]]:
        parsed = PARSERS[form](body, source(form), f"file:///{form}", "r", as_of, context or None)
        assert parsed.error is None and not parsed.rejected, (form, parsed.detail(), parsed.rejected)
        return parsed.rows

    cpj = back("cpj", fmt.render_cpj_csv(world["incidents"], as_of))["access_incidents"]
    assert [(r["kind"], r["country"], r["started_on"]) for r in cpj] == [
        ("killed", "XVA", d[1]),
        ("imprisoned", "XVA", d[2]),
    ]
    shut = back("keepiton", fmt.render_keepiton_csv(world["shutdowns"], d[7]))["access_incidents"]
    assert [(r["started_on"], r["ended_on"]) for r in shut] == [(d[2], d[4]), (d[6], None)]
    [event] = back("acled", fmt.render_acled_csv(world["conflict"], as_of))["conflict_events"]
    assert [event[k] for k in ("record_key", "country", "fatalities", "occurred_on")] == [
        "XV1",
        "XVA",
        2,
        d[3],
    ]
    for year in (2021, 2022, 2025):  # three layouts, with and without BOM
        rsf = back("rsf", fmt.render_rsf_csv(world["press_scores"], year))["external_volume"]
        assert {(r["country"], r["day"].year, r["value"]) for r in rsf} == {
            ("XVA", year, 41.25),
            ("XBE", year, 63.5),
        }
    ioda = back("ioda", fmt.render_ioda_json(world["signals"], "XV", as_of))
    assert [r["value"] for r in ioda["external_volume"]][:2] == [1000.0, 1001.0] and len(
        ioda["external_volume"]
    ) == 10
    assert [r["started_on"] for r in ioda["access_incidents"]] == [d[6], d[7]]
    gdelt = back(
        "gdelt_timeline", fmt.render_gdelt_timeline_json(world["volumes"], "Q", as_of), zone_id="xva-north"
    )
    assert {(r["series"], r["value"], r["total"]) for r in gdelt["external_volume"]} == {
        ("gdelt_volume:xva-north", 5.0, 90000.0)
    }
    relief = back("reliefweb", fmt.render_reliefweb_json(world["reports"], as_of))["external_volume"]
    assert sorted((r["country"], r["day"]) for r in relief) == [("XVA", d[1]), ("XVA", d[1]), ("XVA", d[2])]
