"""The CLI: every command has help text and is documented in the README (as sqlite-utils does)."""

from __future__ import annotations

import re
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
