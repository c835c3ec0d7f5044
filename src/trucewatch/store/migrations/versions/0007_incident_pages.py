"""an index on incidents (date, id) for the API's keyset pages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:41:14.009470
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_date_id"), ["date", "id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_date_id"))
