"""The demo report in headless Chromium (DevTools protocol): pages load offline, charts are drawn, no console
errors, a crawled <script> title stays text; screenshots go to tests/artifacts/ for a person to look at."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect as ws_connect

from blindspot import pipeline
from blindspot.report import write_report
from blindspot.report.render import zone_page_name
from tests.conftest import warehouse_copy
from warehouse.connect import connect
from warehouse.publish import open_snapshot

ARTIFACTS = Path(__file__).parent / "artifacts"
HOSTILE_TITLE = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> Karsa market reopens'
CHROMIUM_FLAGS = [  # a machine without network: no proxy lookups, no GPU, no sandbox inside containers
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--hide-scrollbars",
]
PAGE_PROBE = """JSON.stringify({
  title: document.title,
  svgs: document.querySelectorAll('svg.chart').length,
  drawn: Array.from(document.querySelectorAll('svg.chart')).filter(
    s => s.querySelector('polyline, rect.bar, circle, polygon') && s.getBBox().width > 0).length,
  methodologyLinks: document.querySelectorAll('a[href="methodology.html"]').length,
  scripts: document.scripts.length,
  xss: window.__xss === undefined ? null : window.__xss,
  text: document.body.innerText,
})"""


ROWS_PROBE = """JSON.stringify(Array.from(document.querySelectorAll('tr[data-zone]')).map(
  r => ({zone: r.dataset.zone, text: r.innerText})))"""
TABLES_PROBE = """JSON.stringify(Array.from(document.querySelectorAll('table.compare')).map(t => ({
  rows: t.querySelectorAll('tbody tr').length, weeks: t.querySelectorAll('thead th.week').length,
  empty: t.querySelectorAll('tbody td:empty').length})))"""
# Pairs of chart labels whose boxes overlap by more than a pixel each way, per chart, as the browser lays
# them out (tick labels, legends, marker labels, the sparklines' scale and dates); and labels that run out
# of their chart.
OVERLAP_PROBE = """JSON.stringify(Array.from(document.querySelectorAll('svg.chart')).flatMap(svg => {
  const boxes = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim())
    .map(t => [t.textContent, t.getBoundingClientRect()]);
  const outer = svg.getBoundingClientRect();
  const found = boxes.filter(([, r]) => r.left < outer.left - 1 || r.right > outer.right + 1
    || r.top < outer.top - 1 || r.bottom > outer.bottom + 1)
    .map(([a]) => [svg.querySelector('title').textContent, a, 'outside the chart']);
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    const dx = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const dy = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (dx > 1 && dy > 1) found.push([svg.querySelector('title').textContent, a, b]);
  }
  return found;
}))"""


class DevTools:
    """A minimal Chrome DevTools Protocol client over the browser's websocket (one page session)."""

    def __init__(self, ws_url: str) -> None:
        self.ws = ws_connect(ws_url, max_size=64 * 2**20, open_timeout=30)
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )

    def call(
        self, method: str, params: dict | None = None, session: bool = False, timeout: float = 60
    ) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1))))

    def open(self, url: str) -> dict:
        """Navigate, wait for the load event, and return the page probe."""
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")
        result = self.call(
            "Runtime.evaluate", {"expression": PAGE_PROBE, "returnByValue": True}, session=True
        )
        return json.loads(result["result"]["value"])

    def probe(self, expression: str):
        """Evaluate a JSON.stringify(...) expression in the page and return its value."""
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True
        )
        return json.loads(result["result"]["value"])

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen since the last navigation."""
        found = []
        for event in self.events:
            params = event.get("params", {})
            if event.get("method") == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif event.get("method") == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "assert",
            ):
                found.append(json.dumps(params.get("args")))
            elif event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"])
        return found

    def screenshot(self, path: Path) -> None:
        size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": 1200, "height": min(size["height"], 6000), "scale": 1}
        shot = self.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
            session=True,
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install -y chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ws_url = devtools_url(process)
        tools = DevTools(ws_url)
        yield tools
        tools.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def devtools_url(process: subprocess.Popen) -> str:
    """Chromium prints 'DevTools listening on ws://...' on stderr once it is ready."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            raise RuntimeError(f"chromium exited with status {process.returncode} before listening")
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return found.group(1)
    raise TimeoutError("chromium did not open its DevTools port within 60 s")


