"""Dataset records carry their revision order: when their file was collected, the dataset's own
last-modified time when it has one, and their position in the file.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("access_incidents", "conflict_events", "external_volume")


def upgrade() -> None:
    # rows loaded before this revision have none: they are ordered by when they were loaded, as before
    for table in TABLES:
        op.add_column(
            table, sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True), schema="raw"
        )
        op.add_column(
            table, sa.Column("source_modified_at", sa.DateTime(timezone=True), nullable=True), schema="raw"
        )
        op.add_column(table, sa.Column("row_position", sa.Integer(), nullable=True), schema="raw")


def downgrade() -> None:
    for table in TABLES:
        for column in ("row_position", "source_modified_at", "collected_at"):
            op.drop_column(table, column, schema="raw")
