"""fares: ledger, holdings, ride payments, cash declarations, checkouts, webhook inbox

Revision ID: a40fbc430d67
Revises: c9b4a2e7f1d3
Create Date: 2026-12-02 06:37:31.024998
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.store.base

revision: str = "a40fbc430d67"
down_revision: str | None = "c9b4a2e7f1d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The ledger is append-only: a correction is a new row, never an UPDATE or DELETE.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION fare_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'fare_ledger is append-only: add a correction row instead';
END;
$$ LANGUAGE plpgsql
"""


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER fare_ledger_append_only BEFORE UPDATE OR DELETE ON fare_ledger"
            " FOR EACH ROW EXECUTE FUNCTION fare_ledger_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER fare_ledger_no_{event.lower()} BEFORE {event} ON fare_ledger"
            " BEGIN SELECT RAISE(ABORT, 'fare_ledger is append-only'); END"
        )


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS fare_ledger_append_only ON fare_ledger")
        op.execute("DROP FUNCTION IF EXISTS fare_ledger_append_only()")
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS fare_ledger_no_{event}")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "fare_cash_declarations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("driver_id", sa.String(length=32), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("expected_yen", sa.Integer(), nullable=False),
        sa.Column("declared_yen", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fare_cash_declarations")),
    )
    with op.batch_alter_table("fare_cash_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fare_cash_declarations_service_date"), ["service_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fare_cash_declarations_vehicle_id"), ["vehicle_id"], unique=False
        )

    op.create_table(
        "fare_checkouts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("amount_yen", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("holding_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fare_checkouts")),
    )
    with op.batch_alter_table("fare_checkouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fare_checkouts_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "fare_holdings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fare_holdings")),
    )
    with op.batch_alter_table("fare_holdings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fare_holdings_member_id"), ["member_id"], unique=False)

    op.create_table(
        "fare_ledger",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=True),
        sa.Column("holding_id", sa.String(length=32), nullable=True),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("ride_id", sa.String(length=64), nullable=True),
        sa.Column("vehicle_id", sa.String(length=64), nullable=True),
        sa.Column("yen_in", sa.Integer(), nullable=False),
        sa.Column("yen_out", sa.Integer(), nullable=False),
        sa.Column("rides_in", sa.Integer(), nullable=False),
        sa.Column("rides_out", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("ref", sa.String(length=120), nullable=True),
        sa.CheckConstraint(
            "yen_in >= 0 AND yen_out >= 0 AND rides_in >= 0 AND rides_out >= 0"
            " AND (yen_in = 0 OR yen_out = 0) AND (rides_in = 0 OR rides_out = 0)",
            name=op.f("ck_fare_ledger_amounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fare_ledger")),
        sa.UniqueConstraint("ref", name=op.f("uq_fare_ledger_ref")),
    )
    with op.batch_alter_table("fare_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fare_ledger_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_fare_ledger_holding_id"), ["holding_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fare_ledger_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fare_ledger_ride_id"), ["ride_id"], unique=False)

    op.create_table(
        "fare_ride_payments",
        sa.Column("ride_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("due_yen", sa.Integer(), nullable=False),
        sa.Column("received_yen", sa.Integer(), nullable=False),
        sa.Column("holding_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ride_id", name=op.f("pk_fare_ride_payments")),
    )
    with op.batch_alter_table("fare_ride_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fare_ride_payments_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fare_ride_payments_service_date"), ["service_date"], unique=False
        )

    op.create_table(
        "fare_webhook_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("checkout_id", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", dispatch.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fare_webhook_events")),
        sa.UniqueConstraint("provider", "event_id", name=op.f("uq_fare_webhook_events_provider")),
    )
    with op.batch_alter_table("fare_webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fare_webhook_events_checkout_id"), ["checkout_id"], unique=False
        )
    _append_only()


def downgrade() -> None:
    """Revert this revision."""
    _drop_append_only()
    with op.batch_alter_table("fare_webhook_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fare_webhook_events_checkout_id"))

    op.drop_table("fare_webhook_events")
    with op.batch_alter_table("fare_ride_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fare_ride_payments_service_date"))
        batch_op.drop_index(batch_op.f("ix_fare_ride_payments_member_id"))

    op.drop_table("fare_ride_payments")
    with op.batch_alter_table("fare_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fare_ledger_ride_id"))
        batch_op.drop_index(batch_op.f("ix_fare_ledger_member_id"))
        batch_op.drop_index(batch_op.f("ix_fare_ledger_holding_id"))
        batch_op.drop_index(batch_op.f("ix_fare_ledger_at"))

    op.drop_table("fare_ledger")
    with op.batch_alter_table("fare_holdings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fare_holdings_member_id"))

    op.drop_table("fare_holdings")
    with op.batch_alter_table("fare_checkouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fare_checkouts_member_id"))

    op.drop_table("fare_checkouts")
    with op.batch_alter_table("fare_cash_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fare_cash_declarations_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_fare_cash_declarations_service_date"))

    op.drop_table("fare_cash_declarations")
