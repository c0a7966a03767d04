"""The architecture contract: lint-imports keeps the tree's imports down the data flow and names a broken one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("core", "landing", "crawlers", "warehouse", "transforms", "alerts", "checks", "blindspot", "dags")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(tree)}  # the copy's packages, ahead of the installed project
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_of_the_tree(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "fixtures", "artifacts")
    for name in (*PACKAGES, "bench", "tests"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_tree_keeps_the_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_against_the_data_flow_fails_and_is_named(tmp_path: Path) -> None:
    tree = copy_of_the_tree(tmp_path / "tree")
    settings = tree / "core" / "settings.py"
    settings.write_text(settings.read_text() + "\nfrom blindspot import pipeline  # noqa: E402,F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "core.settings -> blindspot.pipeline" in result.stdout, result.stdout


def test_crawlers_and_the_warehouse_stay_apart(tmp_path: Path) -> None:
    tree = copy_of_the_tree(tmp_path / "tree")
    load = tree / "warehouse" / "load.py"
    load.write_text(load.read_text() + "\nfrom crawlers import feeds  # noqa: E402,F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "warehouse.load -> crawlers.feeds" in result.stdout, result.stdout
