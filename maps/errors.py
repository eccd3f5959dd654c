"""Errors raised by the maps library, each with a code and a message in English and Japanese."""

from __future__ import annotations


class MapsError(Exception):
    """Base class of the maps errors: ``code`` for programs, two messages for people."""

    def __init__(self, code: str, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja


class SnapError(MapsError):
    """A point cannot be served: ``code`` is ``outside_boundary`` or ``too_far_from_road``."""


class MapDataError(MapsError):
    """A city's data folder is missing a file or holds a file that cannot be read."""

    def __init__(self, message_en: str, message_ja: str | None = None) -> None:
        super().__init__("bad_map_data", message_en, message_ja or message_en)
