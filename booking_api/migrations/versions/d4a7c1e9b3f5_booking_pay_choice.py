"""bookings: how the member chose to pay when she booked (issue 13 §2)

A member who books can choose her coupon book, her pass, cash, IC or QR; the
tablet pre-selects it at drop-off and the driver records what was really used
(the ledger row), so the choice is only a hint. ``pay_method`` is the method,
``pay_holding_id`` the ticket or pass for those two. Existing bookings have no
choice (NULL): the driver chooses on board as before. Offers keep their party
size, so the choice is checked (a coupon book needs a ride per paying person)
before anything is booked; offers live minutes, older ones stay NULL.

Revision ID: d4a7c1e9b3f5
Revises: c2e8f4a6b0d3
Create Date: 2026-12-02 18:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4a7c1e9b3f5"
down_revision: str | None = "c2e8f4a6b0d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: add the two columns (empty for earlier bookings)."""
    with op.batch_alter_table("api_bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pay_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("pay_holding_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("api_offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party_size", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("api_offers", schema=None) as batch_op:
        batch_op.drop_column("party_size")
    with op.batch_alter_table("api_bookings", schema=None) as batch_op:
        batch_op.drop_column("pay_holding_id")
        batch_op.drop_column("pay_method")
