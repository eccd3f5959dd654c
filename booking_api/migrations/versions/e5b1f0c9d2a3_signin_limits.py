"""sign-in limits: failed logins indexed per client address; online registration attempts

Revision ID: e5b1f0c9d2a3
Revises: c4d8e2a61f07
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "e5b1f0c9d2a3"
down_revision: str | None = "c4d8e2a61f07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("api_login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_api_login_attempts_ip", ["ip", "at"], unique=False)
    op.create_table(
        "api_registration_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("phone_digits", sa.String(length=20), nullable=False),
        sa.Column("at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_registration_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_api_registration_attempts_ip", ["ip", "at"], unique=False)
        batch_op.create_index(
            "ix_api_registration_attempts_phone", ["phone_digits", "at"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("api_registration_attempts")
    with op.batch_alter_table("api_login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_api_login_attempts_ip")
