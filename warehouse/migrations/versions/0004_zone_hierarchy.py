"""Zones form a hierarchy: a country zone above the zones inside its country.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 'country' or 'zone'; rows synced before this revision are zones until the next registry sync.
    op.add_column("registry_zones", sa.Column("level", sa.String(), nullable=True), schema="raw")
    op.add_column("registry_zones", sa.Column("parent_zone_id", sa.String(), nullable=True), schema="raw")


def downgrade() -> None:
    op.drop_column("registry_zones", "parent_zone_id", schema="raw")
    op.drop_column("registry_zones", "level", schema="raw")
