"""The demo server's dataset files over real HTTP and on disk: CSV and JSON layouts, years, failures."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from blindspot.demo import dataset_formats
from blindspot.demo.content import render_dataset_files
from blindspot.demo.server import DemoServer
from blindspot.demo.world import read_world
from tests.demo_world import AS_OF, client, day, server, world_root

__all__ = ["client", "server", "world_root"]  # the shared fixtures


def test_scripted_500_on_a_dataset(client: httpx.Client, server: DemoServer) -> None:
    server.as_of = day(3)
    assert client.get("/datasets/acled.csv").status_code == 500
    assert client.get("/datasets/cpj.csv").status_code == 200


def read_csv(body: bytes, encoding: str = "utf-8", delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode(encoding)), delimiter=delimiter))


def test_csv_datasets_have_the_documented_columns(client: httpx.Client) -> None:
    cpj = client.get("/datasets/cpj.csv")
    assert cpj.headers["content-type"] == "text/csv; charset=utf-8"
    rows = read_csv(cpj.content)
    assert list(rows[0]) == dataset_formats.CPJ_COLUMNS
    assert [(r["status"], r["startDisplay"]) for r in rows] == [
        ("Killed", "March 3, 2026"), ("Imprisoned", "March 5, 2026"), ("Imprisoned", "March 6, 2026")
    ]  # fmt: skip
    shutdowns = read_csv(client.get("/datasets/keepiton.csv").content)
    assert list(shutdowns[0]) == dataset_formats.KEEPITON_COLUMNS
    assert [(r["start_date"], r["shutdown_status"], r["end_date"], r["duration"]) for r in shutdowns] == [
        ("3/2/2026", "Ended", "3/4/2026", "3"), ("3/7/2026", "Ongoing", "", "")
    ]  # fmt: skip
    acled = read_csv(client.get("/datasets/acled.csv").content)
    assert list(acled[0]) == dataset_formats.ACLED_COLUMNS
    assert [r["event_date"] for r in acled][-1] == "2026-03-09" and acled[0][
        "notes"
    ] == 'Clash near Karsa, "heavy"; 3 dead.'


@pytest.mark.parametrize(
    ("year", "encoding", "score_column"),
    [(2021, "utf-8-sig", "Score N"), (2022, "utf-8-sig", "Score"), (2023, "utf-8-sig", "Score")]
    + [(2024, "utf-8-sig", "Score"), (2026, "utf-8", "Score 2026")],
)
def test_rsf_layouts_per_year(client: httpx.Client, year: int, encoding: str, score_column: str) -> None:
    body = client.get(f"/datasets/rsf_{year}.csv").content
    assert body.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    rows = read_csv(body, encoding, ";")
    expected = {2021: dataset_formats.RSF_COLUMNS_2021, 2022: dataset_formats.RSF_COLUMNS_2022}.get(year)
    assert list(rows[0]) == (expected or list(rows[0])) and score_column in rows[0]
    assert [r[score_column] for r in rows] == ["60,25", "61,25"]
    assert rows[0]["ISO"] == "XVA" and "\r\n" in body.decode(encoding)


def test_rsf_index_of_a_later_year_is_not_out(client: httpx.Client, server: DemoServer) -> None:
    server.as_of = date(2025, 12, 31)
    assert client.get("/datasets/rsf_2026.csv").status_code == 404
    assert client.get("/datasets/rsf_2025.csv").status_code == 200


def test_json_datasets_have_the_documented_shapes(client: httpx.Client) -> None:
    ioda = client.get("/datasets/ioda/XV.json").json()
    series = ioda["data"][0]
    assert {s["datasource"] for s in series} == {"bgp", "ping-slash24", "merit-nt"}
    assert (
        series[0]["entityCode"] == "XV"
        and series[0]["entityName"] == "Valdoria"
        and series[0]["step"] == 86400
    )
    assert len(series[0]["values"]) == 10 and series[0]["until"] - series[0]["from"] == 10 * 86400
    gdelt = client.get("/datasets/gdelt/xca-delta.json").json()
    assert gdelt["timeline"][0]["series"] == "Article Count"
    assert gdelt["timeline"][0]["data"][-1] == {"date": "20260310T000000Z", "value": 19, "norm": 90000}
    relief = client.get("/datasets/reliefweb/reports.json", params={"limit": 4}).json()
    assert (relief["totalCount"], relief["count"], relief["data"][0]["id"]) == (10, 4, "4000009")
    fields = relief["data"][0]["fields"]
    assert fields["date"]["created"] == "2026-03-10T00:00:00+00:00"
    assert fields["country"] == [{"name": "Valdoria", "iso3": "xva"}] and fields["source"] == [
        {"name": "UN Demo Office"}
    ]
    assert client.get(relief["links"]["next"]["href"]).json()["data"][0]["id"] == "4000005"


def test_dataset_files_on_disk_match_the_server(
    world_root: Path, tmp_path: Path, client: httpx.Client
) -> None:
    paths = render_dataset_files(read_world(world_root), AS_OF, tmp_path)
    names = {str(p.relative_to(tmp_path)) for p in paths}
    assert {"cpj.csv", "keepiton.csv", "acled.csv", "rsf_2021.csv", "rsf_2026.csv", "ioda/XC.json"} <= names
    assert {"gdelt/xva-north.json", "reliefweb/reports.json"} <= names
    assert (tmp_path / "acled.csv").read_bytes() == client.get("/datasets/acled.csv").content
    assert json.loads((tmp_path / "reliefweb/reports.json").read_text())["count"] == 10
