"""warehouse.models against the migrations: the migrated warehouse has the models' tables, columns and NOT NULLs."""

from __future__ import annotations

from pathlib import Path

from landing.schemas import LANDING_SCHEMAS, REQUIRED, TARGET_TABLES
from warehouse.connect import connect, upgrade
from warehouse.models import LANDED_TABLES, Base


def migrated_columns(path: Path) -> dict[str, dict[str, bool]]:
    """schema.table -> column -> is nullable, read from the migrated file's catalog."""
    con = connect(path, read_only=True)
    try:
        rows = con.execute(
            "select schema_name, table_name, column_name, is_nullable from duckdb_columns() "
            "where schema_name in ('raw', 'ops') and table_name != 'alembic_version'"
        ).fetchall()
    finally:
        con.close()
    tables: dict[str, dict[str, bool]] = {}
    for schema, table, column, nullable in rows:
        tables.setdefault(f"{schema}.{table}", {})[column] = nullable
    return tables


def test_the_migrations_build_what_the_models_declare(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    upgrade(path)
    migrated = migrated_columns(path)
    for table in Base.metadata.sorted_tables:
        declared = {c.name: c.nullable for c in table.columns}
        assert migrated.get(table.fullname) == declared, table.fullname
    assert set(migrated) <= {t.fullname for t in Base.metadata.sorted_tables}


def test_landed_tables_come_from_the_landing_contract() -> None:
    for kind, schema in LANDING_SCHEMAS.items():
        table = LANDED_TABLES[kind]
        assert table.fullname == TARGET_TABLES[kind]
        assert [c.name for c in table.columns] == [*schema.names, "loaded_at"]
        assert {c.name for c in table.columns if not c.nullable} == {*REQUIRED[kind], "loaded_at"}
