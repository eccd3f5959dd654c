"""bookings and offers: the fare category the fare was priced with (issue 13 §1/§5)

A booking kept its fare but not the category it was priced with, so the
report of rides by fare category counted past rides under the member's
category now. Existing bookings are backfilled from the member's CURRENT
category (the only one we know: for a member whose category changed since,
the old rides stay counted under the new one, as before this revision);
bookings made from now on keep the category of their quote. Offers get the
column too (empty for offers made before; those take the member's category
when confirmed). The rule version needs no column: it is the one in force on
the ride's service day, which the booking stores.

Revision ID: a7c3e9f1b5d2
Revises: b3d5f7a9c1e2
Create Date: 2026-12-02 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e9f1b5d2"
down_revision: str | None = "b3d5f7a9c1e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: add the columns, backfill the bookings from their members."""
    for table in ("api_offers", "api_bookings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("fare_category", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE api_bookings SET fare_category = (SELECT m.category FROM api_members m"
        " WHERE m.id = api_bookings.member_id) WHERE fare_category IS NULL"
    )


def downgrade() -> None:
    """Revert this revision."""
    for table in ("api_offers", "api_bookings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("fare_category")
