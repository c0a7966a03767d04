"""JSON dataset parsers (IODA, GDELT timeline, ReliefWeb): volumes, outages, pages, rejected entries."""

from __future__ import annotations

from datetime import date, timedelta

from crawlers.datasets import PARSERS
from crawlers.datasets.ioda import outage_days
from tests.datasets_support import FIXTURES, NIGHT, parse, reasons, source


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
