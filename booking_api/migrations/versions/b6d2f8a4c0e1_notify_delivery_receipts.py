"""notify: delivery receipts (delivered_at; deliveries found by the provider's message id)

Revision ID: b6d2f8a4c0e1
Revises: a7c3e9f1b5d2
Create Date: 2026-12-02 18:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "b6d2f8a4c0e1"
down_revision: str | None = "a7c3e9f1b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("notify_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "delivered_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(
            "ix_notify_deliveries_provider_ref", ["channel", "provider_ref"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("notify_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_deliveries_provider_ref")
        batch_op.drop_column("delivered_at")
