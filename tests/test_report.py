"""The HTML report without a browser: its files, escaping of crawled text, the charts' SVG, and its errors."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from blindspot import pipeline
from blindspot.report import SnapshotMissing, svg, write_report
from blindspot.report.data import COMPONENTS
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
    assert names == {"index.html", "methodology.html", "style.css"} | {zone_page_name(z) for z in zones}
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
    rows = re.findall(r'<a href="zone-([a-z0-9-]+)\.html">', index)
    assert rows[0] == "xva-north", rows  # the blackout has the highest index
    first_row = index.split("</tr>")[1]
    assert "reporting_drop" in first_row and "presence_drop" in first_row


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
    weekly = pd.DataFrame(
        {
            "denial_capacity_index": [40.0, 55.0, None],
            **{c: [0.4, 0.5, None] for c in COMPONENTS},
        }
    )
    assert components_present(weekly) == 5  # the last week without an index does not count
    weekly.loc[1, ["presence_deficit", "diversity_deficit", "narrative_control"]] = None
    assert components_present(weekly) == 2
    assert components_present(weekly.iloc[2:]) == 0


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