@pytest.fixture(scope="module")
def report(small_demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo's report, from a private copy whose latest xva-north headline carries a <script>."""
    settings = warehouse_copy(small_demo, tmp_path_factory.mktemp("report-home"))
    with connect(settings.warehouse_path) as con:  # as if a crawled page had put it in its title
        con.execute(
            """
            update marts.fct_items set title = $title, url = 'javascript:window.__xss = 3'
            where item_id = (
                select item_id from marts.fct_items
                where best_zone_id = 'xva-north' and is_independent and is_original
                order by reported_date desc, item_id limit 1)
            """,
            {"title": HOSTILE_TITLE},
        )
    ctx = pipeline.Context.create(settings)
    night = small_demo.nights[-1]
    pipeline.publish_stage(ctx, night)
    return pipeline.report_stage(ctx.settings, night).report_dir


def test_overview_loads_with_sparklines_and_no_errors(chromium: DevTools, report: Path, small_demo) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.open((report / "index.html").as_uri())
    assert chromium.errors() == []
    zones = len(small_demo.truth["zones"])  # the small world's zones and their country zones
    assert page["svgs"] == zones and page["drawn"] == zones, page  # one sparkline per zone
    assert page["methodologyLinks"] >= 1 and page["scripts"] == 0
    assert "Northern Valdoria" in page["text"]
    chromium.screenshot(ARTIFACTS / "report-index.png")


def test_every_zone_page_draws_its_charts(chromium: DevTools, report: Path, small_demo) -> None:
    for zone in small_demo.truth["zones"]:
        page = chromium.open((report / zone_page_name(zone["id"])).as_uri())
        assert chromium.errors() == [], zone["id"]
        assert page["svgs"] == 6, (zone["id"], page["svgs"])
        # stories, datelines, diversity and index always have data; incidents and frames may be empty
        assert page["drawn"] >= 4, (zone["id"], page["drawn"])
        assert page["methodologyLinks"] >= 1 and page["scripts"] == 0
        chromium.screenshot(ARTIFACTS / f"report-{zone['id']}.png")


def test_crawled_script_in_a_title_is_text_and_never_runs(chromium: DevTools, report: Path) -> None:
    html = (report / zone_page_name("xva-north")).read_text("utf-8")
    assert "<script>window.__xss" not in html and "&lt;script&gt;window.__xss" in html
    assert 'href="javascript:' not in html
    page = chromium.open((report / zone_page_name("xva-north")).as_uri())
    assert page["xss"] is None, "the injected script ran"
    assert page["scripts"] == 0
    assert "<script>window.__xss = 1</script>" in page["text"], "the title is shown as text"
    assert chromium.errors() == []


def test_methodology_page_is_there_offline(chromium: DevTools, report: Path) -> None:
    page = chromium.open((report / "methodology.html").as_uri())
    assert chromium.errors() == []
    assert "Denial Capacity Index" in page["text"] and page["scripts"] == 0


@pytest.fixture(scope="module")
def default_report(default_demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo's report, written from its published snapshot into a folder of this module."""
    return write_report(
        default_demo.settings.published_path, tmp_path_factory.mktemp("default-report") / "report"
    ).report_dir


def expected_order(default_demo) -> list[str]:
    """The triage order computed from the snapshot on its own: worst open alert, then the last complete
    week's index, highest first."""
    con = open_snapshot(default_demo.settings.published_path)
    try:
        return [
            r[0]
            for r in con.execute(
                """
                with week as (
                    select zone_id, denial_capacity_index as idx from zone_denial_capacity_weekly
                    where is_complete_week and denial_capacity_index is not null
                    qualify row_number() over (partition by zone_id order by week_start desc) = 1
                ),
                worst as (
                    select zone_id, min(case severity when 'critical' then 0 when 'high' then 1 else 2 end) as sev
                    from alerts where status = 'open' group by zone_id
                )
                select z.zone_id from dim_zones as z left join week using (zone_id) left join worst using (zone_id)
                order by coalesce(sev, 3), idx is null, -coalesce(idx, 0), z.zone_name
                """
            ).fetchall()
        ]
    finally:
        con.close()


def test_the_overview_triages_the_default_demo(
    chromium: DevTools, default_report: Path, default_demo
) -> None:
    chromium.open((default_report / "index.html").as_uri())
    assert chromium.errors() == []
    rows = chromium.probe(ROWS_PROBE)
    order = [r["zone"] for r in rows]
    assert order[0] == "xva-north", order  # the blackout zone, with its critical alerts, leads
    assert order == expected_order(default_demo)
    text = {r["zone"]: r["text"] for r in rows}
    # the blackout's sentence: inside datelines against expected since the day, and its shutdown days
    assert re.search(
        r"[Ii]nside datelines \d+ against \d+ expected since \d{1,2} [A-Z][a-z]{2}", text["xva-north"]
    )
    assert re.search(r"\d+ shutdown days?", text["xva-north"]), text["xva-north"]
    assert all(re.search(r"\w[^.]*\.", t) for t in text.values())  # every zone has its sentence
    chromium.screenshot(ARTIFACTS / "report-default-index.png")


def test_the_low_volume_zone_is_marked_and_its_week_in_progress_not_ranked(
    chromium: DevTools, default_report: Path, default_demo
) -> None:
    chromium.open((default_report / "index.html").as_uri())
    row = {r["zone"]: r["text"] for r in chromium.probe(ROWS_PROBE)}["xca-islands"]
    assert "low volume" in row
    if default_demo.nights[-1].weekday() != 6:  # the snapshot ends inside a week
        assert re.search(r"in progress \(\d of 7 days\): [\d.n/a]+, not ranked", row), row


def test_the_comparison_page_sets_zones_side_by_side(chromium: DevTools, default_report: Path) -> None:
    page = chromium.open((default_report / "compare.html").as_uri())
    assert chromium.errors() == [] and page["scripts"] == 0
    zones = len(list(default_report.glob("zone-*.html")))
    tables = chromium.probe(TABLES_PROBE)
    assert len(tables) == 2
    for table in tables:
        assert table["rows"] == zones and table["weeks"] == 16, table
        assert table["empty"] < table["rows"] * table["weeks"] / 2, table  # mostly filled
    for link in re.findall(
        r'<a class="csv" href="([^"]+)"', (default_report / "compare.html").read_text("utf-8")
    ):
        data = (default_report / link).read_text("utf-8").splitlines()
        assert data[0] == "zone_id,zone_name,week_start,value" and len(data) == 1 + zones * 16, link
    chromium.screenshot(ARTIFACTS / "report-default-compare.png")


def test_no_chart_labels_overlap(chromium: DevTools, default_report: Path) -> None:
    pages = sorted(default_report.glob("*.html"))
    assert len(pages) > 10
    for page in pages:
        chromium.open(page.as_uri())
        assert chromium.probe(OVERLAP_PROBE) == [], page.name
        assert chromium.errors() == [], page.name
    chromium.screenshot(ARTIFACTS / "report-default-xca-delta.png")
