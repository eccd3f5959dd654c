"""Message texts: one template per event per language, from the apps' catalogues.

The catalogues (``{ja,en,ja-x-easy}.json``) hold ``notify.<event>.subject`` and
``notify.<event>.body`` with ``{placeholders}``; a key missing in a language falls back to
Japanese, as in the apps. Easy Japanese writes furigana as ``[漢字|かんじ]``: a text
message shows the kanji, a voice call reads the kana.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from notify.domain import LANGUAGES, Event

_RUBY = re.compile(r"\[([^\[\]|]+)\|([^\[\]|]+)\]")
_WEEKDAYS = {
    "ja": "月火水木金土日",
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Params holding an ISO instant, shown as a local day or time in the message's language.
_INSTANTS = ("start", "end", "pickup", "until")


@dataclass(frozen=True)
class Rendered:
    """A message's subject and body; ``spoken`` is the body as a voice call reads it."""

    subject: str
    body: str
    spoken: str


class Catalogue:
    """The ``notify.*`` texts of every language, read once from the catalogue files."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        self._texts = {lang: dict(t) for lang, t in texts.items()}

    @classmethod
    def load(cls, directory: Path) -> Catalogue:
        """Read ``notify.*`` keys of each language's ``<lang>.json`` in ``directory``."""
        texts: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            path = directory / f"{lang}.json"
            if path.exists():
                data = json.loads(path.read_text(encoding="utf-8"))
                texts[lang] = {k: v for k, v in data.items() if k.startswith("notify.")}
        return cls(texts)

    def text(self, key: str, lang: str) -> str:
        """Return the text of ``key`` in ``lang``, else in Japanese, else the key."""
        return self._texts.get(lang, {}).get(key) or self._texts.get("ja", {}).get(key) or key

    def render(
        self, event: Event, lang: str, params: Mapping[str, str], zone: ZoneInfo
    ) -> Rendered:
        """Fill the event's template in ``lang`` with ``params`` (instants shown locally)."""
        values = dict(params)
        values.update(_local_values(params, lang, zone))
        if event is Event.BROADCAST:
            values["text"] = params.get("text_en" if lang == "en" else "text_ja", "")
        subject = _fill(self.text(f"notify.{event.value}.subject", lang), values)
        body = _fill(self.text(f"notify.{event.value}.body", lang), values)
        return Rendered(
            subject=_RUBY.sub(r"\1", subject),
            body=_RUBY.sub(r"\1", body),
            spoken=_RUBY.sub(r"\2", body),
        )


def _fill(template: str, values: Mapping[str, str]) -> str:
    for k, v in values.items():
        template = template.replace("{" + k + "}", str(v))
    return template


def _local_values(params: Mapping[str, str], lang: str, zone: ZoneInfo) -> dict[str, str]:
    """Return day, window, time and until texts from the ISO instants in ``params``."""
    out: dict[str, str] = {}
    at = {k: datetime.fromisoformat(params[k]).astimezone(zone) for k in _INSTANTS if params.get(k)}
    if "start" in at:
        out["day"] = day_text(at["start"], lang)
        out["window"] = clock(at["start"])
        if "end" in at:
            out["window"] = f"{clock(at['start'])}〜{clock(at['end'])}"
            if lang == "en":
                out["window"] = f"{clock(at['start'])}-{clock(at['end'])}"
    if "pickup" in at:
        out["time"] = clock(at["pickup"])
    if "until" in at:
        out["until"] = day_text(at["until"], lang)
    return out


def clock(t: datetime) -> str:
    """Return ``9:05`` style local time."""
    return f"{t.hour}:{t.minute:02d}"


def day_text(t: datetime, lang: str) -> str:
    """Return ``12月3日(木)`` (Japanese) or ``Thu 3 Dec`` (English)."""
    if lang == "en":
        return f"{_WEEKDAYS['en'][t.weekday()]} {t.day} {_MONTHS_EN[t.month - 1]}"
    return f"{t.month}月{t.day}日({_WEEKDAYS['ja'][t.weekday()]})"
