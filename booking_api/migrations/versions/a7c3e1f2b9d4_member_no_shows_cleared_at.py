"""members: no_shows_cleared_at (staff lifted a no-show warning or suspension)

Revision ID: a7c3e1f2b9d4
Revises: 836f4b56a79c
Create Date: 2026-11-25 21:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "a7c3e1f2b9d4"
down_revision: str | None = "836f4b56a79c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("api_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "no_shows_cleared_at",
                dispatch.store.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("api_members", schema=None) as batch_op:
        batch_op.drop_column("no_shows_cleared_at")
