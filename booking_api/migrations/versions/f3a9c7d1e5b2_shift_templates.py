"""shift templates: weekly hours per vehicle, per-day overrides, the origin of each shift

Revision ID: f3a9c7d1e5b2
Revises: e5b1f0c9d2a3
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "f3a9c7d1e5b2"
down_revision: str | None = "e5b1f0c9d2a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "shift_templates",
        sa.Column("vehicle_id", sa.String(length=40), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_min", sa.Integer(), nullable=False),
        sa.Column("end_min", sa.Integer(), nullable=False),
        sa.Column("break_earliest_min", sa.Integer(), nullable=True),
        sa.Column("break_latest_min", sa.Integer(), nullable=True),
        sa.Column("break_duration_s", sa.Integer(), nullable=False),
        sa.Column("updated_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("vehicle_id", "weekday"),
    )
    op.create_table(
        "shift_overrides",
        sa.Column("vehicle_id", sa.String(length=40), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("off", sa.Boolean(), nullable=False),
        sa.Column("start_min", sa.Integer(), nullable=True),
        sa.Column("end_min", sa.Integer(), nullable=True),
        sa.Column("break_earliest_min", sa.Integer(), nullable=True),
        sa.Column("break_latest_min", sa.Integer(), nullable=True),
        sa.Column("break_duration_s", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("updated_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("vehicle_id", "service_date"),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=20), server_default="manual", nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_column("origin")
    op.drop_table("shift_overrides")
    op.drop_table("shift_templates")
