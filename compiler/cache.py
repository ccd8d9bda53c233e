"""Compiled products kept between runs: `garant eval`/`garant run` on a
product nobody changed skip parsing and checking it.

    key = product_key(sources)          # None: caching is off
    entry = lookup(key)                 # None: not there, or not to be trusted
    store(key, Entry(...))              # after a check with no error

An entry is the generated module's text (what `load_module` executes),
its module and file names, and the warnings the check gave — so a cached
run can say them again. It is keyed by a SHA-256 of everything the module
is a function of: the product's source (text and path as given), every
regime source it may read (the bundled stdlib's and the user's
`--regime` files), Garant's version, a fingerprint of Garant's own
code (each module's name, size and modification time: a changed compiler
must not reuse an old module in development either) and today's date (a
contract without `effective` is judged at it).

Entries are read as untrusted: a file that is not valid JSON, lacks a
field, carries another key, or whose content does not match the SHA-256
stored beside it is ignored (and rewritten by the next compile). Only a
check without errors is stored: an error is never cached as success. The
folder is `core.cachedir.cache_folder()` (`GARANT_CACHE_DIR`,
`GARANT_NO_CACHE=1`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.util
import json
import marshal
import os
import sys
import types
from importlib import resources
from pathlib import Path

import attrs

import garant
from garant.core.cachedir import cache_folder, write_atomically
from garant.dsl.diagnostics import Diagnostic, Severity
from garant.dsl.source import SourceFile, Span

FORMAT = 4  # bump when an entry's layout changes
_SUBFOLDER = "products"


@attrs.frozen
class Entry:
    module: str  # the generated Python source
    name: str  # its module name (`garant_generated.…`)
    filename: str  # `<garant:path>`
    warnings: tuple[Diagnostic, ...] = ()  # and notes: what a check says besides errors
    code: bytes | None = None  # `marshal` of the module's code object (compiling 1 MB of Python costs more than checking)
    regime: tuple[str, str, str] | None = None  # (source, name, filename) of the regime module the product imports

    def code_object(self) -> types.CodeType:
        """The module's code: unmarshalled when stored (same Python: the
        key has its version and bytecode magic), else compiled."""
        if self.code is not None:
            try:
                code = marshal.loads(self.code)
                if isinstance(code, types.CodeType):
                    return code
            except (ValueError, EOFError, TypeError):
                pass
        return compile(self.module, self.filename, "exec")


def _code_fingerprint() -> str:
    """Name, size and mtime of every file of Garant's own code that can
    change a generated module (not the test or docs files)."""
    root = Path(garant.__file__).parent
    h = hashlib.sha256()
    for sub in ("dsl", "compiler", "core", "stdlib"):
        for dirpath, dirnames, filenames in os.walk(root / sub):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".lark", ".garant", ".j2", ".jinja", ".txt", ".tmpl")):
                    st = os.stat(os.path.join(dirpath, name))
                    h.update(f"{os.path.relpath(os.path.join(dirpath, name), root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


_FINGERPRINT: str | None = None


def product_key(sources: list[SourceFile], stdlib: list[SourceFile]) -> str | None:
    """The entry's key for a product compiled from `sources` (the product
    first, then the user's regimes) over the bundled `stdlib`; None when
    caching is off."""
    global _FINGERPRINT
    if cache_folder(create=False) is None:
        return None
    if _FINGERPRINT is None:
        _FINGERPRINT = _code_fingerprint()
    h = hashlib.sha256()
    # Today's date too: a contract without `effective` is judged at today's date.
    parts = (f"garant {garant.__version__}", f"format {FORMAT}", f"python {sys.version_info[:2]} {importlib.util.MAGIC_NUMBER.hex()}",
             _FINGERPRINT, dt.date.today().isoformat())
    for part in parts:
        _feed(h, part)
    for group, files in (("sources", sources), ("stdlib", stdlib)):
        _feed(h, group)
        for s in files:
            _feed(h, s.path)
            _feed(h, s.text)
    return h.hexdigest()


def _feed(h, text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    h.update(len(data).to_bytes(8, "big"))  # lengths first: no two lists of texts feed the same bytes
    h.update(data)


def _path(key: str) -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    return folder / _SUBFOLDER / f"{key}.json"


def lookup(key: str | None) -> Entry | None:
    """The entry stored under `key`, or None (absent, or not to be trusted)."""
    if key is None:
        return None
    path = _path(key)
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        body = data["body"]
        if data.get("sha256") != _digest(body) or body.get("format") != FORMAT or body.get("key") != key:
            return None
        code = base64.b64decode(body["code"], validate=True) if body.get("code") else None
        regime = body.get("regime")
        regime = None if regime is None else tuple(str(x) for x in regime)
        if regime is not None and len(regime) != 3:
            return None
        return Entry(body["module"], body["name"], body["filename"], tuple(_diagnostic(d) for d in body["warnings"]), code, regime)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def store(key: str | None, entry: Entry) -> bool:
    """Keep `entry` under `key` (atomically); False when it could not."""
    if key is None:
        return False
    path = _path(key)
    if path is None:
        return False
    body = {
        "format": FORMAT,
        "key": key,
        "module": entry.module,
        "name": entry.name,
        "filename": entry.filename,
        "warnings": [_plain(d) for d in entry.warnings],
        "code": base64.b64encode(entry.code).decode("ascii") if entry.code else None,
        "regime": list(entry.regime) if entry.regime else None,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    text = json.dumps({"sha256": _digest(body), "body": body}, ensure_ascii=False)
    return write_atomically(path, text.encode("utf-8"))


def _digest(body) -> str:
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _plain(d: Diagnostic) -> dict:
    span = None if d.span is None else [d.span.file, d.span.line, d.span.column, d.span.end_line, d.span.end_column]
    return {"severity": d.severity.value, "span": span, "message": d.message, "hint": d.hint, "code": d.code}


def _diagnostic(x: dict) -> Diagnostic:
    span = None if x["span"] is None else Span(*x["span"])
    return Diagnostic(Severity(x["severity"]), span, x["message"], x["hint"], x["code"])


# ------------------------------------------------------------ sources
def read_sources(paths) -> list[SourceFile] | None:
    """The files as the pipeline reads them (`dsl.pipeline.read`, folders
    searched for *.garant: the same paths and texts), or None when one
    cannot be read — then the pipeline reads them and says why. Read here
    so that a cached run need not import the front end, and so that what
    is compiled on a miss is exactly what was hashed."""
    out = []
    for p in paths:
        p = Path(p)
        files = sorted(p.rglob("*.garant")) if p.is_dir() else [p]
        for f in files:
            try:
                out.append(SourceFile(str(f), f.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                return None
    return out


def stdlib_sources() -> list[SourceFile]:
    """The bundled regimes, as `dsl.pipeline.stdlib_sources` reads them."""
    root = resources.files("garant.stdlib")
    return [SourceFile(f"stdlib/{e.name}", e.read_text(encoding="utf-8")) for e in sorted(root.iterdir(), key=lambda e: e.name) if e.name.endswith(".garant")]
