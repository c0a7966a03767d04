"""The HTML report without a browser: its files, escaping of crawled text, the charts' SVG, and its errors."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from blindspot import pipeline
from blindspot.report import SnapshotMissing, overview, svg, write_report
from blindspot.report.data import COMPONENTS, ZoneData
from blindspot.report.render import components_present, environment, zone_page_name
from tests.conftest import warehouse_copy


@pytest.fixture(scope="module")
def demo_report(small_demo, tmp_path_factory: pytest.TempPathFactory):
    """The small demo published and reported into a private home."""
    ctx = pipeline.Context.create(warehouse_copy(small_demo, tmp_path_factory.mktemp("report-files")))
    pipeline.publish_stage(ctx, small_demo.nights[-1])
    return pipeline.report_stage(ctx.settings, small_demo.nights[-1])


def test_report_writes_index_zone_pages_and_methodology(demo_report, small_demo) -> None:
    folder = demo_report.report_dir
    zones = [z["id"] for z in small_demo.truth["zones"]]
    names = {p.name for p in folder.iterdir()}
    assert names == {"index.html", "compare.html", "methodology.html", "style.css", "data"} | {
        zone_page_name(z) for z in zones
    }
    assert demo_report.data_date == small_demo.nights[-1] and not demo_report.is_stale
    index = (folder / "index.html").read_text("utf-8")
    for zone in zones:
        assert f'href="{zone_page_name(zone)}"' in index
    for page in folder.glob("*.html"):
        html = page.read_text("utf-8")
        assert 'href="methodology.html"' in html, page.name
        # outside links are the items' own URLs only: in the claims' and the headlines' lists
        own = re.sub(
            r'<ul class="claims">.*?</ul>', "", html.split("Latest independent headlines")[0], flags=re.S
        )
        assert not re.search(r"(src|href)=\"(https?:)?//", own), page.name
        assert "<script" not in html, page.name


def test_blackout_zone_leads_the_overview_with_its_alerts(demo_report) -> None:
    index = (demo_report.report_dir / "index.html").read_text("utf-8")
    rows = re.findall(r'<tr class="[^"]*" data-zone="([a-z0-9-]+)">', index)
    assert rows[0] == "xva-north", rows  # the blackout has the worst open alerts
    first_row = index.split("</tr>")[1]
    assert re.search(r"Inside datelines \d+ against \d+ expected since", first_row), first_row
    assert re.search(r"independent stories \d+ against \d+ expected since", first_row), first_row


def test_every_csv_link_is_a_file_with_the_data_of_its_chart(demo_report, small_demo) -> None:
    folder = demo_report.report_dir
    links = set()
    for page in folder.glob("*.html"):
        found = re.findall(r'<a class="csv" href="([^"]+)"', page.read_text("utf-8"))
        links |= {(page.name, link) for link in found}
        if page.name.startswith("zone-"):
            assert len(found) == 6, page.name  # one beside each chart
    for page, link in links:
        assert (folder / link).is_file(), (page, link)
    stories = pd.read_csv(folder / "data" / "zone-xva-north-stories.csv")
    truth = {
        (r["date"]): r["independent_stories"]
        for r in small_demo.truth["daily"]
        if r["zone_id"] == "xva-north"
    }
    assert len(stories) > 28
    measured = dict(zip(stories["day"], stories["independent_stories"], strict=True))
    assert set(measured) <= set(truth)
    overview = pd.read_csv(folder / "data" / "overview.csv")
    order = re.findall(r'data-zone="([a-z0-9-]+)"', (folder / "index.html").read_text("utf-8"))
    assert list(overview["zone_id"]) == order and list(overview["rank"]) == list(range(1, len(order) + 1))


def test_every_chart_is_well_formed_svg(demo_report) -> None:
    html = (demo_report.report_dir / zone_page_name("xva-north")).read_text("utf-8")
    charts = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(charts) == 6
    for chart in charts:
        ElementTree.fromstring(chart)  # raises on broken markup
    stories = charts[0]
    assert 'class="band"' in stories and 'class="marker"' in stories and "reporting_drop" in stories


def test_templates_escape_crawled_text() -> None:
    page = environment().from_string(
        "<li>{{ title }}</li>{% if url|safe_url %}<a href='{{ url }}'>x</a>{% endif %}"
    )
    html = page.render(title="<script>alert(1)</script>", url="javascript:alert(1)")
    assert html == "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>"
    assert "href='https://example.org/a?b=1&amp;c=2'" in page.render(
        title="", url="https://example.org/a?b=1&c=2"
    )


def test_chart_labels_are_escaped_and_nulls_break_lines() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(5)]
    chart = svg.line_chart(days, [svg.Series("<b>x</b>", [1, 2, None, 4, 5])], "t & <t>")
    ElementTree.fromstring(str(chart))
    assert "&lt;b&gt;x&lt;/b&gt;" in chart and "t &amp; &lt;t&gt;" in chart
    assert chart.count("<polyline") == 2  # a missing day is a gap, not a zero


def test_the_overview_says_when_the_index_rests_on_fewer_components() -> None:
    weekly = weeks_of([40.0, 55.0, None], complete=[True, True, False])
    assert components_present(overview.last_complete_week(weekly)) == len(COMPONENTS)
    weekly.loc[1, ["density_deficit", "presence_deficit", "diversity_deficit"]] = None
    week = overview.last_complete_week(weekly)
    assert components_present(week) == len(COMPONENTS) - 3
    assert overview.volume_note(weekly).startswith("low volume: a baseline of 3.0 independent stories a week")
    assert components_present(None) == 0


def test_zone_page_names_stay_in_the_folder() -> None:
    assert zone_page_name("xva-north") == "zone-xva-north.html"
    assert "/" not in zone_page_name("../../etc/passwd") and ".." not in zone_page_name("../x")


def test_report_without_a_snapshot_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(SnapshotMissing, match="blindspot publish"):
        write_report(tmp_path / "published" / "blindspot.duckdb", tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_a_stale_snapshot_is_reported_as_stale(demo_report) -> None:
    later = write_report(
        demo_report.report_dir.parent / "published" / "blindspot.duckdb",
        demo_report.report_dir,
        demo_report.data_date + timedelta(days=1),
    )
    assert later.is_stale and later.data_date == demo_report.data_date


def weeks_of(index: list[float | None], complete: list[bool]) -> pd.DataFrame:
    """A zone's weekly rows from 2026-10-05 on, every component 0.4, a baseline of 3 stories a week."""
    n = len(index)
    return pd.DataFrame(
        {
            "week_start": [date(2026, 10, 5) + timedelta(weeks=i) for i in range(n)],
            "days_observed": [7 if c else 2 for c in complete],
            "is_complete_week": complete,
            "denial_capacity_index": index,
            "independent_stories_week": [3.0] * n,
            "independent_stories_baseline": [3.0] * n,
            **{c: [0.4] * n for c in COMPONENTS},
        }
    )


def zone_of(zone_id: str, weekly: pd.DataFrame, alerts: list[dict] = (), incidents=()) -> ZoneData:
    columns = ["zone_id", "kind", "source_id", "severity", "status", "opened_on", "observed", "expected"]
    return ZoneData(
        zone_id=zone_id,
        zone_name=zone_id.title(),
        daily=pd.DataFrame(),
        weekly=weekly,
        incidents=list(incidents),
        frames=[],
        alerts=pd.DataFrame([{"zone_id": zone_id, "source_id": None} | a for a in alerts], columns=columns),
        headlines=pd.DataFrame(),
    )


def test_zones_are_triaged_by_open_alerts_then_the_last_complete_week() -> None:
    alert = {"kind": "reporting_drop", "status": "open", "opened_on": date(2026, 11, 1), "observed": 1.0,
             "expected": 9.0}  # fmt: skip
    zones = [
        zone_of("calm-high", weeks_of([60.0, 61.0], [True, True])),
        zone_of("medium-low", weeks_of([10.0, 12.0], [True, True]), [alert | {"severity": "medium"}]),
        zone_of("critical", weeks_of([20.0, 22.0], [True, True]), [alert | {"severity": "critical"}]),
        # two days scaled to seven say 95: shown, not ranked; its last complete week says 15
        zone_of("jumpy", weeks_of([14.0, 15.0, 95.0], [True, True, False])),
        zone_of(
            "resolved",
            weeks_of([30.0, 31.0], [True, True]),
            [alert | {"severity": "critical", "status": "resolved"}],
        ),
        zone_of("unrated", weeks_of([None], [False])),
    ]
    order = [z.zone_id for z in sorted(zones, key=overview.triage_key)]
    assert order == ["critical", "medium-low", "calm-high", "resolved", "jumpy", "unrated"]


def test_a_zone_says_why_in_one_sentence() -> None:
    alerts = [
        {"kind": "presence_drop", "severity": "high", "status": "open", "opened_on": date(2026, 10, 29),
         "observed": 2.0, "expected": 186.4},
        {"kind": "access_incident", "severity": "critical", "status": "open", "opened_on": date(2026, 10, 30),
         "observed": 40.0, "expected": 1.0},
        {"kind": "source_silent", "severity": "medium", "status": "open", "opened_on": date(2026, 11, 2),
         "source_id": "karsa-radio", "observed": 0.0, "expected": 9.0},
        {"kind": "reporting_drop", "severity": "high", "status": "resolved", "opened_on": date(2026, 6, 1),
         "observed": 5.0, "expected": 50.0},
    ]  # fmt: skip
    incidents = [(date(2026, 10, 28) + timedelta(days=i), "shutdown day", 1.0) for i in range(28)]
    incidents += [(date(2026, 10, 31), "killed", 5.0), (date(2026, 8, 1), "attacked", 1.0)]
    zone = zone_of("xva-north", weeks_of([50.0], [True]), alerts, incidents)
    assert overview.why(zone, date(2026, 11, 24), 10, 180.0) == (
        "Inside datelines 2 against 186 expected since 29 Oct; karsa-radio silent since 2 Nov; access incidents "
        "since 30 Oct: 1 journalist killed, 26 shutdown days."
    )
    calm = zone_of("calm", weeks_of([5.0], [True]))
    assert overview.why(calm, date(2026, 11, 24), 41, 44.6) == (
        "No open alert; 41 independent stories in the last 7 days, against 45 expected."
    )
