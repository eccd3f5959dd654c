"""No Japanese text written into the apps' code: every word on screen comes from a catalogue.

A Japanese (kana or kanji) string or template literal in a script of the three
apps shows the same words in every language, which is how the English screens
came to say 「自宅」 or 「break · 1名」. Comments may say anything; regular
expressions may match what people type (「12月3日」, 「明日」), since they are never
shown. In the pages, Japanese is allowed only as the fallback text of an element
that ``applyI18n`` fills (``data-i18n``) or in an attribute it sets
(``aria-label`` with ``data-i18n-aria``, ``placeholder`` with ``data-i18n-ph``).
A string that only reads input may stay on a line marked ``// i18n: input``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = (ROOT / "booking_api" / "static", ROOT / "driver_app" / "static")
JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
INPUT_MARK = "// i18n: input"
# After these a "/" starts a regular expression, not a division.
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
REGEX_KEYWORDS = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void"}


def _scripts() -> list[Path]:
    return sorted(p for app in APP_DIRS for p in app.rglob("*.js") if "vendor" not in p.parts)


def _pages() -> list[Path]:
    return sorted(p for app in APP_DIRS for p in app.rglob("*.html") if "vendor" not in p.parts)


def string_literals(src: str) -> list[tuple[int, str]]:
    """Return (line, text) of each string and template literal's text in a script.

    A small lexer: comments and regular-expression literals are skipped; the
    ``${...}`` parts of a template are read as code (their own strings count).
    """
    out: list[tuple[int, str]] = []
    i, n, line = 0, len(src), 1
    prev = ""  # the last significant token (a punctuator or a word)
    braces: list[int] = []  # per open template ${: the brace depth inside it
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += src.count("\n", i, j)
            i = j
        elif c in "\"'":
            j, start = i + 1, line
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append((start, src[i + 1 : j]))
            i, prev = j + 1, "str"
        elif c == "`" or (c == "}" and braces and braces[-1] == 0):
            if c == "}":
                braces.pop()
            j, start, chunk = i + 1, line, []
            while j < n and src[j] != "`" and not src.startswith("${", j):
                if src[j] == "\\":
                    chunk.append(src[j : j + 2])
                    j += 2
                    continue
                if src[j] == "\n":
                    line += 1
                chunk.append(src[j])
                j += 1
            out.append((start, "".join(chunk)))
            if src.startswith("${", j):
                braces.append(0)
                i = j + 2
                prev = "("
            else:
                i, prev = j + 1, "str"
        elif c == "/" and (prev in REGEX_AFTER or prev in REGEX_KEYWORDS):
            j, in_class = i + 1, False
            while j < n and src[j] != "\n" and (in_class or src[j] != "/"):
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and src[j].isalpha():
                j += 1
            i, prev = j, "regex"
        elif c.isalnum() or c in "_$":
            j = i
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            prev = src[i:j]
            i = j
        else:
            if braces and c == "{":
                braces[-1] += 1
            elif braces and c == "}":
                braces[-1] -= 1
            prev = c
            i += 1
    return out


def test_the_lexer_tells_strings_from_comments_and_regexes() -> None:
    """Comments and regexes are skipped, strings inside template expressions are found."""
    src = (
        "// 日本語のコメント\n"
        "const a = /^[aA着]/.test(v) ? 1 : 2; /* 取り消す */\n"
        "const b = x / 2 / y;\n"
        'const c = `${t("k")} ${ok ? "自宅" : `${n}名`}`;\n'
        "return /月(\\d+)日/.exec(s);\n"
        "const d = 'it\\'s';\n"
    )
    texts = [(line, s) for line, s in string_literals(src) if JAPANESE.search(s)]
    assert texts == [(4, "自宅"), (4, "名")]
    assert (6, "it\\'s") in string_literals(src)


@pytest.mark.parametrize("path", _scripts(), ids=lambda p: str(p.relative_to(ROOT)))
def test_script_has_no_japanese_literal(path: Path) -> None:
    """Words shown on screen come from the catalogues (t/tf/th), never from the script."""
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text.strip()[:60]}"
        for line, text in string_literals(src)
        if JAPANESE.search(text) and INPUT_MARK not in lines[line - 1]
    ]
    assert not found, "Japanese written into the script (use a catalogue key):\n" + "\n".join(found)


class _Page(HTMLParser):
    """Collects Japanese text of a page that applyI18n would not replace."""

    VOID = frozenset(
        {"meta", "link", "img", "input", "br", "hr", "source", "area", "base", "col", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, filled by data-i18n)
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, marker in (("aria-label", "data-i18n-aria"), ("placeholder", "data-i18n-ph")):
            if JAPANESE.search(a.get(name) or "") and marker not in a:
                self.bad.append(f"{self.getpos()[0]}: {name}={a[name]}")
        for name in ("title", "alt", "value"):
            if JAPANESE.search(a.get(name) or ""):
                self.bad.append(f"{self.getpos()[0]}: {name}={a[name]}")
        if tag not in self.VOID:
            inside = bool(self.stack and self.stack[-1][1])
            self.stack.append((tag, inside or "data-i18n" in a))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if JAPANESE.search(data) and not (self.stack and self.stack[-1][1]):
            self.bad.append(f"{self.getpos()[0]}: {data.strip()[:60]}")


@pytest.mark.parametrize("path", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_page_has_japanese_only_as_fallback(path: Path) -> None:
    """Japanese in a page is only the fallback of an element or attribute applyI18n fills."""
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    assert not page.bad, f"{path.relative_to(ROOT)}: Japanese no catalogue replaces:\n" + "\n".join(
        page.bad
    )
