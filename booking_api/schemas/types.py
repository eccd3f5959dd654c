"""Annotated types every request model uses: text without control characters, bounded dates.

PostgreSQL refuses NUL in text and a lone surrogate cannot be encoded, so such
input used to reach the database and come back as a 500. ``Line`` (one line: a
name, a label, an id) and ``Text`` (free text that may span lines: notes, a
reason) refuse control characters at the schema edge with a field message; the
pattern in the OpenAPI document says the same. ``Day`` bounds a date to the years
the service can exist in, so no date arithmetic overflows at the ends of the
calendar; each route narrows it further for its purpose (see ``booking_api.dates``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

# C0 controls, DEL, C1 controls and lone surrogates (JSON may carry them; UTF-8 cannot).
_CONTROLS = "\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff"
# Free text may hold tabs and line breaks.
_TEXT_CONTROLS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ud800-\\udfff"
# The documented patterns leave the surrogates out (JSON Schema validators cannot spell them;
# valid UTF-8 has none); the check below refuses them all the same.
_SURROGATES = "\\ud800-\\udfff"
LINE_PATTERN = f"^[^{_CONTROLS.replace(_SURROGATES, '')}]*$"
TEXT_PATTERN = f"^[^{_TEXT_CONTROLS.replace(_SURROGATES, '')}]*$"
_LINE_RE = re.compile(f"[{_CONTROLS}]")
_TEXT_RE = re.compile(f"[{_TEXT_CONTROLS}]")

FIRST_DAY = date(2000, 1, 1)  # before the service could have started
LAST_DAY = date(2099, 12, 31)  # far beyond any horizon, far from date.max
FIRST_BIRTH_DAY = date(1900, 1, 1)
DAY_RANGE = f"A date from {FIRST_DAY} to {LAST_DAY}."


def control_character_error() -> PydanticCustomError:
    """Return the field error for text with a control character (see errors._MESSAGES)."""
    return PydanticCustomError(
        "control_character", "Must not contain control characters (such as NUL)."
    )


def has_control(value: str, *, multiline: bool = False) -> bool:
    """Return whether ``value`` holds a character no field accepts (``multiline``: tabs and
    line breaks allowed).
    """
    return (_TEXT_RE if multiline else _LINE_RE).search(value) is not None


def _line(value: str) -> str:
    if has_control(value):
        raise control_character_error()
    return value


def _text(value: str) -> str:
    if has_control(value, multiline=True):
        raise control_character_error()
    return value


def _between(first: date, last: date) -> Callable[[date], date]:
    """Return a validator refusing days outside ``first``..``last``."""

    def check(value: date) -> date:
        if not first <= value <= last:
            raise PydanticCustomError(
                "date_out_of_range",
                "Must be a date from {first} to {last}.",
                {"first": first.isoformat(), "last": last.isoformat()},
            )
        return value

    return check


Line = Annotated[str, AfterValidator(_line), Field(json_schema_extra={"pattern": LINE_PATTERN})]
"""One line of text: no control characters at all."""

Text = Annotated[str, AfterValidator(_text), Field(json_schema_extra={"pattern": TEXT_PATTERN})]
"""Free text: tabs and line breaks allowed, other control characters refused."""

Day = Annotated[
    date,
    AfterValidator(_between(FIRST_DAY, LAST_DAY)),
    Field(description=DAY_RANGE, json_schema_extra={"pattern": r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"}),
]
"""A date in the years the service can run (each route narrows it for its purpose)."""

BirthDate = Annotated[
    date,
    AfterValidator(_between(FIRST_BIRTH_DAY, LAST_DAY)),
    Field(
        description=f"A date from {FIRST_BIRTH_DAY} (not in the future).",
        json_schema_extra={"pattern": r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$"},
    ),
]
"""A birth date (one in the future is refused by the registration rules)."""


def _not_bool(value: object) -> object:
    if isinstance(value, bool):  # JSON true is not a number (Python's bool is an int)
        raise PydanticCustomError("int_type", "Must be a whole number.")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_bool)]
"""An integer: 2 or 2.0 as JSON has it, never true or false."""

NotBool = BeforeValidator(_not_bool)
"""The ``WholeNumber`` check, for bounded integers: ``Annotated[int, Field(ge=0), NotBool]``.

Bounds given after the validator (``Field(ge=…)`` on a ``WholeNumber`` that may be None,
or ``Annotated[WholeNumber, Field(…)]``) are enforced but reach the schema as ``ge``/``le``,
which no client reads as ``minimum``/``maximum``: put them before it.
"""

Weekday = Annotated[  # the bounds before the validator, or the schema loses them
    int, Field(ge=0, le=6, description="0 (Mon) to 6 (Sun)"), BeforeValidator(_not_bool)
]
"""A day of the week."""
