"""The CLI never surprises: each failure an analyst or operator met gets one clear line and the right exit
status (2: the operator's or the command line's problem; 1: the data's), run through the real `blindspot`
command in its own process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from core.settings import Settings

BIN = Path(sys.executable).parent
BLINDSPOT = BIN / "blindspot"


def blindspot(home: Path, *args: str, config: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BLINDSPOT_")}
    environ |= {"BLINDSPOT_HOME": str(home), "BLINDSPOT_CONFIG": str(config or home / "no-config"), **env}
    return subprocess.run(
        [str(BLINDSPOT), *args], env=environ, capture_output=True, text=True, timeout=300, cwd=home
    )


def said(done: subprocess.CompletedProcess, code: int, *words: str, context: bool = False) -> bool:
    """The command exited with `code`, and its stderr is one line holding every word given (with context,
    the line may be followed by DuckDB's pointer to the place in the query)."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == code, (done.returncode, done.stderr[-2000:])
    assert len(lines) == 1 or (context and lines[1:2] == [""]), done.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return True


@pytest.fixture
def snapshot_home(small_demo, tmp_path: Path) -> Path:
    """A home holding only a copy of the small demo's published snapshot (no warehouse, no registry)."""
    home = tmp_path / "home"
    (home / "published").mkdir(parents=True)
    shutil.copy(small_demo.settings.published_path, home / "published" / "blindspot.duckdb")
    return home


def test_sql_refuses_an_empty_query(snapshot_home: Path) -> None:
    assert said(blindspot(snapshot_home, "sql", ""), 2, "the query is empty")


@pytest.mark.parametrize(
    "query",
    [
        "copy alerts to 'out.csv'",
        "export database 'exported'",
        "attach 'other.duckdb' as other",
        "select * from read_csv('/etc/passwd')",
        "set enable_external_access = true",
        "create table t as select 1",
    ],
)
def test_sql_cannot_write_files_or_attach_databases(snapshot_home: Path, query: str) -> None:
    before = sorted(p.name for p in snapshot_home.iterdir())
    assert said(blindspot(snapshot_home, "sql", query), 2, "query failed", context=True)
    assert sorted(p.name for p in snapshot_home.iterdir()) == before  # nothing written beside it


def test_sql_still_reads(snapshot_home: Path) -> None:
    done = blindspot(
        snapshot_home, "sql", "select count(*) as n from zone_reporting_daily", "--format", "csv"
    )
    assert done.returncode == 0 and done.stdout.startswith("n\n") and int(done.stdout.split()[1]) > 0


def test_report_needs_only_the_snapshot(snapshot_home: Path) -> None:
    done = blindspot(snapshot_home, "report")  # BLINDSPOT_CONFIG points at a folder that does not exist
    assert done.returncode == 0, done.stderr
    assert (snapshot_home / "report" / "index.html").exists()


def test_report_for_a_night_before_the_snapshot_is_refused(small_demo, snapshot_home: Path) -> None:
    night = small_demo.nights[-1]
    done = blindspot(snapshot_home, "report", "--date", small_demo.nights[0].isoformat())
    assert said(done, 2, f"the published snapshot is for {night}", "without --date")
    assert not (snapshot_home / "report").exists()  # not the latest night written under another name


def test_alerts_for_an_unknown_zone_is_an_error(small_demo, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(small_demo.settings.warehouse_path, home / "warehouse.duckdb")
    done = blindspot(home, "alerts", "--zone", "nonexistent")
    assert said(done, 2, "unknown zone id 'nonexistent'", "the registry's zones:")


def test_open_alerts_are_listed_most_severe_first(small_demo, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(small_demo.settings.warehouse_path, home / "warehouse.duckdb")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:  # one alert of each severity, all open
        con.execute(
            "update marts.alerts set status = 'open', resolved_on = null, "
            "severity = (['medium', 'critical', 'high'])[1 + (hash(alert_id) % 3)::int]"
        )
    done = blindspot(home, "alerts", "--open", "--format", "json")
    assert done.returncode == 0, done.stderr
    severities = [line.split('"severity": "')[1].split('"')[0] for line in done.stdout.splitlines()]
    assert len(set(severities)) == 3
    assert severities == sorted(severities, key=["critical", "high", "medium"].index)


def test_check_and_publish_on_an_empty_home_create_nothing(config_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    for stage in ("check", "publish", "alerts"):
        assert said(blindspot(home, stage, config=config_dir), 2, "no warehouse at", "blindspot run"), stage
    assert list(home.iterdir()) == []


def test_check_on_a_warehouse_never_transformed_says_to_transform(config_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    assert blindspot(home, "db", "upgrade", config=config_dir).returncode == 0
    done = blindspot(home, "check", "--date", "2026-11-01", config=config_dir)
    assert said(done, 2, "has no marts yet", "blindspot transform")


def test_log_level_is_read_in_any_case_and_a_bad_one_is_named(tmp_path: Path) -> None:
    assert blindspot(tmp_path, "--version", BLINDSPOT_LOG_LEVEL="debug").returncode == 0
    done = blindspot(tmp_path, "alerts", BLINDSPOT_LOG_LEVEL="loud")
    assert said(done, 2, "BLINDSPOT_LOG_LEVEL=")


def test_version(tmp_path: Path) -> None:
    done = blindspot(tmp_path, "--version")
    assert done.returncode == 0 and done.stdout.startswith("blindspot ")


def test_a_night_with_no_enabled_source_says_so(config_dir: Path, tmp_path: Path) -> None:
    sources = config_dir / "sources.yml"
    registry = yaml.safe_load(sources.read_text(encoding="utf-8"))
    for source in registry["sources"]:
        source["enabled"] = False
    sources.write_text(yaml.safe_dump(registry), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    done = blindspot(home, "collect", "--date", "2026-11-01", config=config_dir)
    assert said(done, 1, "no source is enabled in", "--allow-empty")
    allowed = blindspot(home, "collect", "--date", "2026-11-01", "--allow-empty", config=config_dir)
    assert allowed.returncode == 0, allowed.stderr


def test_the_duckdb_shell_opens_the_snapshot(snapshot_home: Path) -> None:
    """make setup installs the analysts' `duckdb` shell in .venv/bin, and it reads the published snapshot."""
    shell = BIN / "duckdb"
    assert shell.exists()
    snapshot = Settings.from_env(environ={}, home=snapshot_home).published_path
    done = subprocess.run(
        [str(shell), "-readonly", "-csv", str(snapshot), "-c", "select count(*) > 0 as ok from zone_reporting_daily"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.split() == ["ok", "true"], done.stderr


def test_the_demo_says_when_a_later_snapshot_keeps_its_place(tmp_path: Path, monkeypatch) -> None:
    """`blindspot demo` in a home whose snapshot is of a later night (one Airflow published): its nights are
    collected, the gate refuses to move the snapshot back, and the command ends with that one line, after
    its progress bar, and exit 3. The whole demo takes minutes; its publish is stood in for by the refusal
    the gate raises there (the gate itself: tests/test_publish_gate.py)."""
    from typer.testing import CliRunner

    import blindspot.demo.runner
    from blindspot.cli import app
    from warehouse.publish_gate import PublishRefused

    reason = "refusing to publish 2026-06-11: the published snapshot is for 2026-08-06, a later night"

    def refused(*args, on_night=None, **kwargs):
        on_night(date(2026, 6, 11), 14, 14)
        raise PublishRefused(reason)

    monkeypatch.setattr(blindspot.demo.runner, "run_demo", refused)
    done = CliRunner().invoke(
        app, ["demo", "--scenario", "small", "--days", "14"], env={"BLINDSPOT_HOME": str(tmp_path)}
    )
    assert done.exit_code == 3, done.output
    assert (
        done.output.strip().splitlines()[-1] == f"error: the demo's nights are in the warehouse, but {reason}"
    )
