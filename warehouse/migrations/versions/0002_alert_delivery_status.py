"""Alert deliveries record their outcome: status, attempts, last error; delivered_at only once delivered.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # delivery_id is a hash of (alert_id, state, channel), so the primary key keeps one row per state change
    # and channel; a failed attempt stays as status 'failed' and is retried on the next run.
    op.add_column(
        "alert_deliveries",
        sa.Column("status", sa.String(), nullable=False, server_default="delivered"),
        schema="ops",
    )
    op.add_column(
        "alert_deliveries",
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        schema="ops",
    )
    op.add_column(
        "alert_deliveries",
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        schema="ops",
    )
    op.add_column("alert_deliveries", sa.Column("error", sa.String(), nullable=True), schema="ops")
    op.alter_column("alert_deliveries", "delivered_at", nullable=True, schema="ops")


def downgrade() -> None:
    op.execute("delete from ops.alert_deliveries where delivered_at is null")
    op.alter_column("alert_deliveries", "delivered_at", nullable=False, schema="ops")
    for column in ("error", "last_attempt_at", "attempts", "status"):
        op.drop_column("alert_deliveries", column, schema="ops")
