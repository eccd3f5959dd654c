"""series: each occurrence's outcome (booked, unplaced and why, paused) and pauses

Revision ID: d2f6a8c4e1b7
Revises: b8e4d2c7a1f9
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "d2f6a8c4e1b7"
down_revision: str | None = "b8e4d2c7a1f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_series_occurrences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ride_id", sa.String(length=64), nullable=True),
        sa.Column("code", sa.String(length=64), server_default="", nullable=False),
        sa.Column("message_ja", sa.String(length=400), server_default="", nullable=False),
        sa.Column("message_en", sa.String(length=400), server_default="", nullable=False),
        sa.Column("updated_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["api_series.id"],
            name=op.f("fk_api_series_occurrences_series_id_api_series"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_series_occurrences")),
        sa.UniqueConstraint("series_id", "date", name=op.f("uq_api_series_occurrences_series_id")),
    )
    op.create_table(
        "api_series_pauses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resumed_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"], ["api_series.id"], name=op.f("fk_api_series_pauses_series_id_api_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_series_pauses")),
    )
    with op.batch_alter_table("api_series_pauses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_series_pauses_series_id"), ["series_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("api_series_pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_series_pauses_series_id"))
    op.drop_table("api_series_pauses")
    op.drop_table("api_series_occurrences")
