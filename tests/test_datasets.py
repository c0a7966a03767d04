"""Dataset parsers, every format: parse errors, named missing columns, stable ids, and round trips."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest

from blindspot.demo import dataset_formats as fmt
from blindspot.demo.world import CONFLICT, INCIDENTS, PRESS_SCORES, REPORTS, SHUTDOWNS, SIGNALS, VOLUMES
from crawlers.datasets import PARSERS
from crawlers.datasets.base import Parsed
from tests.datasets_support import FILES, FIXTURES, parse, source


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

    def landed(parsed: Parsed) -> dict:  # the collection time is when it was read, the rest is the file's
        return {
            k: [{c: v for c, v in r.items() if c != "collected_at"} for r in rows]
            for k, rows in parsed.rows.items()
        }

    assert landed(first) == landed(second) and first.rejected == second.rejected
    assert first.collected_at <= second.collected_at
    ids = {next(iter(r.values())) for rows in first.rows.values() for r in rows}  # the id comes first
    assert len(ids) == first.row_count


def test_a_revised_record_keeps_its_key_and_gets_a_new_id() -> None:
    text = (FIXTURES / "keepiton.csv").read_text(encoding="utf-8")
    ongoing = parse("keepiton").rows["access_incidents"][1]
    ended_text = text.replace(",Ongoing,,", ",Ended,6/12/2026,", 1)
    ended = parse("keepiton", ended_text.encode()).rows["access_incidents"][1]
    assert ended["record_key"] == ongoing["record_key"] and ended["incident_id"] != ongoing["incident_id"]
    assert ended["ended_on"] == date(2026, 6, 12)


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
