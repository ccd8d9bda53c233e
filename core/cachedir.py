"""Where Garant keeps what it can reuse between runs, and how it writes there.

    folder = cache_folder()            # None: caching is off
    write_atomically(folder / "x", b"...")

The folder is `$GARANT_CACHE_DIR` when set, else `$XDG_CACHE_HOME/garant`,
else `~/.cache/garant`; `GARANT_NO_CACHE=1` turns every cache off. Both
the front end (Lark's grammar tables, `dsl/parser.py`) and the driver (a
compiled product, `compiler/cache.py`) use it, which is why it lives here
(standard library only).

A cache is an optimisation, never a requirement: a folder that cannot be
created or written gives `None` or a failed write, and the caller simply
computes. A file is written under a temporary name and renamed into place,
so a reader sees either nothing or a whole file, never half of one (two
processes writing the same entry both write whole files; the last rename
wins).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_OFF = {"1", "true", "yes", "on"}


def cache_disabled() -> bool:
    return os.environ.get("GARANT_NO_CACHE", "").strip().lower() in _OFF


def cache_folder(create: bool = True) -> Path | None:
    """The cache folder (created when asked), or None when caching is off
    or the folder cannot be made."""
    if cache_disabled():
        return None
    explicit = os.environ.get("GARANT_CACHE_DIR")
    if explicit:
        folder = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "garant"
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
    return folder


def write_atomically(path: Path, data: bytes) -> bool:
    """Write `data` to `path` whole or not at all; False when it could not."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
