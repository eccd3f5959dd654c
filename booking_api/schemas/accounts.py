"""Schemas of admins' changes to staff, driver and admin accounts."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool

from booking_api.schemas.types import Line


class AccountPatch(BaseModel):
    """A change to a staff, driver or admin account: disable (ends its sessions) or enable."""

    active: StrictBool | None = None
    display_name: Line | None = Field(default=None, max_length=100)


class AccountPasswordIn(BaseModel):
    """A new password for a staff, driver or admin account, set by an admin."""

    password: Line = Field(min_length=8, max_length=128)
