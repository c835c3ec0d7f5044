"""access events with kind, route and reach; sieges

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:30:28.783634
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sieges",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sieges")),
    )
    with op.batch_alter_table("sieges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sieges_area"), ["area"], unique=False)

    with op.batch_alter_table("access_events", schema=None) as batch_op:
        # No row was ever written to access_events before 0003; the server
        # default only keeps the upgrade safe on a database someone filled by hand.
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="convoy")
        )
        batch_op.add_column(sa.Column("route", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("people_reached", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_access_events_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_access_events_destination"), ["destination"], unique=False
        )
        batch_op.drop_constraint(
            batch_op.f("fk_access_events_agreement_id_agreements"), type_="foreignkey"
        )
        batch_op.drop_column("obstructing_actor")


def downgrade() -> None:
    with op.batch_alter_table("access_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("obstructing_actor", sa.VARCHAR(length=100), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_access_events_agreement_id_agreements"),
            "agreements",
            ["agreement_id"],
            ["id"],
        )
        batch_op.drop_index(batch_op.f("ix_access_events_destination"))
        batch_op.drop_index(batch_op.f("ix_access_events_agreement_id"))
        batch_op.drop_column("people_reached")
        batch_op.drop_column("route")
        batch_op.drop_column("kind")

    with op.batch_alter_table("sieges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sieges_area"))

    op.drop_table("sieges")
