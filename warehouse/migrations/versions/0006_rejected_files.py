"""Landing files are recorded by their path under $BLINDSPOT_HOME and their checksum; a file that cannot be
loaded is quarantined and recorded in ops.rejected_files.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("loaded_files", sa.Column("checksum", sa.String(), nullable=True), schema="ops")
    # absolute paths ("/srv/blindspot/landing/items/...") become relative to the home ("landing/items/...")
    op.execute(
        "update ops.loaded_files set path = regexp_extract(path, '(landing/[^/]+/[^/]+/[^/]+/[^/]+)$', 1) "
        "where path like '/%' and regexp_matches(path, 'landing/[^/]+/[^/]+/[^/]+/[^/]+$')"
    )
    op.create_table(
        "rejected_files",
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("checksum", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("data_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("quarantined_to", sa.String(), nullable=False),
        sa.Column("load_run_id", sa.String(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("path", "checksum"),
        schema="ops",
    )


def downgrade() -> None:
    op.drop_table("rejected_files", schema="ops")
    op.drop_column("loaded_files", "checksum", schema="ops")
