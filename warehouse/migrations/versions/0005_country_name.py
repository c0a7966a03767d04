"""Dataset incidents and conflict events keep the country as the dataset writes it beside its code.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("access_incidents", "conflict_events")


def upgrade() -> None:
    # rows loaded before this revision have none: their files were landed without it
    for table in TABLES:
        op.add_column(table, sa.Column("country_name", sa.String(), nullable=True), schema="raw")


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "country_name", schema="raw")
