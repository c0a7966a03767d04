"""landing.fetch_errors: one enum of fetch error classes, which collectors write and the raw check accepts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from landing.fetch_errors import ERROR_PATTERN, FetchError, http_status_error

ROOT = Path(__file__).resolve().parents[1]


def test_every_class_and_http_status_passes_the_raw_check() -> None:
    for value in [*FetchError, http_status_error(503), http_status_error(404)]:
        assert re.fullmatch(ERROR_PATTERN, value), value
    assert not re.fullmatch(ERROR_PATTERN, "network_error")
    assert not re.fullmatch(ERROR_PATTERN, "http_5")


def test_collectors_name_error_classes_through_the_enum_only() -> None:
    """A bare "timeout" in a collector would be a second definition that the enum and the check never see."""
    values = {e.value for e in FetchError}
    bare = []
    for path in sorted((ROOT / "crawlers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in values:
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not bare, bare
