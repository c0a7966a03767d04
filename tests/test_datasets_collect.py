"""Dataset collection: URL templates, conditional GET, pages, template errors, and landing what was collected."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pyarrow.parquet as pq

from core.registry import Source
from core.settings import Settings
from crawlers.datasets import collect_dataset, land_dataset, state_for
from crawlers.datasets.urls import expand
from crawlers.http import Fetcher, FetchPolicy
from tests.datasets_support import FIXTURES, NIGHT, source


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


def test_a_paged_source_stops_at_its_budget_and_keeps_what_it_got(tmp_path: Path) -> None:
    """An API that pages without end (each page names a next one) is stopped at the source's budget."""
    for n in range(1, 200):
        page = f'{{"links": {{"next": {{"href": "page{n + 1}.json"}}}}, "data": [{{"id": "{n}", "fields": '
        page += '{"date": {"created": "2026-06-01T00:00:00+00:00"}, "country": [{"name": "Sudan", "iso3": "sdn"}]}}]}'
        (tmp_path / f"page{n}.json").write_text(page)
    endless = source("reliefweb", f"file://{tmp_path}/page1.json").model_dump()
    endless["politeness"] = {"max_pages": 500, "download_delay": 0.05}
    policy = FetchPolicy(user_agent="blindspot-test", retries=0, source_budget_seconds=0.5)
    started = time.monotonic()
    with Fetcher(policy) as f:
        got = collect_dataset(Source.model_validate(endless), f, "r", NIGHT)
    took = time.monotonic() - started
    assert took < 0.5 * 1.1 + 0.1  # the budget, plus at most one request and its delay
    last = got.fetches[-1]
    assert last.error == "timeout" and "budget of 0.5 s" in last.error_detail
    assert got.items == len(got.fetches) - 1 >= 3  # every page fetched before the budget is kept
