"""Schemas of registrations, members, saved places and accounts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from booking_api.schemas.notifications import ChannelName, EmailText
from booking_api.schemas.types import BirthDate, Line, Text
from booking_api.text import kana_reading, phone_number
from notify.phone import parse_phone

# Digits (half- or full-width), the dashes people type, brackets, spaces and +81; the value
# is stored in the one form ``notify.phone.parse_phone`` gives (090-1234-5678), and a number
# the Japanese numbering plan does not allow is refused on its field (``bad_phone``).
PHONE_PATTERN = r"^[0-9０-９+\-‐‑‒–—―−－ー─━ｰ() （）\u3000]+$"
Phone = Field(min_length=1, max_length=20, pattern=PHONE_PATTERN)
# Hiragana, katakana or half-width katakana, with spaces, ー and ・ (documented so that
# generated data is valid; the validator gives the field's own sentence).
# The spaces are the ones Line lets through (\s would promise tabs and line breaks, which
# are control characters to it).
_SPACES = " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
KANA_PATTERN = (
    f"^[{_SPACES}]*[\u3041-\u3096\u3099-\u309f\u30a1-\u30f6\u30fb-\u30fe\uff65-\uff9f]"
    f"[\u3041-\u3096\u3099-\u309f\u30a1-\u30f6\u30fb-\u30fe\uff65-\uff9f{_SPACES}]*$"
)


class FieldRefusal(ValueError):
    """A field's value refused with a sentence in both languages (see ``errors.field_errors``)."""

    def __init__(self, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja


def _kana(value: str) -> str:
    reading = kana_reading(value)
    if reading is None:
        msg_en = "Please write the reading of your name in hiragana or katakana (e.g. さとう)."
        msg_ja = "ふりがなは ひらがな または カタカナ で入力してください（例：さとう かずこ）。"
        raise FieldRefusal(msg_en, msg_ja)
    return reading


Kana = Annotated[
    Line,  # control characters first (a NUL gets that field message), then the kana rule
    AfterValidator(_kana),
    Field(
        min_length=1,
        max_length=100,
        description="The reading in kana; stored in hiragana (ｻﾄｳ, サトウ → さとう).",
        json_schema_extra={"pattern": KANA_PATTERN},
    ),
]
"""A ふりがな: any kana accepted, stored in hiragana; romaji or kanji refused."""


def _stored_phone(value: str) -> str:
    return parse_phone(value).written


PhoneText = Annotated[str, AfterValidator(_stored_phone)]
"""A Japanese phone number in its one stored form (+81, full-width, any dashes accepted)."""


class RegistrationIn(BaseModel):
    """An online application for membership."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=100)
    kana: Kana
    birth_date: BirthDate
    phone: PhoneText = Phone
    address: Line = Field(min_length=1, max_length=200)
    home_lat: float = Field(ge=-90, le=90, strict=True)
    home_lon: float = Field(ge=-180, le=180, strict=True)
    wheelchair: StrictBool = False
    walking_aid: StrictBool = False
    needs_help_boarding: StrictBool = False
    companion_allowed: StrictBool = False
    emergency_contact_name: Line = Field(default="", max_length=100)
    emergency_contact_phone: Annotated[Line, AfterValidator(phone_number)] = Field(
        default="", max_length=20
    )
    # Only true is accepted (the rule answers consent_required); the schema says so.
    consent_terms: StrictBool = Field(default=False, json_schema_extra={"const": True})
    consent_privacy: StrictBool = Field(default=False, json_schema_extra={"const": True})
    password: Line = Field(min_length=4, max_length=128)
    notify_channels: list[ChannelName] | None = Field(
        default=None,
        max_length=4,
        description="How the member wants to be told; left out: by what they gave "
        "(a mobile gets SMS, a landline an automated call, an email address email).",
    )
    email: EmailText = ""


class StaffRegistrationIn(RegistrationIn):
    """A registration taken by staff over the phone or at the counter."""

    channel: Literal["phone", "counter", "online"] = "phone"
    category: Line | None = Field(default=None, max_length=32)
    notes: Text = Field(default="", max_length=2000)
    approve: StrictBool | None = Field(
        default=None,
        description="Leave out to follow the city's rule (registration.staff_registration: "
        "approve at once, or queue for approval); true under the queue rule is for admins.",
    )
    # A caller who registers by phone may never use the app: without a PIN the login
    # gets an unguessable one, and staff set a real PIN when the member asks for one.
    password: Line = Field(default="", max_length=128)


class MemberPatch(BaseModel):
    """Fields staff may change on a member (all optional)."""

    name: Line | None = Field(default=None, min_length=1, max_length=100)
    kana: Kana | None = None
    phone: PhoneText | None = Field(
        default=None, min_length=6, max_length=20, pattern=PHONE_PATTERN
    )
    address: Line | None = Field(default=None, min_length=1, max_length=200)
    home_lat: float | None = Field(default=None, ge=-90, le=90, strict=True)
    home_lon: float | None = Field(default=None, ge=-180, le=180, strict=True)
    wheelchair: StrictBool | None = None
    walking_aid: StrictBool | None = None
    needs_help_boarding: StrictBool | None = None
    companion_allowed: StrictBool | None = None
    emergency_contact_name: Line | None = Field(default=None, max_length=100)
    emergency_contact_phone: Line | None = Field(default=None, max_length=20)
    category: Line | None = Field(default=None, min_length=1, max_length=32)
    notes: Text | None = Field(default=None, max_length=2000)


class NoShowOut(BaseModel):
    """A member's no-show standing: counted no-shows, ``ok``/``warned``/``suspended`` and why."""

    count: int
    state: Literal["ok", "warned", "suspended"]
    suspended_until: datetime | None
    window_days: int
    warn_after: int
    suspend_after: int
    message_ja: str | None
    message_en: str | None


class LiftIn(BaseModel):
    """Why staff lift a member's no-show warning or suspension (kept in the audit log)."""

    reason: Text = Field(min_length=1, max_length=500)


class MemberOut(BaseModel):
    """A member as shown to the member or to staff."""

    id: str
    member_number: str | None
    status: str
    rejection_reason: str
    name: str
    kana: str
    birth_date: date
    phone: str
    address: str
    home_lat: float
    home_lon: float
    home_area: str | None
    wheelchair: bool
    walking_aid: bool
    needs_help_boarding: bool
    companion_allowed: bool
    emergency_contact_name: str
    emergency_contact_phone: str
    category: str
    channel: str
    notes: str | None = None
    created_at: datetime
    approved_at: datetime | None
    no_shows: NoShowOut | None = None


class RegistrationOut(BaseModel):
    """The answer to an application: the pending member and what happens next."""

    member: MemberOut
    message_ja: str
    message_en: str


class DuplicateOut(BaseModel):
    """Another member who may be the applicant, and why (``name_birth``, ``phone``,
    ``address_name``)."""

    id: str
    member_number: str | None
    status: str
    name: str
    kana: str
    birth_date: date
    phone: str
    address: str
    reasons: list[Literal["name_birth", "phone", "address_name"]]


class ApplicationOut(BaseModel):
    """A pending application with the members it may duplicate (the approval screen)."""

    member: MemberOut
    duplicates: list[DuplicateOut]


class ApproveIn(BaseModel):
    """Approval of a pending member, optionally setting the fare category."""

    category: Line | None = Field(default=None, min_length=1, max_length=32)


class RejectIn(BaseModel):
    """Rejection with the reason shown to the applicant."""

    reason: Text = Field(min_length=1, max_length=500)


class PasswordIn(BaseModel):
    """A new password or PIN set by an operator."""

    password: Line = Field(min_length=4, max_length=128)


class SavedPlaceIn(BaseModel):
    """A place to save: a point, or a designated destination by id."""

    label: Line = Field(min_length=1, max_length=100)
    lat: float | None = Field(default=None, ge=-90, le=90, strict=True)
    lon: float | None = Field(default=None, ge=-180, le=180, strict=True)
    place_id: Line | None = Field(default=None, min_length=1, max_length=32)


class SavedPlaceOut(BaseModel):
    """A saved place."""

    id: str
    label: str
    lat: float
    lon: float
    place_id: str | None
    area: str | None


class AccountIn(BaseModel):
    """A staff, driver or admin account created by an admin."""

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: Line = Field(min_length=8, max_length=128)
    role: Literal["operator", "driver", "admin"]
    display_name: Line = Field(default="", max_length=100)
    vehicle_id: Line | None = Field(default=None, min_length=1, max_length=64)


class AccountOut(BaseModel):
    """An account (never its password)."""

    id: str
    username: str | None
    role: str
    display_name: str
    vehicle_id: str | None
    active: bool
