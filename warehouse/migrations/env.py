"""Alembic environment: migrates the DuckDB warehouse from the models in warehouse.models."""

from alembic import context

from warehouse.connect import AlembicDuckDBImpl  # noqa: F401  (registers the duckdb dialect with Alembic)
from warehouse.models import SCHEMAS, Base

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        for schema in SCHEMAS:
            connection.exec_driver_sql(f"create schema if not exists {schema}")
        connection.commit()
        context.configure(connection=connection, target_metadata=Base.metadata, include_schemas=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
