"""Schemas of admins' changes to staff, driver and admin accounts, and of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, StrictBool

from booking_api.schemas.types import Line


class AccountPatch(BaseModel):
    """A change to a staff, driver or admin account: disable (ends its sessions at once) or
    enable, a new display name, or the vehicle a driver's account drives (its tablet shows
    that vehicle's day). ``reason`` is kept in the audit log.
    """

    active: StrictBool | None = None
    display_name: Line | None = Field(default=None, max_length=100)
    vehicle_id: Line | None = Field(default=None, min_length=1, max_length=64)
    reason: Line | None = Field(default=None, min_length=1, max_length=200)


class AccountPasswordIn(BaseModel):
    """A new password for a staff, driver or admin account, set by an admin."""

    password: Line = Field(min_length=8, max_length=128)


class AuditOut(BaseModel):
    """One audit-log line: who (``actor``, an account id, and its name) did what, when (UTC)."""

    id: int
    at: datetime
    actor: str
    actor_name: str = ""
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
