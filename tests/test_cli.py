"""The CLI: every command has help text and is documented in the README (as sqlite-utils does)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import click
import typer.main
from typer.testing import CliRunner

from blindspot.cli import app

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def all_commands() -> list[tuple[str, click.Command]]:
    root = typer.main.get_command(app)
    found = []

    def walk(group: click.Group, prefix: str) -> None:
        for name, cmd in group.commands.items():
            path = f"{prefix} {name}".strip()
            if isinstance(cmd, click.Group):
                walk(cmd, path)
            else:
                found.append((path, cmd))

    walk(root, "")
    return found


def test_every_command_has_help_text() -> None:
    runner = CliRunner()
    for path, cmd in all_commands():
        assert cmd.help and cmd.help.strip(), f"`blindspot {path}` has no help text"
        result = runner.invoke(app, [*path.split(), "--help"])
        assert result.exit_code == 0, result.output


def test_every_command_is_in_the_readme() -> None:
    for path, _ in all_commands():
        assert re.search(rf"blindspot {re.escape(path)}\b", README), f"`blindspot {path}` is not in README.md"


def test_readme_opens_with_the_two_commands() -> None:
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", README, flags=re.S)
    assert blocks and blocks[0].split() == ["make", "demo", "make", "test"]


def test_bad_date_is_a_clear_error() -> None:
    result = CliRunner().invoke(app, ["load", "--date", "2026-13-01"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_alerts_lists_filters_and_delivers(tmp_path: Path) -> None:
    from alerts.schema import DDL
    from warehouse.connect import connect, upgrade

    env = {
        "BLINDSPOT_HOME": str(tmp_path),
        "BLINDSPOT_CONFIG": str(Path(__file__).parent / "fixtures/config_min"),
    }
    missing = CliRunner().invoke(app, ["alerts"], env=env)
    assert missing.exit_code == 2 and "no warehouse" in missing.output
    upgrade(tmp_path / "warehouse.duckdb")
    con = connect(tmp_path / "warehouse.duckdb")
    con.execute("create schema if not exists marts")
    con.execute(DDL)
    con.execute(
        "insert into marts.alerts values "
        "('a1', 'zz-north', 'reporting_drop', 'high', 'open', '2026-02-25', null, 10, 40, 0.25, 1e-6, "
        "'zz-north: independent stories 10 vs 40.0 expected', null, null, null, '2026-02-25', "
        "null, null, null, null, null, null, null), "
        "('a2', 'zz-south', 'source_silent', 'medium', 'resolved', '2026-02-10', '2026-02-12', 0, 9, 0, 1e-4, "
        "'src: no items about zz-south', 'src', null, null, '2026-02-12', null, null, null, null, null, null, null)"
    )
    con.close()
    listed = CliRunner().invoke(app, ["alerts", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["alert_id"] for line in listed.output.splitlines()] == ["a1", "a2"]
    only_open = CliRunner().invoke(
        app, ["alerts", "--open", "--zone", "zz-north", "--format", "json"], env=env
    )
    assert [json.loads(line)["alert_id"] for line in only_open.output.splitlines()] == ["a1"]
    refused = CliRunner().invoke(app, ["alerts", "--deliver", "--date", "2026-03-01"], env=env)
    assert refused.exit_code == 1 and "no check has run" in refused.output
    assert not (tmp_path / "alerts" / "alerts.jsonl").exists()
    _record_passing_check(tmp_path / "warehouse.duckdb", date(2026, 3, 1))
    delivered = CliRunner().invoke(app, ["alerts", "--deliver", "--date", "2026-03-01"], env=env)
    assert delivered.exit_code == 0, delivered.output
    assert "2 alert(s)" in delivered.output
    assert len((tmp_path / "alerts" / "alerts.jsonl").read_text().splitlines()) == 3
    bad = CliRunner().invoke(app, ["alerts", "--format", "xml"], env=env)
    assert bad.exit_code == 2


def _record_passing_check(path: Path, night: date) -> None:
    """The gate's input for a warehouse that holds only marts.alerts: a passing check run of the night."""
    from warehouse.connect import connect
    from warehouse.ops import record_run, utcnow

    con = connect(path)
    try:
        record_run(con, f"check-{night}-test", "check", night, utcnow(), "success")
    finally:
        con.close()


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"blindspot {version('blindspot')}"
