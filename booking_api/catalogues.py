"""Per-app message catalogues, derived in memory from the one catalogue per language.

The three apps share ``static/common/lang/<code>.json`` (edited as one file per
language), but most of its keys are the operator console's (``op.*``): a
resident's phone on a weak signal should not wait for them. So each app asks for
``/static/common/lang/<app>/<code>.json`` and gets the keys it may show:

* the whole catalogue less the namespaces (key prefixes such as ``op.``) its
  rule leaves out. A namespace, not a list of keys, decides, because keys are
  also built at run time (``t(`status.${s}`)``): a key missing from the
  catalogue would show as ``status.booked`` to a rider, which costs more than a
  few kilobytes;
* plus every key of a left-out namespace that the app's own sources name as a
  quoted literal (``t("op.noresult")``, ``data-i18n="op.login.user"``), and
  every key under a prefix they build one from (``t(`dr.pay.m.${m}`)``,
  ``"dr.kind." + k``). The sources are scanned at start-up, so a new literal
  is picked up without a list to keep.

The files on disk are never split or rewritten; a catalogue is rebuilt when its
file changes (size or modification time) and is otherwise served from memory.
The unsplit files stay at their old URLs for anything that links to them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# A quoted, namespaced key: "op.noresult", 'dr.title', `book.when`.
_LITERAL = re.compile(r"""["'`]([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["'`]""")
# The fixed start of a key built at run time: `dr.pay.m.${…}` or "dr.kind." + …
_PREFIX = re.compile(
    r"""`([a-z][a-z0-9_]*\.[a-z0-9_.]*)\$\{|["']([a-z][a-z0-9_]*\.[a-z0-9_.]*\.)["']\s*\+"""
)
_CODE = re.compile(r"^[A-Za-z0-9-]+$")
_SCANNED = (".js", ".mjs", ".html")


@dataclass(frozen=True)
class AppRule:
    """Which keys an app gets: all but the ``without`` prefixes, plus what ``sources`` name."""

    without: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Named:
    """The keys and key prefixes an app's sources name (from ``scan``)."""

    keys: frozenset[str]
    prefixes: tuple[str, ...]


def app_rules(static_dir: Path, driver_static_dir: Path) -> dict[str, AppRule]:
    """Return the rules of the three apps, named as their pages' ``data-app``.

    Residents (``/``) get no operator or tablet messages but those their pages
    and the shared modules name; the operator console gets everything (it shows
    the residents' and the tablets' states too); the tablet gets all but the
    operator's, plus the operator keys it names.
    """
    common = static_dir / "common"
    return {
        "resident": AppRule(("op.", "dr."), (static_dir / "resident", common)),
        "operator": AppRule(),
        "driver": AppRule(("op.",), (driver_static_dir, common)),
    }


def scan(sources: Iterable[Path]) -> Named:
    """Return the namespaced keys and key prefixes the pages and scripts in ``sources`` quote."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for root in sources:
        for path in sorted(root.rglob("*")):
            if path.suffix not in _SCANNED or "vendor" in path.parts or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            keys.update(_LITERAL.findall(text))
            prefixes.update(a or b for a, b in _PREFIX.findall(text))
    return Named(frozenset(keys), tuple(sorted(prefixes)))


def select(catalogue: Mapping[str, str], rule: AppRule, named: Named) -> dict[str, str]:
    """Return the part of ``catalogue`` an app with ``rule`` and ``named`` keys gets, in order."""
    return {
        key: text
        for key, text in catalogue.items()
        if not key.startswith(rule.without) or key in named.keys or key.startswith(named.prefixes)
    }


class Catalogues:
    """The apps' catalogues, built on first use and kept until their file changes.

    With ``enabled`` false every app gets its language's whole file, as before
    (the page benchmark's comparison).
    """

    def __init__(self, lang_dir: Path, rules: Mapping[str, AppRule], *, enabled: bool = True):
        self.lang_dir = lang_dir
        self.rules = dict(rules)
        self.enabled = enabled
        self.named = {app: scan(rule.sources) for app, rule in self.rules.items()}
        self._built: dict[tuple[str, str], tuple[tuple[int, int], bytes]] = {}

    def body(self, app: str, code: str) -> bytes | None:
        """Return the JSON ``app`` gets for language ``code``; ``None`` if either is unknown."""
        rule = self.rules.get(app)
        path = self.lang_dir / f"{code}.json"
        if rule is None or not _CODE.match(code) or code == "languages" or not path.is_file():
            return None
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        kept = self._built.get((app, code))
        if kept is not None and kept[0] == stamp:
            return kept[1]
        data = path.read_bytes()
        if self.enabled:
            part = select(json.loads(data), rule, self.named[app])
            data = json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode()
        self._built[(app, code)] = (stamp, data)
        return data
