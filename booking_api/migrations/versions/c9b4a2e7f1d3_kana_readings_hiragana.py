"""members: ふりがな stored one way (hiragana, NFKC, one space between parts)

Registration now stores the reading as ``booking_api.text.kana_reading`` gives it;
older rows typed in katakana or half-width katakana are rewritten the same way.
A reading that is not kana (romaji such as "Sato Kazuko") is left as it is:
staff correct it on the member card. ``kana_norm`` (the search form) is unchanged,
since it folds hiragana and katakana alike.

Revision ID: c9b4a2e7f1d3
Revises: a1e7c3b9f5d2
Create Date: 2026-12-02 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from booking_api.text import kana_reading

revision: str = "c9b4a2e7f1d3"
down_revision: str | None = "a1e7c3b9f5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    conn = op.get_bind()
    members = sa.table("api_members", sa.column("id", sa.String), sa.column("kana", sa.String))
    for member_id, kana in conn.execute(sa.select(members.c.id, members.c.kana)).all():
        reading = kana_reading(kana or "")
        if reading is not None and reading != kana:
            conn.execute(members.update().where(members.c.id == member_id).values(kana=reading))


def downgrade() -> None:
    """Revert this revision (the readings stay in hiragana: nothing to undo)."""
