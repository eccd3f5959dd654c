"""The apps' message catalogues: one file per language, none missing a key.

Japanese (``ja.json``) is the base. Every language listed in
``languages.json`` must translate every key the base has, with the same
``{placeholders}``, and no key the base lacks; every key the apps' scripts and
pages name literally must exist in the base. A language is added by adding its
catalogue and one line in ``languages.json``; these tests then hold it to the
same standard.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LANG_DIR = ROOT / "booking_api" / "static" / "common" / "lang"
APP_DIRS = (ROOT / "booking_api" / "static", ROOT / "driver_app" / "static")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
RUBY = re.compile(r"\[([^\[\]|]+)\|([^\[\]|]+)\]")
# Keys named literally in scripts (t/tf/th calls) and pages (data-i18n*).
USED = re.compile(
    r"""\bt[hf]?\(\s*["']([a-z0-9_.]+)["']"""
    r"""|data-i18n(?:-ph|-aria)?=["']([a-z0-9_.]+)["']"""
)


def _languages() -> list[dict[str, str]]:
    return json.loads((LANG_DIR / "languages.json").read_text(encoding="utf-8"))


def _catalogue(code: str) -> dict[str, str]:
    return json.loads((LANG_DIR / f"{code}.json").read_text(encoding="utf-8"))


def test_languages_list_names_each_catalogue_once() -> None:
    codes = [entry["code"] for entry in _languages()]
    assert codes[0] == "ja"
    assert len(codes) == len(set(codes))
    assert {"ja", "en"} <= set(codes)
    on_disk = {p.stem for p in LANG_DIR.glob("*.json")} - {"languages"}
    assert on_disk == set(codes), "a catalogue file is not listed, or a listed one is missing"
    for entry in _languages():
        assert entry["name"].strip(), entry


@pytest.mark.parametrize("code", [entry["code"] for entry in _languages()])
def test_catalogue_has_every_key_with_the_same_placeholders(code: str) -> None:
    base = _catalogue("ja")
    other = _catalogue(code)
    missing = sorted(set(base) - set(other))
    extra = sorted(set(other) - set(base))
    assert not missing, f"{code}.json lacks {len(missing)} keys: {missing[:20]}"
    assert not extra, f"{code}.json has keys ja.json lacks: {extra[:20]}"
    for key, text in other.items():
        assert isinstance(text, str) and text.strip(), f"{code}.json: {key} is empty"
        plain = RUBY.sub(r"\1", text)
        assert set(PLACEHOLDER.findall(plain)) == set(PLACEHOLDER.findall(base[key])), (
            f"{code}.json: {key} has other placeholders than ja.json"
        )


def test_english_catalogue_has_no_japanese_left() -> None:
    kana_or_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    # The language menu's label names Japanese on purpose, for whoever cannot read English.
    allowed = {"lang.choose"}
    left = {
        k: v for k, v in _catalogue("en").items() if k not in allowed and kana_or_kanji.search(v)
    }
    assert not left, f"English catalogue still has Japanese: {sorted(left)[:20]}"


def test_every_key_the_apps_name_exists() -> None:
    base = _catalogue("ja")
    used: dict[str, Path] = {}
    for app in APP_DIRS:
        for path in list(app.rglob("*.js")) + list(app.rglob("*.html")):
            if "vendor" in path.parts:
                continue
            for m in USED.finditer(path.read_text(encoding="utf-8")):
                used.setdefault(m.group(1) or m.group(2), path)
    assert len(used) > 100
    unknown = {k: str(p.relative_to(ROOT)) for k, p in used.items() if k not in base}
    assert not unknown, f"keys used but not in ja.json: {unknown}"


def test_furigana_marks_are_well_formed() -> None:
    for entry in _languages():
        for key, text in _catalogue(entry["code"]).items():
            rest = RUBY.sub("", text)
            assert "|" not in rest, f"{entry['code']}.json: {key} has a stray furigana mark"
