"""bookings and offers: the version of the fare rules that priced the fare (issue 13 §1)

A booking kept its fare and the category it was priced with, but not which
rule priced it: a rule edited in the city file without a new effective_from
(or any later change) could not be told apart from the one that priced past
rides. Offers and bookings get ``fare_rules`` ("<effective_from>#<hash of the
rule>", fares.rules.FareTable.version_of). Existing rows stay NULL: the rule
that priced them is not known now (the city file may have changed since), and
a guessed version would claim what nobody recorded.

Revision ID: c2e8f4a6b0d3
Revises: b6d2f8a4c0e1
Create Date: 2026-12-02 18:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c2e8f4a6b0d3"
down_revision: str | None = "b6d2f8a4c0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: add the columns (empty for what was priced before)."""
    for table in ("api_offers", "api_bookings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("fare_rules", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    for table in ("api_offers", "api_bookings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("fare_rules")
