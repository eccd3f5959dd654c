"""driver taps: reason, distance and undo record; vehicles: last GPS fix (tap guards)

Revision ID: c4d8e2a61f07
Revises: a7c3e1f2b9d4
Create Date: 2026-12-02 03:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "c4d8e2a61f07"
down_revision: str | None = "a7c3e1f2b9d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("driver_taps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("distance_m", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("before", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("undone_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gps_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("gps_lon", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("gps_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_column("gps_at")
        batch_op.drop_column("gps_lon")
        batch_op.drop_column("gps_lat")
    with op.batch_alter_table("driver_taps", schema=None) as batch_op:
        batch_op.drop_column("undone_at")
        batch_op.drop_column("before")
        batch_op.drop_column("distance_m")
        batch_op.drop_column("reason")
