"""Check results name the table checked, the frame (batch) the rule ran on, and the rule in plain words.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("table_name", "frame", "rule")


def upgrade() -> None:
    # A failure must name the table, the column and the rule; suite and expectation alone do not say it plainly.
    for column in COLUMNS:
        op.add_column("check_results", sa.Column(column, sa.String(), nullable=True), schema="ops")


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column("check_results", column, schema="ops")
