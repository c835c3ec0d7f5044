"""territorial control: snapshots and their areas, lines of contact

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:39:55.670897
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("line_id", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("left_actor", sa.String(length=100), nullable=False),
        sa.Column("right_actor", sa.String(length=100), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("approximate", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("loaded_by", sa.String(length=100), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_lines")),
        sa.UniqueConstraint(
            "line_id", "valid_from", name=op.f("uq_contact_lines_line_id_valid_from")
        ),
    )
    op.create_table(
        "control_layers",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("loaded_by", sa.String(length=100), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_layers")),
    )
    with op.batch_alter_table("control_layers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_control_layers_valid_from"), ["valid_from"], unique=False
        )

    op.create_table(
        "control_areas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("layer_id", sa.String(length=300), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("pcode", sa.String(length=40), nullable=True),
        sa.Column("feature", sa.Integer(), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layer_id"],
            ["control_layers.id"],
            name=op.f("fk_control_areas_layer_id_control_layers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_areas")),
    )
    with op.batch_alter_table("control_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_control_areas_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_control_areas_layer_id"), ["layer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("control_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_areas_layer_id"))
        batch_op.drop_index(batch_op.f("ix_control_areas_actor"))

    op.drop_table("control_areas")
    with op.batch_alter_table("control_layers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_layers_valid_from"))

    op.drop_table("control_layers")
    op.drop_table("contact_lines")
