"""Every query in docs/analysts.md's published-snapshot cookbook runs on the demo's snapshot and returns rows."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from blindspot import pipeline
from tests.conftest import warehouse_copy

ANALYSTS_MD = Path(__file__).resolve().parents[1] / "docs" / "analysts.md"
COOKBOOK_HEADING = "## SQL cookbook (published snapshot)"
SCHEMA_HEADING = "## The published snapshot"


def section(text: str, heading: str) -> str:
    """The text under a level-2 heading, up to the next one."""
    start = text.index(heading) + len(heading)
    following = text.find("\n## ", start)
    return text[start : following if following != -1 else len(text)]


def cookbook_queries() -> list[tuple[str, str]]:
    """(question, sql) for every ```sql block, the question being the paragraph above it."""
    text = section(ANALYSTS_MD.read_text("utf-8"), COOKBOOK_HEADING)
    queries = []
    for block in re.finditer(r"```sql\n(.*?)```", text, re.S):
        question = text[: block.start()].strip().split("\n\n")[-1]
        queries.append((" ".join(question.split()), block.group(1)))
    return queries


QUERIES = cookbook_queries()


@pytest.fixture(scope="module")
def snapshot(small_demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo's marts published into a private home, as `blindspot publish` does."""
    settings = warehouse_copy(small_demo, tmp_path_factory.mktemp("cookbook-home"))
    return pipeline.publish_stage(pipeline.Context.create(settings), small_demo.nights[-1]).path


def test_the_cookbook_has_at_least_twelve_questions() -> None:
    assert len(QUERIES) >= 12, [q for q, _ in QUERIES]
    assert len({sql for _, sql in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize(("question", "sql"), QUERIES, ids=[f"q{i:02d}" for i in range(1, len(QUERIES) + 1)])
def test_cookbook_query_returns_rows(snapshot: Path, question: str, sql: str) -> None:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    assert rows, f"no rows for: {question}"


def test_every_published_column_is_documented(snapshot: Path) -> None:
    """Each published table is named in the snapshot section, and each of its columns in the document."""
    text = ANALYSTS_MD.read_text("utf-8")
    schema = section(text, SCHEMA_HEADING)
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'main' and not internal order by all"
        ).fetchall()
    finally:
        con.close()
    tables = {t for t, _ in columns}
    assert {t for t in tables if f"| `{t}` |" not in schema} == set()
    assert [f"{t}.{c}" for t, c in columns if f"`{c}`" not in text] == []
