"""vehicles: plate number, colour and depot name (shown to riders), and retirement

Revision ID: b8e4d2c7a1f9
Revises: f3a9c7d1e5b2
Create Date: 2026-12-02 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "b8e4d2c7a1f9"
down_revision: str | None = "f3a9c7d1e5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plate", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("colour", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("depot_name", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "retired_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("retired_reason", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_column("retired_reason")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("depot_name")
        batch_op.drop_column("colour")
        batch_op.drop_column("plate")
