"""bookings and offers: carers (介助者) of the party, so a change re-quotes the same fare

Revision ID: b3d5f7a9c1e2
Revises: 97a45b1d7740
Create Date: 2026-12-02 07:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3d5f7a9c1e2"
down_revision: str | None = "97a45b1d7740"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    for table in ("api_offers", "api_bookings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("carers", sa.Integer(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    """Revert this revision."""
    for table in ("api_offers", "api_bookings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("carers")
