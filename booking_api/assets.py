"""Versioned static assets: one build id per set of files, cached for a year by browsers.

The apps are plain ES modules that import each other by absolute paths
(``/static/common/i18n.js``), so there is no bundler to give files hashed names.
Instead the server takes one content hash over every file it serves (the *build
id*) and rewrites the absolute ``/static/`` and ``/driver/static/`` references in
the pages, scripts, styles and service workers it sends to
``/static/v/<build>/…``. A versioned URL never changes meaning, so it is served
``immutable`` with a year's ``max-age``: a repeat visit sends one request for the
page (answered ``304`` when nothing changed) and none for its assets. A new
release changes the build id, hence every URL, so no browser keeps an old script
(the service workers' bytes change too, so they update themselves). Relative
references (``./lang/ja.json``, a stylesheet's ``url(…)``) resolve under the
versioned URL by themselves. The unversioned paths keep working, revalidated on
every use, for anything that links to them directly.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Text assets whose absolute references are rewritten; other files are sent as they are.
REWRITTEN = frozenset({".html", ".js", ".mjs", ".css", ".json", ".webmanifest"})
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# An absolute reference to our static trees right after a quote, backtick or "url(".
_REFERENCE = re.compile(rb"""(?P<lead>["'`(])(?P<root>/driver/static/|/static/)(?!v/)""")


_IMPORT = re.compile(
    rb"""^\s*(?:import|export)\b[^;'"]*?(?:\bfrom\s*)?["']([^"']+\.m?js)["']""", re.M
)
_MODULE_SCRIPT = re.compile(rb"""<script\s+type="module"\s+src="([^"]+)"></script>""")
# The app a page names (<html data-app="resident">): i18n.js loads that app's catalogue.
_PAGE_APP = re.compile(rb'<html\b[^>]*\bdata-app="([a-z]+)"')


def module_graph(entry: str, resolve: Callable[[str], Path | None]) -> list[str]:
    """Return the URL paths of every module ``entry`` imports, directly or not.

    ``resolve`` maps a URL path to its file (``None`` if it is not ours). Only
    static ``import … from "…"`` lines count: what a page needs before it runs.
    """
    seen: list[str] = []
    todo = [entry]
    while todo:
        url = todo.pop()
        path = resolve(url)
        if path is None or url in seen:
            continue
        seen.append(url)
        for m in _IMPORT.finditer(path.read_bytes()):
            ref = m.group(1).decode()
            todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(url), ref)))
    return seen[1:]


@dataclass(frozen=True)
class Assets:
    """The build id of the static files (``None``: versioning is off, as before)."""

    build: str | None

    @classmethod
    def scan(cls, roots: tuple[Path, ...], *, enabled: bool = True) -> Assets:
        """Return the assets of ``roots`` with a build id over every file's path and bytes.

        With ``enabled`` false nothing is rewritten and every asset is revalidated on
        each use (the baseline the page benchmark compares against).
        """
        if not enabled:
            return cls(None)
        digest = hashlib.sha256()
        for root in roots:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        return cls(digest.hexdigest()[:12])

    def prefix(self, root: str) -> str:
        """Return where ``root`` (``/static/`` or ``/driver/static/``) is served versioned."""
        return root if self.build is None else f"{root}v/{self.build}/"

    def rewrite(self, data: bytes, suffix: str) -> bytes:
        """Return ``data`` with its absolute static references pointed at this build."""
        if self.build is None or suffix not in REWRITTEN:
            return data
        build = self.build.encode()
        return _REFERENCE.sub(
            lambda m: m.group("lead") + m.group("root") + b"v/" + build + b"/", data
        )

    def preload_page(self, html: bytes, resolve: Callable[[str], Path | None]) -> bytes:
        """Return ``html`` with preload hints for its modules and message catalogues.

        Without them the browser finds each module only after the one importing
        it has arrived, and the catalogues after the modules: on a 400 ms line
        that chain, not the bytes, is what makes the first screen slow.
        """
        if self.build is None:
            return html
        urls: list[str] = []
        for m in _MODULE_SCRIPT.finditer(html):
            for url in module_graph(m.group(1).decode(), resolve):
                if url not in urls:
                    urls.append(url)
        if not urls:
            return html
        links = [f'<link rel="modulepreload" href="{u}">' for u in urls]
        if "/static/common/i18n.js" in urls:
            app = _PAGE_APP.search(html)
            base = f"{app.group(1).decode()}/ja.json" if app else "ja.json"
            links += [
                f'<link rel="preload" as="fetch" crossorigin href="/static/common/lang/{name}">'
                for name in ("languages.json", base)
            ]
        return html.replace(b"</head>", ("\n".join(links) + "\n</head>").encode(), 1)

    def etag(self, path: Path) -> str:
        """Return the entity tag of a rewritten file: its build, size and change time."""
        st = path.stat()
        tag = hashlib.sha256(f"{self.build}:{path}:{st.st_size}:{st.st_mtime_ns}".encode())
        return f'"{tag.hexdigest()[:16]}"'
