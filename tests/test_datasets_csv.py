"""CSV dataset parsers (CPJ, KeepItOn, ACLED and its JSON API, UCDP GED, RSF): real column layouts, rejected rows."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from tests.datasets_support import FIXTURES, parse, reasons


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
        "row 4": (
            "ISO",
            "known_country",
            "ISO 'CTU' (Northern Cyprus) is not an ISO 3166-1 alpha-3 code: not a country's score "
            "(add it to params.country_map if it should be one)",
        ),
        "row 5": ("Score N", "required", "Score N is empty (not ranked that year?)"),
    }


def test_rsf_2022_layout_with_bom() -> None:
    parsed = parse("rsf", name="rsf_2022.csv")
    assert [(r["country"], r["day"], r["value"]) for r in parsed.rows["external_volume"]] == [
        ("NOR", date(2022, 1, 1), 92.65),
        ("SDN", date(2022, 1, 1), 38.11),
        ("XKX", date(2022, 1, 1), 61.82),  # RSF wrote Kosovo XKO until 2022: read as the code in common use
    ]
    assert "UTF-8 with BOM" in parsed.detail() and not parsed.rejected


def test_acled_json_events_that_are_not_objects_are_rejected_rows() -> None:
    body = b'[1, {"event_id_cnty": "SDN9", "event_date": "2026-06-01", "event_type": "Riots", "iso": 729, '
    body += b'"country": "Sudan", "fatalities": "0"}, "text"]'
    parsed = parse("acled", body)
    assert parsed.error is None
    [event] = parsed.rows["conflict_events"]
    assert event["record_key"] == "SDN9"
    assert {k: v[:2] for k, v in reasons(parsed).items()} == {
        "data[0]": ("", "not_an_object"),
        "data[2]": ("", "not_an_object"),
    }
