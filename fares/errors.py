"""Errors of the fares package, each with a stable ``code`` and a sentence in both languages."""

from __future__ import annotations


class FareConfigError(ValueError):
    """The city file's ``[fares]`` or ``[[products]]`` tables are malformed."""


class FareError(Exception):
    """A fare operation a rule refuses (``code``, ``message_en``, ``message_ja``)."""

    def __init__(self, code: str, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja
