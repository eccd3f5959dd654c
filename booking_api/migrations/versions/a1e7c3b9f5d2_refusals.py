"""refusals: each refused quote, with its reason, day, area and channel (for the reports)

Revision ID: a1e7c3b9f5d2
Revises: d2f6a8c4e1b7
Create Date: 2026-12-02 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "a1e7c3b9f5d2"
down_revision: str | None = "d2f6a8c4e1b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_refusals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("requested_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_refusals_day", "api_refusals", ["service_date"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_api_refusals_day", table_name="api_refusals")
    op.drop_table("api_refusals")
